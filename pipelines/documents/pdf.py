"""Text PDFs → text and table grids, with pdfplumber.

pdfplumber reports merged cells as missing; we rebuild the grid from the cells' own
rectangles instead, so a label spanning three rows or a header spanning five columns
covers every grid position it occupies, exactly as in HTML and DOCX. A table broken by a
page break is stitched back by its horizontal extent before the grid is built, since each
part alone may not show every column rule (a header row spanning the label columns hides them).
"""

from __future__ import annotations

import bisect
import io
import logging
import re
from dataclasses import dataclass, field

import pdfplumber
from pdfplumber.utils import extract_text as chars_to_text

from ..tables.text import clean_cell
from .model import Document, RawTable

# pdfminer logs at DEBUG per object; under Scrapy's root logger that more than doubles the
# cost of reading a PDF (measured by bench/performance.py).
logging.getLogger("pdfminer").setLevel(logging.WARNING)

_SECTION_START_RE = re.compile(r"第二十条|申请人情况|行政复议|信息内容")
_TOL = 2.0


@dataclass
class _Piece:
    page_no: int
    page: object
    table: object
    y_offset: float
    texts: dict[tuple[float, ...], str] = field(default_factory=dict)  # cell bbox → text


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
    return {cell: chars_to_text(cs) if cs else "" for cell, cs in zip(cells, found, strict=True)}


def _axis(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _index(axis: list[float], v: float) -> int:
    return min(range(len(axis)), key=lambda i: abs(axis[i] - v))


def _grid(pieces: list[_Piece], index: int) -> RawTable:
    cells = [(p, (x0, top + p.y_offset, x1, bottom + p.y_offset), (x0, top, x1, bottom))
             for p in pieces for (x0, top, x1, bottom) in p.table.cells]
    xs = _axis([c[1][0] for c in cells] + [c[1][2] for c in cells])
    ys = _axis([c[1][1] for c in cells] + [c[1][3] for c in cells])
    n_rows, n_cols = max(len(ys) - 1, 0), max(len(xs) - 1, 0)
    rows = [[""] * n_cols for _ in range(n_rows)]
    bboxes: dict[tuple[int, int], tuple[float, ...]] = {}
    origin: dict[tuple[int, int], int] = {}
    for cid, (piece, (x0, top, x1, bottom), bbox) in enumerate(cells):
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        text = clean_cell(piece.texts.get(bbox, "").replace("\n", ""))
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                if r < n_rows and c < n_cols:
                    rows[r][c] = text
                    bboxes[(r, c)] = (piece.page_no, *(round(v, 1) for v in bbox))
                    origin[(r, c)] = cid
    return RawTable(index=index, rows=rows, page=pieces[0].page_no, bboxes=bboxes, origin=origin)


def _continues(prev: _Piece, nxt: _Piece, prev_last_on_page: bool, nxt_first_on_page: bool) -> bool:
    """Same horizontal extent, on the next page, and not opening with a header of its own."""
    if not (prev_last_on_page and nxt_first_on_page and nxt.page_no == prev.page_no + 1):
        return False
    (ax0, _, ax1, _), (bx0, _, bx1, _) = prev.table.bbox, nxt.table.bbox
    if abs(ax0 - bx0) > _TOL * 2 or abs(ax1 - bx1) > _TOL * 2:
        return False
    top = min((c[1] for c in nxt.table.cells), default=0.0)
    first_row = [nxt.texts.get(c, "") for c in nxt.table.cells if abs(c[1] - top) <= _TOL]
    return not _SECTION_START_RE.search("".join(first_row))


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


# Annual reports run to a few dozen pages; a longer PDF is read up to here, with a warning.
MAX_PAGES = 200


def read_pdf(data: bytes) -> Document:
    texts: list[str] = []
    groups: list[list[_Piece]] = []
    warnings: list[str] = []
    kinds: list[bool | None] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        y_offset = 0.0
        last_on_prev_page = False
        if len(pdf.pages) > MAX_PAGES:
            warnings.append(f"PDF has {len(pdf.pages)} pages: only the first {MAX_PAGES} were read")
        for page_no, page in enumerate(pdf.pages[:MAX_PAGES], start=1):
            texts.append(page.extract_text() or "")
            kinds.append(is_picture_page(page))
            found = sorted(page.find_tables(), key=lambda t: t.bbox[1])
            chars = page.chars if found else []
            for i, table in enumerate(found):
                piece = _Piece(page_no, page, table, y_offset, _cell_texts(chars, table.cells))
                if groups and _continues(groups[-1][-1], piece, last_on_prev_page, i == 0):
                    groups[-1].append(piece)
                else:
                    groups.append([piece])
                last_on_prev_page = i == len(found) - 1
            if not found:
                last_on_prev_page = False
            y_offset += float(page.height)
        tables = [_grid(group, i) for i, group in enumerate(groups)]
    doc = Document(format="pdf", text="\n".join(texts), tables=tables, warnings=warnings)
    # Decided from the pages already parsed: opening the PDF again only to ask cost a third
    # of reading it (bench/performance.py). extract.read_document sends scans to OCR.
    doc.meta["scanned"] = looks_scanned(kinds)
    if not doc.text.strip():
        doc.warnings.append("PDF has no text layer (scanned?)")
    return doc
