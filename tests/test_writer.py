"""The archive writer commits queued writes together, each write all or nothing."""

import sqlite3
import threading

import pytest

from crawler.writer import ArchiveWriter


def _note(db, key: str, fail: bool = False) -> str:
    db.execute("INSERT INTO fetch_state (url, status) VALUES (?, 200)", [key])
    if fail:
        raise ValueError(f"bad write {key}")
    return key


def test_queued_writes_share_commits_and_a_failing_write_is_undone_alone(tmp_path):
    path = str(tmp_path / "archive.db")
    writer = ArchiveWriter(path)
    gate = threading.Event()
    first = writer.submit(lambda db: gate.wait(10) and _note(db, "u0"))  # holds the thread
    futures = [writer.submit(_note, f"u{i}", i == 5) for i in range(1, 40)]
    gate.set()
    assert first.result(10) == "u0"
    results = [f.exception(10) or f.result() for f in futures]
    writer.close()

    assert isinstance(results[4], ValueError) and "u5" in str(results[4])
    assert [r for i, r in enumerate(results) if i != 4] == [f"u{i}" for i in range(1, 40) if i != 5]
    urls = {r[0] for r in sqlite3.connect(path).execute("select url from fetch_state")}
    assert urls == {f"u{i}" for i in range(40) if i != 5}
    assert writer.jobs == 40 and writer.batches < 40  # grouped, not one commit each


def test_a_write_resolves_only_once_committed_and_is_then_visible(tmp_path):
    path = str(tmp_path / "archive.db")
    writer = ArchiveWriter(path)
    assert writer.submit(_note, "seen").result(10) == "seen"
    # Another connection sees it at once: the future resolved after the COMMIT.
    assert sqlite3.connect(path).execute("select count(*) from fetch_state where url = 'seen'").fetchone()[0] == 1
    with pytest.raises(ValueError):
        writer.submit(_note, "never", True).result(10)
    writer.close()
    assert sqlite3.connect(path).execute("select count(*) from fetch_state where url = 'never'").fetchone()[0] == 0


def test_files_a_write_names_are_synced_first_and_a_missing_one_fails_only_that_write(tmp_path):
    path = str(tmp_path / "archive.db")
    present = tmp_path / "original.html"
    present.write_bytes(b"<html></html>")
    writer = ArchiveWriter(path)
    gate = threading.Event()
    writer.submit(lambda db: gate.wait(10))  # holds the thread so the next two share a batch
    ok = writer.submit(_note, "kept", durable=[present])
    missing = writer.submit(_note, "dropped", durable=[present, tmp_path / "gone.html"])
    gate.set()
    assert ok.result(10) == "kept"
    with pytest.raises(FileNotFoundError):
        missing.result(10)
    writer.close()
    urls = {r[0] for r in sqlite3.connect(path).execute("select url from fetch_state")}
    assert urls == {"kept"}
