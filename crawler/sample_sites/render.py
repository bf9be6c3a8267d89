"""Render a report document (document.py) as an HTML fragment, a DOCX file or a PDF file.

All three outputs are byte-for-byte deterministic: DOCX is re-zipped with fixed timestamps
and fixed core properties, and reportlab runs with invariant=1.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from html import escape

from .document import Block, Cell, Table, place

# ---------------------------------------------------------------------------- HTML

_WORD_TD = "BORDER-BOTTOM: windowtext 1pt solid; BORDER-LEFT: {left}; WIDTH: {w}pt; BORDER-TOP: {top}; BORDER-RIGHT: windowtext 1pt solid"
_WORD_P = "TEXT-ALIGN: {align}; LINE-HEIGHT: 22pt; MARGIN: 0pt"
_WORD_SPAN = "FONT-FAMILY: 仿宋_GB2312; FONT-SIZE: 12pt"
_MSO_TABLE = (
    "border-collapse:collapse;width:434.9500pt;border:none;\n"
    "mso-border-left-alt:0.5000pt solid windowtext;mso-border-top-alt:0.5000pt solid windowtext;"
    "mso-border-right-alt:0.5000pt solid windowtext;\nmso-border-bottom-alt:0.5000pt solid windowtext;"
    "mso-border-insideh:0.5000pt solid windowtext;mso-border-insidev:0.5000pt solid windowtext;\n"
    "mso-padding-alt:0.0000pt 0.0000pt 0.0000pt 0.0000pt ;"
)
# Line breaks inside style="" are real: Word's HTML export wraps long mso-* declarations.
_MSO_TD = "width:{w}pt;padding:0pt;border:1.0000pt solid windowtext;\nmso-border-alt:0.5000pt solid windowtext;"
_MSO_SPAN = "font-family:仿宋_GB2312;font-size:12pt;"


def _esc(text: str) -> str:
    # &nbsp; must stay an entity: U+00A0 has no GBK code and real editors write the entity.
    return escape(text, quote=False).replace("\xa0", "&nbsp;")


def _attrs(cell: Cell) -> str:
    out = ""
    if cell.rowspan > 1:
        out += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        out += f' colspan="{cell.colspan}"'
    return out


def _cell_html(cell: Cell, style: str, col: int, first_row: bool, counter: list[int]) -> str:
    counter[0] += 1
    align = "center" if cell.kind in ("value", "header") else "left"
    width = 42.5 * cell.colspan if cell.kind != "label" else 61.75 * cell.colspan
    lines = cell.text.split("\n")
    if style == "word":
        td_style = _WORD_TD.format(
            left="windowtext 1pt solid" if col == 0 else "medium none",
            top="windowtext 1pt solid" if first_row else "medium none",
            w=f"{width:g}",
        )
        spans = f'<span style="{_WORD_SPAN}"><br/></span>'.join(
            f'<span style="{_WORD_SPAN}">{_esc(t)}</span>' for t in lines
        )
        # Word/IE exports leave some numbers bare in the <td>, like Pingtan's 2019 report.
        if cell.kind == "value" and counter[0] % 9 == 0:
            inner = _esc(cell.text)
        else:
            inner = f'<p style="{_WORD_P.format(align=align)}">{spans}</p>'
        return f'<td style="{td_style}" valign="center"{_attrs(cell)} width="{int(width * 4 / 3)}">{inner}</td>'
    if style == "mso":
        body = "<br/>".join(_esc(t) for t in lines)
        # Numbers padded with a trailing &nbsp; span, as Word-to-HTML editors do.
        pad = "<span>&nbsp;</span>" if cell.kind == "value" else ""
        return (
            f'<td width="{int(width * 4 / 3)}" valign="center"{_attrs(cell)} style="{_MSO_TD.format(w=f"{width:.4f}")}">'
            f'<p class="p" style="margin:0pt;text-align:{align};">'
            f'<span style="{_MSO_SPAN}">{body}</span>{pad}</p></td>'
        )
    body = "<br />".join(_esc(t) for t in lines)
    return f'<td{_attrs(cell)} style="text-align:{align};">{body}</td>'


def table_html(table: Table, style: str) -> str:
    if style == "word":
        head = (
            '<table style="BORDER-BOTTOM: medium none; BORDER-LEFT: medium none; WIDTH: 420.05pt; '
            "BORDER-COLLAPSE: collapse; FONT-FAMILY: &#39;Times New Roman&#39;; FONT-SIZE: 10pt; "
            'BORDER-TOP: medium none; BORDER-RIGHT: medium none" border="0" cellspacing="0"><tbody>'
        )
    elif style == "mso":
        head = (
            f'<table class="MsoNormalTable" border="1" cellspacing="0" style="{_MSO_TABLE}"><tbody>'
        )
    else:
        head = '<table border="1" cellspacing="0" cellpadding="0" width="100%" style="border-collapse:collapse;"><tbody>'
    placed, _ = place(table.rows)
    starts = {id(cell): c for _, c, cell in placed}
    counter = [0]
    out = [head]
    for r, row in enumerate(table.rows):
        tr = ' class="firstRow"' if r == 0 and style != "plain" else ""
        height = (
            ' style="HEIGHT: 26.15pt"'
            if style == "word"
            else ' style="height:28.9500pt;"'
            if style == "mso"
            else ""
        )
        cells = "".join(_cell_html(cell, style, starts[id(cell)], r == 0, counter) for cell in row)
        out.append(f"<tr{height}{tr}>{cells}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _para_html(block: Block, style: str) -> str:
    text = _esc(block.text)
    if style == "word":
        base = "TEXT-JUSTIFY: inter-ideograph; LINE-HEIGHT: 29.5pt; MARGIN: 0pt; FONT-FAMILY: 仿宋_GB2312; FONT-SIZE: 16pt"
        font = {
            "title": "方正小标宋简体; FONT-SIZE: 22pt",
            "heading": "黑体; FONT-SIZE: 16pt",
            "subheading": "楷体_GB2312; FONT-SIZE: 16pt",
        }.get(block.kind, "仿宋_GB2312; FONT-SIZE: 16pt")
        align = {"title": "text-align:center;", "sign": "text-align:right;"}.get(
            block.kind, "TEXT-INDENT: 34pt; "
        )
        return f'<p style="{align}{base}"><span style="FONT-FAMILY: {font}">{text}</span></p>'
    if style == "mso":
        align = {"title": "center", "sign": "right"}.get(block.kind, "justify")
        indent = "" if block.kind in ("title", "sign") else "text-indent:32.0000pt;"
        font = {"title": "方正小标宋简体", "heading": "黑体", "subheading": "楷体_GB2312"}.get(
            block.kind, "仿宋_GB2312"
        )
        return (
            f'<p class="p" style="margin:0pt;{indent}text-align:{align};line-height:28pt;">'
            f'<span style="font-family:{font};font-size:16pt;">{text}</span></p>'
        )
    if block.kind == "title":
        return f'<p style="text-align:center;"><strong>{text}</strong></p>'
    if block.kind == "sign":
        return f'<p style="text-align:right;">{text}</p>'
    if block.kind == "heading":
        return f'<p style="text-indent:2em;"><strong>{text}</strong></p>'
    return f'<p style="text-indent:2em;">{text}</p>'


def blocks_html(blocks: list[Block], style: str) -> str:
    """The report body as an HTML fragment in the given editor style."""
    out: list[str] = []
    for block in blocks:
        if block.kind == "table":
            assert block.table is not None
            out.append(table_html(block.table, style))
        else:
            out.append(_para_html(block, style))
    return "\n".join(out)


# ---------------------------------------------------------------------------- DOCX

FIXED_TIME = dt.datetime(2024, 1, 1, 8, 0, 0)


def repack(data: bytes) -> bytes:
    """Re-zip with fixed timestamps: python-docx stamps each member with the current time."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def docx_bytes(blocks: list[Block], author: str, modified: dt.datetime | None = None) -> bytes:
    """The report as a Word document with real merged cells."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    when = modified or FIXED_TIME
    props = document.core_properties
    props.author = author
    props.last_modified_by = author
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    props.title = ""
    for block in blocks:
        if block.kind == "table":
            assert block.table is not None
            _docx_table(document, block.table)
            continue
        para = document.add_paragraph()
        run = para.add_run(block.text)
        if block.kind == "title":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(18)
        elif block.kind == "heading":
            run.bold = True
        elif block.kind == "sign":
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            para.paragraph_format.first_line_indent = Pt(24)
    buf = io.BytesIO()
    document.save(buf)
    return repack(buf.getvalue())


def _docx_table(document: object, table: Table) -> None:
    placed, ncols = place(table.rows)
    grid = document.add_table(rows=len(table.rows), cols=ncols)  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    for r, c, cell in placed:
        target = grid.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(grid.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        lines = cell.text.split("\n")
        para = target.paragraphs[0]
        run = para.add_run(lines[0])
        for extra in lines[1:]:
            run.add_break()
            run = para.add_run(extra)


# ---------------------------------------------------------------------------- PDF

_FONT = "STSong-Light"


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))


def pdf_bytes(blocks: list[Block], title: str, author: str) -> bytes:
    """The report as a text PDF (A4, ruled tables, CID font so text extracts as Unicode)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    _register_font()
    body = ParagraphStyle("body", fontName=_FONT, fontSize=11, leading=18, firstLineIndent=22)
    styles = {
        "title": ParagraphStyle(
            "title", fontName=_FONT, fontSize=16, leading=26, alignment=TA_CENTER
        ),
        "heading": ParagraphStyle(
            "heading", fontName=_FONT, fontSize=12, leading=20, spaceBefore=6
        ),
        "subheading": ParagraphStyle(
            "sub", fontName=_FONT, fontSize=11, leading=18, firstLineIndent=22
        ),
        "sign": ParagraphStyle("sign", fontName=_FONT, fontSize=11, leading=18, alignment=TA_RIGHT),
        "para": body,
    }
    cell_style = ParagraphStyle(
        "cell", fontName=_FONT, fontSize=7.5, leading=9.5, alignment=TA_CENTER
    )
    label_style = ParagraphStyle("label", fontName=_FONT, fontSize=7.5, leading=9.5)
    story: list[object] = []
    for block in blocks:
        if block.kind != "table":
            story.append(Paragraph(_esc_rl(block.text), styles[block.kind]))
            continue
        assert block.table is not None
        placed, ncols = place(block.table.rows)
        data: list[list[object]] = [[""] * ncols for _ in block.table.rows]
        commands: list[tuple[object, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("FONTNAME", (0, 0), (-1, -1), _FONT),
        ]
        for r, c, cell in placed:
            style = label_style if cell.kind in ("label", "caption") else cell_style
            data[r][c] = Paragraph(_esc_rl(cell.text).replace("\n", "<br/>"), style)
            if cell.rowspan > 1 or cell.colspan > 1:
                commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
        story.append(Spacer(1, 4))
        story.append(
            RLTable(data, colWidths=block.table.widths or None, style=TableStyle(commands))
        )
        story.append(Spacer(1, 6))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        invariant=1,
        title=title,
        author=author,
        creator="",
        producer="",
        leftMargin=42,
        rightMargin=42,
        topMargin=56,
        bottomMargin=56,
    )
    doc.build(story)
    return buf.getvalue()


def _esc_rl(text: str) -> str:
    return escape(text, quote=False).replace("\xa0", " ")
