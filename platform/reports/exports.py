"""Reports as files: CSV, XLSX (openpyxl) and a printable PDF (fpdf2), in the reader's language.

A report is first laid out as a `Document` (titled tables of rows), then
written in a format. The layout takes the report as the service made it: a
model owner's report arrives already suppressed, so no format can show what
the service did not (`service.suppress`). Headings are rendered in the
current locale: Finnish unless the requester asks for Swedish or English.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _

from tukiverkko.platform.plugins import ReportSection
from tukiverkko.platform.reports.service import OwnerReport, TenantReport

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}

Cell = str | int | float


@dataclass
class Table:
    """One titled table: a header row, then rows whose first cell is the label."""

    title: str
    columns: list[str]
    rows: list[list[Cell]]
    # Rows that are parts of the row above them (shown indented).
    parts: set[int] = field(default_factory=set)


@dataclass
class Document:
    title: str
    lines: list[str]
    tables: list[Table]


def _period(report: TenantReport | OwnerReport) -> str:
    p = report.period
    return _("Period: %(since)s to %(until)s", since=p.since.isoformat(), until=p.until.isoformat())


def _tables(
    titles: Sequence[ReportSection], columns: list[str], values: list[dict[str, Cell]]
) -> list[Table]:
    """A table per section of `titles`, one column per entry of `values`."""
    out = []
    for section in titles:
        table = Table(str(section.title), [str(section.title), *columns], [])
        for r in section.rows:
            if r.part_of is not None:
                table.parts.add(len(table.rows))
            table.rows.append([str(r.label), *(v.get(r.key, 0) for v in values)])
        out.append(table)
    return out


def tenant_document(report: TenantReport) -> Document:
    """A partner's report: a column per programme, and the total when there are several."""
    columns = [p.name for p in report.programmes]
    values = [{r.key: r.value for s in p.sections for r in s.rows} for p in report.programmes]
    if len(report.programmes) != 1:
        columns.append(_("Total"))
        values.append({r.key: r.value for s in report.total for r in s.rows})
    return Document(
        title=_("Report: %(organisation)s", organisation=report.organisation),
        lines=[_period(report), *(str(n) for n in report.notes)],
        tables=_tables(report.total, columns, values),
    )


def owner_document(report: OwnerReport) -> Document:
    """A model owner's report: headline figures per partner, then every section in total."""
    partners = Table(
        _("Partners"),
        [_("Figure"), *(p.name for p in report.partners), _("All partners")],
        [],
    )
    totals = {r.key: r.value for s in report.total for r in s.rows}
    for h in report.headline:
        partners.rows.append(
            [str(h.label), *(p.figures.get(h.key, "") for p in report.partners), totals[h.key]]
        )
    tables = [partners]
    for section in report.total:
        table = Table(str(section.title), [str(section.title), _("All partners")], [])
        for r in section.rows:
            if r.part_of is not None:
                table.parts.add(len(table.rows))
            table.rows.append([str(r.label), r.value])
        tables.append(table)
    return Document(
        title=_("Report: %(model)s", model=report.model_name),
        lines=[_period(report), *(str(n) for n in report.notes)],
        tables=tables,
    )


def document(report: TenantReport | OwnerReport) -> Document:
    """The layout of either kind of report."""
    if isinstance(report, OwnerReport):
        return owner_document(report)
    return tenant_document(report)


# --- formats ---------------------------------------------------------------------


def to_csv(doc: Document) -> bytes:
    """Comma-separated, UTF-8 with a byte-order mark (so spreadsheets read ä and ö)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([doc.title])
    for line in doc.lines:
        writer.writerow([line])
    for table in doc.tables:
        writer.writerow([])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(doc: Document) -> bytes:
    """One worksheet: title, notes, then the tables one under the other; numbers stay numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Report")[:31]
    sheet.append([doc.title])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    for line in doc.lines:
        sheet.append([line])
    widest = 10
    for table in doc.tables:
        sheet.append([])
        sheet.append(table.columns)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for i, row in enumerate(table.rows):
            sheet.append(row)
            if i in table.parts:
                sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(indent=2)
            widest = max(widest, len(str(row[0])))
    sheet.column_dimensions["A"].width = min(widest + 4, 60)
    for column in range(2, sheet.max_column + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The PDF's built-in fonts cover Latin-1 (ä, ö, å): a few common characters
# outside it are replaced rather than shipping a font file.
_PDF_REPLACE = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
    }
)


def _pdf_text(value: Cell) -> str:
    if isinstance(value, float):
        text = format_decimal(value, format="#,##0.#")
    elif isinstance(value, int):
        text = format_decimal(value, format="#,##0")
    else:
        text = value
    return text.translate(_PDF_REPLACE).encode("latin-1", "replace").decode("latin-1")


def to_pdf(doc: Document) -> bytes:
    """A printable A4 document (landscape when the tables are wide)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    widest = max((len(t.columns) for t in doc.tables), default=2)
    pdf = FPDF(orientation="L" if widest > 4 else "P", format="A4")
    pdf.set_title(_pdf_text(doc.title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, _pdf_text(doc.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for line in doc.lines:
        pdf.multi_cell(0, 5, _pdf_text(line), new_x="LMARGIN", new_y="NEXT")
    size = 9 if widest <= 6 else 7
    for table in doc.tables:
        pdf.ln(4)
        pdf.set_font("Helvetica", "", size)
        label_share = 3 if len(table.columns) <= 4 else 2
        widths = (label_share, *([1] * (len(table.columns) - 1)))
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT", *(["RIGHT"] * (len(table.columns) - 1))),
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 240)),
            line_height=size * 0.55,
        ) as grid:
            head = grid.row()
            for title in table.columns:
                head.cell(_pdf_text(title))
            for i, row in enumerate(table.rows):
                cells = grid.row()
                label = ("    " if i in table.parts else "") + _pdf_text(row[0])
                cells.cell(label)
                for value in row[1:]:
                    cells.cell(_pdf_text(value))
    return bytes(pdf.output())


def render(report: TenantReport | OwnerReport, fmt: str) -> bytes:
    """The report as a file of format `fmt` (csv, xlsx or pdf)."""
    doc = document(report)
    writers: dict[str, Any] = {"csv": to_csv, "xlsx": to_xlsx, "pdf": to_pdf}
    return writers[fmt](doc)
