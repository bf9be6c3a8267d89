"""Grids → canonical cells, matched by label, each with its provenance.

Nothing here fills a cell by the order numbers appear in: a row is recognised by its label,
a column by its header, and a cell that cannot be tied to both is null with a reason.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from ..documents.model import RawTable
from . import templates as T
from .text import clean_cell, joined_key, label_key, strip_numbering
from .values import parse_value, prints_number

SECTIONS = ("active_disclosure", "applications", "reviews_litigation")


@dataclass(slots=True)  # ~150 per report, made and read in the hot path
class Cell:
    section: str
    row: str  # item / category / proceeding key, or "extra:<label>" for rows beyond the template
    col: str  # metric / applicant / result key
    value: int | float | None
    printed: str | None = None
    label: str | None = None  # the printed row label (innermost), as printed
    was_blank: bool = False
    unit: str | None = None
    reason: str | None = None
    source: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Normalized:
    cells: list[Cell]
    warnings: list[str]
    sections_found: set[str]  # sections with at least one cell read
    sections_with_tables: set[str]  # sections with a table, read or not
    # Why the report needs a reader's review even where every cell read and adds up: its
    # columns were taken from the template's order, not from labels read.
    review: list[str] = field(default_factory=list)


def _continues_applications(table: RawTable) -> bool:
    """A table without a section's marker whose rows are section 三's (at least two row
    labels of its template, beside numbers): the rest of the table before it."""
    named = 0
    for row in table.rows:
        label = next((c for c in row if c), "")
        if _match_application_row([label]) and any(map(prints_number, row)):
            named += 1
            if named >= 2:
                return True
    return False


def classify_table(table: RawTable) -> str | None:
    joined = joined_key(dict.fromkeys(itertools.chain.from_iterable(table.rows)))
    if T.SECTION_TABLE_MARKERS["reviews_litigation"].search(joined):
        return "reviews_litigation"
    if T.SECTION_TABLE_MARKERS["applications"].search(joined):
        return "applications"
    if T.SECTION_TABLE_MARKERS["active_disclosure"].search(joined):
        return "active_disclosure"
    return None


# Below this tesseract confidence a digit is not trusted: the cell is null, not a guess.
MIN_OCR_CONFIDENCE = 80.0


def _source(table: RawTable, r: int, c: int) -> dict:
    src: dict = {"table": table.index, "row": table.first_row + r, "col": c}
    if (r, c) in table.bboxes:
        page, *bbox = table.bboxes[(r, c)]
        src["page"] = page
        src["bbox"] = bbox
    if (r, c) in table.confidence:
        src["ocr_conf"] = round(table.confidence[(r, c)], 1)
    return src


def _value_cell(section: str, row: str, col: str, table: RawTable, r: int, cols: list[int], label: str) -> Cell:
    """The value at (r, cols): several grid columns are fine when they are one merged cell."""
    c0 = cols[0]
    if len(cols) > 1 and len({table.origin.get((r, c), (r, c)) for c in cols}) > 1 \
            and len({table.rows[r][c] for c in cols}) > 1:
        # One value and blanks beside it: one cell under a header spanning columns that other
        # rows split (a page without column rules cannot show that it spans them too).
        filled = [c for c in cols if table.rows[r][c].strip()]
        if len({table.rows[r][c] for c in filled}) == 1:
            return _value_cell(section, row, col, table, r, filled[:1], label)
        return Cell(section, row, col, None, " | ".join(table.rows[r][c] for c in cols), label,
                    reason="several different cells under one column header", source=_source(table, r, c0))
    pv = parse_value(table.rows[r][c0])
    if not table.confidence and not table.bboxes:  # HTML and DOCX: a position is all there is
        return Cell(section, row, col, pv.value, pv.printed, label, pv.was_blank, pv.unit, pv.reason,
                    {"table": table.index, "row": table.first_row + r, "col": c0})
    src = _source(table, r, c0)
    conf = src.get("ocr_conf")
    if conf is not None and conf < MIN_OCR_CONFIDENCE and pv.value is not None:
        return Cell(section, row, col, None, pv.printed, label, pv.was_blank, pv.unit,
                    f"OCR confidence {conf} below {MIN_OCR_CONFIDENCE}: read {pv.printed!r}", src)
    return Cell(section, row, col, pv.value, pv.printed, label, pv.was_blank, pv.unit, pv.reason, src)


def _row_labels(table: RawTable, r: int, n_label_cols: int, above: dict[int, str] | None = None,
                whole: dict[object, str] | None = None) -> list[str]:
    """The distinct labels of row r (in its first `n_label_cols` columns), outermost first.

    With `above`, an empty outer label under a deeper one inherits the text last seen in its
    column: a merged group label ("（六）其他处理") prints empty on the rows it covers after a
    page break, yet "3.其他" still belongs to it. `whole` gives the text read whole of a label
    cell a page break cut in two ("（六）其他处" over "理"), by the cell's origin."""
    texts = table.rows[r][:n_label_cols]
    if whole:
        texts = [whole.get(table.origin.get((r, c)), t) if t else t for c, t in enumerate(texts)]
    if above is not None:
        deepest = max((c for c, t in enumerate(texts) if t), default=-1)
        for c, t in enumerate(texts):
            if t:
                above[c] = t
            elif c < deepest and c in above:
                texts[c] = above[c]
    origin = table.origin
    seen: dict[object, str] = {}
    for c, t in enumerate(texts):
        if t:
            seen.setdefault(origin.get((r, c), t), t)
    return list(dict.fromkeys(seen.values()))


