"""Layout-varied evaluation corpus (issue 22): `python -m tests.layout_corpus.generate`.

Every document is a report of the 2019 or 2021 national template whose numbers and labels
come from the report specs of `tests/corpus` (`make_cells`, `spec`, the label variants) and
whose pages are drawn by the real toolchains, with a random but seeded layout:

  libreoffice    python-docx (crawler/sample_sites/render.docx_bytes), then the layout
                 applied to the Word file (column widths, font, size, borders, orientation),
                 then LibreOffice `--convert-to pdf` (one soffice run per batch of files)
  docx           the same Word file, kept as DOCX
  chromium       the report as HTML (crawler/sample_sites/render.blocks_html, three editor
                 styles) with a print style sheet, printed by headless Chromium --print-to-pdf
  chromium-real  the real report pages of tests/files/pingtan, printed the same way (their
                 expected cells are the hand-written ones of tests/corpus/expected)

Layout knobs: column widths (wide, medium, narrow, very narrow: every header wraps), font
family and size, rules (full grid, horizontal rules only, none), portrait or landscape,
blank lines before section 三 (so the page break falls at any row), section 四 as a table or
as prose in several wordings, label variants real sites print (formats.md).

Companions: the same report in the other text formats, from the same source, so that every
reader is measured on the same varied layouts: the HTML a Chromium document was printed from
(`html`), and the Word file a LibreOffice document was converted from (`docx`), with every
third one also converted by LibreOffice to DOC (`doc`) and every third to "WPS" (`wps`: DOC
bytes under a .wps name, as in tests/corpus); and every sixth fully ruled PDF scanned as an
office scans a printed report (`scan`: 150, 200 or 300 dpi, grey or black and white, askew by
up to 0.5°, sometimes specks; traits `scan:…`). A companion's id is `<id>-<format>`; it shares
its document's expected cells, traits (but the measured ones) and part.

Each document records its traits: the ones chosen (`narrow`, `no_rules`, `landscape`,
`prose_4`, `font:serif`, `via:chromium`, …) and, for PDFs, the ones measured on the printed
text (`wrapped_headers` when a header label of section 二/三 is broken over lines,
`page_break_in_table` when section 二 or 三 runs over a page break).

Output (git-ignored, regenerated on demand; deterministic from the seed): under
data/layout-corpus/ (or --out), `documents/<id>-<key>.<ext>` (key: a hash of the layout and
GENERATOR_VERSION, so a changed layout is rendered again), `expected/<id>.json`,
`manifest.json`. The split is by id hash: about 80 % `dev`, 20 % `holdout`; tests read only
dev, the holdout is for bench/extraction.py.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path

from crawler.sample_sites.document import Block, format_value, report_blocks
from crawler.sample_sites.render import blocks_html, docx_bytes, repack
from crawler.sample_sites.templates import application_rows, canonical_keys
from tests.corpus.generate import (
    COMMA_NUMBERING,
    HALF_WIDTH_CAPTIONS,
    HUBEI_2019,
    HUBEI_2021,
    SEED_LABELS,
    STRAIGHT_QUOTES,
    dump_expected,
    make_cells,
    nested,
    scan_pdf,
    soffice_convert,
    spec,
    stable_pdf,
)

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / "data" / "layout-corpus"
CORPUS_EXPECTED = ROOT / "tests" / "corpus" / "expected"
REAL_PAGES = ROOT / "tests" / "files" / "pingtan"
GENERATOR_VERSION = 1  # bump when a change alters every rendered document
# bump a toolchain's version when a change alters only its documents (only those render again)
RENDERER_VERSION = {"libreoffice": 2, "docx": 2}
MEASURE_VERSION = 4  # bump when measured_traits changes (documents are re-measured, not re-rendered)
DEFAULT_SEED = 22
DEFAULT_N = 420
HOLDOUT_PERCENT = 20
CHROMIUM = "/usr/bin/chromium"
LO_BATCH = 40

# ---------------------------------------------------------------------------- choices

TOOLCHAINS = {"libreoffice": 44, "docx": 14, "chromium": 34, "chromium-real": 8}
WIDTHS = {"wide": 3, "medium": 3, "narrow": 2, "very_narrow": 2}
# font trait -> (font asked for, what it falls back to on a machine without it)
FONTS = {
    "serif": "Noto Serif CJK SC",
    "sans": "Noto Sans CJK SC",
    "mono": "Noto Sans Mono CJK SC",
    "fangsong": "仿宋_GB2312",  # the usual government font; not installed here: a fallback
}
SIZES = {"small": (7.5, 9.0), "normal": (10.0, 12.0), "large": (13.0, 16.0)}
RULES = {"full": 5, "partial": 3, "none": 2}
HTML_STYLES = ("plain", "word", "mso")

PROSE_4 = [
    "本年度无因政府信息公开产生行政复议及行政诉讼件。",
    "{year}年，本机关未发生因政府信息公开引起的行政复议、行政诉讼案件。",
    "{year}年度，{agency}没有收到因政府信息公开工作引起的行政复议申请，也未发生相关行政诉讼。",
    "本年度未发生政府信息公开行政复议、行政诉讼情况，行政复议、行政诉讼数量均为0。",
    "本年度无政府信息公开行政复议、行政诉讼情况。",
]

# Label variants formats.md lists (name -> (templates, labels)).
LABEL_SETS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "seed": (("2019", "2021"), SEED_LABELS),
    "next_year": (("2019", "2021"), {"app.carried_forward": "四、结转下一年度继续办理"}),
    "hubei": (("2019",), HUBEI_2019),
    "hubei2021": (("2021",), HUBEI_2021),
    "comma": (("2021",), COMMA_NUMBERING),
    "quotes": (("2019", "2021"), STRAIGHT_QUOTES),
    "halfwidth": (("2019", "2021"), HALF_WIDTH_CAPTIONS),
    "spaced_caption": (("2019", "2021"), {"caption.一": "第二十条 第（一）项"}),
    "headings": (("2019", "2021"), {
        "heading.4": "四、政府信息公开行政复议和行政诉讼情况",
        "heading.5": "五、政府信息公开工作存在的主要问题及改进情况"}),
    "heading_typo": (("2021",), {"heading.4": "四、政府信息公开行政法复议、行政诉讼情况",
                                  "heading.5": "五、存在问题及改进情况"}),
    "spaced_headers": (("2019", "2021"), {"info_col": "信 息 内 容",
                                          "applicant.natural_person": "自 然 人"}),
}
BLANK_MARKERS = ("", "—", "/", "-")

PLACES = ("示例市", "样例县", "演示区", "示范市", "试点县")
BODIES = ("人民政府办公室", "交通运输局", "财政局", "教育局", "卫生健康委员会", "市场监督管理局",
          "生态环境局", "自然资源和规划局", "司法局", "应急管理局", "民政局", "商务局",
          "医疗保障局", "住房和城乡建设局", "农业农村局", "水利局", "审计局", "统计局",
          "公安局", "文化和旅游局")

# Header labels whose printed line is checked for wrapping (sections 二 and 三).
WRAP_PROBES = {
    "2019": ("本年新制作数量", "对外公开总数量", "上一年项目数量", "采购项目数量", "社会公益组织",
             "法律服务机构"),
    "2021": ("本年制发件数", "现行有效件数", "本年处理决定数量", "社会公益组织", "法律服务机构"),
}


@dataclass
class Doc:
    id: str
    n: int
    toolchain: str
    template: str
    year: int
    agency: str
    format: str
    part: str
    width: str
    font: str
    size: str
    size_pt: float
    rules: str
    landscape: bool
    pad_lines: int
    prose4: int | None = None  # index into PROSE_4, None: section 四 is a table
    labels: list[str] = field(default_factory=list)
    blanks: str | None = None  # marker printed for zeros in two org columns
    html_style: str = "plain"
    sec2_layout: str = "combined"
    sec3_split: bool = False
    volume: int = 60
    big: bool = True
    busy: bool = False
    real: str = ""  # corpus id of the real page (chromium-real)

    def key(self) -> str:
        versions = [GENERATOR_VERSION, RENDERER_VERSION.get(self.toolchain, 1)]
        data = json.dumps([*versions, asdict(self)] if versions[1] > 1 else [versions[0], asdict(self)],
                          sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:10]

    def file(self) -> str:
        return f"documents/{self.id}-{self.key()}.{self.format}"

    def traits(self) -> list[str]:
        t = [f"via:{self.toolchain}", f"template:{self.template}", f"width:{self.width}",
             f"font:{self.font}", f"size:{self.size}", "landscape" if self.landscape else "portrait"]
        if self.width in ("narrow", "very_narrow"):
            t.append("narrow")
        t.append({"full": "full_rules", "partial": "partial_rules", "none": "no_rules"}[self.rules])
        if self.toolchain != "chromium-real":
            t.append("prose_4" if self.prose4 is not None else "table_4")
            if self.prose4 is not None:
                t.append(f"prose_4:w{self.prose4 + 1}")
            t += [f"labels:{name}" for name in self.labels]
            if self.blanks is not None:
                t.append("blank_zeros")
            if self.sec2_layout == "separate":
                t.append("separate_2")
            if self.sec3_split:
                t.append("split_3")
        else:
            t.append("real_page")
        if self.toolchain in ("chromium", "chromium-real"):
            t.append(f"html:{self.html_style}")
        return t

    def describe(self) -> str:
        bits = [self.toolchain, f"{self.width} columns", f"{self.font} {self.size_pt:g}pt",
                f"{self.rules} rules", "landscape" if self.landscape else "portrait",
                f"{self.pad_lines} blank lines before 三"]
        if self.toolchain == "chromium-real":
            return f"real page {self.real} printed by Chromium: " + ", ".join(bits)
        bits.append(f"section 四 as prose wording {self.prose4 + 1}" if self.prose4 is not None
                    else "section 四 as a table")
        if self.labels:
            bits.append("labels " + "+".join(self.labels))
        if self.blanks is not None:
            bits.append(f"zeros printed {self.blanks!r} in two org columns")
        if self.toolchain == "chromium":
            bits.append(f"{self.html_style} editor HTML")
        return ", ".join(bits)


def part_of(doc_id: str) -> str:
    h = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16)
    return "holdout" if h % 100 < HOLDOUT_PERCENT else "dev"


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan(seed: int = DEFAULT_SEED, n: int = DEFAULT_N) -> list[Doc]:
    """The layouts of the n documents of one seed (no rendering)."""
    return [plan_one(seed, i) for i in range(n)]


def plan_one(seed: int, i: int, **force: object) -> Doc:
    rng = random.Random(f"layout-corpus/{seed}/{i}")
    doc_id = f"lay{seed}-{i:04d}"
    toolchain = _weighted(rng, TOOLCHAINS)
    if "toolchain" in force:
        toolchain = str(force["toolchain"])
    template = rng.choice(("2019", "2021"))
    year = rng.choice((2019, 2020)) if template == "2019" else rng.randint(2021, 2025)
    size = rng.choice(list(SIZES))
    lo, hi = SIZES[size]
    doc = Doc(
        id=doc_id, n=i, toolchain=toolchain, template=template, year=year,
        agency=rng.choice(PLACES) + rng.choice(BODIES),
        format="docx" if toolchain == "docx" else "pdf", part=part_of(doc_id),
        width=_weighted(rng, WIDTHS), font=rng.choice(list(FONTS)), size=size,
        size_pt=round(rng.uniform(lo, hi) * 2) / 2, rules=_weighted(rng, RULES),
        landscape=rng.random() < 0.3, pad_lines=rng.randint(0, 30),
        html_style=rng.choice(HTML_STYLES),
        volume=rng.choice((0, 4, 12, 40, 90, 200, 600, 2500)),
        big=rng.random() < 0.7, busy=rng.random() < 0.5,
    )
    if rng.random() < 0.3:
        doc.prose4 = rng.randrange(len(PROSE_4))
    names = [k for k, (tpls, _) in LABEL_SETS.items() if template in tpls]
    doc.labels = sorted(rng.sample(names, rng.choice((0, 0, 1, 1, 2))))
    if rng.random() < 0.2:
        doc.blanks = rng.choice(BLANK_MARKERS)
    doc.sec2_layout = "separate" if rng.random() < 0.25 else "combined"
    doc.sec3_split = rng.random() < 0.15
    if toolchain == "chromium-real":
        doc.real = rng.choice(("real-html-2019-pingtan", "real-html-2022-pingtan"))
        doc.template, doc.year = ("2019", 2019) if doc.real.endswith("2019-pingtan") else ("2021", 2022)
        doc.agency = "平潭综合实验区"
        doc.labels, doc.prose4, doc.blanks = [], None, None
        doc.sec2_layout, doc.sec3_split, doc.html_style = "combined", False, "real"
    for k, v in force.items():
        setattr(doc, k, v)
    return doc


# ---------------------------------------------------------------------------- the report


def report_spec(doc: Doc):
    cells = make_cells(doc.id, doc.template, doc.volume, big=doc.big, busy=doc.busy)
    labels: dict[str, str] = {}
    for name in doc.labels:
        labels |= LABEL_SETS[name][1]
    blank_zeros = {}
    if doc.blanks is not None:
        blank_zeros = {"applications.*.research_institution": doc.blanks,
                       "applications.*.social_welfare_org": doc.blanks}
    opts: dict[str, object] = dict(labels=labels, blank_zeros=blank_zeros,
                                   sec2_layout=doc.sec2_layout, sec3_split=doc.sec3_split,
                                   html_style=doc.html_style)
    if doc.prose4 is not None:
        opts["prose_sections"] = ["reviews_litigation"]
        opts["prose"] = {"4": [PROSE_4[doc.prose4].format(year=doc.year, agency=doc.agency)]}
    return spec(doc.id, doc.template, doc.year, doc.agency, cells, **opts)


def expected(doc: Doc) -> dict:
    if doc.toolchain == "chromium-real":
        return json.loads((CORPUS_EXPECTED / f"{doc.real}.json").read_text(encoding="utf-8"))
    s = report_spec(doc)
    return {"template": doc.template, "year": doc.year, "agency": doc.agency,
            "cells": nested({k: s.cells[k] for k in canonical_keys(doc.template)})}


def printed_numbers(doc: Doc) -> list[str]:
    """The value texts a rendered document prints in its tables (blank zeros and the derived
    2021 （六）其他处理 row excepted; section 四 only when it is a table). For a real page:
    its expected values of two digits or more, as numbers print."""
    if doc.toolchain == "chromium-real":
        cells = expected(doc)["cells"]
        values = {v for rows in cells.values() for cols in rows.values() for v in cols.values()}
        texts = {f"{v:.6f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
                 for v in values}
        return sorted(t for t in texts if len(t.lstrip("-")) > 1)
    s = report_spec(doc)
    printed_rows = {k for k, _, _ in application_rows(doc.template)}
    out = []
    for key in canonical_keys(doc.template):
        section, row, _ = key.split(".")
        if section == "applications" and row not in printed_rows:
            continue
        if section == "reviews_litigation" and doc.prose4 is not None:
            continue
        text = format_value(s, key)
        if text.strip() not in ("", "—", "/", "-"):
            out.append(text)
    return out


def blocks(doc: Doc) -> list[Block]:
    """The report's blocks with doc.pad_lines blank paragraphs before heading 三, so that
    section 三 starts lower or higher on its page and the page break falls at any row."""
    out = report_blocks(report_spec(doc))
    at = next(i for i, b in enumerate(out) if b.kind == "heading" and b.text.startswith("三、"))
    return out[:at] + [Block("para", "\u3000") for _ in range(doc.pad_lines)] + out[at:]


# ---------------------------------------------------------------------------- DOCX


def _page_text_width(landscape: bool) -> float:
    """Text width in inches of an A4 page with 0.8in margins."""
    return (11.69 if landscape else 8.27) - 1.6


# Word's default cell margins (0.08 in left and right), in inches.
CELL_PADDING_IN = 0.16


def _column_widths(ncols: int, section: str, width: str, text_width: float,
                   size_pt: float = 12.0) -> list[float]:
    """Inches per grid column: label columns get twice a value column's share, and no column
    is narrower than one character of the font and the cell's margins. A column narrower
    than a glyph cannot be printed (the word processor drops or overflows its text): no
    office prints one; `very_narrow` still wraps every header and breaks long numbers."""
    share = {"wide": 1.0, "medium": 0.75, "narrow": 0.45, "very_narrow": 0.28}[width]
    label_cols = {"2": 1, "3": 3, "4": 0}.get(section, 1)
    units = [2.0 if c < label_cols else 1.0 for c in range(ncols)]
    total = text_width * share
    floor = size_pt * 1.1 / 72 + CELL_PADDING_IN
    return [max(total * u / sum(units), floor * u) for u in units]


def _borders(table, rules: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    on = {"full": ("top", "left", "bottom", "right", "insideH", "insideV"),
          "partial": ("top", "bottom", "insideH"), "none": ()}[rules]
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in on:
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "4")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def layout_docx(doc: Doc) -> bytes:
    """docx_bytes of the report's blocks, then the layout applied to the Word document."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt

    blks = blocks(doc)
    document = docx.Document(io.BytesIO(docx_bytes(blks, doc.agency)))
    section = document.sections[0]
    section.page_width, section.page_height = Inches(8.27), Inches(11.69)
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(0.8))
    font = FONTS[doc.font]
    normal = document.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(doc.size_pt)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), font)
    tables = [b.table for b in blks if b.kind == "table"]
    text_width = _page_text_width(doc.landscape)
    for tbl, model in zip(document.tables, tables, strict=True):
        ncols = len(tbl.columns)
        widths = _column_widths(ncols, model.section, doc.width, text_width, doc.size_pt)
        tbl.autofit = False
        tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        tbl._tbl.tblPr.append(layout)
        for c, w in enumerate(widths):
            tbl.columns[c].width = Inches(w)
        for row in tbl.rows:
            for c, cell in enumerate(row.cells):
                cell.width = Inches(widths[min(c, ncols - 1)])
        _borders(tbl, doc.rules)
    buf = io.BytesIO()
    document.save(buf)
    return repack(buf.getvalue())


