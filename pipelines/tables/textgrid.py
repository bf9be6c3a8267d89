"""Template tables from flattened text, when a page gives nothing else.

`get_text()` on a report glues table cells into lines such as
"一、本年新收政府信息公开申请数量 23 0 0 0 0 0 23" or, worse, "…申请数量230000023". The row is
recognised by its label as in a grid; the columns only by the template's column order, which
is why every row read here must satisfy an identity of its own (the total column, or each
section 四 block's total) and glued digits are split only where exactly one split does.
Anything else is null with a reason.

Text copied from a web page prints the same tables one cell per line ("\t规章", "\t0", "\t2",
…), rows apart or not. `_cell_lines` turns that shape back into rows — a row is its label cell
and the value cells that follow it — and the same readers, with the same guarantees, read them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from ..documents.model import RawTable
from . import templates as T
from .normalize import (
    MIN_OCR_CONFIDENCE,
    Cell,
    _column_stack,
    _match_application_row,
    _match_item,
    _metric_of,
)
from .text import clean_cell, label_key
from .values import parse_value

# Where a flattened label holds several grid labels ("三、本年度办理结果 （三）不予公开 1.属于国家秘密").
_LABEL_SPLIT_RE = re.compile(r"\s*(?=[（(][一二三四五六七八九十]+[）)]|(?<![\d.])\d{1,2}[.、．](?!\d))")
# Trailing numbers of a flattened row; blank cells print as a dash or slash among them.
# `nums` is one number character, then numbers and spaces: written as (?:[…]+\s*)+ it matched
# the same lines but could split a run of n dashes 2^n ways before failing, and the "————"
# rules reports draw above 附件 or a signature hung extraction.
_ROW_RE = re.compile(r"^(?P<label>.*?[^\d\s.,，、:：+\-—–－/])\s*(?P<nums>[\d—–－/-][\d—–－/\s-]*)$")
_BLANK_TOKENS = {"—", "–", "－", "/", "-", "——", "--"}
_GROUP_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_ITEM_RE = re.compile(r"^\d{1,2}[.、．]")
_MAX_SPLITS = 50_000


def _splits(digits: str, n: int, max_len: int = 7) -> Iterator[list[int]]:
    """Every way to cut a digit run into n numbers written without leading zeros."""
    if n == 1:
        if len(digits) <= max_len and (digits == "0" or not digits.startswith("0")):
            yield [int(digits)]
        return
    for i in range(1, min(max_len, len(digits) - n + 1) + 1):
        head = digits[:i]
        if len(head) > 1 and head.startswith("0"):
            break
        for rest in _splits(digits[i:], n - 1, max_len):
            yield [int(head), *rest]


def _row_total_ok(values: list[int]) -> bool:
    return sum(values[:-1]) == values[-1]


def _blocks_ok(values: list[int]) -> bool:
    return all(sum(values[i:i + 4]) == values[i + 4] for i in range(0, 15, 5))


def solve_glued(digits: str, n: int, identity) -> tuple[list[int] | None, str]:
    """The unique split of a glued digit run that satisfies `identity`, or (None, why)."""
    found: list[list[int]] = []
    for count, split in enumerate(_splits(digits, n)):
        if count > _MAX_SPLITS:
            return None, f"glued digits {digits!r}: too many possible splits to decide"
        if identity(split):
            found.append(split)
            if len(found) > 1:
                return None, f"glued digits {digits!r}: more than one split satisfies the identity"
    if not found:
        return None, f"glued digits {digits!r}: no split satisfies the identity"
    return found[0], "split glued digits by the identity (unique solution)"


def _numbers(nums: str, n: int, identity) -> tuple[list[int] | None, str]:
    tokens = nums.split()
    if any(not t.isdigit() and t not in _BLANK_TOKENS for t in tokens):
        return None, f"flattened text: unreadable numbers {nums.strip()!r}"
    if len(tokens) == n:
        values = [0 if t in _BLANK_TOKENS else int(t) for t in tokens]
        if identity(values):
            return values, "flattened text, columns by template order, identity holds"
        return None, "flattened text: the row's own identity does not hold, so its columns are uncertain"
    if len(tokens) == 1 and tokens[0].isdigit():
        return solve_glued(tokens[0], n, identity)
    return None, f"flattened text: {len(tokens)} numbers where the template has {n} columns"


def _in_order(text: str, words: list[str]) -> bool:
    pos = -1
    for w in words:
        pos = text.find(w, pos + 1)
        if pos < 0:
            return False
    return True


# ── One cell per line ────────────────────────────────────────────────────────

# A label cell that begins a row label of its own: 一、 （一） 1. 1、
_NUMBERED_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[.、．](?!\d))")
# Column header cells: never a row label, so the value cells after one are a row of their own.
_HEADER_WORDS = frozenset({
    "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
    "其他", "其它", "总计", "合计", "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
    "结果维持", "结果纠正", "其他结果", "尚未审结", "信息内容",
})
# A value cell on its own line: one number (signed, decimal, with a unit) or a dash/slash blank.
# "无" and other words stay labels: a row that prints one is short of values, so it is null.
_MIN_VALUE_RUN = 3  # consecutive value lines that mark the one-cell-per-line shape
# No label is this long: a cell stops taking continuation lines here, so a bracket left open
# in a hostile text cannot glue a million lines into one (quadratic) string.
_MAX_WRAPPED_CELL = 200


def _is_value_cell(cell: str) -> bool:
    if not cell or " " in cell:
        return False
    if cell in _BLANK_TOKENS:
        return True
    pv = parse_value(cell)
    return pv.value is not None and not pv.was_blank


def _is_header(cell: str) -> bool:
    """A column header cell ("总 计" too), or a line of them ("结果维持 结果纠正 … 总计")."""
    return any(all(label_key(part) in _HEADER_WORDS or _metric_of(part) is not None for part in parts)
               for parts in ([cell], cell.split()))


def _unclosed(cell: str) -> bool:
    return cell.count("（") + cell.count("(") > cell.count("）") + cell.count(")")


def _compact(cell: str) -> str:
    return re.sub(r"\s+", "", cell)


def _header_line(cells: list[str]) -> str:
    """A section 二 header printed one cell per line, as one "信息内容 A B C" line. A cell
    wrapped onto two lines is put back together: a line opening with a bracket continues the
    cell before it ("本年收费金额" + "（单位：万元）"), and two lines that name no column alone
    but do together are one cell ("本年新" + "制作数量")."""
    parts: list[str] = []
    for cell in cells:
        if parts and cell.startswith(("（", "(")):
            parts[-1] += cell
        else:
            parts.append(cell)
    out: list[str] = []
    j = 0
    while j < len(parts):
        p = parts[j]
        if (_metric_of(p) is None and j + 1 < len(parts) and _metric_of(parts[j + 1]) is None
                and _metric_of(p + parts[j + 1]) is not None):
            out.append(p + parts[j + 1])
            j += 2
        else:
            out.append(p)
            j += 1
    return " ".join(["信息内容", *(_compact(p) for p in out)])


def _emit_labels(labels: list[tuple[int, str]], out: list[tuple[int, str]]) -> None:
    """Label cells that are not a row's label: each its own line, but a "信息内容" header and
    the column names after it as one line."""
    start = next((n for n, (_, c) in enumerate(labels) if label_key(c) == "信息内容"), None)
    if start is None:
        out.extend(labels)
        return
    end = start + 1  # the header's cells: up to a row label, a caption or a line of several cells
    while end < len(labels) and not _ends_header(labels[end][1]):
        end += 1
    out.extend(labels[:start])
    out.append((labels[start][0], _header_line([c for _, c in labels[start + 1:end]])))
    out.extend(labels[end:])


def _ends_header(cell: str) -> bool:
    return (" " in cell and re.search(r"\d", cell) is not None) or _match_item(cell) is not None \
        or label_key(cell).startswith(("第二十条", "信息内容")) or len(cell) > 60


@functools.lru_cache(maxsize=1)  # the three section readers read the same text in turn
def _cell_lines(text: str) -> tuple[tuple[int, str], ...] | None:
    """Text that prints one table cell per line, as one line per row ("label v1 v2 …"), each
    with the number of its label's line; None when the text is not in that shape.

    A row is its label cell and the value cells after it, blank lines or none between rows.
    A row label wrapped onto two lines is joined when its first line opens a numbered label
    and its second does not, or the first leaves a bracket open. Value cells after a column
    header (section 四's one row) are a line of numbers alone. Everything the rows have to
    satisfy downstream (the row's identity, one value per header column) is unchanged: a
    blank cell printed as an empty line leaves its row a value short, and null."""
    cells = [(i, clean_cell(line)) for i, line in enumerate(text.splitlines())]
    cells = [(i, c) for i, c in cells if c]
    run = best = 0
    for _, c in cells:
        run = run + 1 if _is_value_cell(c) else 0
        best = max(best, run)
    if best < _MIN_VALUE_RUN:
        return None
    merged: list[tuple[int, str]] = []
    for i, c in cells:
        # A label cell wrapped onto the next line: it left a bracket open, or the next line
        # opens a bracket that is not list numbering ("（二）部分公开" + "（区分处理的，…）").
        if (merged and not _is_value_cell(c) and not _is_value_cell(merged[-1][1])
                and len(merged[-1][1]) < _MAX_WRAPPED_CELL
                and (_unclosed(merged[-1][1]) or (c.startswith(("（", "(")) and not _NUMBERED_RE.match(c)))):
            merged[-1] = (merged[-1][0], merged[-1][1] + c)
        else:
            merged.append((i, c))
    out: list[tuple[int, str]] = []
    labels: list[tuple[int, str]] = []
    k = 0
    while k < len(merged):
        i, c = merged[k]
        if not _is_value_cell(c):
            labels.append((i, c))
            k += 1
            continue
        values: list[str] = []
        while k < len(merged) and _is_value_cell(merged[k][1]):
            values.append(merged[k][1])
            k += 1
        row: tuple[int, str] | None = None
        if labels and not _is_header(labels[-1][1]):
            li, last = labels.pop()
            if (labels and not _NUMBERED_RE.match(last) and _match_item(last) is None
                    and _NUMBERED_RE.match(labels[-1][1]) and not _is_header(labels[-1][1])
                    and not labels[-1][1].endswith("情况")):
                li, first = labels.pop()
                last = first + last
            row = (li, _compact(last))
        _emit_labels(labels, out)
        labels = []
        if row is None:
            out.append((i, " ".join(values)))
        else:
            out.append((row[0], row[1] + " " + " ".join(values)))
    _emit_labels(labels, out)
    return tuple(out)


def _lines(text: str) -> list[tuple[int, str]]:
    per_cell = _cell_lines(text)
    if per_cell is not None:
        return list(per_cell)
    return [(i, clean_cell(line)) for i, line in enumerate(text.splitlines()) if clean_cell(line)]


# A header names its columns close together; further apart, the words are not one header.
_HEADER_SPAN = 160


def _header_in_order(flat: str, words: list[str]) -> bool:
    """`words` in this order within one header's span of `flat`."""
    pos = flat.find(words[0])
    while pos >= 0:
        if _in_order(flat[pos:pos + _HEADER_SPAN], words):
            return True
        pos = flat.find(words[0], pos + 1)
    return False


_LIST_NUMBER_RE = re.compile(r"^\s*(\d{1,2})\s*[.、．]")
# The number each numbered sub-row of section 三 has in its group (1.属于国家秘密 … 8.属于行政查询事项).
_ITEM_NUMBER = {key: n for prefix in ("denied_", "unavailable_", "not_processed_", "other_")
                for n, key in enumerate((k for k in T.APPLICATION_ROWS_BY_TEMPLATE["2021"] if k.startswith(prefix)), 1)}


def _rows_named(parts: list[str]) -> int:
    """How many of a line's label parts name a row of section 三 by themselves; a group's
    label before its numbered rows ("（六）其他处理" "3.其他") is their context, not a row."""
    named = 0
    for n, part in enumerate(parts):
        if _GROUP_RE.match(part) and any(_ITEM_RE.match(p) for p in parts[n + 1:]):
            continue
        named += _match_application_row([part]) is not None
    return named


def application_cells(text: str) -> list[Cell]:
    # The header names the six applicant columns in the template's order. Where it prints
    # 总计 depends on how it was flattened (row by row it follows 法人或其他组织, whose cell
    # spans the header's rows); that the last number is the total, each row's identity checks.
    if not _header_in_order(label_key(text), ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]):
        return []
    cells: list[Cell] = []
    group = ""  # the （X） group the numbered sub-rows belong to: they print it only once
    for i, line in _lines(text):
        m = _ROW_RE.match(line)
        parts = [p for p in _LABEL_SPLIT_RE.split(clean_cell(m["label"] if m else line)) if p.strip()]
        for part in parts:
            if _GROUP_RE.match(part):
                group = part
            elif re.match(r"^[一二三四五六七八九十]+、", part) and not part.startswith("三、"):
                group = ""
        if not m:
            continue
        label = clean_cell(m["label"])
        if parts and _ITEM_RE.match(parts[0]) and group:
            parts = [group, *parts]
        key = _match_application_row(parts)
        if key is None:
            continue
        values, why = _numbers(m["nums"], 7, _row_total_ok)
        if _rows_named(parts) > 1:
            # Two rows' labels in one line ("（一）予以公开（二）部分公开…"): a grid that merged
            # rows, or a label put together from two. Whose numbers these are, nothing says.
            values, why = None, "the label holds more than one row's label"
        number = _LIST_NUMBER_RE.match(parts[-1])
        if number and _ITEM_NUMBER.get(key, int(number[1])) != int(number[1]):
            # A label put together from two rows' pieces ("7、" + "…过程性信息"): an all-zero
            # row adds up whatever row it is, so its numbering must be the template's.
            values, why = None, f"numbered {number[1]} where the template numbers this row {_ITEM_NUMBER[key]}"
        for j, applicant in enumerate(T.APPLICANT_KEYS):
            value = values[j] if values else None
            cells.append(Cell("applications", key, applicant, value, m["nums"].strip(), label,
                              reason=None if values else why, source={"text_line": i, "derived": why}))
    return cells


def review_cells(text: str) -> list[Cell]:
    flat = label_key(text)
    if not _in_order(flat, ["行政复议", "行政诉讼", "未经复议", "复议后起诉"]):
        return []
    for i, line in _lines(text):
        compact = line.replace(" ", "")
        if not compact.isdigit() or len(line.split()) not in (1, 15):
            continue
        if len(line.split()) == 1 and len(compact) < 15:
            continue  # one number alone cannot be 15 glued ones: not this row
        values, why = _numbers(line, 15, _blocks_ok)
        cells = []
        for p, proceeding in enumerate(T.PROCEEDING_KEYS):
            for q, result in enumerate(T.RESULT_KEYS):
                value = values[p * 5 + q] if values else None
                cells.append(Cell("reviews_litigation", proceeding, result, value, line, None,
                                  reason=None if values else why, source={"text_line": i, "derived": why}))
        return cells
    return []


# Words a section 二 header prints beside its columns' names: its corner and its group's title.
_ACTIVE_HEADER_JUNK_RE = re.compile(r"^(?:信息内容|第[一二三四五六七八九十]+条(?:第[(（][一二三四五六七八九十]+[)）]项)?)")


# Each item's label found anywhere in a label, not only at its start: a label naming two.
_ITEM_ANYWHERE = [(item, re.compile(pattern.pattern.lstrip("^"))) for item, pattern, _ in T.ACTIVE_ITEMS]
_ITEM_PATTERN = dict(_ITEM_ANYWHERE)


def _metric_units(parts: list[str]) -> tuple[list[str], list[str | None], bool]:
    """The metrics `parts` name in order, their units, and whether every part names one."""
    metrics: list[str] = []
    units: list[str | None] = []
    every = True
    for part in parts:
        metric = next((m for m, p in T.ACTIVE_METRICS if p.search(label_key(part))), None)
        if metric:
            metrics.append(metric)
            # The unit an amount takes when its cells print none: the header's, else the template's.
            unit_m = T.UNIT_IN_HEADER_RE.search(part)
            units.append(unit_m.group(1) if unit_m and metric in T.AMOUNT_METRICS
                         else T.DEFAULT_UNITS.get(metric))
        elif _ACTIVE_HEADER_JUNK_RE.sub("", label_key(part)):
            every = False
    return metrics, units, every


def _active_row(line: str) -> tuple[str | None, str, list[str]]:
    """A line as (the section 二 item its label names, the label, its trailing values): no
    item when the label names none or two (a label put together from two rows' pieces)."""
    tokens = line.split()
    n = len(tokens)
    while n > 0 and (parse_value(tokens[n - 1]).value is not None or tokens[n - 1] in _BLANK_TOKENS):
        n -= 1
    label = " ".join(tokens[:n])
    key = label_key(_ACTIVE_HEADER_JUNK_RE.sub("", label_key(label).replace("信息内容", "")))
    named = {item for item, pattern in _ITEM_ANYWHERE if pattern.search(key)}
    item = _match_item(key) if n else None
    if item is not None and _unexplained(key, item) > 3:
        item = None  # glyphs of another row's label mixed in (行可…许 around 其他对外管理服务事项)
    return (item if named == {item} else None), clean_cell(label), tokens[n:]


def _unexplained(key: str, item: str) -> int:
    """The ideographs of a label left when its item's words, any bracketed note (closed or
    cut off by the line's end) and a part's caption glued to it (第二十条第（六）项) are
    taken out."""
    rest = re.sub(r"第[一二三四五六七八九十]+条(?:第[（(][^）)]*[）)]项)?", "", key)
    rest = re.sub(r"[（(][^）)]*(?:[）)]|$)", "", rest)
    parts = _ITEM_PATTERN[item].split(rest, maxsplit=1)
    head, tail = parts[0], (parts[-1] if len(parts) > 1 else "")
    # (The start of the next row's label, wrapped onto this line, is explained too.)
    if tail and any(label.startswith(tail) for label in T.PRINTED_LABELS):
        tail = ""
    rest = head + tail
    return sum(1 for ch in rest if "\u4e00" <= ch <= "\u9fff")


def active_cells(text: str) -> list[Cell]:
    """Section 二 rows under a "信息内容 …" header line. Without an identity to check them,
    only rows with exactly one number per header column are read; glued rows are null.

    Rows rebuilt from a PDF's words print their header without its corner (信息内容 stands
    in the label column): a line naming nothing but metrics is a header too, but its rows
    are read only where it names exactly the columns the row's item has in a template, in
    that order, and the row's label names that one item."""
    cells: list[Cell] = []
    metrics: list[str] = []
    units: list[str | None] = []
    bare: list[tuple[list[str], list[str | None]]] = []  # header lines without their corner
    rows_since = False  # lines read under them: a header line after those starts a new table
    for i, line in _lines(text):
        named, named_units, every = _metric_units(line.split())
        if label_key(line).startswith("信息内容") and named:
            metrics, units, _ = _metric_units(line.split()[1:])
            bare = []
            continue
        if named and every and len(set(named)) == len(named):
            if rows_since:
                bare, rows_since = [], False
            metrics, units = [], []
            bare.append((named, named_units))
            continue
        if bare:
            item, label, values = _active_row(line)
            layouts = [T.ACTIVE_LAYOUT[t].get(item) for t in T.TEMPLATES] if item else []
            # (A blank may be a zero or a column a PDF's row lost: only printed numbers.)
            header = next(((m, u) for m, u in bare if m in layouts and len(values) == len(m)
                           and not any(v in _BLANK_TOKENS for v in values)), None)
            if header is not None:
                for metric, unit, printed in zip(*header, values, strict=True):
                    pv = parse_value(printed)
                    cells.append(Cell("active_disclosure", item, metric, pv.value, printed, label,
                                      unit=pv.unit or (unit if pv.value is not None else None), reason=pv.reason,
                                      source={"text_line": i, "derived": "flattened text, columns named by the header"}))
            rows_since = True
            continue
        if not metrics:
            continue
        tokens = line.split()
        item = _match_item(tokens[0]) if tokens else None
        if item is None:
            continue
        values = tokens[1:]
        readable = len(values) == len(metrics)
        for j, metric in enumerate(metrics):
            pv = parse_value(values[j]) if readable else None
            cells.append(Cell("active_disclosure", item, metric, pv.value if pv else None,
                              values[j] if readable else " ".join(values), clean_cell(tokens[0]),
                              unit=(pv.unit or (units[j] if pv.value is not None else None)) if pv else None,
                              reason=(pv.reason if pv else f"flattened text: {len(values)} numbers for {len(metrics)} columns"),
                              source={"text_line": i, "derived": "flattened text, columns by header order"}))
    return cells


def _row_line(table: RawTable, r: int) -> str:
    """A grid row as one flattened line: each cell once (a merged cell's copies, and a label
    repeated across the columns it spans, are one), left to right. A number the OCR is not
    sure of prints as "?", so the row cannot be read from its line."""
    out: list[str] = []
    last: object = None
    for c, text in enumerate(table.rows[r]):
        ident = table.origin.get((r, c), (r, c))
        if not text or ident == last or (out and text == out[-1] and not _is_value_cell(text)):
            last = ident
            continue
        conf = table.confidence.get((r, c))
        out.append("?" if conf is not None and conf < MIN_OCR_CONFIDENCE and _is_value_cell(text) else text)
        last = ident
    return " ".join(out)


def grid_text(tables: list[RawTable]) -> str:
    """Tables as flattened text: each header column as one label read top down (自 / 然 / 人
    is 自然人), then each row as one line. The readers above then read a table whose columns
    could not be tied to its header by position, with their guarantees: columns in the
    template's order only when the header names them in that order, and each row's identity."""
    lines: list[str] = []
    for table in tables:
        first = next((r for r, row in enumerate(table.rows) if any(map(_is_value_cell, row))), len(table.rows))
        stacks = ["".join(_column_stack(table, c, range(first))) for c in range(table.n_cols)]
        header = [s for n, s in enumerate(stacks) if s and (n == 0 or s != stacks[n - 1])]
        if header:
            lines.append(" ".join(header))
        lines.extend(_row_line(table, r) for r in range(first, len(table.rows)))
    return "\n".join(lines)


def text_cells(text: str, sections: set[str]) -> list[Cell]:
    """Cells for the given sections, read from flattened text."""
    readers = {"active_disclosure": active_cells, "applications": application_cells,
               "reviews_litigation": review_cells}
    return [c for s in sorted(sections) for c in readers[s](text)]