# ── Section 三 ───────────────────────────────────────────────────────────────

# Label matching is a scan over the template's rules; reports repeat the same labels, so
# each distinct label is matched once per process (bounded caches).
_memo = functools.lru_cache(maxsize=8192)


def _match_application_row(labels: list[str]) -> str | None:
    if not labels:
        return None
    return _application_row(strip_numbering(label_key(labels[-1])), label_key("".join(labels)))


@_memo
def _application_row(leaf: str, context: str) -> str | None:
    for rule in T.APPLICATION_ROWS:
        if rule.leaf.search(leaf) and (rule.context is None or rule.context.search(context)):
            return rule.key
    return None


@_memo
def _applicants_named(header: str) -> tuple[str, ...]:
    key = strip_numbering(label_key(header))
    return tuple(applicant for applicant, pattern in T.APPLICANTS if pattern.search(key))


def _column_stack(table: RawTable, c: int, rows: range) -> list[str]:
    """The texts of the distinct cells of grid column c in `rows`, top first: a cell spanning
    several rows counts once, and empty cells are left out. A header label broken over two
    grid rows (a row broken by a page break, a rule drawn through a cell) reads as two parts."""
    out: list[str] = []
    last: object = None
    for r in rows:
        text = table.rows[r][c] if c < len(table.rows[r]) else ""
        ident = table.origin.get((r, c), (r, c))
        if text and ident != last and (not out or text != out[-1]):
            out.append(text)
        last = ident
    return out


def _leaf_match(stack: list[str], match: object, stop: object) -> object:
    """The first of `match(label)` over the stack's innermost label, then its last two parts
    joined, then three (a label wrapped across grid rows, "结果" over "维持"), never joining
    past a part for which `stop(part)` holds (a group label: 法人或其他组织, 行政诉讼); then
    the same from the part above, and so on up (a header with a row of units, "（件）", under
    its labels)."""
    for end in range(len(stack), 0, -1):
        for k in range(1, min(end, 3) + 1):
            if k > 1 and stop(stack[end - k]):
                break
            found = match("".join(stack[end - k:end]))
            if found:
                return found
    return None


@_memo
@_memo
def _names_applicant_group(text: str) -> bool:
    key = label_key(text)
    return "申请人" in key or "法人或其他组织" in key or "勾稽" in key


def _applicant_columns(table: RawTable) -> tuple[dict[int, str], int] | None:
    """Map grid columns to applicant keys from the header rows; return (map, first data row).

    A column is named by its header cells read top down, so a label that wraps across grid
    rows (自然 / 人) is read whole."""
    mapping: dict[int, str] = {}
    start = min(len(table.rows), 8)
    for r, row in enumerate(table.rows[:8]):
        first_label = next((c for c in row if c), "")
        # The header ends at the first row of the template (一、本年新收…), or at the first row
        # printing a number: a part continued on a new page repeats the header over later rows.
        if _match_application_row([first_label]) in ("new_received", "carried_over") \
                or (r and any(prints_number(c) for c in row)):
            start = r
            break
    for c in range(table.n_cols):
        named = _leaf_match(_column_stack(table, c, range(start)), _applicants_named, _names_applicant_group)
        if named:
            mapping[c] = named[-1]
    found = set(mapping.values())
    # Some bodies drop a column (often 总计 or an empty 法人 sub-column): read the others
    # and leave the missing one null, but only if the header is clearly the template's.
    if "natural_person" not in found or len(found) < 5:
        return None
    return mapping, start


BY_ORDER = "section 三 header labels not read; columns taken from the template's order"


