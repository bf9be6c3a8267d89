"""Text PDFs → text and table grids, with pdfplumber.

pdfplumber reports merged cells as missing; we rebuild the grid from the cells' own
rectangles instead, so a label spanning three rows or a header spanning five columns
covers every grid position it occupies, exactly as in HTML and DOCX.
"""

from __future__ import annotations

import io
import re

import pdfplumber

from ..tables.text import clean_cell
from .model import Document, RawTable

_SECTION_START_RE = re.compile(r"第二十条|申请人情况|行政复议|信息内容")


def _axis(values: list[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def _index(axis: list[float], v: float, tol: float = 2.0) -> int:
    for i, a in enumerate(axis):
        if abs(a - v) <= tol:
            return i
    return min(range(len(axis)), key=lambda i: abs(axis[i] - v))


def _table_to_grid(page, table, page_no: int, index: int) -> RawTable:
    cells = table.cells
    xs = _axis([c[0] for c in cells] + [c[2] for c in cells])
    ys = _axis([c[1] for c in cells] + [c[3] for c in cells])
    n_rows, n_cols = max(len(ys) - 1, 0), max(len(xs) - 1, 0)
    rows = [[""] * n_cols for _ in range(n_rows)]
    bboxes: dict[tuple[int, int], tuple[float, ...]] = {}
    origin: dict[tuple[int, int], int] = {}
    for cid, (x0, top, x1, bottom) in enumerate(cells):
        c0, c1 = _index(xs, x0), _index(xs, x1)
        r0, r1 = _index(ys, top), _index(ys, bottom)
        text = page.within_bbox((x0, top, x1, bottom), relative=False, strict=False).extract_text() or ""
        text = clean_cell(text.replace("\n", ""))
        for r in range(r0, max(r1, r0 + 1)):
            for c in range(c0, max(c1, c0 + 1)):
                if r < n_rows and c < n_cols:
                    rows[r][c] = text
                    bboxes[(r, c)] = (page_no, round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1))
                    origin[(r, c)] = cid
    return RawTable(index=index, rows=rows, page=page_no, bboxes=bboxes, origin=origin)


def _continues(prev: RawTable, nxt: RawTable) -> bool:
    """A table broken by a page break: same column count, and the new part does not open
    with a header of its own."""
    if prev.n_cols != nxt.n_cols or not nxt.rows:
        return False
    return not _SECTION_START_RE.search("".join(nxt.rows[0]))


def read_pdf(data: bytes) -> Document:
    texts: list[str] = []
    tables: list[RawTable] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page_no, page in enumerate(pdf.pages, start=1):
            texts.append(page.extract_text() or "")
            found = page.find_tables()
            for i, table in enumerate(found):
                grid = _table_to_grid(page, table, page_no, len(tables))
                first_on_page = i == 0
                if first_on_page and tables and tables[-1].page == page_no - 1 and _continues(tables[-1], grid):
                    prev = tables[-1]
                    offset = len(prev.rows)
                    prev.rows.extend(grid.rows)
                    prev.bboxes.update({(r + offset, c): b for (r, c), b in grid.bboxes.items()})
                    base = max(prev.origin.values(), default=-1) + 1
                    prev.origin.update({(r + offset, c): base + o for (r, c), o in grid.origin.items()})
                    continue
                tables.append(grid)
    doc = Document(format="pdf", text="\n".join(texts), tables=tables)
    if not doc.text.strip():
        doc.warnings.append("PDF has no text layer (scanned?)")
    return doc
