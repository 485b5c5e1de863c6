"""Inline SVG bar charts: readable without colour, safe with any label, no script."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tukiverkko.platform.pages.charts import LABEL_CHARS, Bar, bar_chart, chart_figure

SVG = "{http://www.w3.org/2000/svg}"


def test_a_chart_is_an_image_with_every_value_in_text() -> None:
    svg = bar_chart([("Turku", 12), Bar("Kuopio", 3), ("Oulu", 0)], title="Active matches")
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-label") == "Active matches"
    assert root.find(f"{SVG}title").text == "Active matches"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Turku: 12; Kuopio: 3; Oulu: 0"  # type: ignore[union-attr]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Turku", "12", "Kuopio", "3", "Oulu", "0"]  # names and numbers, in order
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] > widths[1] > 0  # scaled to the largest; no bar for 0


def test_labels_are_escaped_and_nothing_runs() -> None:
    svg = str(bar_chart([('<script>alert(1)</script>"', 1)], title="<b>x</b>"))
    assert "<script" not in svg and "<b>" not in svg
    ET.fromstring(svg)  # still well-formed


def test_empty_and_all_zero_data_draw_no_bars() -> None:
    for bars in ([], [("A", 0), ("B", 0)]):
        root = ET.fromstring(str(bar_chart(bars, title="t")))
        assert list(root.iter(f"{SVG}rect")) == []


def test_a_figure_names_its_chart_in_a_visible_caption() -> None:
    name = "Pienperheyhdistys ry, Jyväskylän seudun toiminta"
    figure = ET.fromstring(str(chart_figure([(name, 4)], title="Active <volunteers>")))
    assert figure.tag == "figure" and figure.get("tabindex") == "0"  # scrolls by keyboard too
    caption = figure.find("figcaption")
    assert caption is not None and caption.text == "Active <volunteers>"  # escaped, shown as is
    svg = figure.find(f"{SVG}svg")
    assert svg is not None and svg.get("aria-label") == "Active <volunteers>"
    label = next(svg.iter(f"{SVG}text")).text or ""
    # A long name is cut to what fits beside the bars; the whole name stays in the text alternative.
    assert len(label) == LABEL_CHARS and label.endswith("…") and name.startswith(label[:-1])
    assert name in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