# ---------------------------------------------------------------------------- HTML


def print_css(doc: Doc) -> str:
    share = {"wide": 100, "medium": 75, "narrow": 45, "very_narrow": 28}[doc.width]
    font = FONTS[doc.font]
    border = "0.6pt solid #000"
    rules = {
        "full": f"border:{border} !important;",
        "partial": f"border:none !important;border-top:{border} !important;"
                   f"border-bottom:{border} !important;",
        "none": "border:none !important;",
    }[doc.rules]
    return (
        f"@page {{ size: A4 {'landscape' if doc.landscape else 'portrait'}; margin: 20mm; }}\n"
        f"body, p, span, td, th, div {{ font-family: '{font}', serif !important; "
        f"font-size: {doc.size_pt}pt !important; line-height: 1.35 !important; }}\n"
        f"table {{ width: {share}% !important; border-collapse: collapse !important; "
        f"border: none !important; margin: 4pt auto !important; }}\n"
        f"td, th {{ width: auto !important; height: auto !important; {rules} "
        f"padding: 1pt 2pt !important; }}\n"
        "p { margin: 0 !important; }\n"
    )


def report_html(doc: Doc) -> str:
    s = report_spec(doc)
    body = blocks_html(blocks(doc), doc.html_style)
    title = escape(s.title)
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title>\n'
        f"<style>\n{print_css(doc)}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


