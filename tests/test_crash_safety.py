"""SIGKILL at many points of a crawl and of a rebuild: the database always passes
PRAGMA integrity_check, keeps every report it had committed, never holds one twice, and a
rerun completes the archive."""

from __future__ import annotations

import random
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

KILLS = 20


def snapshot(db: Path) -> set[tuple[str, str, str]]:
    """(site, doc_key, fingerprint) of every committed report; checks integrity on the way."""
    if not db.exists():
        return set()
    conn = sqlite3.connect(db, timeout=30)
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        if not conn.execute("select 1 from sqlite_master where name = 'reports'").fetchone():
            return set()
        rows = conn.execute("select site_id, doc_key, fingerprint from reports").fetchall()
        keys = [(s, k) for s, k, _ in rows]
        assert len(keys) == len(set(keys)), "a report was stored twice"
        return set(rows)
    finally:
        conn.close()


def crawl_cmd(registry: Path, data: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry), "--db", str(data / "archive.db"),
            "--data-dir", str(data), "-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=False"]


def test_sigkill_at_twenty_points_loses_and_duplicates_nothing(tmp_path):
    rng = random.Random(20261126)
    kills = 0
    with SampleSites() as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        round_ = 0
        while kills < KILLS:
            data = tmp_path / f"round{round_}"
            db = data / "archive.db"
            committed: set = set()
            while kills < KILLS:
                proc = subprocess.Popen(crawl_cmd(registry, data), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # Kill anywhere from interpreter start-up to the middle of storing reports.
                time.sleep(rng.uniform(0.2, 2.5))
                if proc.poll() is not None:
                    break  # finished before the kill point: this round is complete
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                now = snapshot(db)
                assert committed <= now, "a committed report disappeared after a kill"
                committed = now
            final = subprocess.run(crawl_cmd(registry, data), capture_output=True, text=True, timeout=300)
            assert final.returncode == 0, final.stderr[-2000:]
            done = snapshot(db)
            assert committed <= done
            assert {(s, k) for s, k, _ in done} == {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
            round_ += 1

        # Rebuild killed part-way leaves the archive database as it was.
        before = snapshot(db)
        for _ in range(3):
            proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", "rebuild", "--data-dir", str(data)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.5, 2.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert snapshot(db) == before
    assert kills >= KILLS
