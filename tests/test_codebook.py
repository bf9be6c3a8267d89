"""The codebook (pipelines/codebook.py): generated from the live schema, so every table, view
and column of a freshly migrated archive must be described in Chinese and English, and a
column added without a description must be caught. The key labels must be the ones the
extractor actually recognises, and Datasette must serve the codebook at /-/codebook."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import pytest

from crawler.cli import datasette_command
from pipelines import codebook as cb
from pipelines.release import ReleaseError, build_release
from pipelines.store import CELL_TABLES, open_db
from pipelines.tables import templates as T
from tests.helpers import free_port, wait_for


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """An empty archive with every migration applied: the schema is all the codebook needs."""
    path = tmp_path_factory.mktemp("codebook") / "archive.db"
    db = open_db(path)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.execute("PRAGMA journal_mode=DELETE")
    db.close()
    return path


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def schema_columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    hidden = cb.hidden_tables(conn)
    out = {}
    for name, in conn.execute("select name from sqlite_master where type in ('table', 'view')"):
        if name not in hidden:
            out[name] = [r[1] for r in conn.execute(f"pragma table_info([{name}])")]
    return out


def test_every_table_view_and_column_is_described(archive):
    with connect(archive) as conn:
        book = cb.build_codebook(conn)
        columns = schema_columns(conn)
    assert not book.missing, f"not described in crawler/publish/metadata.yml: {book.missing}"
    assert {r.name for r in book.relations} == set(columns)
    assert any(r.kind == "view" for r in book.relations)
    md = book.to_markdown()
    for name, cols in columns.items():
        rel = book.relation(name)
        assert rel.title_zh and rel.title_en and rel.description_zh and rel.description_en, name
        assert [c.name for c in rel.columns] == cols
        for c in rel.columns:
            assert cb._CJK.search(c.zh) and cb._LATIN.search(c.en), f"{name}.{c.name}: {c.zh!r} / {c.en!r}"
        assert f"### {name}\n" in md
        for col in cols:
            assert f"`{col}`" in md.split(f"### {name}\n", 1)[1], f"{name}.{col} not in codebook.md"


def test_an_undescribed_column_or_view_fails(archive, tmp_path):
    copy = tmp_path / "archive.db"
    shutil.copyfile(archive, copy)
    with sqlite3.connect(copy) as conn:
        conn.execute("ALTER TABLE reports ADD COLUMN undocumented_thing TEXT")
        conn.execute("CREATE VIEW undocumented_view AS select id as report_id, year from reports")
    with connect(copy) as conn:
        book = cb.build_codebook(conn)
    assert {"reports.undocumented_thing", "undocumented_view", "undocumented_view.report_id",
            "undocumented_view.year"} <= set(book.missing)
    assert "undocumented_thing" in book.to_markdown().split("Not described:**", 1)[1].split("\n", 1)[0]
    with pytest.raises(cb.UndescribedSchema, match="reports.undocumented_thing"):
        cb.require_described(book)
    # and no release is made of an archive that is not described
    with pytest.raises(ReleaseError, match="reports.undocumented_thing"):
        build_release(copy, tmp_path / "releases", date="2026-01-01")
    assert not any((tmp_path / "releases").glob("2026-*"))


def test_key_labels_are_the_ones_the_extractor_reads():
    assert cb.verify_key_labels() == []


def test_verify_key_labels_catches_a_wrong_label(monkeypatch):
    wrong = dict(cb.KEY_LABELS)
    wrong["result"] = [cb.KeyLabel("upheld", "结果纠正", "结果纠正", "Upheld"), *cb.KEY_LABELS["result"][1:]]
    wrong["applicant"] = cb.KEY_LABELS["applicant"][:-1]
    monkeypatch.setattr(cb, "KEY_LABELS", wrong)
    problems = cb.verify_key_labels()
    assert any("result.upheld" in p and "'corrected'" in p for p in problems)
    assert any(p.startswith("applicant.total: key in templates.py without labels") for p in problems)


def test_every_template_key_is_in_the_codebook(archive):
    with connect(archive) as conn:
        book = cb.build_codebook(conn)
    md = book.to_markdown()
    keys = {
        "active_item": [k for k, _, _ in T.ACTIVE_ITEMS], "active_metric": [k for k, _ in T.ACTIVE_METRICS],
        "application_row": [r.key for r in T.APPLICATION_ROWS], "applicant": T.APPLICANT_KEYS,
        "proceeding": T.PROCEEDING_KEYS, "result": T.RESULT_KEYS,
    }
    for vocabulary, expected in keys.items():
        entries = book.vocabularies[vocabulary]
        assert sorted(e.key for e in entries) == sorted(expected), vocabulary
        section = md.split(f"### keys-{vocabulary.replace('_', '-')}\n", 1)[1].split("\n### ", 1)[0]
        for e in entries:
            assert f"| `{e.key}` |" in section
            assert e.label_2019 or e.label_2021
    # both templates' wording where they differ, and the known variants
    assert "| `normative_documents` | 规范性文件 | 行政规范性文件 |" in md
    assert "上年转结" in md and "结转下一年度继续办理" in md
    # the key columns of every cell table point at their vocabulary
    for table, (k1, k2) in CELL_TABLES.items():
        rel = book.relation(table)
        assert all(next(c for c in rel.columns if c.name == k).keys for k in (k1, k2)), table


@pytest.mark.parametrize("text, zh, en", [
    ("站点 / Sites", "站点", "Sites"),
    ("1 = 原格为空白（空、-、—、/、无），按 0 计 / 1 = the cell was blank (empty, -, —, /, 无) and counts as 0",
     "1 = 原格为空白（空、-、—、/、无），按 0 计", "1 = the cell was blank (empty, -, —, /, 无) and counts as 0"),
    ("只有中文", "只有中文", ""),
    ("English only", "", "English only"),
    (None, "", ""),
])
def test_split_bilingual(text, zh, en):
    assert cb.split_bilingual(text) == (zh, en)


def test_datasette_serves_the_codebook(archive, tmp_path):
    port = free_port()
    log = open(tmp_path / "datasette.log", "wb")
    proc = subprocess.Popen(datasette_command(archive, "127.0.0.1", port), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/-/versions.json", proc=proc)

        def get(path: str) -> tuple[str, str]:
            with urllib.request.urlopen(base + path, timeout=30) as resp:
                return resp.headers.get("content-type", ""), resp.read().decode("utf-8")

        with connect(archive) as conn:
            expected = cb.build_codebook(conn, cb.load_metadata(), counts=False)
        kind, md = get("/-/codebook.md")
        assert kind.startswith("text/markdown")
        assert md == expected.to_markdown()
        kind, page = get("/-/codebook")
        assert kind.startswith("text/html")
        assert "<title>代码本 / Codebook</title>" in page
        for rel in expected.relations:
            assert f'id="{rel.name}"' in page
            for c in rel.columns:
                assert f"<td>{c.name}</td>" in page, f"{rel.name}.{c.name}"
        data = json.loads(get("/-/codebook.json")[1])
        assert data["missing"] == [] and {r["name"] for r in data["relations"]} == {r.name for r in expected.relations}
        assert "/-/codebook" in get("/")[1]  # linked from the menu
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
