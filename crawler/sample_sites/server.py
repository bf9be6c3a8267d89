"""Serve the bundled sample sites on loopback, one port per site.

    with SampleSites() as sites:
        sites.base_urls["trs_sample"]   # "http://127.0.0.1:PORT"

Static files come from www/<site_id>/. The TRS site sends `Content-Type: text/html` without a
charset (like many real TRS hosts), so clients must read the page's own meta declaration.
The Hanweb site also answers its dynamic endpoints: jpage's dataproxy.jsp (GET and POST) and
downfile.jsp (302 to /attach/…). The gkmlpt site serves its SPA shell at /gkmlpt/index and
answers the JSON API /gkmlpt/api/all/<column>?page=N&sid=SID from _dynamic/gkmlpt/<column>.json
(article URLs made absolute with the request's Host, as the real API writes them).
`python -m crawler.sample_sites.server` serves them by hand.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import threading
import time
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

WWW = Path(__file__).resolve().parent / "www"
SITE_IDS: tuple[str, ...] = ("trs_sample", "hanweb_sample", "gkmlpt_sample", "static_sample")
COLUMNS = {
    "trs_sample": "/zwgk/zfxxgk/zfxxgknb/index.html",
    "hanweb_sample": "/col/col1229001/index.html",
    "gkmlpt_sample": "/gkmlpt/index#3101",
    "static_sample": "/xxgk/nb/index.html",
}

_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".pdf": "application/pdf",
    ".xml": "text/xml; charset=utf-8",
    ".json": "application/json",
    ".js": "application/javascript",
    ".css": "text/css",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
}

Request = tuple[str, str, str, int]  # (site_id, method, path with query, status)


class _Handler(BaseHTTPRequestHandler):
    server_version = "SampleSites/1.0"
    # Set per server class in SampleSites._start.
    site_id = ""
    root = WWW
    log: list[Request] = []
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # requests are recorded in SampleSites.requests instead of stderr

    def _record(self, status: int) -> None:
        with self.lock:
            self.log.append((self.site_id, self.command, self.path, int(status)))

    def _send(
        self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)
        self._record(status)

    def _not_found(self) -> None:
        body = b"<html><body><h1>404 Not Found</h1></body></html>"
        self._send(HTTPStatus.NOT_FOUND, body, "text/html")

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._dispatch(b"")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(self.rfile.read(length) if length else b"")

    def _dispatch(self, body: bytes) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if body:
            params |= {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if self.site_id == "hanweb_sample":
            if path == "/module/web/jpage/dataproxy.jsp":
                return self._dataproxy(params)
            if path == "/module/download/downfile.jsp":
                return self._downfile(params)
        if self.site_id == "gkmlpt_sample" and self.command != "POST":
            if path.startswith("/gkmlpt/api/all/"):
                return self._gkmlpt_api(path.rsplit("/", 1)[-1], params)
            if path == "/gkmlpt/index":
                path = "/gkmlpt/index.html"  # the SPA's extension-less front URL
        if self.command == "POST":
            return self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain")
        self._static(path)

    def _static(self, path: str) -> None:
        if path.endswith("/"):
            path += "index.html"
        target = (self.root / path.lstrip("/")).resolve()
        if (
            not target.is_relative_to(self.root)
            or not target.is_file()
            or any(part.startswith(("_", ".")) for part in target.relative_to(self.root).parts)
        ):
            return self._not_found()
        mtime = int(target.stat().st_mtime)
        headers = {"Last-Modified": email.utils.formatdate(mtime, usegmt=True)}
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                parsed = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None and mtime <= parsed:
                return self._send(HTTPStatus.NOT_MODIFIED, b"", "", headers)
        self._send(HTTPStatus.OK, target.read_bytes(), self._content_type(target), headers)

    def _content_type(self, target: Path) -> str:
        if target.suffix in (".htm", ".html"):
            return "text/html" if self.site_id == "trs_sample" else "text/html; charset=utf-8"
        return _TYPES.get(target.suffix, "application/octet-stream")

    # -- gkmlpt JSON API --------------------------------------------------------------

    def _gkmlpt_api(self, column: str, params: dict[str, str]) -> None:
        store = self.root / "_dynamic" / "gkmlpt" / f"{column}.json"
        data = json.loads(store.read_text("utf-8")) if column.isdigit() and store.is_file() else None
        try:
            page = max(int(params.get("page", 1)), 1)
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b'{"error":"bad page"}', "application/json")
        if data is None or params.get("sid") != data["sid"]:
            # Unknown column or a wrong site id: an empty list, as the platform answers.
            reply: dict[str, object] = {"articles": [], "total": 0, "offset": 0}
        else:
            per = int(data["perpage"])
            host = self.headers.get("Host") or "127.0.0.1"
            chosen = data["articles"][(page - 1) * per : page * per]
            reply = {
                "classify": data["classify"],
                "total": len(data["articles"]),
                "offset": (page - 1) * per,
                "page": page,
                "articles": [a | {"url": f"http://{host}{a['url']}"} for a in chosen],
            }
        body = json.dumps(reply, ensure_ascii=False).encode("utf-8")
        self._send(HTTPStatus.OK, body, "application/json;charset=UTF-8")

    # -- Hanweb dynamic endpoints -----------------------------------------------------

    def _dataproxy(self, params: dict[str, str]) -> None:
        column = params.get("columnid", "")
        store = self.root / "_dynamic" / "jpage" / f"{column}.json"
        if not column.isdigit() or not store.is_file():
            # Real jpage answers an unknown column with an empty datastore, not an error.
            records: list[str] = []
            perpage = 15
        else:
            data = json.loads(store.read_text("utf-8"))
            records = data["records"]
            perpage = int(data["perpage"])
        try:
            perpage = int(params.get("perpage", perpage))
            if "startrecord" in params:
                start = int(params["startrecord"])
                end = int(params.get("endrecord", start + perpage * 3 - 1))
            else:
                page = int(params.get("page", 1))
                start, end = (page - 1) * perpage + 1, page * perpage
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b"bad paging parameters", "text/plain")
        chosen = records[max(start, 1) - 1 : max(end, 0)]
        total = len(records)
        pages = (total + perpage - 1) // perpage if perpage > 0 else 0
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<datastore><totalrecord>{total}</totalrecord><totalpage>{pages}</totalpage><recordset>\n"
            + "".join(f"<record><![CDATA[\n{r}\n]]></record>\n" for r in chosen)
            + "</recordset></datastore>\n"
        )
        self._send(HTTPStatus.OK, xml.encode("utf-8"), "text/xml;charset=UTF-8")

    def _downfile(self, params: dict[str, str]) -> None:
        name = params.get("filename", "")
        classid = params.get("classid", "0")
        rel = f"attach/{classid}/{name}"
        target = (self.root / rel).resolve()
        if not name or "/" in name or not target.is_relative_to(self.root) or not target.is_file():
            return self._not_found()
        location = "/" + rel
        body = f'<html><body><a href="{escape(location)}">{escape(location)}</a></body></html>'.encode()
        self._send(HTTPStatus.FOUND, body, "text/html; charset=utf-8", {"Location": location})


class SampleSites:
    """Context manager running one ThreadingHTTPServer per sample site."""

    def __init__(
        self, host: str = "127.0.0.1", ports: dict[str, int] | None = None, www: Path | None = None
    ) -> None:
        self.host = host
        self.ports = dict.fromkeys(SITE_IDS, 0) | (ports or {})
        self.www = (www or WWW).resolve()
        self.requests: list[Request] = []
        self.base_urls: dict[str, str] = {}
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []

    def _start(self, site_id: str) -> None:
        handler = type(
            f"Handler_{site_id}",
            (_Handler,),
            {
                "site_id": site_id,
                "root": self.www / site_id,
                "log": self.requests,
                "lock": threading.Lock(),
            },
        )
        server = ThreadingHTTPServer((self.host, self.ports[site_id]), handler)
        server.daemon_threads = True
        thread = threading.Thread(
            target=server.serve_forever, name=f"sample-{site_id}", daemon=True
        )
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        self.base_urls[site_id] = f"http://{self.host}:{server.server_address[1]}"

    def start(self) -> SampleSites:
        for site_id in SITE_IDS:
            self._start(site_id)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SampleSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the bundled sample government sites.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port-trs", type=int, default=0, help="port for trs_sample (0 = any free port)"
    )
    parser.add_argument(
        "--port-hanweb", type=int, default=0, help="port for hanweb_sample (0 = any free port)"
    )
    parser.add_argument(
        "--port-gkmlpt", type=int, default=0, help="port for gkmlpt_sample (0 = any free port)"
    )
    parser.add_argument(
        "--port-static", type=int, default=0, help="port for static_sample (0 = any free port)"
    )
    args = parser.parse_args(argv)
    ports = {
        "trs_sample": args.port_trs,
        "hanweb_sample": args.port_hanweb,
        "gkmlpt_sample": args.port_gkmlpt,
        "static_sample": args.port_static,
    }
    with SampleSites(args.host, ports) as sites:
        for site_id, base in sites.base_urls.items():
            print(f"{site_id}: {base}{COLUMNS[site_id]}", flush=True)
        print("Ctrl-C to stop.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
