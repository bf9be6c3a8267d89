"""Tables without column rules, rebuilt from where their words are.

pdfplumber's table finder needs closed cells: a table printed with horizontal rules only
(top, bottom and between rows) or with no rules at all comes out as no table. Here its rows
come from the horizontal rules (a band between two rules is a row; a merged cell has no rule
across its own x-range) or, with none, from the text lines grouped by the label column (a
row opens at a numbering mark, a second line of numbers with a label, or a header line);
its columns from the x-gaps the number rows leave, placed the same on every page of the
table (by the numbers' alignment, or where a browser's rule strokes are cut), and from the
left edges where row labels start again and again. A separator is drawn in a row only where
no character of that row straddles it, so a header spanning several columns stays one
cell, as a ruled table's merged cell does; a short header is given the empty cells beside
it over the columns that have headers of their own below it. The result has the shape of
pdfplumber's `Table` (bbox and cells, a merged cell one rectangle) so the PDF reader can use
it in place of one.

A value column left empty in every row (zeros printed as nothing) leaves no gap of its own:
it is found where a browser's cell borders are cut, by its own header standing in the gap
between two columns of numbers, or, on a page without the header, as a gap exactly k
columns wide among columns all as wide. A header whose rows all went to the next page is
returned alone, its columns where its texts stand as the numbers will (left edges or
centres) or where the borders are cut, so the pages' parts are stitched column on column.
In cells aligned in the middle, a row's first label lines stand above its numbers.

Only what looks like a table is returned: two value columns of numbers at least, over two
rows at least in which, after the first number, only numbers follow (prose puts words
between its numbers), or one such row of four numbers under a header (section 四); between
rules, rows of one number each too (section 二's parts), and a lone row under a header where
a browser's cell borders give the columns. A table in which two numbers, or a number and
words, would be read as one cell is not returned at all: no table is better than a wrong
number.

A browser's print draws a row's top border with the row: a row the page break moved or cut
has no rule on the page's edge. The lines between that edge and the first (last) rule, when
they run to it gapless within the rules' width, are a row, and the table is marked open
there so the PDF reader stitches the cut row. Glyphs a narrow cell spaces out to fill its
width (justified, letter-spaced) repeat their left edges as a column's would: they are no
column when every label line reaching them has text on its left, spaced evenly.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

from pdfplumber.page import Page

Box = tuple[float, float, float, float]

_TOL = 1.5
_NUMBER_RE = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?%?$")
_DASH_RE = re.compile(r"^[-—–－/]+$")
# A row label opening a new row: 一、 （一） (1) 1. 1、
_MARK_RE = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]"
                      r"|\d{1,2}\s*[.．、](?!\d))")
# A section heading or a sentence: never a row of a table without rules.
_HEADING_RE = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SENTENCE_RE = re.compile("[。；;]")
# Rules: horizontal strokes at least this long; a stack of them is a table's rows.
_MIN_RULE = 20.0
_MIN_RULES = 3
# Rules further apart than this are not of one table (a merged row band is far shorter).
_MAX_BAND = 400.0
# Label lines (left of the values) one row may wrap into, in a column two glyphs wide.
_LABEL_LINES = 30


@dataclass
class UnruledTable:
    """A table as pdfplumber's `Table` gives it: its cells' rectangles, a merged cell one
    rectangle over its span, and its bbox (theirs, as pdfplumber computes it)."""

    cells: list[Box]
    # Its first (last) row is a band the page's top (end) closes, not a rule: a row the
    # page break moved or cut, to be stitched to the part on the page before (after).
    open_top: bool = False
    open_bottom: bool = False

    @property
    def bbox(self) -> Box:
        return (min(c[0] for c in self.cells), min(c[1] for c in self.cells),
                max(c[2] for c in self.cells), max(c[3] for c in self.cells))


@dataclass
class _Word:
    x0: float
    x1: float
    text: str


def _inside(ch: dict, boxes: list[Box]) -> bool:
    h = (ch["x0"] + ch["x1"]) / 2
    v = (ch["top"] + ch["bottom"]) / 2
    return any(b[0] - _TOL <= h <= b[2] + _TOL and b[1] - _TOL <= v <= b[3] + _TOL for b in boxes)


def _words(chars: list[dict]) -> list[_Word]:
    """A line's characters (sorted by x) as words: split at a visible gap, and between a digit
    and a non-digit (a number printed right after its label is still its own word)."""
    out: list[_Word] = []
    for ch in chars:
        t = ch["text"]
        gap = 0.2 * (ch.get("size") or (ch["bottom"] - ch["top"]))
        if out:
            w = out[-1]
            prev = w.text[-1]
            # A sign belongs to the number it stands before (+1, -3).
            same_kind = ((prev.isdigit() or prev in ",.%") == (t.isdigit() or t in ",.%")
                         or (w.text in "+-" and t.isdigit()))
            if ch["x0"] - w.x1 <= gap and same_kind:
                w.text += t
                w.x1 = max(w.x1, ch["x1"])
                continue
        out.append(_Word(ch["x0"], ch["x1"], t))
    return out


def _value_words(words: list[_Word], least: int = 2) -> list[_Word] | None:
    """The numbers of a table row (the words from its first number on), if all of them are
    numbers or dashes and at least `least` are numbers; None for any other line."""
    first = next((i for i, w in enumerate(words) if _NUMBER_RE.match(w.text)), None)
    if first is None:
        return None
    tail = words[first:]
    if not all(_NUMBER_RE.match(w.text) or _DASH_RE.match(w.text) for w in tail):
        return None
    if sum(1 for w in tail if _NUMBER_RE.match(w.text)) < least:
        return None
    return tail


# What a number wrapped in its cell leaves on the next line: digits, a decimal part.
_FRAGMENT_RE = re.compile(r"^[\d.,]*\d$")


def _one_cell(u: _Word, v: _Word) -> bool:
    """Two words one above the other in one cell: left edges, right edges or middles level."""
    return min(abs(u.x0 - v.x0), abs(u.x1 - v.x1), abs(u.x0 + u.x1 - v.x0 - v.x1) / 2) <= _TOL


def wrapped_digits(row: list[_Word], widest: list[float], words: list[_Word]) -> dict[int, _Word] | None:
    """The digits a narrow cell wrapped from `row`'s numbers onto the next line (`words`),
    by the number they continue ("62" over "5" is 625, "64827" over ".77" 64827.77), or None
    when the line is no such continuation: every word it prints over the row's value columns
    is digits standing under one of the row's numbers, that number so wide that one digit
    more would be wider than its column's `widest` (its cell was full), fewer of them than
    the row has (or as many, on a line with no label), and none of its label words opens a
    row. A row with zeros left blank can look the same: section 三's and 四's identities
    then fail and the row is null, not misread."""
    start = row[0].x0 - _TOL
    tail = [w for w in words if w.x1 > start]
    label = [w for w in words if w.x1 <= start]
    # As many pieces as numbers only on a line with no label: a row has one.
    if not tail or len(tail) > len(row) - bool(label) or not all(_FRAGMENT_RE.match(w.text) for w in tail):
        return None
    if any(_MARK_RE.match(w.text) for w in label):  # (a group's label may come first)
        return None
    joined: dict[int, _Word] = {}
    for v in tail:
        under = [j for j, u in enumerate(row)
                 if _one_cell(u, v) and not _DASH_RE.match(u.text)
                 and u.x1 - u.x0 + (v.x1 - v.x0) / len(v.text) > widest[j] - _TOL]
        if len(under) != 1 or under[0] in joined:
            return None
        joined[under[0]] = v
    return joined


def same_columns(a: list[_Word], b: list[_Word]) -> bool:
    """Two rows of one table: as many numbers, each column's standing over the other's."""
    return len(a) == len(b) and all(
        abs((u.x0 + u.x1) - (v.x0 + v.x1)) / 2 <= max(u.x1 - u.x0, v.x1 - v.x0) + _TOL
        for u, v in zip(a, b, strict=True))


def widest_numbers(row: list[_Word], rows: list[list[_Word]]) -> list[float]:
    """Each of `row`'s columns' widest number among the rows of its table."""
    table = [r for r in rows if same_columns(row, r)]
    return [max(r[j].x1 - r[j].x0 for r in table) for j in range(len(row))]


def _lines(chars: list[dict]) -> list[list[dict]]:
    """Characters in text lines, top to bottom, each sorted by x: a character joins the line
    whose vertical extent holds its centre (a browser's middle-aligned cells sit a little
    off the line of their neighbours)."""
    out: list[list[dict]] = []
    bottom = -1e9
    for ch in sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2):
        v = (ch["top"] + ch["bottom"]) / 2
        if out and v <= bottom:
            out[-1].append(ch)
            bottom = max(bottom, min(ch["bottom"], v + (ch["bottom"] - ch["top"]) / 2))
        else:
            out.append([ch])
            bottom = ch["bottom"]
    for line in out:
        line.sort(key=lambda c: c["x0"])
    return out


def _rules(page: Page, ruled: list[Box]) -> list[tuple[float, list[tuple[float, float]], list[float]]]:
    """The page's horizontal rules outside the ruled tables: per y (a thin filled rectangle's
    top and bottom edges are one rule), the merged x-intervals it covers."""
    edges = [e for e in page.edges if e.get("orientation") == "h"]
    edges = [e for e in edges if not any(b[0] - _TOL <= e["x0"] and e["x1"] <= b[2] + _TOL
                                         and b[1] - _TOL <= e["top"] <= b[3] + _TOL for b in ruled)]
    edges.sort(key=lambda e: e["top"])
    groups: list[list[dict]] = []
    for e in edges:
        if groups and e["top"] - groups[-1][-1]["top"] <= _TOL:
            groups[-1].append(e)
        else:
            groups.append([e])
    out = []
    for g in groups:
        spans: list[tuple[float, float]] = []
        for e in sorted(g, key=lambda e: e["x0"]):
            if spans and e["x0"] <= spans[-1][1] + _TOL:
                spans[-1] = (spans[-1][0], max(spans[-1][1], e["x1"]))
            else:
                spans.append((e["x0"], e["x1"]))
        spans = [s for s in spans if s[1] - s[0] >= _MIN_RULE]
        if spans:
            y = sum(e["top"] for e in g) / len(g)
            # Where one stroke of the rule ends and the next begins: a browser draws each
            # cell's border on its own, so these are the column boundaries themselves.
            joints = _repeated([x for e in g for x in (e["x0"], e["x1"])])
            out.append((y, spans, joints))
    return out


def _repeated(xs: list[float]) -> list[float]:
    """The values that occur at least twice (within half a point), sorted."""
    out: list[float] = []
    run: list[float] = []
    for x in [*sorted(xs), float("inf")]:
        if run and x - run[-1] > 0.5:
            if len(run) >= 2:
                out.append(round(run[0], 1))
            run = []
        run.append(x)
    return out


def _covers(spans: list[tuple[float, float]], x0: float, x1: float) -> bool:
    """Whether the rule's intervals cover most of [x0, x1]."""
    got = sum(max(0.0, min(b, x1) - max(a, x0)) for a, b in spans)
    return got >= 0.6 * (x1 - x0)


