"""Run monitors (Spidermon) fail a crawl whose site used to list reports and now lists
none, or whose pagination stopped before the pages it announced."""

from __future__ import annotations

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from pipelines.ingest import FetchedFile, ReportFetch, ingest
from pipelines.store import open_db, upsert_site

from .helpers import govreports

PINGTAN = Path(__file__).parent / "files" / "pingtan" / "t20230220_80629.html"
# A TRS column that announces three list pages but lists no report, and whose pages 2–3 are gone.
LIST = """<html><head><meta charset="utf-8"></head><body><ul><li><a href="./202401/t20240101_1.htm">关于开展政务公开培训的通知</a></li></ul>
<script>createPageHTML(3, 0, "index", "html");</script></body></html>""".encode()


class Column(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path == "/zfxxgknb/index.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(LIST)))
            self.end_headers()
            self.wfile.write(LIST)
        else:
            self.send_error(404)


@pytest.fixture
def column():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Column)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/zfxxgknb/index.html"
    server.shutdown()
    server.server_close()


def test_monitors_fail_the_run_and_are_recorded(column, tmp_path):
    site = {"id": "mon_site", "name": "monitored", "platform": "trs", "column_url": column}
    data = tmp_path / "data"
    db_path = data / "archive.db"
    with open_db(db_path) as db:  # the archive already holds a report of this site
        upsert_site(db, site)
        body = PINGTAN.read_bytes()
        ingest(db, data, ReportFetch(site=site, url=column.replace("index.html", "202302/t1.htm"),
                                     title="平潭综合实验区2022年度政府信息公开工作年度报告", list_date=None,
                                     fetched_at="2026-01-01T00:00:00+00:00", page=FetchedFile(url=column, body=body)))
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump([site], allow_unicode=True), "utf-8")
    proc = govreports("crawl", "--sites-file", str(registry), "--db", str(db_path), "--data-dir", str(data),
                      "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False")
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "monitor failed" in proc.stderr
    failures = json.loads(sqlite3.connect(db_path).execute(
        "select monitor_failures from crawl_runs where sites = 'mon_site'").fetchone()[0])
    assert any("still lists" in f or "listed none" in f for f in failures), failures
    assert any("pagination stopped early: 1 of 3" in f for f in failures), failures
