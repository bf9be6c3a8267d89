"""A crawl killed with SIGKILL part-way resumes by running it again: no report lost, none
stored twice, the database intact. (Resuming relies on the archive, not on a JOBDIR: a JOBDIR
left by a SIGKILL can hold requests that a resumed Scrapy run never completes.)"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites

from .test_end_to_end import TRUTH


def count_reports(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        return conn.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_kill_and_resume(tmp_path):
    with SampleSites() as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        db = tmp_path / "data" / "archive.db"
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry), "--db", str(db),
               "--data-dir", str(tmp_path / "data"),
               "-s", "DOWNLOAD_DELAY=0.15", "-s", "AUTOTHROTTLE_ENABLED=False"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while count_reports(db) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the crawl finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = count_reports(db)
        assert 4 <= killed_at < len(TRUTH["reports"])

        resumed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr[-2000:]

    conn = sqlite3.connect(db)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    keys = conn.execute("select site_id, doc_key, count(*) from reports group by 1, 2").fetchall()
    assert len(keys) == len(TRUTH["reports"])
    assert all(n == 1 for *_, n in keys), "a report was stored twice"
    assert {(s, k) for s, k, _ in keys} == {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
    # Every stored report has all its cells: nothing half-written survived the kill.
    partial = conn.execute(
        "select r.id from reports r where r.n_cells != (select count(*) from applications a where a.report_id = r.id)"
        " + (select count(*) from active_disclosure a where a.report_id = r.id)"
        " + (select count(*) from reviews_litigation a where a.report_id = r.id)").fetchall()
    assert partial == []
