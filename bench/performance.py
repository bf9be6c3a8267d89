"""Performance benchmark: crawl, extraction, database and memory, on synthetic sites.

    python -m bench.performance --n 500 --n 5000 [--json OUT]

For each N it renders N reports over N/50 synthetic TRS sites (bench/synthetic_sites.py:
70% HTML tables in the page, 15% DOCX, 15% text PDF attachments, a few DOC files that need
LibreOffice), serves them on 127.0.0.1, runs `scrapy bench` on this machine, then a real
`govreports crawl` (a subprocess, politeness off) into a fresh archive, and prints one table:

- crawl throughput: requests the sites received per minute from the first request to the
  crawl process's exit (so extraction and storage still running after the last fetch count),
  against `scrapy bench`'s pages per minute (response_received_count over its elapsed time),
  measured just before, on the same machine; also the rate while fetching alone. The 60%
  target is judged with `--html-only` (all reports HTML tables in the page, as it is set for
  HTML reports); with attachments the crawl waits on PDF and DOC extraction, measured below;
- the longest pause in fetching during the crawl (a slow conversion or a long synchronous
  step on the event loop shows up here);
- extraction time per document for each format against the bare library cost of reading
  the same bytes, as the targets define it (lxml's parse; python-docx's opening, which parses
  the whole document; pdfplumber's text of every page), per document on a sample of the
  generated documents: each extracted once, as a crawl does, in a process warmed up on other
  documents (the bare read: median of passes), before the crawl and once the CPUs are idle;
  in three fresh processes in turn, spawned as the crawl's document workers are (the median
  is the figure, and each process's ratio is printed beside it).
  For comparison only, HTML and DOCX are also timed against a bare read that goes on to every
  table cell's text (lxml's text of each cell; python-docx's table API, which the DOCX reader
  used before it read the XML itself). And, for scale, the HTML overhead on the real report
  pages archived under tests/files;
- database write rate: cells per second of `pipelines.store.save_report` re-saving N
  extractions into a fresh database (first and last tenth separately, to show any slowdown
  as the database grows), and the crawl archive's size per report;
- peak memory: the crawl process's VmHWM, and the most the crawl process and its children
  (conversion pool, LibreOffice) held together; plus RSS growth over the second half of the
  crawl per report stored (≈ 0 when nothing is held per report).

It is a measurement: the exit code is 0 whatever the numbers. Speed targets live here, never
in timed tests (tests/test_bench_smoke.py only checks that every figure is printed).
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic_sites import SiteServer, SyntheticSites, generate, write_registry

CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "False",
    "LOG_LEVEL": "WARNING",
}
CONTENT_TYPES = {
    "html": "text/html",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
TARGETS = {"crawl_ratio": 0.60, "html": 3.0, "docx": 3.0, "pdf": 1.5, "rss_mb": 400}


# ── system ───────────────────────────────────────────────────────────────────────────────

def _status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (kB) of a process, {} once it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        return {}
    return out


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        out += kids
        todo += kids
    return out


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies of all CPUs, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields)  # idle + iowait


def wait_for_quiet(limit_s: float = 60.0, busy_below: float = 0.15, step_s: float = 0.5) -> dict:
    """Wait until the machine's CPUs are idle (under `busy_below` of them busy over `step_s`),
    at most `limit_s`, and say how long that took. Timings taken while the kernel still writes
    back the files just generated, or a crawl's LibreOffice winds down, measure the machine."""
    os.sync()
    start, busy = time.monotonic(), None
    before = _cpu_times()
    while before is not None and time.monotonic() - start < limit_s:
        time.sleep(step_s)
        after = _cpu_times()
        if after is None or after[1] == before[1]:
            break
        busy = 1 - (after[0] - before[0]) / (after[1] - before[1])
        if busy < busy_below:
            break
        before = after
    return {"waited_s": round(time.monotonic() - start, 1), "busy": None if busy is None else round(busy, 3)}