_STRIP = re.compile(r"<(script)\b.*?</\1\s*>|<link\b[^>]*>|<iframe\b.*?</iframe\s*>|<img\b[^>]*>",
                    re.S | re.I)


def real_html(doc: Doc) -> str:
    """A real page without its scripts, style sheets and images (offline), with the print
    style sheet and blank lines before its section 三 heading."""
    name = {"real-html-2019-pingtan": "t20200120_80576.html",
            "real-html-2022-pingtan": "t20230220_80629.html"}[doc.real]
    page = (REAL_PAGES / name).read_text(encoding="utf-8")
    page = _STRIP.sub("", page)
    pad = "<p>\u3000</p>" * doc.pad_lines
    page = re.sub(r"(<p[^>]*>(?:(?!</p>).)*?三、收到和处理)", pad.replace("\\", "\\\\") + r"\1",
                  page, count=1, flags=re.S)
    style = f"<style>\n{print_css(doc)}</style>"
    return page.replace("</head>", style + "</head>", 1)


def chromium_pdf(html: str, work: Path, name: str) -> bytes:
    src = work / f"{name}.html"
    out = work / f"{name}.pdf"
    src.write_text(html, encoding="utf-8")
    profile = work / f"profile-{name}"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={profile}",
         f"--print-to-pdf={out}", src.as_uri()],
        check=True, capture_output=True, timeout=180,
    )
    shutil.rmtree(profile, ignore_errors=True)
    data = out.read_bytes()
    if not data.startswith(b"%PDF"):
        raise RuntimeError(f"Chromium wrote no PDF for {name}")
    return data


