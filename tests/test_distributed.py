"""Distributed mode on scrapy-redis: a real redis-server on 127.0.0.1, two crawler processes
sharing its scheduler and duplicate filter over the sample sites, one writer draining their
reports into SQLite. Every report is fetched once and archived exactly once."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites

from .helpers import govreports
from .test_end_to_end import TRUTH

pytestmark = pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed")



def test_two_workers_and_one_writer_archive_every_report_once(redis_url, tmp_path):
    with SampleSites() as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        workers = [
            subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry),
                              "--redis", redis_url, "--run-id", "t1", "--data-dir", str(tmp_path / f"worker{i}"),
                              # Slow enough that the later worker, which polls the shared queue every 5 s (the engine
                              # heartbeat) after losing the race for the start pages, finds work.
                              "-s", "DOWNLOAD_DELAY=0.8", "-s", "AUTOTHROTTLE_ENABLED=False",
                              "-s", "GOVREPORTS_WORKER_IDLE=6"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for i in range(2)]
        for w in workers:
            _, err = w.communicate(timeout=300)
            assert w.returncode == 0, err[-2000:]
        requests = list(sites.requests)

    writer_dir = tmp_path / "writer"
    drained = govreports("drain", "--redis", redis_url, "--run-id", "t1", "--data-dir", str(writer_dir),
                         "--idle-timeout", "2")
    assert drained.returncode == 0, drained.stderr[-2000:]
    assert f"{len(TRUTH['reports'])} new" in drained.stdout

    conn = sqlite3.connect(writer_dir / "archive.db")
    keys = conn.execute("select site_id, doc_key, count(*) from reports group by 1, 2").fetchall()
    assert {(s, k) for s, k, _ in keys} == {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
    assert all(n == 1 for *_, n in keys)
    # The shared duplicate filter means each report page was fetched by one worker only.
    report_paths = {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
    fetched = Counter((site, path) for site, method, path, status in requests if (site, path) in report_paths)
    assert set(fetched) == report_paths and set(fetched.values()) == {1}
    # Both workers took part: each fetched pages from the shared queue (robots.txt aside).
    from pipelines.warc import iter_responses

    for i in range(2):
        pages = [url for url, _, _ in iter_responses(tmp_path / f"worker{i}" / "warc") if not url.endswith("/robots.txt")]
        assert pages, f"worker {i} fetched nothing from the shared queue"