def _busy_processes() -> list[str]:
    """Other processes using CPU (from `ps`: their average over their lifetime), to note the
    load in the report. This benchmark and the processes that started it are not others."""
    ours, pid = set(), os.getpid()
    while pid > 1 and pid not in ours:
        ours.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    try:
        out = subprocess.run(["ps", "-eo", "pid,pcpu,ni,comm", "--sort=-pcpu", "--no-headers"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    busy = []
    for line in out.splitlines()[:12]:
        parts = line.split(None, 3)
        if len(parts) == 4 and float(parts[1]) >= 5.0 and parts[3] != "ps" and int(parts[0]) not in ours:
            busy.append(f"{parts[3]} {parts[1]}% (nice {parts[2]})")
    return busy


# ── scrapy bench ─────────────────────────────────────────────────────────────────────────

def scrapy_bench(seconds: int) -> dict:
    """`scrapy bench` with Scrapy's default settings (run outside the project, so none of
    ours apply): pages per minute over its whole run."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as cwd:
        proc = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                               "-s", "LOGSTATS_INTERVAL=1"], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=seconds + 120)
    log = proc.stderr
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    rates = [int(x) for x in re.findall(r"Crawled \d+ pages \(at (\d+) pages/min\)", log)]
    if not pages or not elapsed:
        raise RuntimeError(f"scrapy bench printed no stats:\n{log[-2000:]}")
    return {"pages": int(pages.group(1)), "seconds": float(elapsed.group(1)),
            "pages_per_min": int(pages.group(1)) / float(elapsed.group(1)) * 60,
            "median_interval_pages_per_min": statistics.median(rates[1:]) if len(rates) > 1 else None}


# ── crawl ────────────────────────────────────────────────────────────────────────────────

@dataclass
class Sample:
    t: float
    rss_kb: int  # crawl process
    tree_kb: int  # crawl process + descendants
    procs: int  # descendants (conversion pool workers, LibreOffice)
    hits: int  # requests the sites had received


def crawl(sites: SyntheticSites, work: Path, py_spy: str | None = None) -> dict:
    """A real `govreports crawl` of the synthetic sites, watched from outside. With `py_spy`
    (a path prefix), py-spy samples the crawl process into PREFIX.txt (collapsed stacks)."""
    db, data_dir = work / "archive.db", work / "data"
    with SiteServer(sites.root) as server:
        registry = write_registry(sites, server.base_url, work / "sites.yaml")
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry),
               "--db", str(db), "--data-dir", str(data_dir)]
        for k, v in CRAWL_SETTINGS.items():
            cmd += ["-s", f"{k}={v}"]
        samples: list[Sample] = []
        hwm = 0
        start = time.monotonic()
        with open(work / "crawl.log", "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            spy = None
            if py_spy:
                spy = subprocess.Popen([_py_spy(), "record", "--pid", str(proc.pid), "--rate", "50",
                                        "--format", "raw", "--output", py_spy + ".txt", "--nonblocking"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while proc.poll() is None:
                st = _status(proc.pid)
                if st:
                    hwm = max(hwm, st.get("VmHWM", 0))
                    kids = _descendants(proc.pid)
                    tree = st.get("VmRSS", 0) + sum(_status(p).get("VmRSS", 0) for p in kids)
                    samples.append(Sample(time.monotonic(), st.get("VmRSS", 0), tree, len(kids),
                                          len(server.hits)))
                time.sleep(0.1)
        wall = time.monotonic() - start
        hits = list(server.hits)
        server_errors = server.errors
        if spy is not None:
            spy.wait(timeout=60)
    if proc.returncode not in (0, 3):  # 3: a Spidermon monitor failed, still a finished crawl
        tail = (work / "crawl.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"crawl exited {proc.returncode}:\n{tail}")
    log_text = (work / "crawl.log").read_text(errors="replace")
    out = {"wall_seconds": wall, "exit_code": proc.returncode, "requests": len(hits),
           "connections_dropped": server_errors,
           "crawl_log_errors": len(re.findall(r"\] (?:ERROR|CRITICAL):", log_text)),
           "peak_rss_mb": hwm / 1024, "peak_tree_rss_mb": max((s.tree_kb for s in samples), default=0) / 1024,
           "max_child_processes": max((s.procs for s in samples), default=0)}
    if len(hits) >= 2:
        window = hits[-1] - hits[0]
        gaps = [b - a for a, b in zip(hits, hits[1:], strict=False)]
        # End to end: from the first request to the crawl process's exit, so reports still
        # being extracted and stored after the last fetch count against the crawl.
        done = wall - (hits[0] - start)
        out |= {"fetch_seconds": window, "pages_per_min": (len(hits) - 1) / window * 60 if window else 0,
                "end_to_end_pages_per_min": len(hits) / done * 60 if done > 0 else 0,
                "startup_seconds": hits[0] - start, "after_last_fetch_seconds": start + wall - hits[-1],
                "longest_fetch_pause": max(gaps), "pauses_over_1s": sum(g > 1 for g in gaps)}
    # Memory growth over the second half of the fetching: least-squares slope of RSS against
    # requests served, in kB per report (requests per report = requests / reports).
    fetching = [s for s in samples if hits and hits[0] <= s.t <= hits[-1]]
    half = fetching[len(fetching) // 2:]
    if len(half) >= 4 and len({s.hits for s in half}) > 1:
        mx = statistics.fmean(s.hits for s in half)
        my = statistics.fmean(s.rss_kb for s in half)
        slope = (sum((s.hits - mx) * (s.rss_kb - my) for s in half)
                 / sum((s.hits - mx) ** 2 for s in half))
        out["rss_mid_mb"] = half[0].rss_kb / 1024
        out["rss_end_of_fetch_mb"] = half[-1].rss_kb / 1024
        out["rss_growth_kb_per_report"] = slope * len(hits) / max(1, len(sites.reports))
    from pipelines.store import open_db, summary

    with open_db(db) as conn:
        out["archive"] = summary(conn)
        out["pages_recorded"] = next(conn.query("select sum(pages) as p from crawl_runs"))["p"]
    size = sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists())
    originals = sum(p.stat().st_size for p in (data_dir / "files").rglob("*") if p.is_file())
    warc = sum(p.stat().st_size for p in (data_dir / "warc").rglob("*") if p.is_file())
    reports = max(1, out["archive"]["reports"])
    out |= {"db_mb": size / 2**20, "db_kb_per_report": size / 1024 / reports,
            "originals_kb_per_report": originals / 1024 / reports, "warc_kb_per_report": warc / 1024 / reports}
    return out


def _py_spy() -> str:
    import shutil

    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("--py-spy needs py-spy on PATH (pip install py-spy)")
    return found


# ── extraction ───────────────────────────────────────────────────────────────────────────

def _parse_html(data: bytes):
    import lxml.html

    return lxml.html.document_fromstring(data.decode("gbk", "replace"))


def _open_docx(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


# The bare reads return nothing, so each frees what it built inside its own timing, as an
# extraction does.
def _bare_html(data: bytes) -> None:
    _parse_html(data)


def _bare_docx(data: bytes) -> None:
    _open_docx(data)


def _bare_docx_cells(data: bytes) -> None:
    for table in _open_docx(data).tables:
        for row in table.rows:
            for cell in row.cells:
                cell.text  # noqa: B018 - reading it is the cost measured


def _bare_pdf(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()


def _bare_html_cells(data: bytes) -> None:
    for cell in _parse_html(data).iter("td", "th"):
        cell.text_content()  # reading it is the cost measured


BARE = {"html": _bare_html, "docx": _bare_docx, "pdf": _bare_pdf}
# The same figure against a bare read that also reads every table cell's text, for comparison
# only (no target).
OTHER_BARE = {"html": ("parse + cell texts", _bare_html_cells),
              "docx": ("open + cell texts by python-docx", _bare_docx_cells)}


def _seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _median_time(fn, reps: int) -> float:
    return statistics.median(_seconds(fn) for _ in range(reps))


EXTRACTION_GROUP = 10  # documents timed together: one pass of ours, `reps` passes of the bare read
# Fresh processes the extraction figures are measured in, one after another (the median is
# reported): the same sample timed in one process and in the next differed by up to a tenth.
EXTRACTION_PROCESSES = 3


def _time_extraction(plan: dict[str, tuple[list[Path], list[Path]]], reps: int) -> dict:
    """Per format: seconds per document of `extract_document` and of the bare library read,
    and their ratio, timed in this process.

    A crawl's worker extracts report after report, each once, its caches warm from the
    reports before: their labels are cached, this report's numbers and rows are not. Timing
    one document over and over would hit caches keyed by whole rows and understate that (by
    about 7% for HTML). So the documents are extracted once each, back to back in groups of
    ten, after a warm-up on as many others of the format; the bare read of a group is the
    median of `reps` passes, just after. The ratio is the median of the groups' ratios: on a
    shared virtual machine a few seconds of a slower CPU hit interpreted code more than C,
    and would move a ratio of sums (given too, as `ratio_of_sums`). (The synthetic DOCX and
    PDF attachments repeat two renderings a year, so theirs are warm anyway; beside their
    libraries' cost that matters little.)"""
    from pipelines.extract import extract_document

    out = {}
    for fmt, (warm, measured) in plan.items():
        ctype, read = CONTENT_TYPES[fmt], BARE[fmt]
        for path in warm:
            extract_document(path.read_bytes(), ctype)
        docs = [p.read_bytes() for p in measured]
        other_name, other = OTHER_BARE.get(fmt, (None, None))
        groups = []  # (ours, bare, bare by the other definition) seconds a group
        for i in range(0, len(docs), EXTRACTION_GROUP):
            group = docs[i:i + EXTRACTION_GROUP]
            start = time.perf_counter()
            for data in group:  # each result dropped, as the crawl's worker drops it once sent
                extract_document(data, ctype)
            groups.append((time.perf_counter() - start,
                           _median_time(lambda g=group, f=read: [f(d) for d in g], reps),
                           _median_time(lambda g=group, f=other: [f(d) for d in g], reps) if other else None))
        ours, bare = sum(g[0] for g in groups), sum(g[1] for g in groups)
        out[fmt] = {"documents": len(docs), "groups": len(groups),
                    "kb": statistics.median(len(d) for d in docs) / 1024,
                    "seconds": ours / len(docs), "bare_seconds": bare / len(docs),
                    "ratio": statistics.median(o / b for o, b, _ in groups), "ratio_of_sums": ours / bare}
        if other:
            out[fmt]["other_bare"] = {"read": other_name,
                                      "ratio": statistics.median(o / b for o, _, b in groups)}
    return out


def extraction(sites: SyntheticSites, samples: int, reps: int, html_samples: int | None = None,
               processes: int = EXTRACTION_PROCESSES) -> tuple[dict, dict]:
    """Per format, the figures of `_time_extraction` measured in `processes` fresh processes,
    one after another, each on the same sample: the median of each figure, and every
    process's ratio (`processes`). Also returns the extractions of the sample.

    Fresh processes, started as the crawl starts its document workers (spawned, importing
    only what extraction needs): a worker process does nothing but extract, while this one
    has generated the sites and, at the second N, served the first N's crawl and written its
    database. And several of them: a process's timings are not another's (where its memory
    lands differs), so one process is one sample, not the figure."""
    from pipelines.extract import extract_document

    plan: dict[str, tuple[list[Path], list[Path]]] = {}
    for fmt in ("html", "docx", "pdf"):
        n = (html_samples or samples) if fmt == "html" else samples
        warm, measured = sites.files(fmt, n, parts=2)  # disjoint, both spread over the sites
        if measured:
            plan[fmt] = (warm, measured)
    runs = []
    for _ in range(max(processes, 1)):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs.append(pool.submit(_time_extraction, plan, reps).result())
    out = {}
    for fmt in plan:
        per = [run[fmt] for run in runs]
        out[fmt] = {key: per[0][key] for key in ("documents", "groups", "kb")}
        out[fmt].update({key: statistics.median(p[key] for p in per)
                         for key in ("seconds", "bare_seconds", "ratio", "ratio_of_sums")})
        out[fmt]["processes"] = [p["ratio"] for p in per]
        if "other_bare" in per[0]:
            out[fmt]["other_bare"] = {"read": per[0]["other_bare"]["read"],
                                      "ratio": statistics.median(p["other_bare"]["ratio"] for p in per)}
    # The extractions the database figures store, read here (untimed).
    extractions = {fmt: [extract_document(p.read_bytes(), CONTENT_TYPES[fmt]) for p in measured]
                   for fmt, (_, measured) in plan.items()}
    return out, extractions


REAL_PAGES = Path(__file__).resolve().parent.parent / "tests" / "files"


def real_pages(reps: int) -> dict | None:
    """The HTML overhead on the real report pages archived under tests/files (those whose
    extraction finds cells), beside the synthetic sample's. Each page is extracted and parsed
    bare in turn, 3 × `reps` times (its caches warm after the first), and the ratio is the median
    of the turns' ratios: timed apart, a slower second of the machine could fall on the
    extraction's few milliseconds or on the parse's alone. Real pages carry far more markup
    than the 15 KB synthetic style."""
    from pipelines.extract import extract_document

    pages = [p.read_bytes() for p in sorted(REAL_PAGES.glob("*/*.htm*"))]
    pages = [d for d in pages if extract_document(d, "text/html").cells]
    if not pages:
        return None
    turns = []  # (ours, bare) seconds for all the pages, one turn
    for _ in range(3 * max(reps, 1)):
        ours = _seconds(lambda: [extract_document(d, "text/html") for d in pages])
        bare = _seconds(lambda: [_bare_html(d) for d in pages])
        turns.append((ours, bare))
    return {"documents": len(pages), "kb": statistics.median(len(d) for d in pages) / 1024,
            "seconds": statistics.median(o for o, _ in turns) / len(pages),
            "bare_seconds": statistics.median(b for _, b in turns) / len(pages),
            "ratio": statistics.median(o / b for o, b in turns)}


# ── database writes ──────────────────────────────────────────────────────────────────────

def db_writes(sites: SyntheticSites, extractions: dict, work: Path) -> dict:
    """Time `save_report` storing N reports (the sample's extractions, cycled in the run's
    format mix, each under its own URL and file hashes) into a fresh database."""
    import hashlib

    from pipelines.store import FileRecord, ReportRecord, open_db, save_report, upsert_site

    path = work / "writes.db"
    db = open_db(path)
    for site in sites.sites:
        upsert_site(db, {**site, "column_url": "http://127.0.0.1" + site["column_url"]})
    per_report: list[tuple[float, int]] = []
    counters = dict.fromkeys(extractions, 0)
    for i, r in enumerate(sites.reports):
        fmt = r.delivery if r.delivery in extractions else "html"
        pool = extractions[fmt]
        ex = pool[counters[fmt] % len(pool)]
        counters[fmt] += 1
        page = FileRecord(hashlib.sha256(f"page {i}".encode()).hexdigest(), f"files/p/{i}.html",
                          50_000, "html", "http://127.0.0.1" + r.path, "page")
        files = [page]
        if fmt != "html":
            files.append(FileRecord(hashlib.sha256(f"att {i}".encode()).hexdigest(), f"files/a/{i}.{fmt}",
                                    40_000, fmt, "http://127.0.0.1" + (r.attachment or ""), "attachment"))
        record = ReportRecord(site_id=r.site_id, doc_key=r.path, url="http://127.0.0.1" + r.path,
                              extraction=ex, source=files[-1], files=files, title=ex.title,
                              agency=ex.agency, year=ex.year, published=ex.published,
                              fetched_at="2025-01-01T00:00:00+00:00")
        t = time.perf_counter()
        save_report(db, record)
        per_report.append((time.perf_counter() - t, len(ex.cells)))
    db.close()
    seconds = sum(t for t, _ in per_report)
    cells = sum(c for _, c in per_report)
    tenth = max(1, len(per_report) // 10)

    def rate(part: list[tuple[float, int]]) -> float:
        return sum(c for _, c in part) / sum(t for t, _ in part)

    return {"reports": len(per_report), "cells": cells, "seconds": seconds, "cells_per_s": cells / seconds,
            "ms_per_report": seconds / len(per_report) * 1000,
            "first_tenth_cells_per_s": rate(per_report[:tenth]),
            "last_tenth_cells_per_s": rate(per_report[-tenth:]),
            "db_kb_per_report": path.stat().st_size / 1024 / len(per_report)}


# ── one N ────────────────────────────────────────────────────────────────────────────────

def run(n: int, args: argparse.Namespace, log=print) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"govreports-bench-{n}-") as tmp:
        work = Path(tmp)
        result: dict = {"n": n, "load_before": _load(), "busy_before": _busy_processes()}
        log(f"[N={n}] generating {n} reports…")
        sites = generate(work / "www", n, per_site=args.per_site,
                         doc_reports=0 if args.html_only else args.doc_reports, html_only=args.html_only)
        result["generate"] = {"sites": len(sites.sites), "seconds": sites.seconds,
                              "mb": sites.bytes_written / 2**20,
                              "mix": {d: sites.count(d) for d in ("html", "docx", "pdf", "doc")}}
        # Before the crawl, on idle CPUs: interpreted code suffers more than lxml's C from
        # sharing them (with the kernel writing back the generated files, or a crawl's
        # LibreOffice winding down), which would skew the ratio.
        result["quiet_before_extraction"] = wait_for_quiet()
        log(f"[N={n}] extraction ({args.html_samples} HTML, {args.samples} DOCX and PDF documents)…")
        result["extraction"], extractions = extraction(sites, args.samples, args.reps, args.html_samples,
                                                       args.processes)
        result["real_pages"] = real_pages(args.reps)
        result["quiet_before_scrapy_bench"] = wait_for_quiet()
        log(f"[N={n}] scrapy bench ({args.bench_seconds} s)…")
        result["scrapy_bench"] = scrapy_bench(args.bench_seconds)
        log(f"[N={n}] crawling {len(sites.sites)} sites…")
        result["crawl"] = crawl(sites, work, f"{args.py_spy}-{n}" if args.py_spy else None)
        result["load_after_crawl"] = _load()
        bench_rate = result["scrapy_bench"]["pages_per_min"]
        result["crawl"]["ratio"] = result["crawl"].get("end_to_end_pages_per_min", 0) / bench_rate
        result["crawl"]["fetch_ratio"] = result["crawl"].get("pages_per_min", 0) / bench_rate
        log(f"[N={n}] database writes…")
        result["db"] = db_writes(sites, extractions, work)
        if args.keep:
            keep = Path(args.keep) / f"n{n}"
            keep.mkdir(parents=True, exist_ok=True)
            for name in ("archive.db", "crawl.log", "sites.yaml"):
                if (work / name).exists():
                    (keep / name).write_bytes((work / name).read_bytes())
        return result


# ── report ───────────────────────────────────────────────────────────────────────────────

def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("PASS" if ok else "FAIL")


def rows(r: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, value, target, passed) for one N."""
    c, sb, db, ex = r["crawl"], r["scrapy_bench"], r["db"], r["extraction"]
    a = c["archive"]
    html_only = not any(r["generate"]["mix"][k] for k in ("docx", "pdf", "doc"))
    out = [
        ("sites × reports/site", f"{r['generate']['sites']} × {r['n'] // max(1, r['generate']['sites'])}", "", None),
        ("mix html/docx/pdf/doc", "/".join(str(r["generate"]["mix"][k]) for k in ("html", "docx", "pdf", "doc")),
         "", None),
        ("reports stored of N (ok+review)", f"{a['reports']}/{r['n']} ({a['ok']}+{a['needs_review']})", "all",
         a["reports"] == r["n"]),
        ("requests served (dropped by client)", f"{c['requests']} ({c.get('connections_dropped', 0)})", "", None),
        ("crawl log ERROR/CRITICAL lines", f"{c.get('crawl_log_errors', 0)}", "", None),
        ("crawl pages/min while fetching", f"{c.get('pages_per_min', 0):,.0f} ({c.get('fetch_ratio', 0):.0%})", "",
         None),
        ("crawl pages/min end to end", f"{c.get('end_to_end_pages_per_min', 0):,.0f}", "", None),
        ("scrapy bench pages/min", f"{sb['pages_per_min']:,.0f}", "", None),
        # The crawl target is for HTML reports (pages read in milliseconds); with PDF and DOC
        # attachments the crawl waits on their extraction, which the format rows measure.
        ("crawl end to end / scrapy bench", f"{c['ratio']:.0%}",
         f"≥ {TARGETS['crawl_ratio']:.0%}" if html_only else "see note",
         c["ratio"] >= TARGETS["crawl_ratio"] if html_only else None),
        ("crawl wall s (start, fetch, close)",
         f"{c['wall_seconds']:.0f} ({c.get('startup_seconds', 0):.0f}+{c.get('fetch_seconds', 0):.0f}"
         f"+{c.get('after_last_fetch_seconds', 0):.0f})", "", None),
        ("longest fetch pause s", f"{c.get('longest_fetch_pause', 0):.2f}", "", None),
        ("fetch pauses > 1 s", f"{c.get('pauses_over_1s', 0)}", "", None),
    ]
    for fmt in ("html", "docx", "pdf"):
        if fmt in ex:
            e = ex[fmt]
            out.append((f"extract {fmt} ms/doc (bare)", f"{e['seconds'] * 1000:.1f} ({e['bare_seconds'] * 1000:.1f})",
                        "", None))
            out.append((f"extract {fmt} overhead: median of processes",
                        f"{e['ratio']:.2f}×", f"≤ {TARGETS[fmt]}×", e["ratio"] <= TARGETS[fmt]))
            out.append(("  each process: group median", " ".join(f"{x:.2f}" for x in e["processes"]), "", None))
            if other := e.get("other_bare"):
                out.append((f"  same, bare read = {other['read']}", f"{other['ratio']:.2f}×", "", None))
    if real := r.get("real_pages"):
        out.append((f"extract html overhead, {real['documents']} real pages",
                    f"{real['ratio']:.2f}× ({real['kb']:.0f} KB)", "", None))
    out += [
        ("db write cells/s", f"{db['cells_per_s']:,.0f}", "", None),
        ("db write ms/report", f"{db['ms_per_report']:.1f}", "", None),
        ("db write cells/s first→last 10%",
         f"{db['first_tenth_cells_per_s']:,.0f}→{db['last_tenth_cells_per_s']:,.0f}", "", None),
        ("db size KB/report (crawl)", f"{c['db_kb_per_report']:.1f}", "", None),
        ("db size MB (crawl)", f"{c['db_mb']:.1f}", "", None),
        ("originals KB/report", f"{c['originals_kb_per_report']:.1f}", "", None),
        ("WARC KB/report", f"{c['warc_kb_per_report']:.1f}", "", None),
        ("peak RSS MB (crawl process)", f"{c['peak_rss_mb']:.0f}", f"< {TARGETS['rss_mb']}",
         c["peak_rss_mb"] < TARGETS["rss_mb"]),
        ("peak RSS MB (with children)", f"{c['peak_tree_rss_mb']:.0f} ({c['max_child_processes']} procs)", "",
         None),
        ("RSS MB mid-fetch → end of fetch",
         f"{c.get('rss_mid_mb', 0):.0f} → {c.get('rss_end_of_fetch_mb', 0):.0f}", "", None),
        ("RSS growth KB/report (2nd half)", f"{c.get('rss_growth_kb_per_report', float('nan')):.1f}", "≈ 0", None),
        ("load avg (1 min) before / after crawl",
         f"{r['load_before'].split()[0]} / {r['load_after_crawl'].split()[0]}", "", None),
    ]
    q = r.get("quiet_before_extraction")
    if q:
        out.append(("wait for idle CPUs before extraction s", f"{q['waited_s']:.1f}", "", None))
    return out


GROWTH = [  # (figure, path into the result)
    ("crawl pages/min end to end", ("crawl", "end_to_end_pages_per_min")),
    ("crawl wall s", ("crawl", "wall_seconds")),
    ("close after last fetch s", ("crawl", "after_last_fetch_seconds")),
    ("longest fetch pause s", ("crawl", "longest_fetch_pause")),
    ("db write cells/s", ("db", "cells_per_s")),
    ("db write last-10% cells/s", ("db", "last_tenth_cells_per_s")),
    ("db size KB/report", ("crawl", "db_kb_per_report")),
    ("peak RSS MB", ("crawl", "peak_rss_mb")),
    ("peak RSS MB with children", ("crawl", "peak_tree_rss_mb")),
]


def table(results: list[dict]) -> str:
    per_n = [rows(r) for r in results]
    width = max(len(f) for f, *_ in per_n[0]) + 2
    head = f"{'figure':<{width}}" + "".join(f"{'N=' + str(r['n']):>24}" for r in results) + f"{'target':>10}"
    lines = [head, "-" * len(head)]
    for i, (figure, _, target, _) in enumerate(per_n[0]):
        cells = ""
        for rs in per_n:
            if i < len(rs) and rs[i][0] == figure:
                _, value, _, ok = rs[i]
                cells += f"{value + (' ' + _verdict(ok) if ok is not None else ''):>24}"
            else:
                cells += f"{'':>24}"
        lines.append(f"{figure:<{width}}{cells}{target:>10}")
    if len(results) > 1:
        first, last = results[0], results[-1]
        lines += ["", f"growth from N={first['n']} to N={last['n']} ({last['n'] / first['n']:g}× the reports):"]
        for figure, (a, b) in GROWTH:
            x, y = first[a].get(b), last[a].get(b)
            if x is not None and y is not None:
                lines.append(f"  {figure:<{width - 2}}{x:>12,.1f} → {y:>12,.1f}   ×{y / x if x else float('nan'):.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, action="append", help="reports to generate and crawl (repeatable)")
    ap.add_argument("--per-site", type=int, default=50, help="reports per synthetic site")
    ap.add_argument("--doc-reports", type=int, default=4,
                    help="DOCX deliveries turned into DOC (LibreOffice in the crawl's process pool)")
    ap.add_argument("--html-only", action="store_true",
                    help="every report an HTML page (the crawl target is stated for HTML reports)")
    ap.add_argument("--bench-seconds", type=int, default=12, help="how long `scrapy bench` runs")
    ap.add_argument("--samples", type=int, default=8, help="DOCX and PDF documents for the extraction figures")
    ap.add_argument("--html-samples", type=int, default=200,
                    help="HTML documents for the extraction figures (cheap, and they vary most)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions of each bare library read (median)")
    ap.add_argument("--processes", type=int, default=EXTRACTION_PROCESSES,
                    help="fresh processes the extraction figures are measured in (median)")
    ap.add_argument("--json", help="also write every figure as JSON to this file")
    ap.add_argument("--py-spy", help="profile the crawl process with py-spy into PREFIX-N.txt")
    ap.add_argument("--keep", help="copy each run's archive.db and crawl log under this directory")
    args = ap.parse_args(argv)
    ns = args.n or [500]
    results = []
    for n in ns:
        results.append(run(n, args, log=lambda m: print(m, file=sys.stderr, flush=True)))
    busy = sorted({b for r in results for b in r["busy_before"]})
    print(f"govreports performance benchmark — {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
          + (" — HTML-only sites" if args.html_only else ""))
    if busy:
        print("other busy processes when runs started: " + "; ".join(busy))
    print(table(results))
    if not args.html_only:
        print(f"note: the crawl target (≥ {TARGETS['crawl_ratio']:.0%} of scrapy bench) is for HTML reports: judged "
              "with --html-only. Here the crawl also waits on its PDF and DOC attachments' extraction.")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
