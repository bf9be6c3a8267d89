"""HTML pages → text and table grids.

Government pages declare gb2312 while sending GBK, misspell their meta tags and wrap the
report in layout tables; the reader copes with all three and reads tables by structure,
never from flattened page text (which glues adjacent cells into one number).
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable, Iterator

from lxml import etree

from .model import Document, GridCells, RawTable

# gb2312-labelled pages routinely contain GBK-only characters; gb18030 is a superset of both.
_ENCODING_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
# Tolerates the malformed declarations real sites ship, e.g. <meta httpequiv="ContentType" …>.
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)

# Plain etree elements: lxml.html's element classes cost a lookup per element touched, and
# nothing here needs their methods. (One parser per process: extraction runs in processes.)
# huge_tree: without it libxml2 stops, silently, at a text node or attribute over 10 MB, or
# partway through a long page of long paragraphs (its input buffer's limit), and the report
# tables after the stop are lost. What it lifts is bounded anyway: the page by the
# document_bytes budget, nesting at 2,048 levels (256 without), which the deep-nesting cases
# of tests/hostile read in milliseconds.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)

# A report has three to a dozen tables; hostile pages nest thousands.
MAX_TABLES = 300

_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "dd", "dt", "dl", "blockquote", "pre", "hr",
}
# Containers the CMS platforms put the article into, most specific first.
_BODY_RULES: list[Callable[[etree._Element], bool]] = [
    lambda el: "TRS_Editor" in (el.get("class") or "").split(),
    lambda el: el.get("id") == "zoom",
    lambda el: "article_content" in (el.get("class") or ""),
    lambda el: el.get("id") == "content" or el.get("class") == "content",
]
_META_FINDER = etree.XPath("//meta[@name and @content]")


def _marked(root: etree._Element) -> list[etree._Element]:
    """Every element a body or title rule can match, in one pass over the tree (an XPath per
    rule walked the tree each time; one XPath with the predicate cost twice this loop)."""
    return [el for el in root.iter(etree.Element) if el.get("class") is not None or el.get("id") is not None]


def _normalise_encoding(name: str) -> str | None:
    name = name.strip().lower()
    name = _ENCODING_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes: BOM, then the HTTP header's charset, then a meta declaration, then
    strict UTF-8, then gb18030. Returns (text, encoding used)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace"), enc
    candidates: list[str] = []
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        if m:
            candidates.append(m.group(1))
    m = _META_CHARSET_RE.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    # Long Chinese text in GBK practically never validates as UTF-8, so valid UTF-8 with
    # multi-byte sequences wins over a declaration (servers send stale gbk headers).
    if not data.isascii():
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    for cand in candidates:
        enc = _normalise_encoding(cand)
        if not enc:
            continue
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue  # a wrong declaration: fall through to detection
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace"), "gb18030"


_VOID_BLOCKS = ("br", "hr")
_OPEN_BLOCKS = tuple(_BLOCK_TAGS - set(_VOID_BLOCKS))
_INVISIBLE_TAGS = ("script", "style", "noscript")
_HSPACE_RE = re.compile(r"[ \t\u00a0\u3000]+")
_SPACES_RE = re.compile(r"\s+")
# Control characters (Word-exported pages carry \x0b, \x1f): invisible, and not XML text.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# Where table cells start and end in a serialisation of the article: noncharacters, which
# Unicode keeps for a program's internal use (a page's own are removed before parsing).
_CELL_START, _CELL_END = "\ufdd0", "\ufdd1"
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])

# An element's text as libxslt writes it in one pass: a line break at both ends of every
# block, the cell marks around every cell. Marking the tree in Python and serialising it cost
# twice as much (bench/performance.py).
_MARKED_TEXT = etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="{'|'.join(sorted(_OPEN_BLOCKS))}"><xsl:text>&#10;</xsl:text><xsl:apply-templates/>\
<xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="{'|'.join(_VOID_BLOCKS)}"><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="td|th"><xsl:text>&#x{ord(_CELL_START):x};</xsl:text><xsl:apply-templates/>\
<xsl:text>&#x{ord(_CELL_END):x};&#9;</xsl:text></xsl:template>
</xsl:stylesheet>"""))


