"""The template's accounting identities (勾稽关系), within one report.

Each check records the values it compared, so a researcher can see why it failed. A check
whose inputs include a null cell is not run: it is recorded with passed = None.
The cross-year identity (carried_over vs last year's carried_forward) needs the archive and
lives in `pipelines.store`.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

from . import templates as T

Values = dict[str, dict[str, dict[str, int | float | None]]]


@dataclass(slots=True)  # ~30 a report
class Check:
    rule: str
    column: str  # the applicant, row or proceeding the identity was applied to
    passed: bool | None
    expected: float | None
    actual: float | None
    detail: str

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=4096)  # the same few numbers, formatted for every check
def _fmt(v: float | int | None) -> str:
    if v is None:
        return "null"
    return str(int(v)) if float(v).is_integer() else str(v)


def _compare(rule: str, column: str, lhs: tuple, rhs: tuple, lhs_label: str, rhs_label: str) -> Check:
    if None in lhs or None in rhs:
        return Check(rule, column, None, None, None, f"not checked: a cell is null ({lhs_label} = {rhs_label})")
    left, right = sum(lhs), sum(rhs)
    return Check(rule, column, abs(left - right) < 1e-6, right, left, _detail(lhs, rhs))


# Reports repeat the same sums (rows of zeros above all). Keyed by value: 1 and 1.0 are one key,
# and print the same.
@functools.lru_cache(maxsize=4096)
def _detail(lhs: tuple, rhs: tuple) -> str:
    detail = " + ".join(map(_fmt, lhs)) + " = " + " + ".join(map(_fmt, rhs))
    if len(lhs) > 1 or len(rhs) > 1:
        detail += f" ({_fmt(sum(lhs))} vs {_fmt(sum(rhs))})"
    return detail


_NONE: dict = {}
_OTHER_APPLICANTS = [c for c in T.APPLICANT_KEYS if c != "total"]
_REVIEW_PARTS = ("upheld", "corrected", "other", "pending")


def run_checks(template: str, values: Values) -> list[Check]:
    checks: list[Check] = []
    apps = values.get("applications", {})
    rows = T.APPLICATION_ROWS_BY_TEMPLATE.get(template)
    if apps and rows:
        new, carried, total, forward = (apps.get(r, _NONE) for r in
                                        ("new_received", "carried_over", "total_processed", "carried_forward"))
        results = [apps.get(r, _NONE) for r in T.RESULT_ROWS]
        for col in T.APPLICANT_KEYS:
            checks.append(_compare(
                "applications.balance", col,
                (new.get(col), carried.get(col)), (total.get(col), forward.get(col)),
                "new_received + carried_over", "total_processed + carried_forward"))
            checks.append(_compare(
                "applications.results_sum", col,
                (total.get(col),), tuple([r.get(col) for r in results]),
                "total_processed", "sum of result rows"))
        for row in rows:
            cells = apps.get(row, _NONE)
            checks.append(_compare(
                "applications.row_total", row,
                (cells.get("total"),), tuple(map(cells.get, _OTHER_APPLICANTS)),
                "total", "sum of applicant columns"))
    reviews = values.get("reviews_litigation", {})
    if reviews:
        for proceeding in T.PROCEEDING_KEYS:
            cells = reviews.get(proceeding, _NONE)
            checks.append(_compare(
                "reviews_litigation.total", proceeding,
                (cells.get("total"),), tuple(map(cells.get, _REVIEW_PARTS)),
                "total", "upheld + corrected + other + pending"))
    return checks
