"""Text PDFs → text and table grids, with pdfplumber.

pdfplumber reports merged cells as missing; we rebuild the grid from the cells' own
rectangles instead, so a label spanning three rows or a header spanning five columns
covers every grid position it occupies, exactly as in HTML and DOCX. A table broken by a
page break is stitched back by its horizontal extent before the grid is built, since each
part alone may not show every column rule (a header row spanning the label columns hides them);
a part lacking an outer label column (a label spanning its whole page has no rule there) or
its first row's top rule (a browser's print) is still found and stitched. Every text line of
a cell is joined (a wrapped label reads as one label, CJK lines without a space), and
radicals that a font's glyph map gave for ideographs are read as the ideographs.
"""

from __future__ import annotations

import bisect
import io
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.pdfpage import PDFPage
from pdfplumber.page import Page
from pdfplumber.table import TableSettings, merge_edges
from pdfplumber.utils import extract_text as chars_to_text
from pdfplumber.utils import filter_edges
from pdfplumber.utils.exceptions import PdfminerException

from .. import budgets
from ..tables.text import clean_cell
from ..tables.values import prints_number
from .model import Document, GridCells, RawTable
from .pdf_rows import PageRows, join_pages, row_lines
from .pdf_unruled import unruled_tables

# pdfminer logs at DEBUG per object; under Scrapy's root logger that more than doubles the
# cost of reading a PDF (measured by bench/performance.py).
logging.getLogger("pdfminer").setLevel(logging.WARNING)

# pdfplumber's table finder, but ruling lines are snapped together only within 1.5 pt, not
# 3: a browser draws each border as a thin rectangle (two edges under 1 pt apart), and in a
# narrow table (columns 6–9 pt wide) a 3 pt snap chained the rules of neighbouring columns
# into one, at a mean that differed page by page.
TABLE_SETTINGS = {"snap_tolerance": 1.5}
_SECTION_START_RE = re.compile(r"第二十条|申请人情况|行政复议|信息内容")
_TOL = 2.0

# Kangxi radicals (U+2F00–U+2FD5) and CJK radicals supplement (U+2E80–U+2EF3): fonts that draw
# an ideograph and its radical with one glyph map it back to the radical, so a browser's own
# "print to PDF" writes the 行 of 行政 as U+2F8F (Noto CJK in Chromium). NFKC gives the ideograph.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp))
             for cp in [*range(0x2E80, 0x2EF4), *range(0x2F00, 0x2FD6)]
             if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)}
# The CJK Radicals Supplement has no NFKC mapping for the simplified radicals that are whole
# characters too (民 of 人民 printed as ⺠, 页 as ⻚): their equivalents as Unicode's
# EquivalentUnifiedIdeograph.txt gives them
# (https://www.unicode.org/Public/UCD/latest/ucd/EquivalentUnifiedIdeograph.txt).
_RADICALS.update({cp: ch for cp, ch in zip(
    (0x2EA0, 0x2EC4, 0x2EC5, 0x2EC6, 0x2EC9, 0x2ECB, 0x2ED3, 0x2ED4, 0x2ED9, 0x2EDA, 0x2EDB, 0x2EDC,
     0x2EDD, 0x2EE2, 0x2EE5, 0x2EE6, 0x2EE7, 0x2EE8, 0x2EE9, 0x2EEA, 0x2EEC, 0x2EEE, 0x2EF0),
    "民西见角贝车长门韦页风飞食马鱼鸟卤麦黄黾齐齿龙", strict=True)})
_RADICALS_RE = re.compile("[\u2e80-\u2ef3\u2f00-\u2fd5]")
# Lines of a cell join without a space (CJK text and numbers wrap anywhere, so a space would be
# a character the cell never printed), except between two words of Latin letters.
_WORD_END_RE = re.compile("[A-Za-z]$")
_WORD_START_RE = re.compile("[A-Za-z]")


def ideographs(text: str) -> str:
    """Radicals a font's glyph map put in place of ideographs, as the ideographs."""
    return _RADICALS_RE.sub(lambda m: _RADICALS.get(ord(m.group()), m.group()), text) if text else text


def join_lines(text: str) -> str:
    """A cell's text lines as one label: lines wrapped inside the cell are joined without a
    space (自然 / 人 → 自然人, 12 / 34 → 1234), but for one between two Latin words."""
    out = ""
    for line in (part.strip() for part in text.split("\n")):
        if not line:
            continue
        if out and _WORD_END_RE.search(out) and _WORD_START_RE.match(line):
            out += " "
        out += line
    return out


