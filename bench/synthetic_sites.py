"""Synthetic TRS-style sites for the performance benchmark (bench/performance.py).

    sites = generate(Path("/tmp/x/www"), n=500)       # render 500 reports over 10 sites
    with SiteServer(sites.root) as server:              # serve them on 127.0.0.1
        write_registry(sites, server.base_url, registry)  # a --sites-file for `govreports crawl`

Each site is a TRS WCM column (index.html, index_1.html… announced by `createPageHTML`, 20
links a page) under its own path prefix (/s0001/zwgk/zfxxgk/zfxxgknb/), with `per_site`
reports: bodies × years 2019–2023, numbers from the sample-site generator (varied, chained
year to year). Deliveries are mixed 70% HTML tables in the page, 15% DOCX, 15% text PDF
attachment (optionally a few DOC files, which need LibreOffice). Pages are rendered per
report with the sample-site renderer; DOCX/PDF attachments are rendered once per
(body, year) and made byte-distinct per report (a zip comment, a trailing PDF comment), so
every report URL serves its own real bytes without rendering thousands of PDFs.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from crawler.sample_sites import build as B
from crawler.sample_sites import reports as R
from crawler.sample_sites.document import report_blocks
from crawler.sample_sites.render import docx_bytes, pdf_bytes

COLUMN_DIR = "/zwgk/zfxxgk/zfxxgknb/"
PER_PAGE = 20
YEARS = (2019, 2020, 2021, 2022, 2023)
BODIES = ("人民政府办公室", "财政局", "教育局", "公安局", "民政局", "生态环境局", "交通运输局",
          "卫生健康委员会", "市场监督管理局", "自然资源和规划局", "住房和城乡建设局", "农业农村局")
HTML_STYLES = ("plain", "word", "mso")
# Delivery by report index modulo 20: 14 HTML, 3 DOCX, 3 PDF, interleaved.
_MIX = ("html", "html", "docx", "html", "html", "pdf", "html", "html", "docx", "html",
        "html", "pdf", "html", "html", "docx", "html", "html", "pdf", "html", "html")
CONTENT_TYPES = {
    ".htm": "text/html",  # TRS hosts send no charset: the page's meta says gb2312
    ".html": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
    ".pdf": "application/pdf",
}


@dataclass
class SyntheticReport:
    site_id: str
    doc_id: int
    delivery: str  # html | docx | pdf | doc
    path: str  # URL path of the report page
    attachment: str | None = None  # URL path of the attachment
    style: str | None = None  # the page's markup style (HTML_STYLES) when the report is the page


@dataclass
class SyntheticSites:
    root: Path  # www/: one directory per site id
    sites: list[dict] = field(default_factory=list)  # registry entries (relative column_url)
    reports: list[SyntheticReport] = field(default_factory=list)
    bytes_written: int = 0
    seconds: float = 0.0

    def count(self, delivery: str) -> int:
        return sum(r.delivery == delivery for r in self.reports)

    def files(self, delivery: str, limit: int, parts: int = 1) -> list[list[Path]]:
        """`parts` disjoint samples of up to `limit` documents of one delivery each, seeded, in
        site order: the page for HTML, the attachment otherwise.

        Stratified by page style, in the population's proportions: the styles cost very
        different multiples of a parse (about 5× on the 15 KB plain page, 2.2× on the 90 KB
        Word export), so a simple random sample's chance share of one style moved the HTML
        figure by a tenth.
        (Every k-th report was worse: styles cycle by report, and at N=5000 every 12th HTML
        report was the plain style.)"""
        picked = [r for r in self.reports if r.delivery == delivery]
        strata: dict[str | None, list[int]] = {}
        for i, r in enumerate(picked):
            strata.setdefault(r.style, []).append(i)
        wanted = min(limit * parts, len(picked))
        quotas = _proportional(wanted, {k: len(v) for k, v in strata.items()})
        rng = random.Random(len(picked))
        samples: list[list[int]] = [[] for _ in range(parts)]
        dealt = 0
        for key, members in strata.items():
            for i in rng.sample(members, quotas[key]):
                samples[dealt % parts].append(i)  # dealt in turn: each part keeps the proportions
                dealt += 1
        return [[self.root / (picked[i].attachment or picked[i].path).lstrip("/") for i in sorted(sample)]
                for sample in samples]


def _proportional(total: int, sizes: dict) -> dict:
    """Split `total` (at most the sizes' sum) over groups in proportion to their sizes, by
    largest remainder: no group's quota exceeds its size."""
    population = sum(sizes.values())
    if not population:
        return {k: 0 for k in sizes}
    exact = {k: total * n / population for k, n in sizes.items()}
    quotas = {k: int(x) for k, x in exact.items()}
    for k in sorted(sizes, key=lambda k: quotas[k] - exact[k])[:total - sum(quotas.values())]:
        quotas[k] += 1
    return quotas


VARIANTS = 2  # distinct rendered attachments per (year, format)
CACHE_DIR = Path(tempfile.gettempdir()) / "govreports-bench-cache-v1"
# Rendered attachments, by (year, variant, format): reused across reports and runs.
_ATTACHMENTS: dict[tuple[int, int, str], bytes] = {}


def attachment(year: int, variant: int, delivery: str) -> bytes:
    """A rendered DOCX or PDF report for `year` (cached in memory and on disk: python-docx
    takes ~2 s to build one)."""
    key = (year, variant, delivery)
    if key in _ATTACHMENTS:
        return _ATTACHMENTS[key]
    cached = CACHE_DIR / f"{year}-{variant}.{delivery}"
    if cached.is_file():
        data = cached.read_bytes()
    else:
        agency = "合成市" + BODIES[variant]
        template = "2021" if year >= 2021 else "2019"
        cells = R._generated("bench-attachments", agency, year, template, volume=40 + 90 * variant)
        title = f"{agency}{year}年政府信息公开工作年度报告"
        spec = R.ReportSpec("bench-attachments", 1, agency, year, template, title,
                            f"{year + 1}-01-20", delivery, cells)
        blocks = report_blocks(spec)
        data = docx_bytes(blocks, agency) if delivery == "docx" else pdf_bytes(blocks, title, agency)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    _ATTACHMENTS[key] = data
    return data


def _unique_docx(data: bytes, tag: str) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = tag.encode()
    return buf.getvalue()


def _unique_pdf(data: bytes, tag: str) -> bytes:
    return data + f"%{tag}\n".encode()


def _to_doc(docx: list[bytes]) -> list[bytes]:
    """DOCX → DOC with LibreOffice, all in one soffice run; [] when it is not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice or not docx:
        return []
    with tempfile.TemporaryDirectory(prefix="bench-doc-") as tmp:
        src = Path(tmp)
        names = []
        for i, data in enumerate(docx):
            (src / f"d{i}.docx").write_bytes(data)
            names.append(str(src / f"d{i}.docx"))
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "doc", "--outdir", str(src / "out"), *names],
                       capture_output=True, timeout=300, check=False)
        return [p.read_bytes() for i in range(len(docx)) if (p := src / "out" / f"d{i}.doc").is_file()]


def generate(root: Path, n: int, per_site: int = 50, doc_reports: int = 0,
             html_only: bool = False) -> SyntheticSites:
    """Render `n` reports over ceil(n / per_site) TRS sites under `root` (one dir per site).
    `doc_reports` of the DOCX deliveries become DOC files (if LibreOffice is installed);
    `html_only` makes every report an HTML page (the crawl-throughput target's case)."""
    start = time.monotonic()
    root = Path(root)
    out = SyntheticSites(root)
    bodies_per_site = max(1, -(-per_site // len(YEARS)))
    n_sites = -(-n // per_site)
    index = 0
    for s in range(n_sites):
        site_id = f"s{s + 1:04d}"
        city = f"合成{s + 1}市"
        site_dir = root / site_id
        arts: list[B.Article] = []
        keys: dict[str, tuple[int, int, str]] = {}  # page path -> rendered attachment
        for b in range(bodies_per_site):
            agency = city + BODIES[b % len(BODIES)] + (str(b // len(BODIES)) if b >= len(BODIES) else "")
            volume = 5 + (s * 37 + b * 53) % 300
            for year in YEARS:  # oldest first: 上年结转 chains from the previous 结转下年度
                if len(arts) >= per_site or index >= n:
                    break
                template = "2021" if year >= 2021 else "2019"
                cells = R._generated(site_id, agency, year, template, volume=volume, big=b == 0)
                delivery = "html" if html_only else _MIX[index % len(_MIX)]
                doc_id = 100000 + index
                day = 10 + (doc_id * 7) % 19
                published = f"{year + 1}-0{1 + doc_id % 3}-{day:02d}"
                title = f"{agency}{year}年政府信息公开工作年度报告"
                spec = R.ReportSpec(site_id, doc_id, agency, year, template, title, published,
                                    delivery, cells, html_style=HTML_STYLES[index % 3])
                y, m, d = published.split("-")
                rel = f"{y}{m}/t{y}{m}{d}_{doc_id}.htm"
                art = B.Article(site_id, title, published, COLUMN_DIR + rel, "./" + rel, spec)
                if delivery != "html":
                    name = f"P0{y}{m}{d}{doc_id:012d}.{delivery}"
                    art.attachment_href = "./" + name
                    art.attachment_file = f"{COLUMN_DIR}{y}{m}/{name}"
                    art.attachment_name = f"{title}.{delivery}"
                    keys[art.path] = (year, (s + b) % VARIANTS, delivery)
                arts.append(art)
                out.reports.append(SyntheticReport(site_id, doc_id, delivery, f"/{site_id}{art.path}",
                                                   f"/{site_id}{art.attachment_file}"
                                                   if art.attachment_file else None,
                                                   spec.html_style if delivery == "html" else None))
                index += 1
        out.bytes_written += _write_site(site_dir, arts, keys)
        out.sites.append({
            "id": site_id, "name": f"{city}人民政府（合成站点）", "agency": f"{city}人民政府",
            "province": "合成省", "city": city, "level": "city", "platform": "trs",
            "column_url": f"/{site_id}{COLUMN_DIR}index.html", "sample": True,
        })
    if doc_reports:
        out.bytes_written += _make_doc_reports(out, doc_reports)
    out.seconds = time.monotonic() - start
    return out


def _write_site(site_dir: Path, arts: list[B.Article], keys: dict[str, tuple[int, int, str]]) -> int:
    written = 0

    def put(rel: str, data: bytes) -> None:
        nonlocal written
        target = site_dir / rel.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written += len(data)

    newest_first = sorted(arts, key=lambda a: (a.published, a.path), reverse=True)
    pages = max(1, -(-len(newest_first) // PER_PAGE))
    for page in range(pages):
        name = "index.html" if page == 0 else f"index_{page}.html"
        chunk = newest_first[page * PER_PAGE:(page + 1) * PER_PAGE]
        put(COLUMN_DIR + name, B._trs_list_page(chunk, page, pages).encode("gbk"))
    for a in arts:
        put(a.path, B._trs_detail(a).encode("gbk"))
        if a.attachment_file and a.spec is not None:
            tag = f"bench {a.spec.site_id} {a.spec.doc_id}"
            data = attachment(*keys[a.path])
            put(a.attachment_file, _unique_docx(data, tag) if a.spec.delivery == "docx"
                else _unique_pdf(data, tag))
    return written


def _doc_files(k: int) -> list[bytes]:
    """`k` distinct DOC reports (LibreOffice conversions of the cached DOCX ones, cached)."""
    keys = [(YEARS[i % len(YEARS)], (i // len(YEARS)) % VARIANTS) for i in range(k)]
    paths = [CACHE_DIR / f"{y}-{v}.doc" for y, v in keys]
    if not all(p.is_file() for p in paths):
        converted = _to_doc([attachment(y, v, "docx") for y, v in keys])
        if len(converted) != len(keys):
            return []
        for p, data in zip(paths, converted, strict=True):
            p.write_bytes(data)
    return [p.read_bytes() for p in paths]


def _make_doc_reports(out: SyntheticSites, k: int) -> int:
    """Turn `k` DOCX deliveries, spread over the run, into DOC files (distinct conversions,
    so each one costs a real LibreOffice run in the crawl)."""
    docx_reports = [r for r in out.reports if r.delivery == "docx"]
    chosen = docx_reports[:: max(1, len(docx_reports) // k)][:k]
    docs = _doc_files(len(chosen))
    written = 0
    for r, data in zip(chosen, docs, strict=False):
        assert r.attachment is not None
        old = out.root / r.attachment.lstrip("/")
        new_rel = r.attachment[: -len(".docx")] + ".doc"
        page = out.root / r.path.lstrip("/")
        html = page.read_bytes().replace(Path(r.attachment).name.encode(), Path(new_rel).name.encode())
        html = html.replace(b".docx", b".doc")
        page.write_bytes(html)
        old.unlink()
        (out.root / new_rel.lstrip("/")).write_bytes(data)
        r.attachment, r.delivery = new_rel, "doc"
        written += len(data)
    return written


def write_registry(sites: SyntheticSites, base_url: str, path: Path) -> Path:
    entries = [{**s, "column_url": base_url + s["column_url"]} for s in sites.sites]
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy's HTTP/1.1 client expects
    server_version = "BenchSites/1.0"
    root = Path(".")
    hits: list[float] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.hits.append(time.monotonic())
        path = unquote(urlsplit(self.path).path)
        if path.endswith("/"):
            path += "index.html"
        data = None
        if ".." not in path:
            try:
                data = (self.root / path.lstrip("/")).read_bytes()
            except OSError:
                data = None
        status = 200 if data is not None else 404
        body = data if data is not None else b"not found"
        ctype = CONTENT_TYPES.get(Path(path).suffix, "text/plain") if data is not None else "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    errors = 0  # connections the client dropped (e.g. a download timeout) or other failures

    def handle_error(self, request: object, client_address: object) -> None:
        self.errors += 1


class SiteServer:
    """One threaded HTTP server on 127.0.0.1 serving every synthetic site by path prefix.
    `hits` holds the monotonic time of every request received."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.hits: list[float] = []
        handler = type("BenchHandler", (_Handler,), {"root": Path(root), "hits": self.hits})
        self._server = _Server((host, port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="bench-sites",
                                        daemon=True)
        self.base_url = f"http://{host}:{self._server.server_address[1]}"

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    @property
    def errors(self) -> int:
        """Requests that failed on the server side (mostly: the crawler reset the connection)."""
        return self._server.errors

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
