"""DOC and WPS files go through LibreOffice; without it they get a clear status."""

import os
import subprocess
import sys

from pipelines.documents.convert import ole_kind
from pipelines.extract import extract_document

from .helpers import needs_soffice


@needs_soffice
def test_doc_is_converted_and_read_exactly(seed_doc, tmp_path):
    assert ole_kind(seed_doc) == "doc"
    r = extract_document(seed_doc, cache_dir=tmp_path)
    assert (r.status, r.format, r.template, r.year) == ("ok", "doc", "2019", 2020)
    v = r.values()["active_disclosure"]
    assert v["administrative_penalty"]["change_this_year"] == 26
    assert v["centralized_procurement"]["procurement_amount"] == 16.4543
    # The conversion is cached by the original's sha256.
    assert len(list(tmp_path.glob("*.docx"))) == 1


def test_without_libreoffice_the_status_says_so(tmp_path):
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 header only
    junk = tmp_path / "x.doc"
    junk.write_bytes(doc + b"\0" * 2048)
    env = {**os.environ, "PATH": str(tmp_path)}  # no soffice on this PATH
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "extract", str(junk)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "unsupported" in proc.stderr or "converter" in proc.stderr


@needs_soffice
def test_converter_missing_status(seed_doc, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    r = extract_document(seed_doc)
    assert r.status == "converter_missing" and "LibreOffice" in r.message and r.format == "doc"


@needs_soffice
def test_a_hanging_converter_is_stopped_and_reported(seed_doc, tmp_path, monkeypatch):
    """A LibreOffice that never returns (a stand-in `soffice` that sleeps) is killed at the
    timeout; the document gets status error with the reason, and the call returns."""
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nsleep 600\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("GOVREPORTS_CONVERT_TIMEOUT", "2")
    result = extract_document(seed_doc)
    assert result.status == "error" and "timed out" in result.message


@needs_soffice
def test_a_crashing_converter_is_reported(seed_doc, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'segmentation fault' >&2\nexit 139\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    result = extract_document(seed_doc)
    assert result.status == "error" and "could not convert" in result.message
