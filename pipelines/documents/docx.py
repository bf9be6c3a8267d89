"""DOCX → text and table grids.

python-docx opens the package and parses the document's XML. The grids and texts are read
from that tree directly, with python-docx's own rules (below): its table API finds each
cell's grid offset and the cell above a vertical merge with an XPath compiled per call, and
cost five times the opening itself (bench/performance.py). tests/test_docx_reader.py holds the
two readings equal.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile

import docx
from lxml import etree

from .. import budgets
from ..tables.text import clean_cell
from .model import Document, GridCells, RawTable, pad_rows

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


def table_grid(tbl: etree._Element, grid_cells: GridCells | None = None,
               ) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    """A w:tbl's dense grid, merges expanded as python-docx's `_Row.cells` expands them: a
    row starts after its w:gridBefore empty positions; a cell fills its gridSpan positions; a
    vMerge="continue" cell repeats the cell that starts at its grid offset in the row above.
    Every position is taken from `grid_cells` (the document's count) before it is allocated."""
    if grid_cells is None:
        grid_cells = GridCells()
    start = grid_cells.used
    rows: list[list[str]] = []
    origin: dict[tuple[int, int], int] = {}
    cells: dict[etree._Element, tuple[int, str, int]] = {}  # a merge's first w:tc → (id, text, span)
    above: dict[int, etree._Element] = {}  # grid offset → the first w:tc of the merge there
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        before = min(max(_int_val(tr.find(_GRID_BEFORE), 0), 0), MAX_SPAN)
        grid_cells.take(before)
        out = [""] * before
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
            grid_cells.take(width)
            for _ in range(width):
                origin[(r, len(out))] = cell_id
                out.append(text)
            offset += span
        above = here
        rows.append(out)
    # One long row pads every short one to its width: the padded grid is what it holds.
    grid_cells.settle(start, len(rows) * max(map(len, rows), default=0))
    return pad_rows(rows), origin


# What the package inflates to is measured while inflating, never taken from the zip's
# directory: a hostile directory understates sizes, and zipfile still inflates a whole member
# (up to 1 GiB in one call) before cutting it to the stated size.
_CHUNK = 1 << 20
# Whitespace, byte-order marks and UTF-16/32's zero bytes before an XML part's first "<".
_XML_LEAD = b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"
_DECLARED_ENCODING = re.compile(rb"""^[^<]*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)""")
# OPC (ECMA-376 Part 2, 8.1.4) allows UTF-8 and UTF-16 only. In those, and in ASCII, every
# tag has its own "<", attribute its "=", entity reference its "&", so counting those bytes
# bounds the nodes libxml2 will build; UTF-7 can write markup without them.
_COUNTABLE_ENCODING = re.compile(rb"(?i)(utf-?(8|16|32)(le|be)?|(us-)?ascii)")


def _xml_part(name: str, head: bytes) -> bool | None:
    """Whether a member may be XML (python-docx would parse it): its first byte past any
    whitespace and byte-order mark is "<"; None while `head` is all such bytes. Raises on an
    encoding its nodes cannot be counted in."""
    start = head.lstrip(_XML_LEAD)[:1]
    if not start:
        return None
    if start != b"<":
        return False
    declared = _DECLARED_ENCODING.match(head[:1024].replace(b"\x00", b""))
    if declared and not _COUNTABLE_ENCODING.fullmatch(declared.group(1).strip()):
        raise ValueError(f"{name} declares the encoding {declared.group(1).decode('ascii', 'replace')!r}; "
                         "a DOCX's XML is UTF-8 or UTF-16")
    return True


def _nodes_at_most(xml: bytes) -> int:
    """An upper bound on the nodes libxml2 builds from `xml`: an element has a "<", an
    attribute an "=", an entity reference (kept as a node: entities are not expanded) an "&".
    (One pass deleting them costs half of three counts.)"""
    return len(xml) - len(xml.translate(None, b"<=&"))


def check_package(data: bytes) -> None:
    """Inflate every member, as python-docx would read it, counting the bytes it really
    inflates to against INFLATED_BYTES and the nodes of its XML against XML_NODES; stop at the
    first chunk past either. A chunk at a time: nothing is kept. (Counting bytes, not parsing:
    a second parse of the XML would cost as much as python-docx's own.)"""
    inflated = nodes = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                # OPC allows only these; zipfile inflates bzip2 and lzma a read at a time without
                # an output bound, and a few KB of bzip2 can inflate to gigabytes.
                raise zipfile.BadZipFile(f"{info.filename} is compressed with zip method "
                                         f"{info.compress_type}; a DOCX is stored or deflated")
            member = copy.copy(info)
            member.file_size = 1 << 62  # to the real end: zipfile stops at a stated size
            with zf.open(member) as f:
                xml = None
                while chunk := f.read(_CHUNK):
                    inflated += len(chunk)
                    if inflated > budgets.INFLATED_BYTES.limit:
                        raise budgets.TooLarge(budgets.INFLATED_BYTES, inflated, f"zip bomb: {info.filename} "
                                               f"states {info.file_size:,} bytes and inflates past the budget")
                    if xml is None:
                        xml = _xml_part(info.filename, chunk)
                    if xml:
                        nodes += _nodes_at_most(chunk)
                        if nodes > budgets.XML_NODES.limit:
                            raise budgets.TooLarge(budgets.XML_NODES, nodes, f"in {info.filename} and the parts before it")


def read_docx(data: bytes) -> Document:
    check_package(data)
    doc = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    tables: list[RawTable] = []
    grid_cells = GridCells()  # one count for all the document's tables
    # The body's own paragraphs and tables, in order (python-docx lists them apart).
    for child in doc.element.body.iterchildren(_P, _TBL):
        if child.tag == _P:
            t = _text(_PARAGRAPH_PARTS(child))
            if t:
                lines.append(t)
        else:
            rows, origin = table_grid(child, grid_cells)
            tables.append(RawTable(index=len(tables), rows=rows, origin=origin))
            for row in rows:
                lines.append("\t".join(dict.fromkeys(c for c in row if c)))
    title = clean_cell(doc.core_properties.title) or None
    return Document(format="docx", text="\n".join(lines), tables=tables, title=title)