def _applicant_columns_by_order(table: RawTable) -> tuple[dict[int, str], int] | None:
    """When the header's leaf labels could not be read (a scan's narrow columns, 自 / 然 / 人
    one glyph a line), but the header is the template's (it names 申请人情况 or 法人或其他组织)
    and exactly seven columns print numbers beside the labels: the template's seven applicant
    columns in its order. Only rows whose total column adds up may be read with it."""
    start = next((r for r, row in enumerate(table.rows[:10]) if r and any(map(prints_number, row))), None)
    if start is None:
        return None
    header = [t for c in range(table.n_cols) for t in _column_stack(table, c, range(start))]
    # (Or its leaf labels of 法人或其他组织: the header's top went to the page before.)
    orgs = {key for t in header for key in _applicants_named(t)} - {"natural_person", "total"}
    if not any("申请人" in label_key(t) or "法人或其他组织" in label_key(t) for t in header) and len(orgs) < 3:
        return None
    rows = range(start, min(start + 4, len(table.rows)))
    cols = [c for c in range(table.n_cols) if any(prints_number(table.rows[r][c]) for r in rows)]
    groups: list[list[int]] = []
    for c in cols:  # a cell spanning two grid columns is one column
        known = [r for r in rows if (r, c) in table.origin]
        if groups and known and all(table.origin[(r, c)] == table.origin.get((r, groups[-1][-1])) for r in known):
            groups[-1].append(c)
        else:
            groups.append([c])
    if len(groups) != len(T.APPLICANT_KEYS) or cols != list(range(cols[0], table.n_cols)) \
            or any(table.rows[r][c] for r in rows for c in range(cols[0]) if prints_number(table.rows[r][c])):
        return None
    return {c: key for group, key in zip(groups, T.APPLICANT_KEYS, strict=True) for c in group}, start


def _continued_columns(table: RawTable, mapping: dict[int, str], width: int) -> dict[int, str] | None:
    """The applicant columns of a part of section 三 printed without the header, whose columns
    are not the header table's (its outer label columns lost, or a second table drawn with
    columns of its own): its columns that print numbers, left to right, are the header's
    applicant columns in their order, when they are as many and nothing else prints numbers."""
    if table.n_cols == width:  # (called only for a part whose header was not read)
        return None
    keys = list(dict.fromkeys(key for _, key in sorted(mapping.items())))
    numbers = sorted({c for row in table.rows[:6] for c, text in enumerate(row) if prints_number(text)})
    if len(numbers) != len(keys) or numbers != list(range(numbers[0], table.n_cols)) or numbers[0] < 1:
        return None
    return dict(zip(numbers, keys, strict=True))


def _check_by_order(cells: list[Cell]) -> None:
    """A row read with columns taken from the template's order is kept only when it adds up
    (total = the six applicant columns): else its cells are null, with the reason."""
    values = {c.col: c.value for c in cells}
    parts = [values.get(k) for k in T.APPLICANT_KEYS[:-1]]
    total = values.get("total")
    if total is not None and None not in parts and abs(sum(parts) - total) < 1e-9:
        return
    for c in cells:
        if c.value is not None:
            c.value = None
            c.reason = ("columns taken from the template's order (the header's labels were not "
                        "read) and this row's total does not add up")


