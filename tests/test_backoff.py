"""Retries wait longer each time: a real server on 127.0.0.1 answers 503 twice, then the page."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from .helpers import govreports


class Flaky(BaseHTTPRequestHandler):
    hits: list[float] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path != "/zfxxgknb/index.html":
            self.send_error(404)
            return
        Flaky.hits.append(time.monotonic())
        if len(Flaky.hits) <= 2:
            self.send_error(503)
            return
        body = b"<html><body>no reports yet</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_retries_back_off(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = {"id": "flaky", "name": "flaky", "platform": "trs",
                "column_url": f"http://127.0.0.1:{server.server_address[1]}/zfxxgknb/index.html"}
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump([site]), "utf-8")
        proc = govreports("crawl", "--sites-file", str(registry), "--data-dir", str(tmp_path / "data"),
                          "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                          "-s", "RETRY_BACKOFF_BASE=0.4")
        assert proc.returncode == 0, proc.stderr[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    hits = Flaky.hits
    assert len(hits) == 3  # two 503s retried, then the page
    first_wait, second_wait = hits[1] - hits[0], hits[2] - hits[1]
    assert first_wait >= 0.4 and second_wait >= 0.8  # 0.4 s, then doubled
