"""Pages that redirect with <meta http-equiv=refresh> are followed, whatever their encoding or
case, though pages are only decoded for it when their first bytes spell "refresh"."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

from .helpers import govreports

NO_REPORTS = "<html><body>本栏目暂无信息</body></html>".encode()
FILLER = "<p>政府信息公开工作年度报告栏目说明。</p>" * 200  # 4,800 characters
PAGES = {
    "/a/index.html": ('<html><head><meta http-equiv="refresh" content="0; url=/a/list.html"></head>'
                      "<body>跳转中</body></html>").encode(),
    # GBK, upper case, after more Chinese text than Scrapy's 4,096-character window holds in bytes.
    "/b/index.html": ("<html><head><title>年度报告</title>" + FILLER[:3000]
                      + '<META HTTP-EQUIV="REFRESH" CONTENT="0;URL=/b/list.html"></head><body></body></html>'
                      ).encode("gbk"),
    # UTF-16: its ASCII is not ASCII bytes.
    "/c/index.html": ('<html><head><meta http-equiv="Refresh" content="0;url=/c/list.html"></head>'
                      "<body>跳转</body></html>").encode("utf-16"),
    # No redirect, and "refresh" only past the window: not followed, as Scrapy would not.
    "/d/index.html": ("<html><head></head><body>" + FILLER
                      + '<meta http-equiv="refresh" content="0;url=/d/list.html"></body></html>').encode(),
}


class Site(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        Site.hits.append(self.path)
        body = PAGES.get(self.path, NO_REPORTS if self.path.endswith("/list.html") else None)
        if body is None:
            self.send_error(404)
            return
        charset = {"/b/index.html": "gbk", "/c/index.html": "utf-16"}.get(self.path, "utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"text/html; charset={charset}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_meta_refresh_redirects_are_followed(tmp_path):
    head = PAGES["/b/index.html"].split(b"REFRESH")[0]
    assert len(head) > 4096 > len(head.decode("gbk"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        sites = [{"id": k, "name": k, "platform": "trs", "column_url": f"http://127.0.0.1:{port}/{k}/index.html"}
                 for k in "abcd"]
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(sites), "utf-8")
        proc = govreports("crawl", "--sites-file", str(registry), "--data-dir", str(tmp_path / "data"),
                          "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False")
        assert proc.returncode == 0, proc.stderr[-2000:]
    finally:
        server.shutdown()
        server.server_close()
    followed = {p for p in Site.hits if p.endswith("/list.html")}
    assert followed == {"/a/list.html", "/b/list.html", "/c/list.html"}, Site.hits