def _applications(tables: list[RawTable], warnings: list[str], review: list[str] | None = None) -> list[Cell]:
    """Section 三's cells; `review` gets why the report needs a reader's review though read."""
    review = [] if review is None else review
    cells: list[Cell] = []
    header: dict[int, str] | None = None  # the columns of the last header read, and its width
    width = None
    by_order = False  # the columns were taken from the template's order, not read
    for table in tables:
        found = _applicant_columns(table)
        inferred = None if found else _applicant_columns_by_order(table)
        if found or inferred:
            header, start = found or inferred
            mapping, width, by_order = header, table.n_cols, inferred is not None
            if by_order:
                warnings.append(f"table {table.index}: {BY_ORDER}, rows kept only where the total adds up")
                if BY_ORDER not in review:
                    review.append(BY_ORDER)
        elif header is not None and table.n_cols == width:
            mapping, start = header, 0  # a table split in two: the header printed once, above the first part
        elif header is not None and width is not None and (shifted := _continued_columns(table, header, width)):
            # The same, but the part lost outer label columns (a scan's part, a page whose
            # spanning label had no rule): its number columns are the header's, from the right.
            mapping, start = shifted, 0
        else:
            warnings.append(f"table {table.index}: section 三 columns not recognised (applicant header missing)")
            continue
        by_key: dict[str, list[int]] = defaultdict(list)
        for c, key in sorted(mapping.items()):
            by_key[key].append(c)
        columns = [(applicant, by_key.get(applicant)) for applicant in T.APPLICANT_KEYS]
        n_label_cols = min(mapping)
        above: dict[int, str] = {}
        whole: dict[object, str] = {}  # label cells cut by a page break, read whole
        index, rows = table.index, table.rows
        continued = -1
        for r in range(start, len(rows)):
            if r == continued:
                _row_labels(table, r, n_label_cols, above, whole)
                continue
            labels = _row_labels(table, r, n_label_cols, above, whole)
            key, label = _application_row_key(tuple(labels))
            cut = _cut_by_page_break(table, r, n_label_cols, list(mapping), key, above, whole)
            if cut is None and key is not None and (rest := _unlabelled_rest(table, r, n_label_cols, list(mapping))):
                cut = (key, label, -1, rest)  # its numbers go on at the next page's top
            if cut is None and key is not None and not any(rows[r][c] for c in mapping) \
                    and _printed_key(label) not in _PRINTED_KEYS:
                # A row with no number at all, not even a blank's mark, under a label the
                # template does not print whole: the end of a row a page break cut, not zeros.
                continue
            if cut:
                key, label, r_values, continued = cut
                warnings.append(f"table {index}: row {label!r} printed across a page break, read as one row")
                if r_values < 0:
                    # Each column from the part that prints it; a column printing on both parts
                    # (a number broken over the break cannot be told from two) is null.
                    for applicant, cols in columns:
                        parts = [i for i in (r, continued) if cols and any(rows[i][c] for c in cols)]
                        if cols is None or len(parts) > 1:
                            cells.append(Cell("applications", key, applicant, None, None, label,
                                              reason="printed on both parts of a row a page break cut "
                                                     "(one number broken over the break, or two?)",
                                              source={"table": index, "row": table.first_row + r}))
                        else:
                            cells.append(_value_cell("applications", key, applicant, table,
                                                     parts[0] if parts else r, cols, label))
                    continue
            else:
                r_values = r
            row = rows[r_values]
            if key is None:
                if not labels or not any(row[c] for c in mapping):
                    continue
                key = "extra:" + label
            row_cells = []
            for applicant, cols in columns:
                if cols is None:
                    row_cells.append(Cell("applications", key, applicant, None, None, label,
                                          reason="the table has no column for this applicant type",
                                          source={"table": index, "row": table.first_row + r_values}))
                else:
                    row_cells.append(_value_cell("applications", key, applicant, table, r_values, cols, label))
            if by_order:
                _check_by_order(row_cells)
            cells.extend(row_cells)
    return cells


@_memo
def _printed_key(label: str) -> str:
    return strip_numbering(label_key(label))


# A label cut by a page break is read whole only when it reads as the template prints it: a
# row of its own at a page's foot and an extra row at the next page's top stay two rows.
_PRINTED_KEYS = frozenset(map(_printed_key, T.PRINTED_LABELS))


def _next_printed_row(table: RawTable, r: int) -> int:
    """The next grid row after r that a cell covers (the gap between two pages covers none);
    len(rows) when there is none."""
    n = r + 1
    while n < len(table.rows) and not any((n, c) in table.bboxes for c in range(len(table.rows[n]))):
        n += 1
    return n


def _cut_by_page_break(table: RawTable, r: int, n_label_cols: int, value_cols: list[int], key: str | None,
                       above: dict[int, str], whole: dict[object, str]) -> tuple[str, str, int, int] | None:
    """(row key, label, the grid row holding the values, the second part's grid row) when grid
    row r and the next are one printed row that a page break cut in two (a PDF table lets a row
    break across pages): the innermost label cell of each is a cell of its own in the same
    column, the first on one page and the second on the next, only one of the two holds
    numbers, and the labels read whole (column by column, "2.其他法律行政" + "法规禁止公开")
    name a template row that neither part names otherwise, in the template's own words.
    Anything less certain stays two rows. The label cells read whole are added to `whole` for the rows below."""
    rows = table.rows
    if not table.bboxes:
        return None
    n = _next_printed_row(table, r)
    if n >= len(rows):
        return None
    deepest = [max((c for c in range(n_label_cols) if rows[i][c]), default=-1) for i in (r, n)]
    c = deepest[0]
    origin = table.origin
    if c < 0 or deepest[1] != c or origin.get((r, c), (r, c)) == origin.get((n, c), (n, c)):
        return None
    pages = [table.bboxes.get((i, c), (None,))[0] for i in (r, n)]
    if pages[0] is None or pages[1] != pages[0] + 1:
        return None
    has_values = [any(rows[i][v] for v in value_cols) for i in (r, n)]
    if not any(has_values):
        return None
    below = _row_labels(table, n, n_label_cols, dict(above), whole)
    joined: dict[object, str] = {}
    texts: list[str] = []
    for col in range(n_label_cols):
        a = rows[r][col] and whole.get(origin.get((r, col)), rows[r][col]) or above.get(col, "") * (col < c)
        b = rows[n][col]
        cut = bool(a and b) and origin.get((r, col), (r, col)) != origin.get((n, col), (n, col))
        text = a + b if cut else a or b
        if cut and (n, col) in origin:
            joined[origin[(n, col)]] = text
        texts.append(text)
    whole_labels = tuple(dict.fromkeys(t for t in texts if t))
    whole_key, label = _application_row_key(whole_labels)
    parts = {key, _application_row_key(tuple(below))[0]}
    if whole_key is None or None not in parts or not parts <= {None, whole_key} \
            or _printed_key(whole_labels[-1]) not in _PRINTED_KEYS:
        return None
    whole.update(joined)
    if all(has_values):
        # Numbers on both parts: a number wrapped over the break ("10" / "2") or two numbers?
        # Not knowable: the row is known, its numbers are not read (-1).
        return whole_key, label, -1, n
    return whole_key, label, r if has_values[0] else n, n


