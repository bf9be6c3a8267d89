"""Bad input never crashes extraction: every file in the hostile corpus (tests/hostile) gets
the status it must, with a one-line message, and `govreports extract` exits non-zero on it
without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.extract import MAX_DOCUMENT_BYTES, extract_document
from tests.hostile.build import OUT, cases

from .helpers import govreports

CASES = cases()
EXPECTED = json.loads((Path(__file__).parent / "hostile" / "cases.json").read_text("utf-8"))


def test_corpus_is_built_and_large_enough():
    assert len(CASES) >= 40
    assert set(EXPECTED) == set(CASES)
    for name in CASES:
        if (OUT / name).exists():
            assert (OUT / name).read_bytes() == CASES[name][0], f"{name}: rebuild tests/hostile"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_gets_its_status(name):
    data, exp = CASES[name]
    result = extract_document(data)
    assert result.status in exp["status"], (result.status, result.message)
    if result.status not in ("ok", "needs_review", "pre2019", "no_tables"):
        assert result.message and "\n" not in result.message
    if "message" in exp:
        assert exp["message"] in (result.message or "")
    if "warning" in exp:
        assert any(exp["warning"] in w for w in result.warnings)
    if "null_reason" in exp:
        assert any(exp["null_reason"] in (c.reason or "") for c in result.cells if c.value is None)
    if "max_text" in exp:
        assert len(result.text) <= exp["max_text"]
    if "text_must_not_contain" in exp:
        assert exp["text_must_not_contain"] not in result.text
    if "year" in exp:
        assert result.year == exp["year"]


def test_oversized_document_is_too_large():
    result = extract_document(b"<html>" + b" " * MAX_DOCUMENT_BYTES + b"</html>")
    assert result.status == "too_large" and "document_bytes" in result.message


@pytest.mark.parametrize("name", ["pdf-truncated.pdf", "docx-zip-bomb.docx", "pdf-encrypted.pdf", "docx-bad-xml.docx"])
def test_cli_reports_one_line_and_fails(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(CASES[name][0])
    proc = govreports("extract", str(path))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and name in errors[0]


def test_html_reader_survives_what_fuzzing_found():
    from pipelines.documents.html import read_html

    for data in (b"<!DOCT<!DOCTYYP", b"", b"<!--", b"<html><!DOCT<!DOCTYYP"):
        doc = read_html(data)
        assert doc.tables == [] and isinstance(doc.text, str)


def test_cli_never_holds_more_of_a_file_than_the_document_budget(tmp_path):
    """A 4 GiB file (sparse: it costs no disk) under a 1 GiB address space: `extract` reads at
    most the budget plus one byte, and says the file is too large."""
    import resource
    import subprocess
    import sys

    path = tmp_path / "huge.html"
    with path.open("wb") as fh:
        fh.truncate(4 * 1024**3)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(path)], capture_output=True,
                          text=True, timeout=300, preexec_fn=limit)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-1000:]
    assert "too_large" in proc.stderr and "document_bytes" in proc.stderr


def test_cli_reads_only_http_urls_and_files(tmp_path):
    proc = govreports("extract", f"file://{tmp_path}/x.html")
    assert proc.returncode != 0 and "only http(s)" in proc.stderr