# ---------------------------------------------------------------------------- measured traits


def pdf_lines(data: bytes) -> list[list[str]]:
    """Each page's text lines (pypdfium2), spaces removed."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for page in pdf:
            text = page.get_textpage().get_text_range()
            pages.append(["".join(line.split()) for line in text.splitlines()])
        return pages
    finally:
        pdf.close()


def _find_page(pages: list[list[str]], needles: tuple[str, ...], last: bool = False) -> int | None:
    order = range(len(pages) - 1, -1, -1) if last else range(len(pages))
    for p in order:
        if any(n in line for line in pages[p] for n in needles):
            return p
    return None


def measured_traits(doc: Doc, data: bytes) -> list[str]:
    pages = pdf_lines(data)
    out = [f"pages:{min(len(pages), 6)}{'+' if len(pages) > 6 else ''}"]
    lines = [line for page in pages for line in page]
    broken = [p for p in WRAP_PROBES[doc.template] if not any(p in line for line in lines)]
    if broken:
        out.append("wrapped_headers")
        if len(broken) == len(WRAP_PROBES[doc.template]):
            out.append("all_headers_wrapped")
    else:
        out.append("headers_on_one_line")
    spans = [  # (page of the first row, page of the last row) of sections 三 and 二
        (_find_page(pages, ("本年新收", "年新收到")),
         _find_page(pages, ("结转下年度", "转结下年度", "结转下一年度"), last=True)),
        (_find_page(pages, ("第二十条",)),
         _find_page(pages, ("政府集中采购", "行政事业性收费"), last=True)),
    ]
    if any(a is not None and b is not None and b > a for a, b in spans):
        out.append("page_break_in_table")
    elif all(a is not None and b is not None for a, b in spans):
        out.append("tables_on_one_page")
    else:  # a first or last row label is itself wrapped: where the break falls is unknown
        out.append("page_break_unknown")
    # A number the cell is too narrow for is printed over two lines ("10" / "4").
    if any(not any(n in line for line in lines) for n in printed_numbers(doc) if len(n) > 1):
        out.append("broken_numbers")
    return out


# ---------------------------------------------------------------------------- build


def _meta_path(out: Path, doc: Doc) -> Path:
    return out / (doc.file() + ".traits.json")


def measure(docs: list[Doc], out: Path) -> None:
    """Write the measured traits of every document whose record is missing or outdated."""
    for doc in docs:
        meta = _meta_path(out, doc)
        if meta.exists():
            old = json.loads(meta.read_text(encoding="utf-8"))
            if isinstance(old, dict) and old.get("measure") == MEASURE_VERSION:
                continue
        data = (out / doc.file()).read_bytes()
        traits = measured_traits(doc, data) if doc.format == "pdf" else []
        meta.write_text(json.dumps({"measure": MEASURE_VERSION, "traits": traits}), encoding="utf-8")


def companions(doc: Doc) -> list[str]:
    """The formats the document's own source is kept in besides its main document."""
    out = []
    if doc.toolchain in ("chromium", "chromium-real"):
        out.append("html")
    if doc.toolchain == "libreoffice":
        out += ["docx", *{0: ["doc"], 1: ["wps"]}.get(doc.n % 3, [])]
    if doc.format == "pdf" and doc.rules == "full" and doc.n % 6 == 5:
        out.append("scan")
    return out