def _marked_text(el: etree._Element) -> str:
    """The text of `el` (without its tail) with block breaks and cell marks, the tree untouched."""
    return str(_MARKED_TEXT(el))


def _has_control(data: bytes, encoding: str, text: str) -> bool:
    """Whether the page has characters lxml refuses. Tested on the bytes where the encoding
    allows it (no UTF-8 or GB multi-byte sequence contains a byte below 0x20): a regex over the
    text cost as much as parsing the page."""
    if encoding.startswith("utf-16"):
        return _CONTROL_RE.search(text) is not None
    return len(data.translate(None, _CONTROL_BYTES)) != len(data) or "\ufffe" in text or "\uffff" in text


def _strip_invisible(root: etree._Element) -> None:
    etree.strip_elements(root, *_INVISIBLE_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False)


def _raw_text(el: etree._Element) -> str:
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def _normalise_text(raw: str) -> str:
    # Runs of _HSPACE_RE's characters become one space by str.replace: a third of the cost of
    # _HSPACE_RE.sub, which replaced every cell's tab one match at a time.
    raw = raw.replace(_CELL_START, "").replace(_CELL_END, "").replace("\t", " ")
    raw = raw.replace("\u00a0", " ").replace("\u3000", " ")
    while "  " in raw:
        raw = raw.replace("  ", " ")
    return "\n".join(filter(None, map(str.strip, raw.split("\n"))))


def _text_of(el: etree._Element) -> str:
    """Visible text with line breaks at block boundaries (lxml's text_content() glues blocks)."""
    return _normalise_text(_marked_text(el))


def _clean_cell_text(text: str) -> str:
    text = text.strip()
    if " " not in text and text.isprintable():  # most cells: one word or number, no spacing
        return text
    return _join_cell_lines(text)


def _join_cell_lines(text: str) -> str:
    # Line breaks inside a label cell are layout, not content: join without spaces.
    if "\n" in text:
        text = "".join(line.strip() for line in _HSPACE_RE.sub(" ", text).split("\n"))
    return _SPACES_RE.sub(" ", text).strip()


def _cell_text(cell: etree._Element) -> str:
    return _clean_cell_text(_marked_text(cell).replace(_CELL_START, "").replace(_CELL_END, ""))


def _own_rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table.iterchildren("tr", "thead", "tbody", "tfoot"):
        if child.tag == "tr":
            rows.append(child)
        else:
            rows.extend(child.iterchildren("tr"))
    return rows


_OWN_CELLS = etree.XPath(" | ".join(f"{path}tr/{cell}" for path in ("", "thead/", "tbody/", "tfoot/")
                                    for cell in ("td", "th")))


def _own_cells(table: etree._Element) -> list[list[etree._Element]]:
    """The cells of each of the table's own rows. One XPath for the table's cells, cut by the
    rows' lengths, when every child of every row is a cell (a filtered iteration a row costs
    twice as much)."""
    rows = _own_rows(table)
    cells = _OWN_CELLS(table)
    if sum(map(len, rows)) != len(cells):  # a row with another child: filter each row
        return [list(tr.iterchildren("td", "th")) for tr in rows]
    out, start = [], 0
    for tr in rows:
        end = start + len(tr)
        out.append(cells[start:end])
        start = end
    return out


