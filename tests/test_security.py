"""Security boundaries: Datasette only reads (no write SQL, a time limit), and the crawler
stays on the registry's domains: a redirect or link to another host is not followed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from crawler.cli import datasette_command
from pipelines.store import open_db

from .helpers import free_port, govreports, wait_for


@pytest.fixture
def datasette(tmp_path):
    db = tmp_path / "archive.db"
    with open_db(db) as conn:
        conn["sites"].insert({"id": "s", "name": "site", "platform": "trs", "column_url": "http://x/"})
    port = free_port()
    proc = subprocess.Popen(datasette_command(db, "127.0.0.1", port), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/-/versions.json", proc=proc)
    yield base, db
    proc.terminate()
    proc.wait(timeout=10)


def query(base: str, sql: str) -> tuple[int, dict]:
    url = f"{base}/archive.json?sql={urllib.parse.quote(sql)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.mark.parametrize("sql", [
    "insert into sites (id, name, platform, column_url) values ('x', 'x', 'x', 'x')",
    "delete from sites",
    "update sites set name = 'pwned'",
    "drop table sites",
    "attach database '/etc/passwd' as p",
    "select 1; delete from sites",
])
def test_datasette_refuses_writes(datasette, sql):
    base, db = datasette
    status, body = query(base, sql)
    assert status >= 400 or body.get("ok") is False
    assert sqlite3.connect(db).execute("select name from sites").fetchall() == [("site",)]


def test_datasette_stops_long_queries(datasette):
    base, _ = datasette
    status, body = query(base, "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c")
    assert status >= 400 and "too long" in json.dumps(body)


class Redirector(BaseHTTPRequestHandler):
    target = ""
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        Redirector.hits.append(self.headers.get("Host", "") + self.path)
        if self.path == "/zfxxgknb/index.html":
            port = self.server.server_address[1]
            body = (f'<html><body><a href="http://localhost:{port}/zfxxgknb/202401/t20240101_1.htm">'
                    "某局2023年政府信息公开工作年度报告</a>"
                    '<a href="./202401/t20240102_2.htm">某局2022年政府信息公开工作年度报告</a></body></html>').encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.endswith("t20240102_2.htm"):
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/elsewhere.htm")
            self.end_headers()
        else:
            self.send_error(404)


def test_crawler_stays_on_the_sites_domain(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        site = {"id": "onsite", "name": "on site", "platform": "trs",
                "column_url": f"http://127.0.0.1:{port}/zfxxgknb/index.html"}
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump([site]), "utf-8")
        proc = govreports("crawl", "--sites-file", str(registry), "--data-dir", str(tmp_path / "data"),
                          "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False")
        assert proc.returncode in (0, 3), proc.stderr[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    # The same server under another host name is another domain: neither the link nor the
    # redirect to it was followed.
    assert not [h for h in Redirector.hits if h.startswith("localhost")]
    assert any(h.endswith("t20240102_2.htm") for h in Redirector.hits)