def _stacks(rules: list[tuple]) -> list[list[tuple]]:
    out: list[list[tuple]] = []
    for r in rules:
        lo, hi = r[1][0][0], r[1][-1][1]
        if out:
            last = out[-1]
            a = min(s[0] for _, sp, *_ in last for s in sp)
            b = max(s[1] for _, sp, *_ in last for s in sp)
            if r[0] - last[-1][0] <= _MAX_BAND and lo < b and hi > a:
                last.append(r)
                continue
        out.append([r])
    return [s for s in out if len(s) >= _MIN_RULES]


def _min_cover_point(chars: list[dict], g0: float, g1: float) -> float:
    """The middle of the longest stretch of [g0, g1] crossed by the fewest characters: where
    a column separator disturbs the fewest header labels (a label wider than its numbers)."""
    events: list[tuple[float, int]] = []
    for ch in chars:
        a, b = max(ch["x0"], g0), min(ch["x1"], g1)
        if a < b:
            events += [(a, 1), (b, -1)]
    events.sort()
    best = (10**9, -1.0, (g0 + g1) / 2)
    depth, x = 0, g0
    for pos, d in [*events, (g1, 0)]:
        if pos > x:
            cand = (depth, -(pos - x), (x + pos) / 2)
            best = min(best, cand)
        depth += d
        x = max(x, pos)
    return best[2]


def _hypotheses(gap: tuple[float, float], left: list[_Word], right: list[_Word]) -> dict[str, float]:
    """Where the separator in a gap goes if the numbers are aligned left (just left of the
    right column's), right (just right of the left column's) or centred (halfway between
    the columns' centres): each that the numbers bear out and that falls in the gap."""
    g0, g1 = gap

    def aligned(vals: list[float]) -> bool:
        return len(vals) >= 2 and max(vals) - min(vals) <= 1.0

    out = {}
    if aligned([w.x0 for w in right]):
        out["left"] = min(w.x0 for w in right) - 1.0
    if aligned([w.x1 for w in left]):
        out["right"] = max(w.x1 for w in left) + 1.0
    if aligned([(w.x0 + w.x1) / 2 for w in left]) and aligned([(w.x0 + w.x1) / 2 for w in right]):
        out["centre"] = ((left[0].x0 + left[0].x1) / 2 + (right[0].x0 + right[0].x1) / 2) / 2
    return {k: v for k, v in out.items() if g0 < v < g1}


