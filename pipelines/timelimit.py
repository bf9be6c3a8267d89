"""A time limit on reading one document, so that a document that would never finish
becomes a status instead of a worker lost for the rest of the crawl.

The parsers are third-party code running on hostile input (a regex once backtracked for hours
on a rule of dashes; pdfminer has known slow paths), so the limit cannot rely on them
cooperating: SIGALRM interrupts Python code between bytecodes and inside the `re` engine (a
call into C, such as one lxml parse, finishes first: documents are bounded in size).
Signals reach only the main thread, which is where the crawl's worker processes and the
command line read documents; anywhere else the limit is not applied.
"""

from __future__ import annotations

import os
import signal
import threading

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
        try:
            return float(configured)
        except ValueError:
            raise ValueError(f"{ENV_VAR} must be a number of seconds, not {configured!r}") from None
    return SLOW_LIMIT_S if fmt in _SLOW_FORMATS else FAST_LIMIT_S


class time_limit:  # noqa: N801 - used as a function: `with time_limit(seconds):`
    """Raise TimeLimitExceeded in the body if it runs longer than `seconds` (0: no limit).

    Installing a signal handler costs more than the rest of this together (3 µs, against an
    HTML report's 2 ms), so the handler stays installed between documents and does nothing
    while no limit is armed; a handler someone else had installed is put back on exit."""

    __slots__ = ("seconds", "restore")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.restore: object = None

    def __enter__(self) -> None:
        global _armed
        if self.seconds <= 0 or not _HAS_TIMER or threading.get_ident() != threading.main_thread().ident:
            self.seconds = 0
            return
        previous = signal.getsignal(signal.SIGALRM)
        if previous is not _expire:
            signal.signal(signal.SIGALRM, _expire)
            if callable(previous):  # not the default or ignore: someone's own handler
                self.restore = previous
        _armed = self.seconds
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc: object) -> None:
        global _armed
        if not self.seconds:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        _armed = None
        if self.restore is not None:
            signal.signal(signal.SIGALRM, self.restore)


_HAS_TIMER = hasattr(signal, "setitimer")
_armed: float | None = None  # the limit of the body running now, if any


def _expire(signum: int, frame: object) -> None:
    if _armed is not None:
        raise TimeLimitExceeded(_armed)
