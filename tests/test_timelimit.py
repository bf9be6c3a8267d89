"""A document that takes longer than its time limit to read becomes a status, and leaves the
process as it found it: no alarm pending, its signal handler back, no converter running.

The limits used here are far below what reading each document takes (the 9 MB page: 0.2 s
against 0.001; a LibreOffice conversion: seconds against 0.2), so the outcome does not depend
on the machine's speed."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipelines import timelimit
from pipelines.extract import extract_document
from tests.hostile.build import cases

from .helpers import needs_soffice

BIG_PAGE = cases()["html-10mb-one-line.html"][0]  # a 9 MB page: milliseconds to decode alone


def test_a_document_past_its_limit_is_an_error_and_the_next_one_is_read():
    result = extract_document(BIG_PAGE, time_limit=0.001)
    assert (result.status, result.format) == ("error", "html")
    assert result.message == "reading stopped at the time limit of 0.001 s a document"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    os.kill(os.getpid(), signal.SIGALRM)  # a stray alarm between documents does nothing
    assert extract_document(BIG_PAGE).status == "no_tables"


def test_a_handler_installed_by_someone_else_is_put_back():
    seen = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: seen.append(signum))
    try:
        assert extract_document(BIG_PAGE, time_limit=0.001).status == "error"
        assert extract_document(b"<p>x</p>").status == "no_tables"
        os.kill(os.getpid(), signal.SIGALRM)
        assert seen == [signal.SIGALRM]
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_default_limits_follow_the_format_and_the_environment(monkeypatch):
    monkeypatch.delenv(timelimit.ENV_VAR, raising=False)
    assert timelimit.limit_for("html") == timelimit.limit_for("docx") == timelimit.FAST_LIMIT_S
    assert timelimit.limit_for("pdf") == timelimit.limit_for("ole2") == timelimit.SLOW_LIMIT_S
    assert timelimit.FAST_LIMIT_S < timelimit.SLOW_LIMIT_S
    monkeypatch.setenv(timelimit.ENV_VAR, "7.5")
    assert timelimit.limit_for("html") == timelimit.limit_for("pdf") == 7.5
    monkeypatch.setenv(timelimit.ENV_VAR, "2 min")
    with pytest.raises(ValueError, match="must be a number of seconds, not '2 min'"):
        timelimit.limit_for("html")


def test_outside_the_main_thread_no_limit_is_set():
    # Signals reach only the main thread: elsewhere the body runs to its end, untouched.
    outcome = []

    def body():
        with timelimit.time_limit(0.001):
            time.sleep(0.05)
        outcome.append(signal.getitimer(signal.ITIMER_REAL))

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert outcome == [(0.0, 0.0)]


def test_the_command_line_takes_the_limit_from_the_environment(tmp_path):
    page = tmp_path / "big.html"
    page.write_bytes(BIG_PAGE)
    env = {**os.environ, timelimit.ENV_VAR: "0.001"}
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(page)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error: reading stopped at the time limit of 0.001 s" in proc.stderr


def _converters() -> list[str]:
    marker = f"govreports-lo-{os.getpid()}"
    out = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    return out.stdout.split()


@needs_soffice
def test_an_interrupted_conversion_leaves_no_libreoffice_running(seed_doc):
    result = extract_document(seed_doc, time_limit=0.2)  # LibreOffice takes seconds to start
    assert (result.status, result.format) == ("error", "ole2")
    assert "time limit" in result.message
    assert _converters() == []
    assert extract_document(seed_doc, time_limit=600).status == "ok"


@pytest.mark.parametrize("seconds", [0, -1])
def test_a_limit_of_zero_or_less_means_none(seconds):
    with timelimit.time_limit(seconds):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