@dataclass
class _Piece:
    page_no: int
    table: object
    y_offset: float
    texts: dict[tuple[float, ...], str] = field(default_factory=dict)  # cell bbox → text
    open_top: bool = False  # its first row has no top rule: a row split by the page break
    open_bottom: bool = False  # its last row has (mostly) no bottom rule: the same, on the page before


def _cell_texts(chars: list[dict], cells: list[tuple[float, ...]]) -> dict[tuple[float, ...], str]:
    """Every cell's text in one pass over the page's characters: a character belongs to the
    cell holding its centre (pdfplumber's own rule in Table.extract, which instead scans all
    characters once per cell and cost most of reading a PDF)."""
    xs = sorted({v for c in cells for v in (c[0], c[2])})
    ys = sorted({v for c in cells for v in (c[1], c[3])})
    at: dict[tuple[int, int], int] = {}
    for i, (x0, top, x1, bottom) in enumerate(cells):
        for r in range(bisect.bisect_left(ys, top), bisect.bisect_left(ys, bottom)):
            for c in range(bisect.bisect_left(xs, x0), bisect.bisect_left(xs, x1)):
                at[(r, c)] = i
    found: list[list[dict]] = [[] for _ in cells]
    if xs and ys:
        x_lo, x_hi, y_lo, y_hi = xs[0], xs[-1], ys[0], ys[-1]
        for ch in chars:
            h = (ch["x0"] + ch["x1"]) / 2
            v = (ch["top"] + ch["bottom"]) / 2
            if x_lo <= h < x_hi and y_lo <= v < y_hi:
                i = at.get((bisect.bisect_right(ys, v) - 1, bisect.bisect_right(xs, h) - 1))
                if i is not None:
                    found[i].append(ch)
    return {cell: ideographs(chars_to_text(cs, y_tolerance=line_tolerance(cs))) if cs else ""
            for cell, cs in zip(cells, found, strict=True)}