def _separators(chars: list[dict], data: list[list[dict]], values: list[list[_Word]],
                label_starts: list[float], x_left: float, rule_xs: list[float],
                joints: list[float] = (), least: int = 2, ruled_right: bool = False) -> list[float] | None:
    """Column separators: value columns from the x-gaps no character of the number rows
    crosses, label columns from the left edges where label text starts repeatedly."""
    # A gap is where the characters of (nearly) every number row leave room: one row in four
    # may cross it (a long number in a table whose last rows merge two columns: its cell
    # is then one, and the table is refused if that puts two numbers in one cell).
    events: list[tuple[float, int]] = []
    for row in data:
        spans = sorted((ch["x0"], ch["x1"]) for ch in row)
        a, b = spans[0]
        for x0, x1 in spans[1:]:
            if x0 > b + 0.5:
                events += [(a, 1), (b, -1)]
                a = x0
            b = max(b, x1)
        events += [(a, 1), (b, -1)]
    events.sort()
    limit = len(data) // 4
    lo_x = events[0][0]
    gaps: list[tuple[float, float]] = []
    depth, start = 0, None
    for x, d in events:
        depth += d
        if depth <= limit and start is None:
            start = x
        elif depth > limit and start is not None:
            if x - start > 0.5 and lo_x < start:
                gaps.append((start, x))
            start = None
    first_value = min(w.x0 for ws in values for w in ws)
    # The gap before the values ends where they begin (the row in four may reach into them).
    gaps = [(a, min(b, first_value)) if a < first_value - _TOL < b else (a, b) for a, b in gaps]
    # A gap is a value separator when numbers lie on both sides of it.
    value_gaps = [g for g in gaps if g[0] >= first_value - _TOL]
    before = [g for g in gaps if g[1] <= first_value + _TOL]
    words = sorted((w for ws in values for w in ws if _NUMBER_RE.match(w.text)), key=lambda w: w.x0)
    all_gaps = ([before[-1]] if before else []) + value_gaps
    fits: list[dict[str, float]] = []
    for i, g in enumerate(all_gaps):
        nxt = all_gaps[i + 1][0] if i + 1 < len(all_gaps) else 1e9
        right = [w for w in words if g[1] - _TOL <= w.x0 < nxt]
        left = [] if before and i == 0 else [
            w for w in words if w.x1 <= g[0] + _TOL and (i == 0 or w.x0 >= all_gaps[i - 1][1] - _TOL)]
        # (Never through a number: one wider than its column's others, centred, is the
        # alignment's own witness.)
        fits.append({k: v for k, v in _hypotheses(g, left, right).items()
                     if not any(w.x0 + 0.5 < v < w.x1 - 0.5 for w in words)})
    # The separators must fall where they fall on the table's other pages (its parts are
    # stitched by their columns): one alignment for the whole table, the one the most gaps
    # bear out (numbers all as wide bear out every one; a column of numbers of different
    # widths only its own); left on a tie.
    voters = fits[1:] if before else fits  # the labels' gap has only its right side to go by
    votes = {k: sum(1 for f in voters if k in f) for k in ("left", "centre", "right")}
    align = max(("left", "centre", "right"), key=lambda k: votes[k])
    seps: list[float] = []
    walled: set[float] = set()  # separators that are cell borders a browser drew
    for g, f in zip(all_gaps, fits, strict=True):
        # Else a rule ending in the gap ends there because a column does (a merged header's).
        ends = [x for x in rule_xs if g[0] < x < g[1]]
        cut = [x for x in joints if g[0] < x < g[1]]
        if cut:  # where the rules are cut, the column boundaries themselves: every one (a
            # column left empty in every row lies in the gap its neighbours leave)
            seps += cut
            walled.update(round(x, 1) for x in cut)
        elif align in f:
            seps.append(f[align])
        elif ends:
            seps.append(min(ends, key=lambda x: abs(x - (g[0] + g[1]) / 2)))
        else:
            seps.append(_min_cover_point(chars, g[0], g[1]))
    if least == 1 and joints:
        # Rows of one number each leave no gap between the value columns: a browser's cell
        # borders are the columns there, as they are in the gaps that rows of several leave.
        extra = [x for x in joints if x > first_value and all(abs(x - v) > _TOL for v in seps)]
        seps += extra
        walled.update(round(x, 1) for x in extra)
    if align in ("left", "right") and not joints:
        seps += _empty_columns(chars, data, value_gaps, words, align, walled)
    if not joints:
        even = _even_split(sorted(seps), first_value, walled)
        if even is None:
            return None
        seps += even
    label_end = seps[0] if before else first_value
    text_left = min(ch["x0"] for ch in chars)
    size = sorted(ch["bottom"] - ch["top"] for ch in chars)[len(chars) // 2]
    # Where a rule starts or ends inside the label columns, a column starts or ends (a
    # label spanning rows has no rule under it): a separator, and a label starting a little
    # right of it (the cell's padding) is that column's, not one more.
    rule_seps = [x for x in sorted({*rule_xs, *joints}) if x_left + 3 * _TOL < x < label_end - 3 * _TOL]
    seps += rule_seps
    for x in label_starts:
        if (max(x_left, text_left) + 3 * _TOL < x < label_end - 3 * _TOL
                and not any(0 <= x - r <= size for r in rule_seps)):
            seps.append(x - 0.5)
    seps.sort()
    # Count value columns holding numbers in at least two rows.
    holding = [0] * (len(seps) + 1)  # rows with a value (a dash for zero too)
    numbers = [0] * (len(seps) + 1)
    for ws in values:
        for c in {bisect.bisect(seps, (w.x0 + w.x1) / 2) for w in ws}:
            holding[c] += 1
        for c in {bisect.bisect(seps, (w.x0 + w.x1) / 2) for w in ws if _NUMBER_RE.match(w.text)}:
            numbers[c] += 1
    if len(values) == 1:  # a lone row of numbers (allowed by the caller): four of them at least
        return seps if sum(1 for n in holding if n) >= 4 or (least == 1 and joints) else None
    # Every value column holds numbers in two rows at least: a column of one number is a
    # number out of line (centred numbers of a table that has too few rows to tell its columns).
    first_col = bisect.bisect(seps, first_value)
    # (A column between two drawn cell borders is a column even when empty.)
    # (The last column too, when the table's right edge is where its rules end.)
    bounds = [x_left, *seps, None]
    loose = [c for c in range(first_col, len(seps) + 1)
             if not (round(bounds[c], 1) in walled
                     and (round(seps[c], 1) in walled if c < len(seps) else ruled_right))]
    if sum(1 for n in numbers[first_col:] if n >= 2) < least or any(holding[c] < 2 for c in loose):
        return None
    return seps


def _even_split(seps: list[float], first_value: float, walled: set[float]) -> list[float] | None:
    """Separators of empty value columns on a page whose header is on another: the value
    columns all as wide as one another but one as wide as k of them is k columns left
    empty in every row (their separators at the same pitch, where the header's page puts
    them). None if a value column is wider than the others and not k of them: it would be
    read as one cell over several columns, its number copied into each."""
    inner = [x for x in seps if x >= first_value - 3 * _TOL]
    widths = [b - a for a, b in zip(inner, inner[1:], strict=False)]
    if len(widths) < 3:
        return []
    pitch = sorted(widths)[len(widths) // 2]
    out: list[float] = []
    for a, w in zip(inner, widths, strict=False):
        if w <= 1.6 * pitch:
            continue
        k = round(w / pitch)
        regular = [v for v in widths if v <= 1.6 * pitch]
        if abs(w - k * pitch) > 1.5 or max(regular) - min(regular) > 1.5:
            return None
        new = [a + i * w / k for i in range(1, k)]
        out += new
        walled.update(round(x, 1) for x in [a, *new, a + w])
    return out


def _leaves(chars: list[dict]) -> list[list[float]]:
    """The x-extents of the words of lines that span no two others: the bottom-level
    headers of their columns (a header over several columns overlaps two words that do not
    overlap each other)."""
    words: list[list[float]] = []
    for line in _lines(chars):
        prev = None
        for ch in line:
            if prev is None or ch["x0"] - prev["x1"] > 0.6 * (ch.get("size") or 10):
                words.append([ch["x0"], ch["x1"]])
            else:
                words[-1][1] = ch["x1"]
            prev = ch

    def overlaps(a: list[float], b: list[float]) -> bool:
        return a[0] < b[1] - _TOL and b[0] < a[1] - _TOL

    out = []
    for w in words:
        over = [o for o in words if o is not w and overlaps(w, o)]
        if not any(not overlaps(a, b) for i, a in enumerate(over) for b in over[i + 1:]):
            out.append(w)
    return out


def _empty_columns(chars: list[dict], data: list[list[dict]], gaps: list[tuple[float, float]],
                   words: list[_Word], align: str, walled: set[float]) -> list[float]:
    """Separators of value columns left empty in every row (zeros printed as nothing): a
    gap between two columns of numbers that holds bottom-level headers of its own, each
    one column, its edge where the numbers' edge would be (left or right aligned, as the
    headers are in their cells as the numbers are). Their bounds go in `walled`."""
    if not data:
        return []
    top = min(ch["top"] for bc in data for ch in bc)
    header = [ch for ch in chars if ch["bottom"] <= top]
    leaves = _leaves(header)
    out: list[float] = []
    for g0, g1 in gaps:
        left = [w for w in words if w.x1 <= g0 + _TOL]
        right = [w for w in words if w.x0 >= g1 - _TOL]
        if not left or not right:
            continue
        inner = sorted(w for w in leaves if g0 + _TOL < w[0] and w[1] < g1 - _TOL)
        cols: list[list[float]] = []
        for w in inner:
            if cols and w[0] < cols[-1][1] - _TOL:
                cols[-1][1] = max(cols[-1][1], w[1])
            else:
                cols.append(list(w))
        if not cols:
            continue
        # Each column's header must stand where a number of it would: left edges the
        # numbers' distance from their separator past the one before it.
        new = [c[0] - 1.0 if align == "left" else c[1] + 1.0 for c in cols]
        if align == "left":
            edges = [max(w.x1 for w in left), *new]
            new_bounds = [*new, min(w.x0 for w in right) - 1.0]  # the gap's own separator
        else:
            edges = [*new, min(w.x0 for w in right)]
            new_bounds = [max(w.x1 for w in left) + 1.0, *new]
        if any(b - a < 2 * _TOL for a, b in zip(edges, edges[1:], strict=False)):
            continue
        out += new
        walled.update(round(x, 1) for x in new_bounds)
    return out


def _label_starts(lines: list[list[dict]], first_value: float) -> list[float]:
    """Left edges where label text starts in at least two lines (a label sub-column), but
    not the glyphs of a label spaced out to fill its cell (justified, or letter-spaced)."""
    starts: list[float] = []
    labels = [[ch for ch in line if ch["x0"] < first_value - _TOL] for line in lines]
    labels = [line for line in labels if line]
    for line in labels:
        prev = None
        for ch in line:
            if prev is None or ch["x0"] - prev["x1"] > 0.6 * (ch.get("size") or 10):
                starts.append(ch["x0"])
            prev = ch
    starts.sort()
    out: list[float] = []
    run: list[float] = []
    for x in [*starts, 1e9]:
        if run and x - run[0] > _TOL:
            if len(run) >= 2 and not _spaced_out(labels, run[0]):
                out.append(run[0])
            run = []
        run.append(x)
    return out


def _units(line: list[dict]) -> list[tuple[float, float]]:
    """A line's x-extents of its ideographs one by one and of its other runs (a "1." or a
    "12"): what a justified line spaces out evenly."""
    out: list[tuple[float, float]] = []
    for ch in line:
        wide = unicodedata.east_asian_width(ch["text"][:1] or " ") in "WF"
        if out and not wide and not out[-1][2] and ch["x0"] - out[-1][1] < 0.3 * (ch.get("size") or 10):
            out[-1] = (out[-1][0], ch["x1"], False)
        else:
            out.append((ch["x0"], ch["x1"], wide))
    return [(a, b) for a, b, _ in out]


def _spaced_out(labels: list[list[dict]], x: float) -> bool:
    """Whether the label text starting at x is the second half of lines spaced out to fill
    a narrow cell, not a column of its own: every label line reaching x has text left of it
    on the same line, and every line starting a glyph at x spaces its parts evenly (a
    column's own text sits at its own distance from its neighbour's, whatever it reads)."""
    witnesses = 0
    for line in labels:
        right = [ch for ch in line if ch["x0"] >= x - _TOL]
        if not right:
            continue
        if len(right) == len(line):
            return False  # a line of its own there: a column
        if abs(right[0]["x0"] - x) > _TOL:
            continue
        units = _units(line)
        gaps = [b[0] - a[1] for a, b in zip(units, units[1:], strict=False)]
        size = max(float(ch.get("size") or 10) for ch in line)
        if not gaps or max(gaps) - min(gaps) > max(1.0, 0.15 * size) or max(gaps) > 1.5 * size:
            return False
        witnesses += 1
    return witnesses >= 2


def _ink(ch: dict) -> tuple[float, float]:
    """Where a character's ink is, less half a point each side: a full-width closing mark
    (” ） ，) inks only the left half of its box, an opening one (“ （) the right half, so
    the box of a label's last ” may reach over the border of its cell."""
    x0, x1 = ch["x0"] + 0.5, ch["x1"] - 0.5
    t = ch["text"]
    if len(t) == 1 and unicodedata.east_asian_width(t) in "FW" or t in "“”‘’":
        cat = unicodedata.category(t)
        half = (ch["x1"] - ch["x0"]) / 2
        if cat in ("Pe", "Pf", "Po"):
            x1 = ch["x0"] + half
        elif cat in ("Ps", "Pi"):
            x0 = ch["x1"] - half
    return x0, x1


def _cells(bands: list[tuple[float, float]], seps: list[float], x_left: float, x_right: float,
           band_chars: list[list[dict]], h_wall, fill: int = 0, first_col: int = 0) -> list[Box] | None:
    """Cells of the grid of bands × columns: neighbours joined where no wall parts them (a
    column separator is a wall in a band unless a character of the band straddles it; a
    band boundary is a wall in a column as `h_wall` says). None if a merge is not a
    rectangle."""
    xs = [x_left, *seps, x_right]
    n_r, n_c = len(bands), len(xs) - 1
    parent = list(range(n_r * n_c))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for r, chars in enumerate(band_chars):
        crossed: set[int] = set()
        for line in _lines(chars):
            spans = [_ink(ch) for ch in line]
            # Two characters set edge to edge are one word: a separator between them too
            # crosses it (a column of letters spaced apart is not).
            spans += [(a["x1"] - 0.5, b["x0"] + 0.5) for a, b in zip(line, line[1:], strict=False)
                      if b["x0"] - a["x1"] < 0.08 * (a.get("size") or 10)]
            for x0, x1 in spans:
                crossed.update(range(bisect.bisect_right(seps, x0), bisect.bisect_left(seps, x1)))
        for s in crossed:
            union(r * n_c + s, r * n_c + s + 1)
    for r in range(n_r - 1):
        for c in range(n_c):
            if not h_wall(r, c, xs[c], xs[c + 1]):
                union(r * n_c + c, (r + 1) * n_c + c)
    if fill:
        _fill_headers(band_chars[:fill], xs, n_c, first_col, find, union)
    comps: dict[int, list[int]] = {}
    for i in range(n_r * n_c):
        comps.setdefault(find(i), []).append(i)
    out: list[Box] = []
    for members in comps.values():
        rs = [i // n_c for i in members]
        cs = [i % n_c for i in members]
        r0, r1, c0, c1 = min(rs), max(rs), min(cs), max(cs)
        if (r1 - r0 + 1) * (c1 - c0 + 1) != len(members):
            return None
        out.append((xs[c0], bands[r0][0], xs[c1 + 1], bands[r1][1]))
    out.sort(key=lambda b: (b[1], b[0]))
    return out


def _fill_headers(band_chars: list[list[dict]], xs: list[float], n_c: int, first_col: int, find, union) -> None:
    """Header rows over the value columns: the empty cells beside a header, over columns
    that have headers of their own in the header row below, are that header's span (a
    header over five columns straddles none of them when it is short): to its right when it
    starts at its column's left edge, else on both sides as far as keeps it centred. Bottom
    up, so a span filled below counts above; only cells of one band are merged, so every
    merge stays a rectangle."""
    n_r = len(band_chars)
    text: dict[int, bool] = {}
    extent: dict[int, list[float]] = {}
    for r, chars in enumerate(band_chars):
        for ch in chars:
            c = bisect.bisect_right(xs, (ch["x0"] + ch["x1"]) / 2) - 1
            if 0 <= c < n_c:
                root = find(r * n_c + c)
                text[root] = True
                e = extent.setdefault(root, [ch["x0"], ch["x1"]])
                e[0], e[1] = min(e[0], ch["x0"]), max(e[1], ch["x1"])

    # Where text starts in each column, row by row: a header starting where the column's
    # other texts start is aligned left.
    starts: list[dict[int, float]] = [{} for _ in range(n_c)]
    for r, chars in enumerate(band_chars):
        for ch in chars:
            c = bisect.bisect_right(xs, (ch["x0"] + ch["x1"]) / 2) - 1
            if 0 <= c < n_c:
                starts[c][r] = min(starts[c].get(r, ch["x0"]), ch["x0"])

    def single_band(r: int, c: int) -> bool:
        root = find(r * n_c + c)
        return all(not (0 <= o < n_r) or find(o * n_c + c) != root for o in (r - 1, r + 1))

    def free(r: int, c: int) -> bool:
        return (first_col <= c < n_c and not text.get(find(r * n_c + c)) and single_band(r, c)
                and bool(text.get(find((r + 1) * n_c + c))))

    for r in range(n_r - 2, -1, -1):
        c = first_col
        while c < n_c:
            root = find(r * n_c + c)
            b = c
            while b + 1 < n_c and find(r * n_c + b + 1) == root:
                b += 1
            if not text.get(root) or not single_band(r, c) or root not in extent:
                c = b + 1
                continue
            a = c
            left = 0
            while free(r, a - left - 1):
                left += 1
            right = 0
            while free(r, b + right + 1):
                right += 1
            tx0, tx1 = extent[root]
            flush = tx0 - xs[a] <= 2 * _TOL or any(abs(x - tx0) <= 1.0 for o, x in starts[a].items() if o != r)
            span = (0, right) if flush else None
            if span is None:
                centre, best = (tx0 + tx1) / 2, -1
                for lo in range(left + 1):
                    for hi in range(right + 1):
                        if abs((xs[a - lo] + xs[b + hi + 1]) / 2 - centre) <= 2 * _TOL and lo + hi > best:
                            span, best = (lo, hi), lo + hi
            if span:
                for k in range(a - span[0], b + span[1] + 1):
                    union(r * n_c + k, r * n_c + a)
                text[find(r * n_c + a)] = True
                extent[find(r * n_c + a)] = [tx0, tx1]
            c = b + span[1] + 1 if span else b + 1


def _filled(word: _Word, cell: tuple[float, ...], chars: list[dict]) -> bool:
    """Whether a number reaches as far right as any digit of its column does (within a
    character): it filled its line, so the number below it in the cell is its wrapped end."""
    inside = [ch["x1"] for ch in chars if cell[0] <= ch["x0"] and ch["x1"] <= cell[2] and ch["text"].isdigit()]
    return word.x1 + (word.x1 - word.x0) / max(len(word.text), 1) >= max(inside, default=word.x1)


def _shared(cells: list[Box], data: list[list[dict]], chars: list[dict]) -> bool:
    """Whether numbers that are not one number fell in one cell, so the table is not
    returned: two of one line, a number and words (a header line taken into a row), or
    numbers on two lines of a cell that are not one number wrapped (the first part of a
    wrapped number fills its line: else they are two rows with no rule between them)."""
    for bc in data:
        v = sum((ch["top"] + ch["bottom"]) / 2 for ch in bc) / len(bc)
        row = [c for c in cells if c[1] <= v < c[3]]
        worded: set[tuple[float, ...]] = set()
        last: dict[tuple[float, ...], _Word] = {}  # cell → its number on the line before
        for line in _lines(bc):
            seen: set[tuple[float, ...]] = set()
            words = _words(line)
            for w in words:
                h = (w.x0 + w.x1) / 2
                cell = next((c for c in row if c[0] <= h < c[2]), None)
                if not (_NUMBER_RE.match(w.text) or _DASH_RE.match(w.text)):
                    if cell is not None:
                        worded.add(cell)
                    continue
                if cell is None or cell in seen:
                    return True
                if cell in last and not _filled(last[cell], cell, chars):
                    return True
                seen.add(cell)
                last[cell] = w
        # A number and words in one cell: the number would be read with the words.
        if set(last) & worded:
            return True
    return False


def _by_band(chars: list[dict], bands: list[tuple[float, float]]) -> list[list[dict]]:
    tops = [b[0] for b in bands]
    out: list[list[dict]] = [[] for _ in bands]
    for ch in chars:
        v = (ch["top"] + ch["bottom"]) / 2
        i = bisect.bisect_right(tops, v) - 1
        if 0 <= i < len(bands) and v < bands[i][1]:
            out[i].append(ch)
    return out


def _build(chars: list[dict], bands: list[tuple[float, float]], x_left: float, x_right: float,
           h_wall, rule_xs: list[float] = (), joints: list[float] = (), open_right: bool = False,
           least: int = 2) -> UnruledTable | None:
    """One table from its row bands: the bands holding a row of numbers give the columns
    (`least` numbers a row at least)."""
    band_chars = _by_band(chars, bands)
    data: list[list[dict]] = []
    values: list[list[_Word]] = []
    label_lines: list[list[dict]] = []
    first_data = None
    for r, bc in enumerate(band_chars):
        lines = _lines(bc)
        row_vals: list[_Word] = []
        ok = False
        for line in lines:
            words = _words(line)
            vs = _value_words(words, least)
            if row_vals and wrapped_digits(row_vals, [w.x1 - w.x0 for w in row_vals], words):
                continue  # digits wrapped in a narrow cell: in their number's cell
            if vs is not None:
                row_vals += vs
                ok = True
        if ok:
            label_lines += lines  # a header's centred lines would make label columns of their own
            data.append(bc)
            values.append(row_vals)
            first_data = r if first_data is None else first_data
    # One row of numbers is a table only with a header above it and nothing but numbers in
    # it (section 四: fifteen numbers under two header rows), or, with a browser's cell
    # borders to give its columns, any row under a header (the rest went to the next page).
    if len(data) < 2 and not (data and first_data and len(values[0]) >= 4
                              and len(_words(sorted(data[0], key=lambda c: c["x0"]))) == len(values[0])) \
            and not (data and first_data and least == 1 and joints):
        return None
    first_value = min(w.x0 for ws in values for w in ws)
    starts = _label_starts(label_lines, first_value)
    seps = _separators(chars, data, values, starts, x_left, rule_xs, joints, least, ruled_right=bool(joints))
    if seps is None:
        return None
    first_col = bisect.bisect(seps, first_value)
    if open_right and len(seps) - first_col >= 2:
        # No rule ends the table: its right edge where the last column, as wide as the
        # others, ends, the same on every page (its parts are stitched by their edges).
        widths = sorted(b - a for a, b in zip(seps[first_col:], seps[first_col + 1:], strict=False))
        x_right = max(x_right, seps[-1] + widths[len(widths) // 2])

    def wall(r: int, c: int, x0: float, x1: float) -> bool:
        # Below the header a number never spans two rows: the lines of a wrapped number
        # stay in their row, or the row has no number there; never a merge of two.
        return (r >= first_data and c >= first_col) or h_wall(r, c, x0, x1)

    fill = first_data
    cells = _cells(bands, seps, x_left, x_right, band_chars, wall, fill, first_col)
    if cells is None or _shared(cells, data, chars):
        return None
    return UnruledTable(cells)


def _ruled_rows(chars: list[dict], stack: list[tuple]) -> list[UnruledTable]:
    """Tables of a stack of rules: its bands, split at any band that is no table row (a
    sentence, or text reaching past the rules: a heading between two tables)."""
    x_left = min(s[0] for _, sp, *_ in stack for s in sp)
    x_right = max(s[1] for _, sp, *_ in stack for s in sp)
    ys = [y for y, *_ in stack]
    bands = list(zip(ys, ys[1:], strict=False))
    band_chars = _by_band(chars, bands)
    runs: list[list[int]] = [[]]
    for r, bc in enumerate(band_chars):
        outside = sum(1 for ch in bc if ch["x0"] < x_left - _TOL or ch["x1"] > x_right + _TOL)
        text = unicodedata.normalize("NFKC", "".join(ch["text"] for ch in bc))
        heading = bool(_HEADING_RE.match(text)) and not any(c.isdigit() for c in text)
        if outside or heading or (_SENTENCE_RE.search(text) and len(text) > 30):
            runs.append([])
        else:
            runs[-1].append(r)
    out: list[UnruledTable] = []
    for run in runs:
        if len(run) < 2:
            continue
        r0, r1 = run[0], run[-1]

        def h_wall(r: int, c: int, x0: float, x1: float, r0: int = r0) -> bool:
            return _covers(stack[r0 + r + 1][1], x0, x1)

        inside = [ch for r in run for ch in band_chars[r]]
        own = [sp for _, sp, *_ in stack[r0:r1 + 2]]
        joints = [x for _, _, js in stack[r0:r1 + 2] for x in js]
        lo = min(a for sp in own for a, _ in sp)
        hi = max(b for sp in own for _, b in sp)
        ends = sorted({round(v, 1) for sp in own for a, b in sp for v in (a, b) if lo + _TOL < v < hi - _TOL})
        rule_xs = [x for i, x in enumerate(ends) if i == 0 or x - ends[i - 1] > _TOL]
        joints = [x for x in _repeated(joints) if lo + _TOL < x < hi - _TOL]  # in two rules at least
        table = _build(inside, bands[r0:r1 + 1], lo, hi, h_wall, rule_xs, joints=joints)
        if table is None:
            # Rows of one number each (section 二's parts under "本年处理决定数量", on a page
            # of their own): the rules make them a table, as two numbers a row do without.
            table = _build(inside, bands[r0:r1 + 1], lo, hi, h_wall, rule_xs, joints=joints, least=1)
        if table is None and r1 == len(bands) - 1 and r1 > r0:
            below = [ch for ch in chars if (ch["top"] + ch["bottom"]) / 2 > ys[-1]]
            if _at_bottom(chars, ys[-1]):
                table = _header_only(inside, bands[r0:r1 + 1], lo, hi, h_wall, joints)
            elif below and all(lo - _TOL <= ch["x0"] and ch["x1"] <= hi + _TOL for ch in below):
                # A browser draws a row's bottom border with the row below: a header whose
                # rows went to the next page has its last band open, down to its text's end.
                end = max(ch["bottom"] for ch in below) + 1.0
                if not any(b - a > 2 * max(ch["bottom"] - ch["top"] for ch in below)
                           for a, b in zip([ys[-1], *sorted(ch["top"] for ch in below)],
                                           sorted(ch["top"] for ch in below), strict=False)):
                    table = _header_only(inside + below, [*bands[r0:r1 + 1], (ys[-1], end)], lo, hi,
                                         h_wall, joints)
        if table is not None:
            out.append(table)
    return out


def _apart(stack: list[tuple], ruled: list[Box]) -> list[list[tuple]]:
    """The stack cut where a table the finder read lies between two of its rules: the rules
    above and below it are two tables' (its own text, left out, leaves no band to split at)."""
    out: list[list[tuple]] = [[stack[0]]]
    for a, b in zip(stack, stack[1:], strict=False):
        if any(a[0] - _TOL <= box[1] and box[3] <= b[0] + _TOL for box in ruled):
            out.append([])
        out[-1].append(b)
    return [part for part in out if len(part) >= _MIN_RULES]


def _run_to(lines: list[list[dict]], y: float, lo: float, hi: float, pad: float) -> list[list[dict]]:
    """The lines from the one nearest y outward (`lines` ordered from y away), one line
    after another with no gap wider than a line (`pad` at most from y itself: a cell's
    padding), all between lo and hi."""
    out: list[list[dict]] = []
    edge = y
    for line in lines:
        height = max(ch["bottom"] - ch["top"] for ch in line)
        gap = min(abs(_top(line) - edge), abs(edge - _bottom(line)))
        room = max(1.2 * height, pad) if not out else 1.2 * height
        if gap > room or _left(line) < lo - _TOL or _right(line) > hi + _TOL:
            break
        out.append(line)
        edge = _bottom(line) if _top(line) >= y else _top(line)
    return out


def _to_page_ends(chars: list[dict], stack: list[tuple]) -> tuple[list[tuple], tuple[bool, bool]]:
    """The stack with a band added above its first rule and below its last where the page's
    own edge closes a row: a browser's print draws a row's top border with the row, so a
    row the page break moved or cut opens the next page with no rule above it, and the cut
    row's part before the break has none below it. The lines there are the table's if they
    run, no gap wider than a line, from the rule (as far from it as text is from a rule in
    the stack's rows) to the page's first line (its last, or all but a page number under a
    gap), all within the rules' width."""
    lo = min(s[0] for _, sp, *_ in stack for s in sp)
    hi = max(s[1] for _, sp, *_ in stack for s in sp)
    top, bottom = stack[0][0], stack[-1][0]
    # The room a cell leaves between its rule and its text, above it and below it.
    over, under = 0.0, 0.0
    bands = [(a[0], b[0]) for a, b in zip(stack, stack[1:], strict=False)]
    for (a, b), inside in zip(bands, _by_band(chars, bands), strict=True):
        if inside:
            over = max(over, min(ch["top"] for ch in inside) - a)
            under = max(under, b - max(ch["bottom"] for ch in inside))
    above = _lines([ch for ch in chars if (ch["top"] + ch["bottom"]) / 2 < top])
    below = _lines([ch for ch in chars if (ch["top"] + ch["bottom"]) / 2 > bottom])
    head = _run_to(above[::-1], top, lo, hi, under + 1.0)
    tail = _run_to(below, bottom, lo, hi, over + 1.0)
    opened = (bool(head) and len(head) == len(above), bool(tail) and _at_bottom(chars, _bottom(tail[-1])))
    out = list(stack)
    # The added rule as wide as the one beside it: a wider stack below belongs to another
    # table (section 四 under section 三, split at its heading).
    if opened[0]:
        out.insert(0, (_top(head[-1]) - 1.0, stack[0][1], []))
    if opened[1]:
        out.append((_bottom(tail[-1]) + 1.0, stack[-1][1], []))
    return out, opened


def _left(line: list[dict]) -> float:
    return min(ch["x0"] for ch in line)


def _right(line: list[dict]) -> float:
    return max(ch["x1"] for ch in line)


def _at_bottom(chars: list[dict], y: float) -> bool:
    """Whether nothing but a page number is printed below y."""
    below = [ch for ch in chars if ch["top"] > y]
    return len(below) <= 12 and len(_lines(below)) <= 1


def _header_only(chars: list[dict], bands: list[tuple[float, float]], x_left: float, x_right: float,
                 h_wall, joints: list[float] = ()) -> UnruledTable | None:
    """The header of a table whose rows all went to the next page: its columns where its
    bottom-level header texts stand, placed as the numbers' columns would be on the next
    page (the texts are aligned in their cells as the numbers are: left edges the same in a
    column, or centres), so the parts are stitched column on column. Only a header of many
    narrow columns (the applicants' of section 三) is taken: no number in it at all."""
    if any(_NUMBER_RE.match(w.text) for line in _lines(chars) for w in _words(line)):
        return None
    leaves = _leaves(chars)
    cols: list[list[list[float]]] = []
    for w in sorted(leaves):
        if cols and w[0] < max(o[1] for o in cols[-1]) - _TOL:
            cols[-1].append(w)
        else:
            cols.append([w])
    if len(cols) < 5:
        return None
    # The first column is the labels'; the rest all narrow, as a column of numbers is.
    widths = [max(o[1] for o in c) - min(o[0] for o in c) for c in cols[1:]]
    if max(widths) > 3 * sorted(widths)[len(widths) // 2]:
        return None
    cut = sorted(x for x in joints if cols[1][0][0] - 2 * _TOL * 3 < x < x_right - _TOL)
    if len(cut) >= len(cols) - 1:
        # A browser's cell borders, cut where its columns are: the columns themselves.
        band_chars = _by_band(chars, bands)
        cells = _cells(bands, cut, x_left, x_right, band_chars, h_wall, len(bands), 1)
        return UnruledTable(cells) if cells else None
    multi = [c for c in cols[1:] if len(c) >= 2]
    left = all(max(o[0] for o in c) - min(o[0] for o in c) <= 1.0 for c in multi)
    centre = multi and all(max(o[0] + o[1] for o in c) - min(o[0] + o[1] for o in c) <= 2.0 for c in multi)
    if left:
        seps = [min(o[0] for o in c) - 1.0 for c in cols[1:]]
    elif centre:
        mids = [(c[0][0] + c[0][1]) / 2 for c in cols]
        seps = [cols[1][0][0] - 1.0] + [(a + b) / 2 for a, b in zip(mids[1:], mids[2:], strict=False)]
    else:
        return None
    band_chars = _by_band(chars, bands)
    cells = _cells(bands, seps, x_left, x_right, band_chars, h_wall, len(bands), 1)
    return UnruledTable(cells) if cells else None


def _line_rows(lines: list[list[dict]]) -> list[UnruledTable]:
    """Tables with no rules at all: runs of text lines around rows of numbers."""
    info = []
    for line in lines:
        words = _words(line)
        info.append((line, words, _value_words(words)))
    pitch = sorted(lines[i + 1][0]["top"] - lines[i][0]["top"] for i in range(len(lines) - 1)) or [0.0]
    step = pitch[len(pitch) // 2]
    tables: list[UnruledTable] = []
    i = floor = 0
    n = len(info)
    while i < n:
        if info[i][2] is None:
            i += 1
            continue
        # A run of number rows and the lines between them (gaps no wider than a line).
        lo = hi = i
        j = i + 1
        values_from = info[i][2][0].x0
        # Where the rows' labels start: a middle-aligned row prints its numbers on a line of
        # their own, between its label's lines.
        text_from = min(info[k][0][0]["x0"] for k in (i - 1, i, i + 1)
                        if 0 <= k < n and abs(_mid(info[k][0]) - _mid(info[i][0])) <= step)

        def heading(k: int, values_from: float = values_from, text_from: float = text_from) -> bool:
            # A section heading: a numbered line without numbers reaching over the value
            # columns (a row label stays left of them) or starting left of the table.
            line = info[k][0]
            text = unicodedata.normalize("NFKC", "".join(ch["text"] for ch in line))
            return (bool(_HEADING_RE.match(text)) and not any(c.isdigit() for c in text)
                    and (line[-1]["x1"] > values_from or line[0]["x0"] < text_from - 2 * _TOL))

        while j < n:
            text = "".join(ch["text"] for ch in info[j][0])
            if (_top(info[j][0]) - _bottom(info[j - 1][0]) > 1.2 * step or _SENTENCE_RE.search(text)
                    or heading(j)):
                break
            if info[j][2] is not None:
                hi = j
            elif j - hi > (_LABEL_LINES if _right(info[j][0]) <= values_from + _TOL else 3):
                # (A narrow label column wraps two middle-aligned labels into many lines
                # between their numbers; prose reaches over the value columns.)
                break
            j += 1
        # Header lines above: up to a gap, a heading or a sentence, and never into the lines
        # of the run before (its rows, refused as a table, are no header of this one).
        while lo > floor:
            text = unicodedata.normalize("NFKC", "".join(ch["text"] for ch in info[lo - 1][0]))
            # (A row label opens with a mark as a heading does: only the gap tells them apart.)
            if (_top(info[lo][0]) - _bottom(info[lo - 1][0]) > 1.2 * step or _SENTENCE_RE.search(text)
                    or heading(lo - 1)):
                break
            lo -= 1
        # Continuation lines of the last row: label text only, no gap.
        # (A line reaching over the value columns is the next part's caption or header.)
        end = hi
        while end + 1 < n and end + 1 < j and end - hi < _LABEL_LINES and _right(info[end + 1][0]) <= values_from + _TOL:
            end += 1
        table = _from_lines(info[lo:end + 1], first_data=i - lo)
        if table is not None:
            tables.append(table)
        i = floor = end + 1
    return tables


def _mid(line: list[dict]) -> float:
    return (_top(line) + _bottom(line)) / 2


def _top(line: list[dict]) -> float:
    return min(ch["top"] for ch in line)


def _bottom(line: list[dict]) -> float:
    return max(ch["bottom"] for ch in line)


def _from_lines(info: list, first_data: int) -> UnruledTable | None:
    """Rows of a table without rules: header lines one row each; from the first number row
    on, a row begins at a label with a numbering mark, or at a second line of numbers that
    has a label of its own; every other line continues the row before."""
    if sum(1 for _, _, v in info if v is not None) < 2 and not (first_data and len(info[first_data][2]) >= 4):
        return None
    first_value = min(w.x0 for _, _, v in info if v is not None for w in v)
    # A row's first label line may stand above its numbers (vertical-align: middle).
    # (In a narrow column a label wraps into many lines above its numbers: up through label
    # lines only, never past a line reaching over the values.)
    start = first_data
    for k in range(first_data - 1, -1, -1):
        if info[k][2] is not None or _right(info[k][0]) > first_value - _TOL:
            break
        if _MARK_RE.match(_label(info[k][0], first_value)):
            start = k
            break
    if start == first_data:
        # Or, with no mark, a label line right above the numbers' line as a label line is
        # right below it: the numbers in the middle of a label of three lines, one column's.
        above, d = first_data - 1, first_data
        own = [ch for ch in info[d][0] if ch["x1"] <= first_value + _TOL]
        height = _bottom(info[d][0]) - _top(info[d][0])

        def label_only(i: int, own: list[dict] = own) -> bool:
            line = info[i][0]
            return (bool(own) and bool(_label(line, first_value).strip()) and line[-1]["x1"] <= first_value - _TOL
                    and line[0]["x0"] < own[-1]["x1"] and line[-1]["x1"] > own[0]["x0"])

        if (above >= 0 and d + 1 < len(info) and label_only(above) and label_only(d + 1)
                and _top(info[d][0]) - _bottom(info[above][0]) < 0.5 * height
                and _top(info[d + 1][0]) - _bottom(info[d][0]) < 0.5 * height):
            start = above
    groups: list[list[int]] = [[k] for k in range(start)]
    # Label lines right above the first row's are the end of a row the page break cut: one
    # row, not a header line each.
    tail = start
    while tail > 0 and _right(info[tail - 1][0]) <= first_value - _TOL and info[tail - 1][2] is None:
        tail -= 1
    if start - tail >= 2:
        groups = [[k] for k in range(tail)] + [list(range(tail, start))]
    has_num: list[bool] = [False] * len(groups)
    # Words in the value columns: a header line (of the next part of the table).
    worded_at = [any(not (_NUMBER_RE.match(w.text) or _DASH_RE.match(w.text))
                     for w in words if w.x0 >= first_value - _TOL) for _, words, _ in info]
    numeric_at = [v is not None or any(_NUMBER_RE.match(w.text) for w in words if w.x0 >= first_value - _TOL)
                  for _, words, v in info]
    # Cells aligned in the middle: a line of numbers without a label standing between two
    # label lines (a label of two lines has its numbers between them).
    middle = any(numeric_at[k] and not _label(info[k][0], first_value).strip()
                 and not numeric_at[k - 1] and not numeric_at[k + 1]
                 and _top(info[k][0]) < _bottom(info[k - 1][0]) and _bottom(info[k][0]) > _top(info[k + 1][0])
                 for k in range(max(start, 1), len(info) - 1))
    rows = [v for _, _, v in info if v is not None]
    for k in range(start, len(info)):
        line, _, vals = info[k]
        label = _label(line, first_value)
        right = [w for w in info[k][1] if w.x0 >= first_value - _TOL]
        numeric = vals is not None or any(_NUMBER_RE.match(w.text) for w in right)
        worded = worded_at[k]
        above = info[k - 1][2] if k > start else None
        if (numeric and above and _top(line) - _bottom(info[k - 1][0]) <= _bottom(line) - _top(line)
                and wrapped_digits(above, widest_numbers(above, rows), info[k][1])):
            groups[-1].append(k)  # the digits a narrow cell wrapped: its row's numbers still
            continue
        # A label line right above a header line is that part's title, not a continuation.
        titled = not numeric and k + 1 < len(info) and worded_at[k + 1]
        new = (k == start or worded or titled or bool(_MARK_RE.match(label))
               or (numeric and (bool(label.strip()) or middle) and has_num[-1]))
        if new and middle and numeric and not worded and k > start and has_num[-1] \
                and not _MARK_RE.match(label):  # (a numbering mark is its label's first line)
            # Middle-aligned: the label lines since the last row's numbers that stand nearer
            # these numbers than those are this row's first lines.
            g = groups[-1]
            last = max(i for i in g if numeric_at[i])
            moved = [i for i in g if i > last and not numeric_at[i]
                     and abs(_mid(info[i][0]) - _mid(line)) < abs(_mid(info[i][0]) - _mid(info[last][0]))]
            groups[-1] = [i for i in g if i not in moved]
            groups.append([*moved, k])
            has_num.append(True)
        elif new:
            groups.append([k])
            has_num.append(numeric or worded or titled)  # a header takes no numbers after it
        else:
            groups[-1].append(k)
            has_num[-1] = has_num[-1] or numeric
    bands: list[tuple[float, float]] = []
    tops = [min(_top(info[k][0]) for k in g) for g in groups]
    bottoms = [max(_bottom(info[k][0]) for k in g) for g in groups]
    for r in range(len(groups)):
        a = tops[r] - 1.0 if r == 0 else (bottoms[r - 1] + tops[r]) / 2
        b = bottoms[r] + 1.0 if r == len(groups) - 1 else (bottoms[r] + tops[r + 1]) / 2
        bands.append((a, b))
    chars = [ch for line, _, _ in info for ch in line]
    x_left = min(ch["x0"] for ch in chars) - 1.0
    x_right = max(ch["x1"] for ch in chars) + 1.0
    return _build(chars, bands, x_left, x_right, lambda r, c, x0, x1: True, open_right=True)


def _label(line: list[dict], first_value: float) -> str:
    """The line's text left of the values, NFKC: a browser's print gives radicals for some
    ideographs (⼀ for 一), which the numbering marks must still match."""
    return unicodedata.normalize("NFKC", "".join(ch["text"] for ch in line if ch["x1"] <= first_value + _TOL))


def unruled_tables(page: Page, ruled: list[Box]) -> list[UnruledTable]:
    """Tables on a pdfplumber page that have no column rules: their cells rebuilt from where
    the words are. `ruled`: the bboxes of the tables the table finder found (left alone)."""
    chars = [ch for ch in page.chars if ch.get("text", "").strip() and ch.get("upright", True)
             and not _inside(ch, ruled)]
    if not chars:
        return []
    out: list[UnruledTable] = []
    spans: list[tuple[float, float]] = []
    for stack in (part for whole in _stacks(_rules(page, ruled)) for part in _apart(whole, ruled)):
        stack, opened = _to_page_ends(chars, stack)
        tables = _ruled_rows(chars, stack)
        if tables:
            tables[0].open_top = opened[0] and tables[0].bbox[1] <= stack[0][0] + _TOL
            tables[-1].open_bottom = opened[1] and tables[-1].bbox[3] >= stack[-1][0] - _TOL
            out += tables
            spans.append((stack[0][0], stack[-1][0]))
    # The lines of a stack of rules that made a table are not read again as one without
    # rules (rules around whole parts, not rows, make none: their lines are read as lines).
    rest = [ch for ch in chars
            if not any(a - _TOL <= (ch["top"] + ch["bottom"]) / 2 <= b + _TOL for a, b in spans)]
    if rest:
        out += _line_rows(_lines(rest))
    out.sort(key=lambda t: t.bbox[1])
    return out