def _item_cut_by_page_break(table: RawTable, r: int, n_label_cols: int,
                            value_cols: list[int]) -> tuple[str, str, int, int] | None:
    """(item, label, the grid row holding the values, the second part's grid row) when the
    section 二 row r names no item and it and the next row are one printed row that a page
    break cut in two ("行政强" at a page's foot, "制" at the next page's top): the label cells
    are cells of their own on consecutive pages, only one of the two rows holds numbers, and
    the labels joined are an item's label as the template prints it, which neither part is."""
    rows = table.rows
    if not table.bboxes or n_label_cols < 1:
        return None
    n = _next_printed_row(table, r)
    if n >= len(rows):
        return None
    c = n_label_cols - 1
    a, b = rows[r][c], rows[n][c]
    if not (a and b) or table.origin.get((r, c), (r, c)) == table.origin.get((n, c), (n, c)):
        return None
    pages = [table.bboxes.get((i, c), (None,))[0] for i in (r, n)]
    if pages[0] is None or pages[1] != pages[0] + 1:
        return None
    has_values = [any(rows[i][v] for v in value_cols) for i in (r, n)]
    if has_values[0] == has_values[1] or _match_item(b) is not None:
        return None
    whole = clean_cell(a + b)
    item = _match_item(whole)
    if item is None or _printed_key(whole) not in _PRINTED_KEYS:
        return None
    return item, whole, r if has_values[0] else n, n


def _unlabelled_rest(table: RawTable, r: int, n_label_cols: int, value_cols: list[int]) -> int | None:
    """The grid row that goes on with row r at the next page's top, when it prints numbers
    under no label at all (a row cut by a page break, its label on the first part): "（七）
    总计 4 … 4" at a page's foot, "0 … 6" at the next page's top are one row of 40 … 46."""
    rows = table.rows
    if not table.bboxes:
        return None
    n = _next_printed_row(table, r)
    if n >= len(rows) or any(rows[n][c] for c in range(n_label_cols)) \
            or not any(prints_number(rows[n][c]) for c in value_cols):
        return None
    pages = [table.bboxes.get((i, value_cols[0]), (None,))[0] for i in (r, n)]
    return n if pages[0] is not None and pages[1] == pages[0] + 1 else None


@_memo
def _application_row_key(labels: tuple[str, ...]) -> tuple[str | None, str]:
    """(row key or None, the printed leaf label) of a row with these labels, outermost first."""
    return _match_application_row(list(labels)), clean_cell(labels[-1]) if labels else ""


# ── Section 二 ───────────────────────────────────────────────────────────────

@_memo
def _match_item(label: str) -> str | None:
    key = strip_numbering(label_key(label))
    for item, pattern, _ in T.ACTIVE_ITEMS:
        if pattern.search(key):
            return item
    return None


def _header_metrics(row: list[str]) -> dict[int, tuple[str, str]]:
    """Columns of a header row that name a metric: {col: (metric, header text)}."""
    found: dict[int, tuple[str, str]] = {}
    for c, text in enumerate(row):
        metric = _metric_of(text)
        if metric:
            found[c] = (metric, text)
    return found


def _stacked(texts: list[str]) -> str:
    """A column's header lines read top down, a merged cell's text once."""
    out: list[str] = []
    for t in texts:
        if t and (not out or out[-1] != t):
            out.append(t)
    return "".join(out)


def _spread_lone_metric(row: list[str], metrics: dict[int, tuple[str, str]]) -> dict[int, tuple[str, str]]:
    """A header row naming one metric: the empty header cells beside it are its too. Its cell
    spans the value columns the sub-table above splits (本年处理决定数量 under three columns),
    and a page without column rules prints the header centred in one of them, its value
    perhaps in another."""
    if len({metric for metric, _ in metrics.values()}) != 1:
        return metrics
    out = dict(metrics)
    first, last = min(metrics), max(metrics)
    c = first - 1
    while c >= 1 and not row[c].strip():  # (column 0 is the rows' labels')
        out[c] = metrics[first]
        c -= 1
    c = last + 1
    while c < len(row) and not row[c].strip():
        out[c] = metrics[last]
        c += 1
    return out