def _grid(rows_cells: list[list[etree._Element]], texts: Iterator[str], grid_cells: GridCells,
          ) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    """Expand rowspan/colspan into a dense grid; `texts` gives each cell's text in order.
    `origin` maps the positions a merged cell covers to its id (see RawTable.origin). The
    positions spans write, and the padded grid, are taken from `grid_cells` before they are
    allocated."""
    grid: list[list[str | None]] = [[] for _ in rows_cells]
    origin: dict[tuple[int, int], int] = {}
    cell_id = 0
    start = grid_cells.used
    for r, cells in enumerate(rows_cells):
        row = grid[r]
        c = 0
        for cell, text in zip(cells, texts, strict=False):  # texts run on into the next table
            rowspan, colspan = cell.get("rowspan"), cell.get("colspan")
            n = len(row)
            while c < n and row[c] is not None:  # taken by a rowspan from above
                c += 1
            if c == n and rowspan is None and colspan is None:  # most cells: no span
                row.append(text)
                cell_id += 1
                c += 1
                continue
            rowspan, colspan = _span(rowspan), _span(colspan)
            # Spans are counted, plain cells are not: a plain cell is an element lxml already
            # holds, a span multiplies (the positions it writes, and the gaps before them).
            grid_cells.take(rowspan * colspan)
            for rr in range(r, r + rowspan):
                if rr >= len(grid):
                    grid.append([])  # spans past the last row: they still widen the table
                target = grid[rr]
                if len(target) < c + colspan:
                    if len(target) < c:
                        grid_cells.take(c - len(target))
                    target.extend([None] * (c + colspan - len(target)))
                for cc in range(c, c + colspan):
                    target[cc] = text
                    origin[(rr, cc)] = cell_id
            cell_id += 1
            c += colspan
    width = max(map(len, grid), default=0)
    # One long row pads every short one to its width: the padded grid is what it holds.
    grid_cells.settle(start, len(rows_cells) * width)
    # Gaps (None) and short rows are rare: other rows are kept as they are, not copied.
    rows = [row if len(row) == width and None not in row else [t or "" for t in row] + [""] * (width - len(row))
            for row in grid[:len(rows_cells)]]
    return rows, origin  # type: ignore[return-value]  # the Nones are gone


def table_grid(table: etree._Element, grid_cells: GridCells | None = None,
               ) -> tuple[list[list[str]], dict[tuple[int, int], int]]:
    """Expand rowspan/colspan into a dense grid of cell texts (`grid_cells`: the document's
    count, when the table is one of several)."""
    rows_cells = _own_cells(table)
    return _grid(rows_cells, (_cell_text(cell) for cells in rows_cells for cell in cells),
                 GridCells() if grid_cells is None else grid_cells)


def _grids_and_text(body: etree._Element, tables: list[etree._Element],
                    ) -> tuple[list[tuple[list[list[str]], dict[tuple[int, int], int]]], str]:
    """Every table's grid and the article's text, from one marked serialisation of the article
    (a serialisation per cell was most of the cost of reading a report page). A cell of an
    innermost table contains no other cell, so its text runs from its start mark to the
    first end mark. The grids take their positions from one GRID_CELLS count for the page."""
    grid_cells = GridCells()
    layouts = [_own_cells(table) for table in tables]
    marked = _marked_text(body)
    parts = marked.split(_CELL_START)
    n_cells = sum(len(row) for layout in layouts for row in layout)
    pieces = None
    if n_cells == len(parts) - 1:
        # No layout table around the data: the tables' own cells are all the article's
        # cells, in document order, so each text is the next part (no lookup per cell).
        pieces = parts[1:]
    else:
        cells = list(body.iter("td", "th"))
        if len(cells) == len(parts) - 1:
            index = {cell: i for i, cell in enumerate(cells, 1)}
            pieces = [parts[index[cell]] if cell in index else ""
                      for layout in layouts for row in layout for cell in row]
    if pieces is not None and all(_CELL_END in piece for piece in pieces):
        # _clean_cell_text, its one-word test inline (a call per cell was a tenth of a grid).
        it = iter([t if " " not in (t := piece.partition(_CELL_END)[0].strip()) and t.isprintable()
                   else _join_cell_lines(t) for piece in pieces])
        return [_grid(layout, it, grid_cells) for layout in layouts], _normalise_text(marked)
    # Not expected: read cell by cell.
    grids = [_grid(layout, (_cell_text(cell) for cells in layout for cell in cells), grid_cells) for layout in layouts]
    return grids, _normalise_text(marked)


def _span(value: str | None) -> int:
    if value is None:
        return 1
    try:
        # Bound spans: a hostile rowspan="65534" must not allocate millions of cells.
        return min(max(int(str(value).strip() or 1), 1), 200)
    except ValueError:
        return 1


def _find_body(root: etree._Element, marked: list[etree._Element]) -> etree._Element:
    candidates = ([el for el in marked if rule(el)] for rule in _BODY_RULES)
    for found in itertools.chain(candidates, [list(root.iter("article"))]):
        if found:
            return _longest(found)
    body = root.find("body")
    return body if body is not None else root


def _longest(found: list[etree._Element]) -> etree._Element:
    return found[0] if len(found) == 1 else max(found, key=lambda el: len(_raw_text(el)))


