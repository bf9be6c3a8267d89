"""DOCX → text and table grids.

python-docx opens the package and parses the document's XML. The grids and texts are read
from that tree directly, with python-docx's own rules (below): its table API finds each
cell's grid offset and the cell above a vertical merge with an XPath compiled per call, and
cost five times the opening itself (bench/performance.py). tests/test_docx_reader.py holds the
two readings equal.
"""

from __future__ import annotations

import io
import zipfile

import docx
from lxml import etree

from ..tables.text import clean_cell
from .model import Document, RawTable, pad_rows

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_NS = {"w": _W[1:-1]}
_P, _TBL, _TR, _TC = _W + "p", _W + "tbl", _W + "tr", _W + "tc"
_GRID_SPAN = _W + "gridSpan"
_GRID_BEFORE = f"{_W}trPr/{_W}gridBefore"
_VAL, _TYPE = _W + "val", _W + "type"

# A run's text as python-docx's CT_R.text gives it: the run's own text elements, breaks and
# tabs as characters; a paragraph's is its runs' and its hyperlinks' runs' (CT_P.text).
_RUN_TEXT = "*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen or self::w:ptab]"
_RUN_PATHS = (f"w:r/{_RUN_TEXT}", f"w:hyperlink/w:r/{_RUN_TEXT}")
_PARAGRAPH_PARTS = etree.XPath(" | ".join(_RUN_PATHS), namespaces=_NS)
# A cell's text is its own paragraphs' texts run together (not those of a table inside it).
_CELL_PARTS = etree.XPath(" | ".join(f"w:p/{path}" for path in _RUN_PATHS), namespaces=_NS)
_FIXED_TEXT = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_T, _BR = _W + "t", _W + "br"

# Hostile gridSpan and gridBefore values must not allocate millions of cells.
MAX_SPAN = 200


def _part_text(el: etree._Element) -> str:
    tag = el.tag
    if tag == _T:
        return el.text or ""
    if tag == _BR:  # a line break; page and column breaks are no text
        return "\n" if el.get(_TYPE, "textWrapping") == "textWrapping" else ""
    return _FIXED_TEXT[tag]


def _text(parts: list[etree._Element]) -> str:
    return clean_cell("".join(map(_part_text, parts)))


def _int_val(el: etree._Element | None, default: int) -> int:
    try:
        return int(el.get(_VAL)) if el is not None else default  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default


# The few w:tc properties that shape the grid, in one call (a find per property made a
# python-docx element proxy each time, and cost four times as much).
_GRID_PROPS = etree.XPath("w:tcPr/w:gridSpan | w:tcPr/w:vMerge", namespaces=_NS)


def _cell_props(tc: etree._Element) -> tuple[int, str | None]:
    """(gridSpan, vMerge) of a w:tc: a w:vMerge without a value means "continue"."""
    span, merge = None, None
    for prop in _GRID_PROPS(tc):  # the first of each counts, as in python-docx
        if prop.tag == _GRID_SPAN:
            span = min(_int_val(prop, 1), MAX_SPAN) if span is None else span
        elif merge is None:
            merge = prop.get(_VAL, "continue")
    return 1 if span is None else span, merge


def table_grid(tbl: etree._Element) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    """A w:tbl's dense grid, merges expanded as python-docx's `_Row.cells` expands them: a
    row starts after its w:gridBefore empty positions; a cell fills its gridSpan positions; a
    vMerge="continue" cell repeats the cell that starts at its grid offset in the row above."""
    rows: list[list[str]] = []
    origin: dict[tuple[int, int], int] = {}
    cells: dict[etree._Element, tuple[int, str, int]] = {}  # a merge's first w:tc → (id, text, span)
    above: dict[int, etree._Element] = {}  # grid offset → the first w:tc of the merge there
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        out = [""] * min(max(_int_val(tr.find(_GRID_BEFORE), 0), 0), MAX_SPAN)
        here: dict[int, etree._Element] = {}
        offset = len(out)
        for tc in tr.iterchildren(_TC):
            span, merge = _cell_props(tc)
            # With nothing above to continue (python-docx raises), the cell stands alone.
            first = above.get(offset, tc) if merge == "continue" else tc
            here[offset] = first
            if first not in cells:
                cells[first] = (len(cells), _text(_CELL_PARTS(first)), span)
            cell_id, text, width = cells[first]
            for _ in range(width):
                origin[(r, len(out))] = cell_id
                out.append(text)
            offset += span
        above = here
        rows.append(out)
    return pad_rows(rows), origin


# A DOCX is a zip: refuse archives that would inflate past these bounds (zip bombs).
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_RATIO = 200


class ZipBomb(ValueError):
    pass


def check_zip(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise ZipBomb(f"would inflate to {total} bytes")
        for i in infos:
            if i.file_size > 1024 * 1024 and i.compress_size and i.file_size / i.compress_size > MAX_RATIO:
                raise ZipBomb(f"{i.filename} compresses {i.file_size / i.compress_size:.0f}:1")


def read_docx(data: bytes) -> Document:
    check_zip(data)
    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    tables: list[RawTable] = []
    # The body's own paragraphs and tables, in order (python-docx lists them apart).
    for child in doc.element.body.iterchildren(_P, _TBL):
        if child.tag == _P:
            t = _text(_PARAGRAPH_PARTS(child))
            if t:
                lines.append(t)
        else:
            rows, origin = table_grid(child)
            tables.append(RawTable(index=len(tables), rows=rows, origin=origin))
            for row in rows:
                lines.append("\t".join(dict.fromkeys(c for c in row if c)))
    title = clean_cell(doc.core_properties.title) or None
    return Document(format="docx", text="\n".join(lines), tables=tables, title=title)