@_memo
def _metric_of(text: str) -> str | None:
    key = label_key(text)
    if not key or parse_value(text).value is not None and not parse_value(text).was_blank:
        return None
    return next((metric for metric, pattern in T.ACTIVE_METRICS if pattern.search(key)), None)


def _metric_columns(metrics: dict[int, tuple[str, str]]) -> list[tuple[str, list[int], str | None]]:
    """(metric, its grid columns, the unit its values take if they print none) for a header."""
    by_metric: dict[str, list[int]] = defaultdict(list)
    for c, (metric, _) in sorted(metrics.items()):
        by_metric[metric].append(c)
    out = []
    for metric, cols in by_metric.items():
        unit_m = T.UNIT_IN_HEADER_RE.search(metrics[cols[0]][1])
        if unit_m and metric in T.AMOUNT_METRICS:
            out.append((metric, cols, unit_m.group(1)))
        else:
            out.append((metric, cols, T.DEFAULT_UNITS.get(metric)))
    return out


def _active_disclosure(tables: list[RawTable], warnings: list[str]) -> list[Cell]:
    cells: list[Cell] = []
    for table in tables:
        metrics: dict[int, tuple[str, str]] = {}
        joined_rows: set[int] = set()  # second parts of item rows cut by a page break
        # The rows read since a caption or an item row that print no number and name no item:
        # a header's lines, read as one header column by column (a header cut by a page break,
        # "上一年项目数" / "量", or printed a line a row by a page without rules).
        lines: list[list[str]] = []
        for r, row in enumerate(table.rows):
            joined = joined_key(dict.fromkeys(row))
            if not joined:
                continue
            if "第二十条" in joined and not any(parse_value(c).value for c in row if c and "第二十条" not in c):
                metrics, lines = {}, []  # a caption row opens a new sub-table with its own columns
                continue
            # (An item's label over header words: carried over a page break by the seam.)
            if not any(prints_number(c) for c in row) and (_match_item(row[0]) is None or _header_metrics(row)):
                lines.append(row)
                stacked = [_stacked([line[c] for line in lines if c < len(line)]) for c in range(len(row))]
                header = _spread_lone_metric(stacked, _header_metrics(stacked))
                # (A line more keeps a header whole; it never takes metrics away.)
                if header and (len(lines) == 1 or len(header) >= len(metrics)):
                    metrics = header
                    columns, first_metric_col = _metric_columns(metrics), min(metrics)
                continue
            lines = []
            # A header row printing a number too ("（指2019年事项数）" parted into a cell).
            header = _spread_lone_metric(row, _header_metrics(row))
            if header and (_match_item(row[0]) is None):
                metrics = header
                columns, first_metric_col = _metric_columns(metrics), min(metrics)
                continue
            if not metrics:
                continue
            if r in joined_rows:
                continue
            labels = _row_labels(table, r, first_metric_col)
            if not labels:
                continue
            item = _match_item(labels[0])
            label = clean_cell(labels[0])
            values_at = r
            if item is None:
                cut = _item_cut_by_page_break(table, r, first_metric_col, [c for _, cols, _ in columns for c in cols])
                if cut is not None:
                    item, label, values_at, second = cut
                    joined_rows.add(second)
            printed = [parse_value(t) for t in table.rows[values_at][first_metric_col:]]
            if not any(v.value is not None and not v.was_blank for v in printed) \
                    and any(v.printed and v.value is None for v in printed):
                continue  # a header's words under a label carried over a page break, no row
            row_key = item or "extra:" + label
            for metric, cols, unit in columns:
                cell = _value_cell("active_disclosure", row_key, metric, table, values_at, cols, label)
                if unit is not None and cell.unit is None and cell.value is not None:
                    cell.unit = unit
                cells.append(cell)
    return cells


# ── Section 四 ───────────────────────────────────────────────────────────────

