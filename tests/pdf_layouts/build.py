"""Test PDFs of the national tables printed the way offices print them, made at test time by
real toolchains: python-docx tables → LibreOffice → PDF, and HTML → Chromium's own print.

Layouts vary with a seed: column widths so narrow that header labels (自然/人, 结果/维持)
and row labels (2.其他法律行政法规禁止/公开) wrap inside their cells, the corner note of
section 三, and the header rows merged in different ways. The numbers come from the corpus
generator (tests/corpus/generate.py, seeded), so every printed cell is known.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from html import escape
from pathlib import Path

from crawler.sample_sites.document import Cell, Table, application_tables, place, review_table
from crawler.sample_sites.reports import ReportSpec
from crawler.sample_sites.templates import HEADER_NOTE, SECTION_HEADINGS
from tests.corpus.generate import make_cells, spec

# Header layouts of section 三 ("standard" is the templates'; the other two are merges a local
# copy of the 2019 template may make, invented here to vary the structure, not taken from a
# real report):
#   "standard"  corner note rowspan 3 × colspan 3, 申请人情况 over seven columns
#   "corner2"   the note spans the two upper header rows only, and the label columns of the
#               third header row are a blank cell of their own
#   "flat"      no 申请人情况 row: the note over two rows, 自然人 and 总计 rowspan 2
HEADER_LAYOUTS = ("standard", "corner2", "flat")


@dataclass
class Layout:
    """One printed document: which template, which numbers, how narrow, how merged."""

    id: str
    template: str
    volume: int
    header: str = "standard"
    label_widths: tuple[float, float, float] = (1.2, 1.6, 3.2)  # cm: level 1 | 2 | 3
    value_width: float = 1.1  # cm, each of the seven applicant columns
    review_width: float = 1.0  # cm, each of section 四's fifteen columns
    note: bool = True  # the corner cell prints the 勾稽关系 note
    font_pt: float = 10.5
    # None: no row breaks across a page (w:cantSplit, break-inside: avoid). A number: section 四
    # starts on a new page after that many filler lines, and its rows may break across pages.
    filler: int | None = None
    filler_before: str = "4"  # the section ("3" or "4") the page break and filler lines precede
    repeat_header: bool = False  # the header rows repeat at the top of each page (w:tblHeader)

    def report(self) -> ReportSpec:
        cells = make_cells(self.id, self.template, self.volume, busy=True)
        year = 2020 if self.template == "2019" else 2022
        return spec(self.id, self.template, year, "示例市测试局", cells)


def seeded_layouts(seed: str, n: int, template: str, **fixed: object) -> list[Layout]:
    """n layouts drawn from `seed`: narrow enough that labels wrap (2-4 lines)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kw: dict[str, object] = {
            "label_widths": (round(rng.uniform(0.9, 1.4), 2), round(rng.uniform(1.2, 1.8), 2),
                             round(rng.uniform(2.2, 3.4), 2)),
            "value_width": round(rng.uniform(0.85, 1.25), 2),
            "review_width": round(rng.uniform(0.85, 1.05), 2),
            "volume": rng.choice([15, 60, 240, 1500]),
            "font_pt": rng.choice([10.5, 11.0, 12.0]),
        }
        kw.update(fixed)
        out.append(Layout(f"{seed}-{i}", template, **kw))  # type: ignore[arg-type]
    return out


def _header(layout: Layout) -> list[list[Cell]]:
    note = HEADER_NOTE if layout.note else ""
    orgs = ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    h = "header"
    if layout.header == "standard":
        return [
            [Cell(note, rowspan=3, colspan=3, kind=h), Cell("申请人情况", colspan=7, kind=h)],
            [Cell("自然人", rowspan=2, kind=h), Cell("法人或其他组织", colspan=5, kind=h),
             Cell("总计", rowspan=2, kind=h)],
            [Cell(t, kind=h) for t in orgs],
        ]
    if layout.header == "corner2":
        return [
            [Cell(note, rowspan=2, colspan=3, kind=h), Cell("申请人情况", colspan=7, kind=h)],
            [Cell("自然人", rowspan=2, kind=h), Cell("法人或其他组织", colspan=5, kind=h),
             Cell("总计", rowspan=2, kind=h)],
            [Cell("", colspan=3, kind=h), *(Cell(t, kind=h) for t in orgs)],
        ]
    assert layout.header == "flat"
    return [
        [Cell(note, rowspan=2, colspan=3, kind=h), Cell("自然人", rowspan=2, kind=h),
         Cell("法人或其他组织", colspan=5, kind=h), Cell("总计", rowspan=2, kind=h)],
        [Cell(t, kind=h) for t in orgs],
    ]


