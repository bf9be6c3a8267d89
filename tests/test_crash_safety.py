"""SIGKILL at many points of a crawl, of a drain and of a rebuild: the database always passes
PRAGMA integrity_check, keeps every report it had committed, never holds one twice, every
report it holds has its manifest in a WARC (so `rebuild` finds it), and a rerun completes
the archive."""

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
from pipelines.ingest import doc_key
from pipelines.warc import iter_report_manifests

from .helpers import govreports
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


def crawl_cmd(registry: Path, data: Path, delay: float = 0.05) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry), "--db", str(data / "archive.db"),
            "--data-dir", str(data), "-s", f"DOWNLOAD_DELAY={delay}", "-s", "AUTOTHROTTLE_ENABLED=False"]


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


def count_reports(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("select count(*) from reports").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0
    finally:
        conn.close()


def kill_at(proc: subprocess.Popen, db: Path, n: int, timeout: float = 180) -> bool:
    """SIGKILL `proc` the moment `db` holds `n` reports (polled from outside, as fast as the
    database answers); False when it ended before."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and count_reports(db) < n:
        assert time.monotonic() < deadline, f"no {n} reports in {timeout} s"
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def manifest_keys(warc_dir: Path) -> set[tuple[str, str]]:
    """(site, doc_key) of every report manifest, the records before a killed run's cut included."""
    return {(m["site"]["id"], doc_key(m["url"])) for m in iter_report_manifests(warc_dir, [])}


def assert_rebuild_keeps_every_report(data: Path, db: Path) -> None:
    """`govreports rebuild` into another path holds every report version of `db`."""
    rebuilt = data.parent / f"rebuilt-{data.name}.db"
    proc = govreports("rebuild", "--data-dir", str(data), "--db", str(rebuilt))
    # Exit 0: compared with the archive, nothing missing.
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "missing from the rebuilt database" not in proc.stderr
    lost = snapshot(db) - snapshot(rebuilt)
    assert not lost, f"rebuild lost {len(lost)} reports: {sorted(lost)}"


# Kill points, in reports stored: from the first commit to the last few reports.
KILL_AT = (1, 2, 4, 7, 11, 16, 22, 29)


def kill_at_each(cmd: list[str], db: Path, warc_dir: Path, points: tuple[int, ...]) -> int:
    """Run `cmd` again and again, SIGKILLing it as the database reaches each number of reports;
    after each kill, every stored report must have its manifest. Returns the kills made (the
    command may finish before the last points)."""
    kills = 0
    for n in points:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not kill_at(proc, db, n):
            break
        kills += 1
        unlisted = {(s, k) for s, k, _ in snapshot(db)} - manifest_keys(warc_dir)
        assert not unlisted, f"killed at {n} reports: stored without a manifest: {sorted(unlisted)}"
    return kills


def test_sigkill_as_reports_commit_leaves_no_report_without_its_manifest(tmp_path):
    """Killed the moment the database shows a new report (the window between a report's commit
    and its WARC manifest, if there were one), over several points of the crawl: every stored
    report is listed in the WARCs, and a rebuild after the rerun holds every report."""
    data = tmp_path / "data"
    db = data / "archive.db"
    with SampleSites() as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        cmd = crawl_cmd(registry, data, delay=0)
        kills = kill_at_each(cmd, db, data / "warc", KILL_AT)
        assert kills >= 5, "the crawl finished before most kill points"
        final = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-2000:]
    assert {(s, k) for s, k, _ in snapshot(db)} == {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
    assert_rebuild_keeps_every_report(data, db)



def test_sigkill_of_a_drain_as_reports_commit_leaves_no_report_without_its_manifest(redis_url, tmp_path):
    """The distributed writer (`govreports drain`) has the same commit/manifest order."""
    with SampleSites() as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        worker = govreports("crawl", "--sites-file", str(registry), "--redis", redis_url, "--run-id", "k",
                            "--data-dir", str(tmp_path / "worker"), "-s", "DOWNLOAD_DELAY=0",
                            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "GOVREPORTS_WORKER_IDLE=1")
        assert worker.returncode == 0, worker.stderr[-2000:]
    data = tmp_path / "writer"
    db = data / "archive.db"
    cmd = [sys.executable, "-m", "crawler.cli", "drain", "--redis", redis_url, "--run-id", "k",
           "--data-dir", str(data), "--idle-timeout", "2"]
    kills = kill_at_each(cmd, db, data / "warc", (1, 3, 8, 15, 24, 31))
    assert kills >= 4
    final = govreports(*cmd[3:])
    assert final.returncode == 0, final.stderr[-2000:]
    assert {(s, k) for s, k, _ in snapshot(db)} == {(r["site_id"], r["path"]) for r in TRUTH["reports"]}
    assert_rebuild_keeps_every_report(data, db)