@dataclass(frozen=True)
class Scan:
    """How an office scans a printed report: resolution, grey or black and white, the
    sheet a little askew, sometimes a dusty glass."""
    dpi: int
    bw: bool
    rotate: float
    noise: bool

    def traits(self) -> list[str]:
        return [f"scan:{self.dpi}dpi", "scan:bw" if self.bw else "scan:grey",
                *(["scan:rotated"] if abs(self.rotate) >= 0.15 else []), *(["scan:noise"] if self.noise else [])]


def scan_of(doc: Doc) -> Scan:
    rng = random.Random(f"layout-corpus/scan/{doc.id}")
    return Scan(dpi=rng.choice((150, 200, 300)), bw=rng.random() < 0.4,
                rotate=round(rng.uniform(-0.5, 0.5), 2), noise=rng.random() < 0.4)


def companion_file(doc: Doc, fmt: str) -> str:
    if fmt == "scan":
        sc = scan_of(doc)
        return f"documents/{doc.id}-{doc.key()}-scan{sc.dpi}{'bw' if sc.bw else 'g'}.pdf"
    return f"documents/{doc.id}-{doc.key()}.{fmt}"


def render_companions(docs: list[Doc], out: Path, log=print) -> None:
    """Write every missing companion (HTML and DOCX directly, DOC and WPS by one LibreOffice
    run per batch)."""
    todo = [(d, f) for d in docs for f in companions(d) if not (out / companion_file(d, f)).exists()]
    if not todo:
        return
    log(f"writing {len(todo)} companion documents")
    converted = [(d, f) for d, f in todo if f in ("doc", "wps")]
    for d, f in todo:
        if f == "html":
            html = real_html(d) if d.toolchain == "chromium-real" else report_html(d)
            (out / companion_file(d, f)).write_text(html, encoding="utf-8")
        elif f == "docx":
            (out / companion_file(d, f)).write_bytes(layout_docx(d))
        elif f == "scan":
            sc = scan_of(d)
            data = scan_pdf((out / d.file()).read_bytes(), dpi=sc.dpi, rotate=sc.rotate, noise=sc.noise,
                            seed=d.id, bw=sc.bw)
            (out / companion_file(d, f)).write_bytes(data)
    with tempfile.TemporaryDirectory(prefix="layout-companions-") as tmp:
        for b in range(0, len(converted), LO_BATCH):
            batch = converted[b:b + LO_BATCH]
            bdir = Path(tmp) / f"lo-{b}"
            bdir.mkdir()
            docs_ = soffice_convert({d.id: layout_docx(d) for d, _ in batch}, "doc", bdir)
            for d, f in batch:
                (out / companion_file(d, f)).write_bytes(docs_[d.id])


