"""Anti-bot answers: the site is marked blocked with its reason and nothing is stored as a
report. The blocking hosts are real HTTP servers on 127.0.0.1 answering as 瑞数, 加速乐 and
a challenge page served with 200 do."""

from __future__ import annotations

import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from crawler.middlewares import block_reason

from .helpers import govreports

RS_BODY = b"<html><head><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;</script><script src='/abc.js'></script></head></html>"
JSL_BODY = b"<script>document.cookie=('_')+('_jsl_clearance_s=1')+';max-age=3600';location.href=location.pathname</script>"
CHALLENGE = "<html><title>安全验证</title><body>请稍候，正在进行安全验证…</body></html>".encode()


class Blocker(BaseHTTPRequestHandler):
    mode = "rs"

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
            return
        status, body, headers = {
            "rs": (412, RS_BODY, {}),
            "jsl": (521, JSL_BODY, {"Set-Cookie": "__jsluid_s=abcdef; path=/"}),
            "challenge": (200, CHALLENGE, {}),
        }[self.mode]
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def blocking_servers():
    servers = {}
    for mode in ("rs", "jsl", "challenge"):
        handler = type(f"Blocker_{mode}", (Blocker,), {"mode": mode})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[mode] = server
    yield {mode: f"http://127.0.0.1:{s.server_address[1]}" for mode, s in servers.items()}
    for s in servers.values():
        s.shutdown()
        s.server_close()


def test_block_reasons_from_bytes():
    assert block_reason(412, {}, RS_BODY).startswith("blocked_rs")
    assert block_reason(521, {b"Set-Cookie": [b"__jsluid_s=1"]}, JSL_BODY).startswith("blocked_jsl")
    assert block_reason(200, {}, CHALLENGE).startswith("blocked_challenge")
    assert block_reason(200, {}, CHALLENGE.decode().encode("gb18030")).startswith("blocked_challenge")
    assert block_reason(200, {}, "<html><body>2023年政府信息公开工作年度报告</body></html>".encode()) is None


def test_blocked_sites_are_recorded_and_nothing_is_stored(blocking_servers, tmp_path):
    sites = [{"id": f"blocked_{mode}", "name": f"blocked {mode}", "platform": "trs",
              "column_url": f"{url}/zfxxgknb/index.html"} for mode, url in blocking_servers.items()]
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump(sites, allow_unicode=True), "utf-8")
    db = tmp_path / "data" / "archive.db"
    proc = govreports("crawl", "--sites-file", str(registry), "--db", str(db), "--data-dir", str(tmp_path / "data"),
                      "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False")
    assert proc.returncode == 0, proc.stderr[-2000:]
    conn = sqlite3.connect(db)
    status = dict(conn.execute("select id, status_reason from sites where status = 'blocked'").fetchall())
    assert set(status) == {"blocked_rs", "blocked_jsl", "blocked_challenge"}
    assert status["blocked_rs"].startswith("blocked_rs") and status["blocked_jsl"].startswith("blocked_jsl")
    assert conn.execute("select count(*) from reports").fetchone()[0] == 0
    runs = conn.execute("select sites, finish_reason, blocked from crawl_runs").fetchall()
    assert {r[0] for r in runs if r[1] == "blocked" and r[2]} == set(status)
