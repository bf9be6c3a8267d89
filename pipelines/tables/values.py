"""Reading one printed cell as a number, or saying why not."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .text import clean_cell

# What reports print for "nothing here": the template says such a cell counts as 0.
BLANK_MARKS = {"", "-", "--", "—", "——", "–", "－", "/", "／", "\\", "无", "空"}

_NUMBER_RE = re.compile(
    r"^(?P<sign>[+-])?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<unit>万元|元|件|条|个|项|次|人次)?$"
)


@dataclass(frozen=True, slots=True)
class ParsedValue:
    value: int | float | None
    printed: str
    was_blank: bool = False
    unit: str | None = None
    reason: str | None = None


@functools.lru_cache(maxsize=32768)  # immutable result; reports repeat the same few values
def parse_value(text: str | None) -> ParsedValue:
    """Parse a cell as the template means it: signed counts ("+26" is 26), decimals kept
    ("16.4543"), a unit suffix split off ("251000元"), blanks as 0 with a flag.

    Anything else is null with a reason: a cell holding "约30" or "12/15" is not guessed.
    """
    printed = clean_cell(text)
    compact = unicodedata.normalize("NFKC", printed)
    # "1 2" may be two cells glued together by a lost column rule: never read it as 12.
    if re.search(r"\d\s+\d", compact):
        return ParsedValue(None, printed, reason=f"not a number (digits separated by space): {printed!r}")
    compact = compact.replace(" ", "")
    compact = compact.replace("＋", "+").replace("−", "-").replace("﹣", "-")
    if compact in BLANK_MARKS:
        return ParsedValue(0, printed, was_blank=True)
    m = _NUMBER_RE.match(compact)
    if not m:
        return ParsedValue(None, printed, reason=f"not a number: {printed!r}")
    digits = m["num"].replace(",", "")
    value: int | float
    value = float(digits + m["frac"]) if m["frac"] else int(digits)
    if m["sign"] == "-":
        value = -value
    return ParsedValue(value, printed, unit=m["unit"])


def prints_number(text: str | None) -> bool:
    """Whether a cell prints a number (a blank's mark, "—", is no number)."""
    if not text:
        return False
    pv = parse_value(text)
    return pv.value is not None and not pv.was_blank
