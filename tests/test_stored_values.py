"""No value stored in the archive is too long for Datasette to read: a report's text and its raw
tables stay under the stored_text budget, cut with a warning, and the row reads back through a
connection with Datasette's limits (crawler/publish/plugins/sql_limits.py)."""

from __future__ import annotations

import json
import sqlite3

from crawler.publish.plugins.sql_limits import limit_connection
from pipelines import store as S
from pipelines.budgets import STORED_TEXT
from pipelines.documents.model import RawTable
from pipelines.extract import Extraction


def test_a_text_and_a_table_past_the_budget_are_cut_and_still_readable(tmp_path):
    text = "年" * (STORED_TEXT.limit + 1000)  # 3 bytes a character: past Datasette's 32 MiB
    rows = [["规章", "报告" * 1000]] * (STORED_TEXT.limit // 2000 + 10)  # 2,000 characters a row
    ex = Extraction(status="no_tables", format="html", text=text, raw_tables=[RawTable(index=0, rows=rows)])
    page = S.FileRecord("a" * 64, "files/a.html", 1, "html", "http://x/1", "page")
    db = S.open_db(tmp_path / "archive.db")
    S.upsert_site(db, {"id": "s", "name": "n", "platform": "trs"})
    _, report_id = S.save_report(db, S.ReportRecord("s", "k", "http://x/1", ex, page, [page]))
    db.close()

    conn = sqlite3.connect(tmp_path / "archive.db")
    limit_connection(conn)
    stored, warnings = conn.execute("select text, warnings from reports where id = ?", [report_id]).fetchone()
    assert stored == text[:STORED_TEXT.limit]
    grid = json.loads(conn.execute("select grid from raw_tables where report_id = ?", [report_id]).fetchone()[0])
    assert 0 < len(grid) < len(rows) and grid == rows[:len(grid)]
    warnings = json.loads(warnings)
    assert any("text cut" in w and STORED_TEXT.name in w for w in warnings)
    assert any(f"{len(grid)} of {len(rows)} rows" in w for w in warnings)


def test_an_ordinary_report_is_stored_whole(tmp_path):
    ex = Extraction(status="no_tables", format="html", text="正文", raw_tables=[RawTable(index=0, rows=[["a", "1"]])])
    page = S.FileRecord("b" * 64, "files/b.html", 1, "html", "http://x/2", "page")
    rows = S.report_rows(S.ReportRecord("s", "k", "http://x/2", ex, page, [page]))
    assert rows.report["text"] == "正文" and json.loads(rows.report["warnings"]) == []
    assert json.loads(rows.raw_tables[-1]) == [["a", "1"]]