def _reviews_litigation(tables: list[RawTable], warnings: list[str]) -> list[Cell]:
    cells: list[Cell] = []
    for table in tables:
        header_end = -1
        for r, row in enumerate(table.rows):
            if any(_names_result_or_proceeding(c) for c in row):
                header_end = r
        if header_end < 0:
            warnings.append(f"table {table.index}: section 四 header not recognised")
            continue
        # A label wrapped onto a grid row of its own ("结果维" / "持": a table without rules
        # makes each printed line a row) is still the header's, up to the first row of numbers.
        while header_end + 1 < len(table.rows) and not any(
                c and parse_value(c).value is not None for c in table.rows[header_end + 1]):
            header_end += 1  # (a row of numbers or of blanks printed for zeros ends it)
        mapping: dict[tuple[str, str], list[int]] = defaultdict(list)
        for c in range(table.n_cols):
            path = tuple(_column_stack(table, c, range(header_end + 1)))
            if path and (column := _review_column(path)):
                mapping[column].append(c)
        expected = {(p, r) for p in T.PROCEEDING_KEYS for r in T.RESULT_KEYS}
        if set(mapping) != expected:
            missing = sorted(f"{p}.{r}" for p, r in expected - set(mapping))
            warnings.append(f"table {table.index}: section 四 columns not recognised: {', '.join(missing[:3])}…")
            continue
        data_rows = [r for r in range(header_end + 1, len(table.rows))
                     if any(table.rows[r][c] for cols in mapping.values() for c in cols)]
        if not data_rows:
            continue
        if len(data_rows) > 1:
            warnings.append(f"table {table.index}: section 四 has {len(data_rows)} data rows; read the first")
        r = data_rows[0]
        for (proceeding, result), cols in mapping.items():
            cells.append(_value_cell("reviews_litigation", proceeding, result, table, r, cols, None))
    return cells


@_memo
def _review_column(path: tuple[str, ...]) -> tuple[str, str] | None:
    """(proceeding, result) of a column whose header cells read `path`, top first; a result
    label wrapped across grid rows (结果 / 维持, 总 / 计) is read whole (`_leaf_match`)."""
    joined = joined_key(dict.fromkeys(path))
    proceeding = next((k for k, p in T.PROCEEDINGS if p.search(joined)), None)
    result = _leaf_match(list(path), _result_of, _names_proceeding)
    return (proceeding, result) if proceeding and result else None


@_memo
def _result_of(text: str) -> str | None:
    leaf = label_key(text)
    return next((k for k, p in T.RESULTS if p.search(leaf)), None)


@_memo
def _names_proceeding(text: str) -> bool:
    key = label_key(text)
    return any(p.search(key) for _, p in T.PROCEEDINGS) or "行政诉讼" in key


@_memo
def _names_result_or_proceeding(text: str) -> bool:
    key = label_key(text)
    return any(p.search(key) for _, p in T.RESULTS[:4]) or any(p.search(key) for _, p in T.PROCEEDINGS)


# ── Entry point ──────────────────────────────────────────────────────────────

def _is_heading_row(row: list[str]) -> bool:
    """A row that holds nothing but a statistical section's heading (二、主动公开政府信息情况),
    in one cell across the table: never a row's labels in several cells."""
    texts = [t for t in dict.fromkeys(row) if t]
    return len(texts) == 1 and is_section_heading(texts[0])


def is_section_heading(text: str) -> bool:
    """The heading of statistical section 二, 三 or 四, never a row label that starts alike."""
    return _heading(text, -1) in _SECTION_OF_HEADING and _match_application_row([text]) is None


def _part(table: RawTable, start: int, end: int) -> RawTable:
    def shift(grid: dict) -> dict:
        return {(r - start, c): v for (r, c), v in grid.items() if start <= r < end}
    return RawTable(table.index, table.rows[start:end], table.page, shift(table.bboxes), shift(table.origin),
                    shift(table.confidence), table.first_row + start)


def split_at_headings(table: RawTable) -> list[RawTable]:
    """A table that holds two sections, split at the row holding the second one's heading: a
    page's tables without rules read as one, or a site that lays the whole report out in one
    table. Each part keeps its rows' provenance."""
    cuts = [r for r, row in enumerate(table.rows) if r and _is_heading_row(row)]
    if not cuts:
        return [table]
    bounds = [0, *cuts, len(table.rows)]
    return [_part(table, a, b) for a, b in itertools.pairwise(bounds) if b > a]


def normalize_tables(tables: list[RawTable]) -> Normalized:
    warnings: list[str] = []
    review: list[str] = []
    by_section: dict[str, list[RawTable]] = defaultdict(list)
    previous = None
    for table in (part for whole in tables for part in split_at_headings(whole)):
        section = classify_table(table)
        if section is None and previous == "applications" and _continues_applications(table):
            section = "applications"  # a part printed without the header, after the first
        if section:
            by_section[section].append(table)
        previous = section
    cells = (
        _active_disclosure(by_section["active_disclosure"], warnings)
        + _applications(by_section["applications"], warnings, review)
        + _reviews_litigation(by_section["reviews_litigation"], warnings)
    )
    return Normalized(cells, warnings, {c.section for c in cells}, {s for s, ts in by_section.items() if ts},
                      review)


