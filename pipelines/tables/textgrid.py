"""Template tables from flattened text, when a page gives nothing else.

`get_text()` on a report glues table cells into lines such as
"一、本年新收政府信息公开申请数量 23 0 0 0 0 0 23" or, worse, "…申请数量230000023". The row is
recognised by its label as in a grid; the columns only by the template's column order, which
is why every row read here must satisfy an identity of its own (the total column, or each
section 四 block's total) and glued digits are split only where exactly one split does.
Anything else is null with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import templates as T
from .normalize import Cell, _match_application_row, _match_item
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


def _lines(text: str) -> list[tuple[int, str]]:
    return [(i, clean_cell(line)) for i, line in enumerate(text.splitlines()) if clean_cell(line)]


def application_cells(text: str) -> list[Cell]:
    flat = label_key(text)
    if not _in_order(flat, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]):
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
        values, why = _numbers(line, 15, _blocks_ok)
        cells = []
        for p, proceeding in enumerate(T.PROCEEDING_KEYS):
            for q, result in enumerate(T.RESULT_KEYS):
                value = values[p * 5 + q] if values else None
                cells.append(Cell("reviews_litigation", proceeding, result, value, line, None,
                                  reason=None if values else why, source={"text_line": i, "derived": why}))
        return cells
    return []


def active_cells(text: str) -> list[Cell]:
    """Section 二 rows under a "信息内容 …" header line. Without an identity to check them,
    only rows with exactly one number per header column are read; glued rows are null."""
    cells: list[Cell] = []
    metrics: list[str] = []
    for i, line in _lines(text):
        key = label_key(line)
        if key.startswith("信息内容"):
            metrics = []
            for part in line.split()[1:]:
                metric = next((m for m, p in T.ACTIVE_METRICS if p.search(label_key(part))), None)
                if metric:
                    metrics.append(metric)
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
                              unit=pv.unit if pv else None,
                              reason=(pv.reason if pv else f"flattened text: {len(values)} numbers for {len(metrics)} columns"),
                              source={"text_line": i, "derived": "flattened text, columns by header order"}))
    return cells


def text_cells(text: str, sections: set[str]) -> list[Cell]:
    """Cells for the given sections, read from flattened text."""
    readers = {"active_disclosure": active_cells, "applications": application_cells,
               "reviews_litigation": review_cells}
    return [c for s in sorted(sections) for c in readers[s](text)]
