"""Server-side bar charts as inline SVG: no script, no external asset (strict CSP).

`chart_figure(bars, title=…)` returns markup to put straight into a template
(`{{ chart }}`): a figure with the title as its visible caption around
`bar_chart`'s SVG. The chart is an image with a text alternative: it carries
`role="img"`, a `<title>` and a `<desc>` listing every value, and each bar is
labelled with its name and its number, so nothing is told by colour or length
alone. Any page may use it (owner overview, reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Geometry in SVG user units; the SVG scales to its container's width.
WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 56
BAR_HEIGHT = 22
GAP = 10
PADDING = 8
# #0b5394 on white: contrast 7.9:1 (WCAG 2.1 AA needs 3:1 for graphics).
BAR_COLOUR = "#0b5394"
TEXT_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    """One bar: what it is and how much."""

    label: str
    value: float


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


# What fits in LABEL_WIDTH at font size 14 (wide glyphs included).
LABEL_CHARS = 22


def _clip(label: str, limit: int = LABEL_CHARS) -> str:
    # Long names are cut in the drawing; the full text stays in <desc> and <title>.
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(
    bars: Sequence[Bar | tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    css_class: str = "chart",
) -> Markup:
    """A horizontal bar chart of `bars` as inline SVG markup (labels are escaped).

    Bars are drawn in the order given, scaled to the largest value (all-zero
    data draws no bar but still prints every 0). `unit` follows each number
    in the text alternative.
    """
    items = [b if isinstance(b, Bar) else Bar(str(b[0]), float(b[1])) for b in bars]
    top = max((b.value for b in items), default=0.0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * PADDING
    height = PADDING * 2 + max(1, len(items)) * (BAR_HEIGHT + GAP) - GAP
    suffix = f" {unit}" if unit else ""
    desc = "; ".join(f"{b.label}: {_number(b.value)}{suffix}" for b in items) or "-"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="{escape(title)}" focusable="false">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
    ]
    for i, bar in enumerate(items):
        y = PADDING + i * (BAR_HEIGHT + GAP)
        length = 0.0 if top <= 0 else max(0.0, bar.value) / top * span
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{middle:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}" font-size="14">'
            f"{escape(_clip(bar.label))}</text>"
        )
        if length > 0:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{middle:.1f}" '
            f'dominant-baseline="middle" fill="{TEXT_COLOUR}" font-size="14">'
            f"{escape(_number(bar.value))}</text>"
        )
    parts.append("</svg>")
    # Every piece of user text above went through escape(): the result is safe markup.
    return Markup("".join(parts))


def chart_figure(
    bars: Sequence[Bar | tuple[str, float]],
    *,
    title: str,
    unit: str = "",
    css_class: str = "chart",
) -> Markup:
    """`bar_chart` in a figure whose visible caption is `title` (escaped).

    The figure scrolls sideways on a narrow screen rather than shrink the
    chart's text below reading size; it takes the keyboard focus so that
    keyboard users can scroll it too.
    """
    svg = bar_chart(bars, title=title, unit=unit, css_class=css_class)
    return Markup(
        f'<figure class="wb-chart" tabindex="0"><figcaption>{escape(title)}</figcaption>'
        f"{svg}</figure>"
    )