_PROSE_NONE = {
    "applications": re.compile(r"(无|没有|未(?:收到|受理))[^。；;]{0,12}申请"),
    "reviews_litigation": re.compile(
        r"(?:无|没有|不存在|未(?:发生|收到|产生|出现|有|被))[^。；;]{0,20}(?:行政复议|行政诉讼)"
        r"|(?:行政复议|行政诉讼)[^。；;]{0,20}(?:均为|皆为|都为)\s*(?:0|零)"),
}
# A line holding table headers is not prose: "尚未审结 … 复议后起诉" must never read as "未 … 复议".
_TABLE_WORDS_RE = re.compile(r"结果维持|尚未审结|总计|自然人|商业企业|申请人情况")
# Nor is a row label ("4.无正当理由大量反复申请", "（四）无法提供"), and a sentence that counts
# something ("无行政复议，行政诉讼1件") does not say there was nothing.
_ROW_LABEL_RE = re.compile(r"^\s*(?:\d{1,2}\s*[.、．]|[（(]\s*[一二三四五六七八九十]+\s*[）)])")
_COUNT_RE = re.compile(r"(?<![\d０-９])(?:[1-9１-９][\d０-９]*|[一二两三四五六七八九十百]+)\s*(?:件|起|宗|次|例|个|人次)")
# A scan's reading may set a speck before a heading ("…四、", ".四、"): marks only, never a word.
_HEADING_RE = re.compile(r"^[\s…·.,，。:：;；'\"`、]*([一二三四五六])\s*[、.．](.*)$")
# What each top-level heading is about, in any of its real wordings: a line that starts with
# "四、" but does not name its subject ("四、结转下年度继续办理", a row of section 三's table) is
# not the heading of section 四.
_HEADING_SUBJECTS = {
    "一": re.compile(r"总体|概述|概况|基本情况"),
    "二": re.compile(r"主动公开"),
    "三": re.compile(r"依申请|收到和处理|申请.{0,8}情况|处理.{0,12}申请"),
    "四": re.compile(r"复议|诉讼"),
    "五": re.compile(r"问题|不足|改进"),
    "六": re.compile(r"其他|其它|事项"),
}
_HEADING_ORDER = "一二三四五六"
_SECTION_OF_HEADING = {"二": "active_disclosure", "三": "applications", "四": "reviews_litigation"}


def _heading(line: str, after: int) -> str | None:
    """The numeral of a top-level heading on this line, if it is one that may follow the
    heading numbered `after` (an index into 一…六): headings come in order, and name their subject."""
    m = _HEADING_RE.match(line)
    if not m or _HEADING_ORDER.index(m.group(1)) <= after:
        return None
    rest = label_key(m.group(2))
    if _TABLE_WORDS_RE.search(rest) or not _HEADING_SUBJECTS[m.group(1)].search(rest):
        return None
    return m.group(1)


def section_texts(text: str) -> dict[str, str]:
    """Split report text at its top-level headings 一、…六、: found by the document's
    structure (numbered, naming the section's subject, in order), not by exact wording, since
    real reports reword them, and never at a table row that happens to start with "四、"."""
    out: dict[str, list[str]] = defaultdict(list)
    current: str | None = None
    after = -1
    for line in text.splitlines():
        numeral = _heading(line, after)
        if numeral:
            after = _HEADING_ORDER.index(numeral)
            current = _SECTION_OF_HEADING.get(numeral, "other:" + numeral)
        if current:
            out[current].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def prose_zero_sections(text: str, missing: set[str]) -> dict[str, str]:
    """Sections written as prose saying there was nothing ("本年度无…"): {section: sentence}.
    Only the first lines under the section's heading are read (blank lines skipped), never a
    line of table words or a row label, and not at all if one of them counts something."""
    found: dict[str, str] = {}
    if not missing:
        return found
    parts = section_texts(text)
    for section in missing:
        pattern = _PROSE_NONE.get(section)
        body = parts.get(section, "")
        if not (pattern and body):
            continue
        first, *rest = body.splitlines()
        # The heading itself names the section ("四、…行政复议…情况"): read only what follows it.
        heading_tail = re.split(r"情况|[：:]", first, maxsplit=1)[1] if re.search(r"情况|[：:]", first) else ""
        candidates = [heading_tail, *[line for line in rest if line.strip()][:3]]
        if any(_COUNT_RE.search(line) for line in candidates):
            continue
        for line in candidates:
            if _TABLE_WORDS_RE.search(line) or _ROW_LABEL_RE.match(line):
                continue
            m = pattern.search(line)
            if m:
                found[section] = m.group(0)
                break
    return found