def render(docs: list[Doc], out: Path, log=print) -> None:
    """Render every document of docs whose file is missing (batches for LibreOffice,
    two Chromium processes at a time)."""
    (out / "documents").mkdir(parents=True, exist_ok=True)
    todo = [d for d in docs if not (out / d.file()).exists()]
    if not todo:
        return
    start = time.perf_counter()
    done = 0

    def finish(doc: Doc, data: bytes) -> None:
        nonlocal done
        (out / doc.file()).write_bytes(data)
        done += 1
        if done % 20 == 0 or done == len(todo):
            log(f"  {done}/{len(todo)} rendered ({time.perf_counter() - start:.0f} s)")

    log(f"rendering {len(todo)} documents into {out}")
    with tempfile.TemporaryDirectory(prefix="layout-corpus-") as tmp:
        work = Path(tmp)
        for doc in [d for d in todo if d.toolchain == "docx"]:
            finish(doc, layout_docx(doc))
        lo = [d for d in todo if d.toolchain == "libreoffice"]
        for b in range(0, len(lo), LO_BATCH):
            batch = lo[b:b + LO_BATCH]
            bdir = work / f"lo-{b}"
            bdir.mkdir()
            pdfs = soffice_convert({d.id: layout_docx(d) for d in batch}, "pdf", bdir)
            for d in batch:
                finish(d, stable_pdf(pdfs[d.id], d.id))
            shutil.rmtree(bdir, ignore_errors=True)
        web = [d for d in todo if d.toolchain in ("chromium", "chromium-real")]

        def one(d: Doc) -> tuple[Doc, bytes]:
            html = real_html(d) if d.toolchain == "chromium-real" else report_html(d)
            return d, chromium_pdf(html, work, d.id)

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for d, data in pool.map(one, web):
                finish(d, data)
    log(f"rendered {len(todo)} documents in {time.perf_counter() - start:.0f} s")