def line_tolerance(chars: list[dict]) -> float:
    """How far apart two characters' tops may be on one line: a share of the font's size, not
    pdfplumber's fixed 3 pt. Digits set in a Latin fallback font sit lower than the ideographs
    around them (3.7 pt at 15.5 pt), and a fixed tolerance made "1.属于国家秘密" two lines,
    read "属于1.国家秘密"; lines of a paragraph are at least a font size apart."""
    sizes = sorted(float(ch.get("size") or 0) for ch in chars[:200])
    return max(3.0, 0.4 * sizes[len(sizes) // 2]) if sizes else 3.0


def _axis(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def nearest(axis: list[float], v: float) -> int:
    """Index of the value of the sorted `axis` nearest to v (the lower one on a tie), by
    bisection: a table stitched over many pages has as many rules as cells, and a scan of
    the axis per cell made building its grid quadratic."""
    i = bisect.bisect_left(axis, v)
    if i == len(axis) or (i > 0 and v - axis[i - 1] <= axis[i] - v):
        return i - 1
    return i


def _grid(pieces: list[_Piece], index: int, grid_cells: GridCells | None = None) -> RawTable:
    """The table's dense grid, its cells counted against the grid_cells budget (`grid_cells`:
    the document's count) before any is allocated."""
    cells = [(p, (x0, top + p.y_offset, x1, bottom + p.y_offset), (x0, top, x1, bottom))
             for p in pieces for (x0, top, x1, bottom) in p.table.cells]
    xs = _axis([c[1][0] for c in cells] + [c[1][2] for c in cells])
    ys = _axis([c[1][1] for c in cells] + [c[1][3] for c in cells])
    n_rows, n_cols = max(len(ys) - 1, 0), max(len(xs) - 1, 0)
    size = n_rows * n_cols
    grid_cells = GridCells() if grid_cells is None else grid_cells
    grid_cells.settle(grid_cells.used, size)
    rows = [[""] * n_cols for _ in range(n_rows)]
    bboxes: dict[tuple[int, int], tuple[float, ...]] = {}
    origin: dict[tuple[int, int], int] = {}
    written = 0
    for cid, (piece, (x0, top, x1, bottom), bbox) in enumerate(cells):
        c0, c1 = nearest(xs, x0), nearest(xs, x1)
        r0, r1 = nearest(ys, top), nearest(ys, bottom)
        r_end, c_end = min(max(r1, r0 + 1), n_rows), min(max(c1, c0 + 1), n_cols)
        # Cells that overlap write some positions twice: past the grid's size, count writes.
        span = max(r_end - r0, 0) * max(c_end - c0, 0)
        written += span
        if written > size:
            grid_cells.take(min(span, written - size))
        text = clean_cell(ideographs(join_lines(piece.texts.get(bbox, ""))))
        where = (piece.page_no, *(round(v, 1) for v in bbox))
        for r in range(r0, r_end):
            row = rows[r]
            for c in range(c0, c_end):
                row[c] = text
                bboxes[(r, c)] = where
                origin[(r, c)] = cid
    return RawTable(index=index, rows=rows, page=pieces[0].page_no, bboxes=bboxes, origin=origin)


# A label: some letter or ideograph (a number, a dash or a blank is a value, never carried on).
_LABEL_CHAR_RE = re.compile(r"[A-Za-z\u4e00-\u9fff]")


def _numbers_on_both_sides(prev: _Piece, nxt: _Piece, ends: dict, top: float) -> bool:
    """Whether a column prints a number both above and below the seam: one number wrapped
    over the break, or two rows? Not knowable, so the rows are not joined (a join made 22 and
    0 into 220)."""
    for c in nxt.table.cells:
        if abs(c[1] - top) > _TOL:
            continue
        above = next((a for (x0, x1), a in ends.items()
                      if abs(x0 - c[0]) <= 2 * _TOL and abs(x1 - c[2]) <= 2 * _TOL), None)
        if above is not None and prints_number(join_lines(nxt.texts.get(c, ""))) \
                and prints_number(join_lines(prev.texts.get(above, ""))):
            return True
    return False


def _join_seam(prev: _Piece, nxt: _Piece) -> None:
    """Join the cells a page break cut. A row split over the two pages (the last row of one
    part and the first of the next, both open) is one row: the next part's text of each of its
    cells goes to the cell above it, so the row reads once, as printed. A label cell spanning
    rows across the break (e.g. "（六）其他处理" over three rows, one on this page) prints its
    text on one side only: its empty part on the next page gets the label, as one merged cell
    would. Only labels are carried: a value cell is never given a neighbour's number."""
    bottom = max((c[3] for c in prev.table.cells), default=0.0)
    top = min((c[1] for c in nxt.table.cells), default=0.0)
    first_end = min((c[3] for c in nxt.table.cells if abs(c[1] - top) <= _TOL), default=top)
    ends = {(round(c[0]), round(c[2])): c for c in prev.table.cells if abs(c[3] - bottom) <= _TOL}
    split_row = prev.open_bottom and nxt.open_top and not _numbers_on_both_sides(prev, nxt, ends, top)
    cells: list[tuple[float, ...]] = []
    for c in nxt.table.cells:
        if abs(c[1] - top) > _TOL:
            cells.append(c)
            continue
        above = next((a for (x0, x1), a in ends.items()
                      if abs(x0 - c[0]) <= 2 * _TOL and abs(x1 - c[2]) <= 2 * _TOL), None)
        text = nxt.texts.get(c, "").strip()
        label = prev.texts.get(above, "") if above is not None else ""
        if split_row and above is not None:
            # The split row's cells go to the row above; a cell spanning further down starts
            # below it (the split row must not read twice, once with no numbers).
            if text:
                prev.texts[above] = label + "\n" + text
            if c[3] - first_end > _TOL:
                moved = (c[0], first_end, c[2], c[3])
                nxt.texts[moved] = label if _LABEL_CHAR_RE.search(label) else ""
                cells.append(moved)
            continue
        cells.append(c)
        if above is not None and not text and _LABEL_CHAR_RE.search(label):
            nxt.texts[c] = label
    nxt.table.cells = cells


def _continues(group: list[_Piece], nxt: _Piece, prev_last_on_page: bool, nxt_first_on_page: bool) -> bool:
    """Same horizontal extent as the table so far, on the next page, and not opening with a
    header of its own. One side may lack the table's outer columns on the left, if every column
    rule the other has right of that side's left edge is its own too: a label spanning every
    row of a page ("三、本年度办理结果" over a whole page of rows) has neither its top nor its
    bottom rule there, so the table finder leaves its column out."""
    prev = group[-1]
    if not (prev_last_on_page and nxt_first_on_page and nxt.page_no == prev.page_no + 1):
        return False
    ends = (group[0], prev)  # the first part (its header) and the last: a bounded look back
    ax0 = min(p.table.bbox[0] for p in ends)
    ax1 = max(p.table.bbox[2] for p in ends)
    bx0, _, bx1, _ = nxt.table.bbox
    if abs(ax1 - bx1) > _TOL * 2:
        return False
    if abs(ax0 - bx0) > _TOL * 2:
        # The part that lacks the outer columns (either one: the table so far may be the one
        # whose first page had its label column left out) must have every column rule the
        # other has right of its left edge.
        before = _axis([x for p in ends for c in p.table.cells for x in (c[0], c[2])])
        after = _axis([x for c in nxt.table.cells for x in (c[0], c[2])])
        narrow, wide, edge = (after, before, bx0) if bx0 > ax0 else (before, after, ax0)
        rules = [x for x in wide if x > edge + _TOL]
        if len(rules) < 2 or any(abs(narrow[nearest(narrow, x)] - x) > 2 * _TOL for x in rules):
            return False
    top = min((c[1] for c in nxt.table.cells), default=0.0)
    first_row = [nxt.texts.get(c, "") for c in nxt.table.cells if abs(c[1] - top) <= _TOL]
    return not _SECTION_START_RE.search("".join(first_row))


# A section's heading: "三、收到和处理…" (a row label of a table is inside the table's bbox).
_HEADING_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")


def _heading_above(page: Page, table: object) -> bool:
    """Whether a section heading is printed on the page above the table: a table under its
    own heading opens a section, it does not continue the table of the page before."""
    top = table.bbox[1]
    above = [ch for ch in page.chars if ch["bottom"] <= top + _TOL / 2]
    if not above:
        return False
    text = ideographs(chars_to_text(above))
    return any(_HEADING_RE.match(line) for line in text.split("\n"))


def _open_top(page: Page) -> float | None:
    """Where a table continued from the page before really starts, when its first row has no
    top rule: a browser's print (border-collapse) draws a row's top border with the row above,
    so a row pushed to the next page opens without one, and the table finder starts the table
    a row lower, or misses a one-row fragment (the end of a row split by the break), leaving
    that text out. The y where the page's topmost column rules (at least two) all begin, if
    no horizontal rule is drawn there."""
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 3 * _TOL]
    if len(verticals) < 2:
        return None
    y = min(e["top"] for e in verticals)
    starting = [e["x0"] for e in verticals if e["top"] - y <= _TOL]
    if len(starting) < 2:
        return None
    x0, x1 = min(starting), max(starting)
    ruled = sum(min(e["x1"], x1) - max(e["x0"], x0) for e in page.edges
                if e["orientation"] == "h" and abs(e["top"] - y) <= _TOL and e["x0"] < x1 and e["x1"] > x0)
    return y if x1 - x0 > _TOL and ruled < (x1 - x0) / 2 else None


@dataclass
class _OpenEnd:
    """A table cut by the page's end: the line that closes it, and where the text of its
    cells left open (`spans`: the x-ranges without a rule at the line) really ends."""
    rule: float
    text_end: float
    spans: list[tuple[float, float]]


def _open_bottom(page: Page) -> _OpenEnd | None:
    """Where a table broken by the page's end stops, when its last row has no bottom rule: a
    browser's print splits a row over two pages and closes neither part, so the table finder,
    which needs closed cells, loses the rows before the break; a label spanning rows there
    may be the only open cell. The y where the page's lowest column rules (at least three)
    all end (a line drawn there closes what is open and changes nothing where a rule is), and
    where the open cells' text ends: a browser clips the borders at the page's content box,
    not the text, so lines that follow at once, under an open cell, are that cell's."""
    verticals = [e for e in page.edges if e["orientation"] == "v" and e["bottom"] - e["top"] > 3 * _TOL]
    if len(verticals) < 3:
        return None
    y = max(e["bottom"] for e in verticals)
    ending = sorted(e["x0"] for e in verticals if y - e["bottom"] <= _TOL)
    if len(ending) < 3:
        return None
    rules = [(e["x0"], e["x1"]) for e in page.edges if e["orientation"] == "h" and abs(e["top"] - y) <= _TOL]
    spans = [(a, b) for a, b in zip(ending, ending[1:], strict=False) if b - a > _TOL
             and sum(max(0.0, min(r1, b) - max(r0, a)) for r0, r1 in rules) < (b - a) / 2]
    text_end = y

    def under_open(ch: dict) -> bool:
        mid = (ch["x0"] + ch["x1"]) / 2
        return any(a < mid < b for a, b in spans)

    for ch in sorted((ch for ch in page.chars if ch["top"] >= y - _TOL and under_open(ch)),
                     key=lambda ch: ch["top"]):
        if ch["top"] > text_end + 0.6 * float(ch.get("size") or 10):
            break
        text_end = max(text_end, float(ch["bottom"]) + 1)
    return _OpenEnd(y, text_end, spans)


def _extend_last_row(table: object, end: _OpenEnd) -> None:
    """The open cells closed by the line reach down to where their text does."""
    if end.text_end <= end.rule:
        return
    table.cells = [(c[0], c[1], c[2], end.text_end)
                   if abs(c[3] - end.rule) <= _TOL and any(a < (c[0] + c[2]) / 2 < b for a, b in end.spans)
                   else c for c in table.cells]


# Fewer printable characters than this on a page: it has no text layer.
MIN_TEXT_CHARS = 20


def is_picture_page(page: object) -> bool | None:
    """True for a page that is a picture (a large image, no text layer), False for a page
    with text, None for neither (a blank page)."""
    if sum(1 for ch in page.chars if ch.get("text", "").strip()) >= MIN_TEXT_CHARS:
        return False
    width, height = float(page.width), float(page.height)
    covered = 0.0
    for im in page.images:
        w = min(float(im["x1"]), width) - max(float(im["x0"]), 0.0)
        h = min(float(im["bottom"]), height) - max(float(im["top"]), 0.0)
        covered += max(w, 0.0) * max(h, 0.0)
    return True if covered >= 0.25 * width * height else None


def looks_scanned(kinds: list[bool | None]) -> bool:
    """A scanned document: picture pages, at least as many as the pages with text."""
    pictures = sum(1 for k in kinds if k is True)
    return pictures > 0 and pictures >= sum(1 for k in kinds if k is False)


def first_pages(pdf: pdfplumber.PDF, limit: int) -> tuple[list[Page], bool]:
    """The first `limit` pages and whether there are more, without building the rest:
    `pdf.pages` parses every page of the page tree, however many it holds."""
    pages: list[Page] = []
    doctop = 0.0
    try:
        for i, obj in enumerate(PDFPage.create_pages(pdf.doc)):
            if i == limit:
                return pages, True
            page = Page(pdf, obj, page_number=i + 1, initial_doctop=doctop)
            pages.append(page)
            doctop += float(page.height)
    except Exception as exc:  # as pdfplumber's own `pages` reports a broken page tree
        raise PdfminerException(exc) from exc
    return pages, False


@contextmanager
def open_pages(data: bytes, limit: int) -> Iterator[tuple[pdfplumber.PDF, list[Page], bool]]:
    """The PDF, its first `limit` pages and whether there are more (`first_pages`), closed on
    exit without `PDF.close()`, which parses every page of the PDF to close it."""
    stream = io.BytesIO(data)  # ours to close: pdfplumber leaves a stream it was given open
    pages: list[Page] = []
    try:
        pdf = pdfplumber.open(stream)
        pages, more = first_pages(pdf, limit)
        yield pdf, pages, more
    finally:
        for page in pages:
            page.close()
        stream.close()


def pages_warning(budget: budgets.Budget, what: str) -> str:
    return (f"PDF has more than {budget.limit} pages: only the first {budget.limit} were {what} "
            f"(the {budget.name} budget)")


def rule_crossings(page: Page) -> int:
    """At most how many points pdfplumber's table finder will find where ruling lines cross
    (its cell search compares every one with every other): the ruling lines made as it
    makes them (short strokes dropped, lines snapped and joined, with its default settings),
    distinct rows of them × distinct columns, counted in n log n."""
    settings = TableSettings.resolve(TABLE_SETTINGS)
    # Only horizontal and vertical strokes are rules (pdfplumber's finder drops the rest; a
    # diagonal line or a curve has no orientation and would stop its snapping).
    edges = [e for e in page.edges if e["orientation"] in ("h", "v")]
    edges = filter_edges(edges, min_length=settings.edge_min_length_prefilter)
    edges = merge_edges(edges, settings.snap_x_tolerance, settings.snap_y_tolerance,
                        settings.join_x_tolerance, settings.join_y_tolerance)
    edges = filter_edges(edges, min_length=settings.edge_min_length)
    return len({e["top"] for e in edges if e["orientation"] == "h"}) \
        * len({e["x0"] for e in edges if e["orientation"] == "v"})


def read_pdf(data: bytes) -> Document:
    texts: list[str] = []
    rows: list[PageRows] = []
    groups: list[list[_Piece]] = []
    warnings: list[str] = []
    kinds: list[bool | None] = []
    crossings = 0
    skipped: list[int] = []  # pages whose tables were not read (pdf_rule_crossings)
    # Past the budget the first pages are read, with a warning, rather than none: a report's
    # tables come in its first pages, and a PDF that long is a report bound with its annexes
    # (or several reports in one), whose tables are still worth having.
    with open_pages(data, budgets.PDF_PAGES.limit) as (_pdf, pages, more):
        y_offset = 0.0
        last_on_prev_page = False
        if more:
            warnings.append(pages_warning(budgets.PDF_PAGES, "read"))
        for page_no, page in enumerate(pages, start=1):
            texts.append(ideographs(page.extract_text(y_tolerance=line_tolerance(page.chars)) or ""))
            rows.append(row_lines(page, ideographs, rows[-1] if rows else None))
            kinds.append(is_picture_page(page))
            # The table finder takes time quadratic in a page's rule crossings: a page past
            # what the document has left of the budget keeps its text but not its tables (a
            # report's few tables fit many times over; one mesh page must not cost the rest).
            here = rule_crossings(page)
            if crossings + here > budgets.PDF_RULE_CROSSINGS.limit:
                skipped.append(page_no)
                found = []
            else:
                crossings += here
                open_end = _open_bottom(page)
                top_rule = _open_top(page)
                lines = [y for y in (open_end.rule if open_end else None, top_rule) if y is not None]
                found = sorted(page.find_tables({**TABLE_SETTINGS, "explicit_horizontal_lines": lines}),
                               key=lambda t: t.bbox[1])
                if open_end and found:
                    _extend_last_row(found[-1], open_end)
                # A row split by the break is open across most of the table's width; a label
                # spanning rows across a clean break leaves only its own column open.
                split = open_end is not None and found and 2 * sum(b - a for a, b in open_end.spans) > (
                    found[-1].bbox[2] - found[-1].bbox[0])
                opened = (found[0] if found and top_rule is not None and abs(found[0].bbox[1] - top_rule) <= _TOL else None,
                          found[-1] if split else None)
                # Tables printed without column rules, from where their words are.
                unruled = unruled_tables(page, [t.bbox for t in found])
                if unruled:
                    found = sorted([*found, *unruled], key=lambda t: t.bbox[1])
            chars = page.chars if found else []
            for i, table in enumerate(found):
                piece = _Piece(page_no, table, y_offset, _cell_texts(chars, table.cells),
                               open_top=table is opened[0] or getattr(table, "open_top", False),
                               open_bottom=table is opened[1] or getattr(table, "open_bottom", False))
                first = i == 0 and not _heading_above(page, table)
                if groups and _continues(groups[-1], piece, last_on_prev_page, first):
                    _join_seam(groups[-1][-1], piece)
                    if piece.table.cells:  # else it was only the end of the row split before it
                        groups[-1].append(piece)
                else:
                    groups.append([piece])
                last_on_prev_page = i == len(found) - 1
            if not found:
                last_on_prev_page = False
            y_offset += float(page.height)
            page.close()  # its parsed objects: the tables keep their cells, the text is taken
        grid_cells = GridCells()  # one count for all the document's tables
        tables = [_grid(group, i, grid_cells) for i, group in enumerate(groups)]
    if skipped:
        warnings.append(f"tables not read on {len(skipped)} page(s) (from page {skipped[0]}): their ruling lines "
                        f"cross more often than the {budgets.PDF_RULE_CROSSINGS.name} budget has left "
                        f"({budgets.PDF_RULE_CROSSINGS.limit:,} a document)")
    doc = Document(format="pdf", text="\n".join(texts), tables=tables, warnings=warnings, row_text=join_pages(rows))
    # Decided from the pages already parsed: opening the PDF again only to ask cost a third
    # of reading it (bench/performance.py). extract.read_document sends scans to OCR.
    doc.meta["scanned"] = looks_scanned(kinds)
    if not doc.text.strip():
        doc.warnings.append("PDF has no text layer (scanned?)")
    return doc