def tables(layout: Layout, s: ReportSpec) -> tuple[Table, Table]:
    (app,) = application_tables(s)
    body = app.rows[3:]  # the renderer's three header rows replaced by the layout's
    app = Table(_header(layout) + body, "3", [*layout.label_widths] + [layout.value_width] * 7)
    rev = review_table(s)
    rev.widths = [layout.review_width] * 15
    return app, rev


# ---------------------------------------------------------------------------- DOCX


def docx_bytes(layout: Layout) -> bytes:
    """Headings and the two tables, every column at its width (w:gridCol and w:tcW)."""
    import io

    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    s = layout.report()
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(layout.font_pt)
    normal.font.name = "Noto Sans CJK SC"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.0)
    document.add_paragraph(f"{s.agency}{s.year}年政府信息公开工作年度报告")
    for n, table in zip("34", tables(layout, s), strict=True):
        if n == layout.filler_before and layout.filler is not None:
            document.add_page_break()
            for i in range(layout.filler):
                document.add_paragraph(f"（{i + 1}）本年度工作情况说明。")
        document.add_paragraph(SECTION_HEADINGS[n])
        placed, ncols = place(table.rows)
        grid = document.add_table(rows=len(table.rows), cols=ncols)
        grid.style = "Table Grid"
        grid.autofit = False
        for c, col in enumerate(grid.columns):
            col.width = Cm(table.widths[c])
            for cell in col.cells:
                cell.width = Cm(table.widths[c])
        for r, c, cell in placed:
            target = grid.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(grid.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            target.paragraphs[0].add_run(cell.text)
        if layout.filler is None:
            for row in grid.rows:
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if layout.repeat_header:
            n_header = 1 + max(r + cell.rowspan - 1 for r, _, cell in placed
                               if cell.kind == "header")
            for row in grid.rows[:n_header]:
                row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    document.add_paragraph(SECTION_HEADINGS["5"])
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------- HTML


def html_page(layout: Layout) -> str:
    """The tables as a CMS page would print them: fixed column widths, ruled, CJK font."""
    s = layout.report()
    parts = [f"<h2>{escape(s.agency)}{s.year}年政府信息公开工作年度报告</h2>"]
    for n, table in zip("34", tables(layout, s), strict=True):
        parts.append(f"<p>{escape(SECTION_HEADINGS[n])}</p>")
        cols = "".join(f'<col style="width:{w}cm">' for w in table.widths)
        rows = []
        for row in table.rows:
            tds = "".join(
                f'<td rowspan="{c.rowspan}" colspan="{c.colspan}">{escape(c.text)}</td>' for c in row
            )
            rows.append(f"<tr>{tds}</tr>")
        parts.append(f'<table><colgroup>{cols}</colgroup>{"".join(rows)}</table>')
    style = (
        "body{font-family:'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;"
        f"font-size:{layout.font_pt}pt}}"
        "table{border-collapse:collapse;table-layout:fixed;width:auto}"
        "td{border:1px solid #000;padding:1px 2px;word-break:break-all;text-align:center}"
        "tr{break-inside:avoid}"
    )
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head>'
            f"<body>{''.join(parts)}</body></html>")


# ---------------------------------------------------------------------------- printing


def soffice_pdfs(docs: dict[str, bytes], workdir: Path) -> dict[str, bytes]:
    """DOCX bytes by name → PDF bytes by name, in one LibreOffice run."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed"
    indir, outdir = workdir / "in", workdir / "out"
    indir.mkdir(parents=True)
    outdir.mkdir()
    for name, data in docs.items():
        (indir / f"{name}.docx").write_bytes(data)
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={(workdir / 'profile').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(outdir), *sorted(str(p) for p in indir.iterdir())],
        check=True, capture_output=True, timeout=300,
    )
    return {name: (outdir / f"{name}.pdf").read_bytes() for name in docs}


def chromium_pdf(html: str, workdir: Path, name: str) -> bytes:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    src, out = workdir / f"{name}.html", workdir / f"{name}.pdf"
    src.write_text(html, encoding="utf-8")
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", f"--user-data-dir={workdir / 'chromium-profile'}",
         f"--print-to-pdf={out}", "--no-pdf-header-footer", src.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    return out.read_bytes()