def manifest_entry(doc: Doc, out: Path) -> dict:
    measured = json.loads(_meta_path(out, doc).read_text(encoding="utf-8"))["traits"]
    return {
        "id": doc.id, "file": doc.file(), "expected": f"expected/{doc.id}.json",
        "format": doc.format, "template": doc.template, "year": doc.year, "agency": doc.agency,
        "origin": "layout-real" if doc.toolchain == "chromium-real" else "layout-rendered",
        "variant": doc.describe(), "toolchain": doc.toolchain, "part": doc.part,
        "traits": doc.traits() + measured,
    }


def companion_entries(doc: Doc) -> list[dict]:
    return [{
        "id": f"{doc.id}-{fmt}", "file": companion_file(doc, fmt), "expected": f"expected/{doc.id}.json",
        "format": fmt, "template": doc.template, "year": doc.year, "agency": doc.agency,
        "origin": "layout-real" if doc.toolchain == "chromium-real" else "layout-rendered",
        "variant": f"the source of {doc.id} as {fmt}: {doc.describe()}", "toolchain": doc.toolchain,
        "part": doc.part, "traits": doc.traits() + (scan_of(doc).traits() if fmt == "scan" else []),
        "companion_of": doc.id,
    } for fmt in companions(doc)]


def build(docs: list[Doc], out: Path = CACHE_DIR, log=print) -> list[dict]:
    """Render what is missing, write expected/ and manifest.json; returns the manifest (the
    documents in order, then their companions)."""
    ids = [d.id for d in docs]
    assert len(ids) == len(set(ids)), "duplicate ids"
    render(docs, out, log)
    render_companions(docs, out, log)
    measure(docs, out)
    (out / "expected").mkdir(parents=True, exist_ok=True)
    for d in docs:
        (out / "expected" / f"{d.id}.json").write_text(dump_expected(expected(d)), encoding="utf-8")
    manifest = [manifest_entry(d, out) for d in docs] + [e for d in docs for e in companion_entries(d)]
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def ensure(seed: int = DEFAULT_SEED, n: int = DEFAULT_N, out: Path = CACHE_DIR,
           log=print) -> list[dict]:
    return build(plan(seed, n), out, log)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--n", type=int, default=DEFAULT_N, help="documents (default %(default)s)")
    parser.add_argument("--out", type=Path, default=CACHE_DIR)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    manifest = ensure(args.seed, args.n, args.out, log=lambda m: print(m, file=sys.stderr))
    parts = {p: sum(e["part"] == p for e in manifest) for p in ("dev", "holdout")}
    print(f"{len(manifest)} documents ({parts['dev']} dev, {parts['holdout']} holdout) in "
          f"{args.out / 'manifest.json'}, {time.perf_counter() - start:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
