"""A PDF page's table rows as lines of text ("label v1 v2 …"), from where the words stand.

When a table's columns cannot be rebuilt (no rules, labels wrapped one glyph a line, numbers
in the middle of a row whose label runs above and below them), its rows can still be: a row
is a line of numbers, its label the words in the label columns around that line. The lines
made here go to the flattened-text readers (`pipelines.tables.textgrid`), which read a row
only by its label, with the template's column order under a header that names it and the
row's own identity as the check, so a row put together wrongly is null, not misread.

- A label column is where label words start again and again (their left edges).
- In a column, a cell's text is a block of lines: a block ends where a numbering mark (一、
  （一） 1.) opens a new one, where a wider gap than between lines stands, or before a
  second line of numbers.
- A block belongs to the line of numbers nearest its middle: a cell's text sits level with
  its numbers, or starts on their line (top-aligned), or around it (middle-aligned); a
  group's label spanning several rows lands on one of them, which is all its context needs.
- The header above a table's rows is printed column by column (自 / 然 / 人 is 自然人).
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from pdfplumber.page import Page

from ..tables.normalize import is_section_heading
from .pdf_unruled import (
    _DASH_RE,
    _FRAGMENT_RE,
    _MARK_RE,
    _lines,
    _value_words,
    _Word,
    _words,
    same_columns,
    widest_numbers,
    wrapped_digits,
)

_TOL = 2.0
_NOT_HEADER = frozenset("0123456789.,%+-")
_HEADER_LINES = 12  # a header's lines at most: 自 / 然 / 人 one glyph a line, and a units row
# A list number printed apart from its label's first character ("1." "属于…"): one word.
_LIST_NUMBER_RE = re.compile(r"^\d{1,2}\s*[.．、]$")


@dataclass
class _Line:
    top: float
    bottom: float
    words: list[_Word]
    chars: list[dict] = field(default_factory=list)
    values: list[_Word] | None = None  # the numbers it ends with, if it is a row's

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Block:
    column: int
    lines: list[tuple[_Line, str]] = field(default_factory=list)

    @property
    def mid(self) -> float:
        return (self.lines[0][0].top + self.lines[-1][0].bottom) / 2

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.lines)


def _page_lines(page: Page, ideographs) -> list[_Line]:
    out = []
    for chars in _lines([ch for ch in page.chars if ch.get("text", "").strip()]):
        words: list[_Word] = []
        for w in _words(chars):
            if words and w.x0 - words[-1].x1 <= 2 * _TOL and (
                    _LIST_NUMBER_RE.match(words[-1].text)
                    or (words[-1].text.isdigit() and len(words[-1].text) <= 2 and w.text[:1] in "、.．")):
                words[-1] = _Word(words[-1].x0, w.x1, words[-1].text + ideographs(w.text))
            else:
                words.append(_Word(w.x0, w.x1, ideographs(w.text)))
        line = _Line(min(c["top"] for c in chars), max(c["bottom"] for c in chars), words, chars)
        line.values = _value_words(words)
        out.append(line)
    return out


def _next_line(a: _Line, b: _Line) -> bool:
    return b.top - a.bottom <= b.bottom - b.top


def _fragment(line: _Line, row: _Line, start: float) -> bool:
    """`line` prints nothing but pieces of numbers right of `start` (where its table's
    numbers start), no more than `row` has."""
    return (0 < len(line.words) <= len(row.values)
            and all(w.x1 > start and _FRAGMENT_RE.match(w.text) for w in line.words))


def _wrapped_numbers(lines: list[_Line]) -> None:
    """Numbers a narrow cell wrapped onto two or more lines. Cells aligned at the top print
    the rest under the number's first line: put back on it ("62" over "5" is 625). Cells
    aligned in the middle print a number's first line above its row's other numbers and its
    last below, and there is no telling which row a piece belongs to: a piece of a number
    standing over a row (no continuation of the row above) says the page is so printed, and
    then every row next to a piece has its numbers made unreadable ("?"); else a row whose
    piece below could not be put back."""
    pairs = list(zip(lines, lines[1:], strict=False))
    rows = [ln.values for ln in lines if ln.values]
    widest = {id(r): widest_numbers(r, rows) for r in rows}
    joins = []
    continued: set[int] = set()
    for above, line in pairs:
        if above.values and _next_line(above, line) and id(above) not in continued:
            joined = wrapped_digits(above.values, widest[id(above.values)], line.words)
            if joined:
                joins.append((above, line, joined))
                continued.add(id(line))
    # Where a row's table's numbers start: its own first number, or a neighbour's.
    firsts = [(ln, ln.values[0].x0) for ln in lines if ln.values]
    starts = {id(ln): min(x for _, x in firsts[max(k - 1, 0):k + 2]) - _TOL for k, (ln, _) in enumerate(firsts)}

    def start(row: _Line) -> float:
        return starts.get(id(row), row.values[0].x0 - _TOL)

    # (A piece with nothing just above it, as at a page's top, may end the page before's row.)
    middle = any(b.values and _next_line(a, b) and id(a) not in continued and _fragment(a, b, start(b))
                 and k > 0 and _next_line(lines[k - 1], a) for k, (a, b) in enumerate(pairs))
    if not middle:
        for above, line, joined in joins:
            for j, v in joined.items():
                u = above.values[j]
                above.values[j] = _Word(min(u.x0, v.x0), max(u.x1, v.x1), u.text + v.text)
            line.words = [w for w in line.words if w not in joined.values()]
            line.values = None
    # (Aligned at the top, a piece is the row's above it only.)
    cut = [row for a, b in pairs if _next_line(a, b)
           for row, piece in ((b, a), (a, b))[not middle:] if row.values and _fragment(piece, row, start(row))]
    for row in cut:
        row.values = [_Word(v.x0, v.x1, "?") for v in row.values]


def _column_starts(xs: list[float]) -> list[float]:
    """Left edges where at least two label words start (within the tolerance)."""
    starts: list[list[float]] = []
    for x in sorted(xs):
        if starts and x - starts[-1][-1] <= _TOL:
            starts[-1].append(x)
        else:
            starts.append([x])
    return [group[0] for group in starts if len(group) >= 2]


def _column_of(x0: float, starts: list[float]) -> int:
    return max((i for i, s in enumerate(starts) if s <= x0 + _TOL), default=0)


def _blocks(labels: list[tuple[_Line, _Word]], starts: list[float], pitch: float) -> list[_Block]:
    by_column: dict[int, list[tuple[_Line, _Word]]] = {}
    for line, word in labels:
        by_column.setdefault(_column_of(word.x0, starts), []).append((line, word))
    blocks: list[_Block] = []
    for column, items in sorted(by_column.items()):
        current: _Block | None = None
        for line, word in items:
            if current and current.lines[-1][0] is line:
                current.lines[-1] = (line, current.lines[-1][1] + word.text)
                continue
            last = current.lines[-1][0] if current else None
            opens = (current is None or _MARK_RE.match(word.text) is not None
                     or line.top - last.bottom > pitch
                     or (line.values and any(ln.values for ln, _ in current.lines)))
            if opens:
                current = _Block(column)
                blocks.append(current)
            current.lines.append((line, word.text))
    return blocks


def _split_at_row(block: _Block, rows: list[_Line]) -> list[_Block]:
    """A block that starts on a row's line and goes on below it in lines centred on the
    next row's numbers: the first row's label (规章) above the next one's, which its cell
    centres on its numbers (行政 / 规范 / 性文 / 件). Else the block whole."""
    at = next((i for i, (line, _) in enumerate(block.lines) if line.values), None)
    if at is None or at == len(block.lines) - 1:
        return [block]
    row = block.lines[at][0]
    rest = block.lines[at + 1:]
    mid = (rest[0][0].top + rest[-1][0].bottom) / 2
    other = min((r for r in rows if r is not row), key=lambda r: abs(r.mid - mid), default=None)
    if other is None or abs(other.mid - mid) >= 0.5 * abs(row.mid - mid):
        return [block]
    return [_Block(block.column, block.lines[:at + 1]), _Block(block.column, rest)]


def _split_between_rows(block: _Block, rows: list[_Line]) -> list[_Block]:
    """A block of rows' own labels (no group's) standing over the numbers of two rows or
    more: labels without numbering, each centred on its row's numbers (规 / 章 around one
    row's, 行 / 政 / … / 件 around the next's). Cut into one run of lines a row, in order,
    each run's middle as near its row's numbers as can be."""
    lines = block.lines
    top, bottom = lines[0][0].top, lines[-1][0].bottom
    inside = [r for r in rows if top < r.mid < bottom]
    if len(inside) < 2 or len(inside) > len(lines):
        return [block]

    def cost(i: int, j: int, row: _Line) -> float:  # lines[i:j] as row's label
        return abs((lines[i][0].top + lines[j - 1][0].bottom) / 2 - row.mid)

    n, m = len(lines), len(inside)
    # Lines above the first row's numbers may be no row's (the header's corner, 信 / 息 / 内 /
    # 容, beside it): the first run may start below them.
    best = {(0, i): (0.0, [i] if i else []) for i in range(n) if i == 0 or lines[i - 1][0].bottom < inside[0].top}
    for k in range(1, m + 1):
        for j in range(1, n - (m - k) + 1):
            options = [(best[(k - 1, i)][0] + cost(i, j, inside[k - 1]), [*best[(k - 1, i)][1], j])
                       for i in range(j) if (k - 1, i) in best]
            if options:
                best[(k, j)] = min(options, key=lambda o: o[0])
    cuts = [0, *best[(m, n)][1]]
    return [_Block(block.column, lines[a:b]) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _beside_on_right(block: _Block, blocks: list[_Block]) -> bool:
    """Whether another label block stands right of `block`, overlapping its lines."""
    top, bottom = block.lines[0][0].top, block.lines[-1][0].bottom
    return any(b.column > block.column and b.lines[0][0].top < bottom and top < b.lines[-1][0].bottom
               for b in blocks)


def _column_edges(rows: list[_Line], header: list[_Word] = ()) -> list[float]:
    """Where a run of rows' value columns part. Numbers aligned left start where their cells
    do, so the next cell starts just before them; aligned right, a cell ends just after them;
    centred (or mixed), midway between neighbours. `header`: the words above, whose labels
    an edge must not cut (a word reaching over two columns' numbers is a group's, and may)."""
    width = len(rows[0].values)
    x0s = [[r.values[j].x0 for r in rows] for j in range(width)]
    x1s = [[r.values[j].x1 for r in rows] for j in range(width)]
    spread0 = max(max(x) - min(x) for x in x0s)
    spread1 = max(max(x) - min(x) for x in x1s)
    # (Centred numbers spread both ends alike; one digit more moves one end only.)
    if spread1 > _TOL and spread0 < 0.25 * spread1:  # left-aligned
        inner = [min(x0s[j + 1]) - _TOL for j in range(width - 1)]
    elif spread0 > _TOL and spread1 < 0.25 * spread0:  # right-aligned
        inner = [max(x1s[j]) + _TOL for j in range(width - 1)]
    else:
        inner = [(max(x1s[j]) + min(x0s[j + 1])) / 2 for j in range(width - 1)]
    words = [(w.x0, w.x1) for w in header
             if sum(w.x0 < max(x1s[k]) - _TOL and w.x1 > min(x0s[k]) + _TOL for k in range(width)) <= 1]
    inner = [_free_point(edge, max(x1s[j]), min(x0s[j + 1]), words) for j, edge in enumerate(inner)]
    # The outer edges likewise: a label left of the first numbers (the corner's note) or
    # right of the last is no column's.
    left, right = min(x0s[0]) - _TOL * 4, max(x1s[-1]) + _TOL * 4
    left = max([left, *(b for a, b in words if a < left < b <= min(x0s[0]))])
    right = min([right, *(a for a, b in words if max(x1s[-1]) <= a < right < b)])
    return [left, *inner, right]


def _free_point(edge: float, lo: float, hi: float, words: list[tuple[float, float]]) -> float:
    """`edge`, or if a header word stands across it, the middle of the widest stretch of
    [lo, hi] (between two columns' numbers) that no header word covers: one or two rows
    cannot show how their numbers align, but a column's label never crosses into the next."""
    if not any(a < edge < b for a, b in words):
        return edge
    free, x = [], lo
    for a, b in sorted(words):
        if a > x:
            free.append((x, min(a, hi)))
        x = max(x, b)
    free.append((x, hi))
    free = [(a, b) for a, b in free if b > a]
    return edge if not free else sum(max(free, key=lambda ab: ab[1] - ab[0])) / 2


def _aligned(a: _Line, b: _Line) -> bool:
    """Two rows of one table: as many numbers, each column's standing over the other's."""
    return same_columns(a.values, b.values)


Spans = list[tuple[float, float]]


def _spans(run: list[_Line]) -> Spans:
    return [(min(r.values[j].x0 for r in run), max(r.values[j].x1 for r in run)) for j in range(len(run[0].values))]


def _blank_columns(rows: list[_Line], carried: Spans | None) -> Spans | None:
    """A row printing fewer numbers than the rows nearest it that print more (zeros left
    blank): each of its numbers in the column it stands in, the columns it leaves empty as
    blanks ("-", read as 0), when every number stands in a column of its own. The row's
    identity still has to hold: a number lost rather than left blank leaves it short.
    `carried`: the columns of the widest rows of the page before, for a page whose rows all
    leave some blank; returned likewise for the next page."""
    counts = [len(r.values) for r in rows]
    for i, (row, count) in enumerate(zip(rows, counts, strict=True)):
        # The widest rows of its own table only, short of fewer than half their numbers:
        # never a row of another table (section 二's three columns above section 三's seven).
        table: list[int] = []  # the rows around it of about its width, one table's
        for step in (-1, 1):
            k = i + step
            while 0 <= k < len(rows) and count // 2 < counts[k] < 2 * count:
                table.append(k)
                k += step
        widest = max((counts[k] for k in table), default=0)
        if widest > count:
            near = rows[min((k for k in table if counts[k] == widest), key=lambda k: abs(k - i))]
            spans = _spans([r for r, n in zip(rows, counts, strict=True) if n == widest and _aligned(near, r)])
        elif carried and count < len(carried) < 2 * count:
            spans = carried
        else:
            continue
        placed: dict[int, _Word] = {}
        for v in row.values:
            inside = [j for j, (a, b) in enumerate(spans) if v.x0 < b + _TOL and v.x1 > a - _TOL]
            if len(inside) != 1 or inside[0] in placed:
                break
            placed[inside[0]] = v
        else:
            row.values = [placed.get(j, _Word(a, b, "-")) for j, (a, b) in enumerate(spans)]
    widest = max(counts)
    last = next(r for r, n in zip(reversed(rows), reversed(counts), strict=True) if n == widest)
    return _spans([r for r, n in zip(rows, counts, strict=True) if n == widest and _aligned(last, r)]) \
        if not carried or widest >= len(carried) else carried


def _header_words(lines: list[_Line], rows: list[_Line]) -> str:
    """The header above a run of rows by words: each value column's words top down, after the
    words spanning several columns (申请人情况, 法人或其他组织)."""
    edges = _column_edges(rows, [w for ln in lines for w in ln.words])
    width = len(edges) - 1
    stacks: list[list[str]] = [[] for _ in range(width)]
    spanning: list[str] = []
    for line in lines:
        for word in line.words:
            inside = [j for j in range(width) if min(word.x1, edges[j + 1]) - max(word.x0, edges[j]) > _TOL]
            if len(inside) == 1:
                stacks[inside[0]].append(word.text)
            elif inside:
                spanning.append(word.text)
    return " ".join([*spanning, *("".join(s) for s in stacks if s)])


def _header(lines: list[_Line], rows: list[_Line], ideographs) -> str:
    """The header above a run of rows, as one line: each value column's characters top down,
    line by line (自 / 然 / 人 is 自然人). Characters, not words: cells aligned in the middle
    put a two-line label a little off its neighbours' lines, and words would mix them. A group's
    label centred over several columns (法人或其他组织) only adds characters above theirs."""
    edges = _column_edges(rows, [w for ln in lines for w in ln.words])
    width = len(edges) - 1
    stacks: list[list[dict]] = [[] for _ in range(width)]
    for line in lines:
        for ch in line.chars:
            if ch["text"] in _NOT_HEADER:  # a number left over from the section above
                continue
            j = bisect.bisect_right(edges, (ch["x0"] + ch["x1"]) / 2) - 1
            if 0 <= j < width:
                stacks[j].append(ch)
    out = []
    for stack in stacks:
        # Printed lines top down (a character more than half its height below a line's top
        # opens the next), each left to right.
        printed: list[list[dict]] = []
        for ch in sorted(stack, key=lambda c: c["top"]):
            if printed and ch["top"] - printed[-1][0]["top"] <= 0.5 * (ch["bottom"] - ch["top"]):
                printed[-1].append(ch)
            else:
                printed.append([ch])
        text = "".join(c["text"] for line in printed for c in sorted(line, key=lambda c: c["x0"]))
        if text:
            out.append(ideographs(text))
    return " ".join(out)


def _headed(lines: list[_Line], previous: _Line, row: _Line) -> bool:
    """Words over `row`'s value columns between it and the row before (not pieces of
    numbers): a header, which starts another table."""
    start = row.values[0].x0 - _TOL
    return any(w.x0 > start and not _FRAGMENT_RE.match(w.text) and not _DASH_RE.match(w.text)
               for ln in lines if previous.bottom < ln.top and ln.bottom < row.top for w in ln.words)


def _above(lines: list[_Line], previous: _Line | None, row: _Line, carried: list[_Line] | None) -> list[_Line]:
    """The lines between a run's first row and the row before it: its header, if any."""
    above = [ln for ln in lines if (previous is None or ln.top > previous.bottom) and ln.bottom < row.top
             and not ln.values]
    # A header starts below the section's heading: nothing above it is this table's.
    start = max((i for i, ln in enumerate(above) if is_section_heading("".join(w.text for w in ln.words))),
                default=-1)
    return above[start + 1:] if start >= 0 else [*(carried or []), *above] if previous is None else above


def _columns_from_header(run: list[_Line], header: list[_Line]) -> None:
    """Rows that all leave the same columns blank (zeros printed as nothing) under a header
    that has more columns than they have numbers: each number in the column whose label
    stands over it, the others blanks ("-"). A label column is a stack of header words
    overlapping in x, at a regular pitch; a word over two words that stand apart is a
    group's (法人或其他组织) and set aside. Unless every number stands over one column's
    label alone, and nearer it than any other by half, nothing is placed; the row's
    identity then still has to hold."""
    if not run or not header:
        return
    first = min(r.values[0].x0 for r in run) - _TOL
    words = [w for ln in header for w in ln.words if w.x1 > first]

    def overlaps(a: _Word, b: _Word) -> bool:
        return a.x0 < b.x1 - _TOL and b.x0 < a.x1 - _TOL

    def group(w: _Word) -> bool:  # over two words that stand apart (one pass over the words)
        under = [a for a in words if overlaps(w, a)]
        return bool(under) and min(a.x1 for a in under) <= max(a.x0 for a in under) + _TOL

    leaves = [w for w in words if not group(w)]
    stacks: list[list[float]] = []
    for w in sorted(leaves, key=lambda w: w.x0):
        if stacks and w.x0 < stacks[-1][1] - _TOL:
            stacks[-1][1] = max(stacks[-1][1], w.x1)
        else:
            stacks.append([w.x0, w.x1])
    count = len(run[0].values)
    # The columns of one header stand at a regular pitch; a label's glyphs set apart
    # (益 组 织) would make columns of their own at a fraction of it.
    pitch = [(b[0] + b[1] - a[0] - a[1]) / 2 for a, b in zip(stacks, stacks[1:], strict=False)]
    if not count < len(stacks) < 2 * count or max(pitch) > 1.3 * min(pitch):
        return
    placed_rows = []
    for row in run:
        placed: dict[int, _Word] = {}
        for v in row.values:
            far = sorted((max(0.0, a - v.x1, v.x0 - b), j) for j, (a, b) in enumerate(stacks))
            if far[1][0] == 0 or far[0][0] > 0.5 * far[1][0] or far[0][1] in placed or (placed and far[0][1] < max(placed)):
                return
            placed[far[0][1]] = v
        placed_rows.append(placed)
    for row, placed in zip(run, placed_rows, strict=True):
        row.values = [placed.get(j, _Word(a, b, "-")) for j, (a, b) in enumerate(stacks)]


@dataclass
class PageRows:
    lead: str  # label text before the first row, continuing the last row of the page before
    lines: list[str]  # "label<TAB>v1 v2 …" a row, each run of rows after its header
    tail: list[_Line]  # lines after the last row: a header whose rows went to the next page
    spans: Spans | None = None  # the columns of its widest rows, or of the pages' before


def row_lines(page: Page, ideographs: Callable[[str], str], before: PageRows | None = None) -> PageRows:
    """The page's table rows as lines of text. `before`: the page before's, whose header at
    its foot and whose columns may be this page's (a table's columns stand alike on each)."""
    carried = before.tail if before else None
    lines = _page_lines(page, ideographs)
    _wrapped_numbers(lines)
    rows = [ln for ln in lines if ln.values and len(ln.values) >= 2
            and any(not _DASH_RE.match(v.text) for v in ln.values)]
    if not rows:
        return PageRows("", [], lines[-_HEADER_LINES:], before.spans if before else None)
    # A run of rows: one table's, under one header (a header line between two rows, as
    # between section 二's groups, or columns elsewhere, start another).
    tables = sorted(n for n in range(1, len(rows)) if _headed(lines, rows[n - 1], rows[n]))

    def runs_of(rows: list[_Line]) -> dict[int, list[_Line]]:
        starts = [n for n in range(len(rows)) if n == 0 or n in tables or not _aligned(rows[n - 1], rows[n])]
        return {a: rows[a:b] for a, b in zip(starts, [*starts[1:], len(rows)], strict=True)}

    for n, run in runs_of(rows).items():
        _columns_from_header(run, _above(lines, rows[n - 1] if n else None, run[0], carried)[-_HEADER_LINES:])
    spans = before.spans if before else None
    for a, b in zip([0, *tables], [*tables, len(rows)], strict=True):
        spans = _blank_columns(rows[a:b], spans if a == 0 else None)
    runs = runs_of(rows)
    heights = [ln.bottom - ln.top for ln in lines]
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False) if b.top > a.bottom]
    pitch = 1.6 * statistics.median(gaps) + 0.5 * statistics.median(heights) if gaps else statistics.median(heights)

    def value_start(line: _Line) -> float:
        nearest = min(rows, key=lambda r: abs(r.mid - line.mid))
        return nearest.values[0].x0

    labels: list[tuple[_Line, _Word]] = []
    for line in lines:
        limit = (line.values[0].x0 if line.values else value_start(line)) - _TOL
        labels += [(line, w) for w in line.words if w.x1 <= limit + _TOL * 2 and not (line.values and w in line.values)]
    starts = _column_starts([w.x0 for _, w in labels])
    owner: dict[int, list[_Block]] = {id(r): [] for r in rows}
    lead: list[_Block] = []
    blocks = [part for block in _blocks(labels, starts, pitch) for part in _split_at_row(block, rows)]
    # A block with no other label to its right beside it holds rows' own labels, not a group's.
    blocks = [part for block in blocks
              for part in ([block] if _beside_on_right(block, blocks) else _split_between_rows(block, rows))]
    # A page whose first row has no header above it (no words over the numbers' columns)
    # continues a table: its label text above its first numbered label is the end of the
    # last row of the page before, cut by the page break.
    headed = any(w.x1 > rows[0].values[0].x0 for ln in lines if ln.bottom < rows[0].top for w in ln.words)
    marked = min((b.lines[0][0].top for b in blocks if _MARK_RE.match(b.text)), default=rows[0].top)
    for block in blocks:
        near = min(rows, key=lambda r: abs(r.mid - block.mid))
        first, last = block.lines[0][0], block.lines[-1][0]
        if is_section_heading(block.text):
            continue
        if not headed and last.bottom < min(marked, rows[0].top) and not _MARK_RE.match(block.text):
            lead.append(block)
            continue
        # A block wholly above the page's first row (or below its last) by more than a line is
        # a heading or a header, not a row's label. Between rows, a label spanning several
        # (a group's, centred over them) may stand far from any one row's numbers.
        if last.bottom < rows[0].top - pitch or first.top > rows[-1].bottom + pitch:
            continue
        owner[id(near)].append(block)
    out: list[str] = []
    previous: _Line | None = None
    for n, row in enumerate(rows):
        if n in runs:
            above = _above(lines, previous, row, carried)
            run = runs[n]
            # By words and by characters: each misreads some headers the other reads.
            out += [h for h in (_header_words(above[-_HEADER_LINES:], run),
                                _header(above[-_HEADER_LINES:], run, ideographs)) if h]
        parts = [b.text for b in sorted(owner[id(row)], key=lambda b: (b.column, b.mid))]
        out.append(" ".join(parts) + "\t" + " ".join(v.text for v in row.values))
        previous = row
    tail = [ln for ln in lines if ln.top > rows[-1].bottom and not ln.values]
    return PageRows("".join(b.text for b in sorted(lead, key=lambda b: (b.column, b.mid))), out,
                    tail[-_HEADER_LINES:], spans)


def join_pages(pages: list[PageRows]) -> str:
    """The pages' row lines as one text, a label cut by a page break put back on its row."""
    out: list[str] = []
    for lead, lines, _ in ((p.lead, p.lines, p.tail) for p in pages):
        last = next((n for n in range(len(out) - 1, -1, -1) if "\t" in out[n]), None)
        if lead and last is not None:
            label, _, values = out[last].rpartition("\t")
            out[last] = f"{label}{lead}\t{values}"
        out.extend(lines)
    return "\n".join(out)