# Where the most specific rule's container is on every TRS page (the most common platform):
# looking there first spares a walk over every cell and paragraph of the report.
_BLOCK_CONTAINERS = ("div", "section", "article", "main", "center")


def _quick_body(root: etree._Element) -> etree._Element | None:
    found = [el for el in root.iter(*_BLOCK_CONTAINERS) if _BODY_RULES[0](el)]
    return _longest(found) if found else None


def _meta(root: etree._Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    head = root.find("head")
    # In the head, where they belong, without a search of the whole page; anywhere if not.
    for el in head.iter("meta") if head is not None else ():
        name, content = el.get("name"), el.get("content")
        if name is not None and content is not None:
            meta[name] = content.strip()
    if not meta:
        for el in _META_FINDER(root):
            meta[el.get("name")] = el.get("content").strip()
    return meta


def _title(root: etree._Element, meta: dict[str, str], marked: list[etree._Element] | None) -> str | None:
    if meta.get("ArticleTitle"):
        return meta["ArticleTitle"]
    if marked is None:
        marked = _marked(root)
    heading = next(root.iter("h1"), None)
    for el in (*(el for el in marked if "article_title" in (el.get("class") or "")), heading):
        if el is not None:
            t = _text_of(el).replace("\n", "")
            if t:
                return t
    t = root.findtext(".//title")
    return t.strip() if t and t.strip() else None


_NO_MEMORY, _RESOURCE_LIMIT = etree.ErrorTypes.ERR_NO_MEMORY, etree.ErrorTypes.ERR_RESOURCE_LIMIT


def _stopped_early(log: etree._ListErrorLog) -> str | None:
    """Why libxml2 stopped before the end of the page, if it did: it returns the tree read so
    far, so without this the tables after the stop would vanish without a word. Both errors
    end the parse, so they are the last one logged."""
    last = log.last_error
    if last is None:
        return None
    if last.type == _NO_MEMORY:
        raise MemoryError(f"libxml2: {last.message.strip()}")
    if last.type == _RESOURCE_LIMIT:  # too deep, even for huge_tree
        return last.message.split(", use XML_PARSE_HUGE")[0].strip()
    return None


def read_html(data: bytes, content_type: str | None = None) -> Document:
    text, encoding = decode_html(data, content_type)
    stopped = None
    try:
        if _has_control(data, encoding, text):  # invisible, and not XML text
            text = _CONTROL_RE.sub("", text)
        if _CELL_START in text or _CELL_END in text:
            text = text.replace(_CELL_START, "").replace(_CELL_END, "")
        root = etree.fromstring(text, _PARSER) if text and not text.isspace() else None
        stopped = _stopped_early(_PARSER.error_log) if root is not None else None
    except etree.XMLSyntaxError as exc:
        if exc.code == _NO_MEMORY:  # not an unparseable page: one too large for the worker
            raise MemoryError(f"libxml2: {exc.msg}") from exc
        root = None  # nothing parseable ("<!DOCT<!DOCTYYP", fuzzing)
    except etree.ParserError:  # nothing at all ("Document is empty")
        root = None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", _PARSER)
    _strip_invisible(root)
    meta = _meta(root)
    marked = None
    body = _quick_body(root)
    if body is None:
        marked = _marked(root)
        body = _find_body(root, marked)
    tables: list[RawTable] = []
    warnings: list[str] = []
    if stopped:
        warnings.append(f"the page was read only up to where the HTML parser stopped ({stopped}): "
                        "any table after it is missing")
    all_tables = list(body.iter("table"))
    if len(all_tables) > MAX_TABLES:
        warnings.append(f"{len(all_tables)} tables in the page: only the first {MAX_TABLES} were read")
        all_tables = all_tables[:MAX_TABLES]
    # Layout tables wrap report tables; the innermost ones carry the data.
    innermost = [table for table in all_tables if table.find(".//table") is None]
    title = _title(root, meta, marked)
    grids, body_text = _grids_and_text(body, innermost)
    for rows, origin in grids:
        if rows and any(any(c for c in row) for row in rows):
            tables.append(RawTable(index=len(tables), rows=rows, origin=origin))
    doc = Document(
        format="html",
        text=body_text,
        tables=tables,
        title=title,
        meta=meta,
        warnings=warnings,
    )
    doc.meta["encoding"] = encoding
    return doc
