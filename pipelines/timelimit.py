"""A time limit on reading one document, so that a document that would never finish
becomes a status instead of a worker lost for the rest of the crawl.

The parsers are third-party code running on hostile input (a regex once backtracked for hours
on a rule of dashes; pdfminer has known slow paths), so the limit cannot rely on them
cooperating: SIGALRM interrupts Python code between bytecodes and inside the `re` engine.
Signals reach only the main thread, which is where the crawl's worker processes and the
command line read documents; anywhere else the limit is not applied.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# HTML, DOCX and plain text take milliseconds; PDF layout analysis, OCR and LibreOffice take
# seconds to minutes (OCR allows 120 s + 5 s a page per batch). The limits only turn a hang into
# a status: they are far above any legitimate reading.
FAST_LIMIT_S = 120.0
SLOW_LIMIT_S = 1800.0
_SLOW_FORMATS = frozenset({"pdf", "ole2"})
ENV_VAR = "GOVREPORTS_EXTRACT_TIME_LIMIT"


class TimeLimitExceeded(BaseException):
    """Raised into the reading code when its time is up. A BaseException, so that the readers'
    own `except Exception` clauses cannot swallow it."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"{seconds:g} s")
        self.seconds = seconds


def limit_for(fmt: str) -> float:
    """Seconds a document of this sniffed format may take: GOVREPORTS_EXTRACT_TIME_LIMIT (read
    at each call) for every format if set, else by how slow the format is to read."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return float(configured)
    return SLOW_LIMIT_S if fmt in _SLOW_FORMATS else FAST_LIMIT_S


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the body if it runs longer than `seconds` (0: no limit)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
