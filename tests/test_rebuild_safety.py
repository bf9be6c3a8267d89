"""`govreports rebuild` loses nothing in silence: a rebuilt database that lacks reports of the
archive it would replace is written beside it and the reports are named (unless --force), a
WARC file cut short or corrupt is reported with the records read before the damage, and a
report listed twice in the WARCs is stored once. Also: every crawl run records why it ended."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from warcio.archiveiterator import ArchiveIterator

from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites
from pipelines.warc import REPORT_PROFILE, WarcRecorder, iter_report_manifests

from .helpers import govreports
from .test_crash_safety import count_reports
from .test_end_to_end import FAST, TRUTH


def write_registry(tmp: Path, sites: SampleSites) -> Path:
    registry = tmp / "sites.yaml"
    registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                       allow_unicode=True), "utf-8")
    return registry


def crawl_args(registry: Path, data: Path) -> list[str]:
    return ["crawl", "--sites-file", str(registry), "--db", str(data / "archive.db"), "--data-dir", str(data)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A data dir crawled twice, the second time revalidating: every report has two manifests."""
    tmp = tmp_path_factory.mktemp("crawled")
    data = tmp / "data"
    with SampleSites() as sites:
        registry = write_registry(tmp, sites)
        for extra in ([], ["--revalidate"]):
            proc = govreports(*crawl_args(registry, data), *extra, *FAST)
            assert proc.returncode == 0, proc.stderr[-3000:]
    return data


@pytest.fixture
def data(crawled, tmp_path) -> Path:
    """A copy of the crawled data dir, for a test to damage."""
    return Path(shutil.copytree(crawled, tmp_path / "data"))


def reports(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select site_id, doc_key, version, fingerprint, url, title from reports"
                            " order by 1, 2, 3").fetchall()
    finally:
        conn.close()


def manifests_by_file(warc_dir: Path) -> dict[str, list[dict]]:
    return {p.name: list(iter_report_manifests_of(p)) for p in sorted(warc_dir.glob("*.warc.gz"))}


def iter_report_manifests_of(path: Path):
    """Manifests of one intact file, read with warcio alone (independently of pipelines.warc)."""
    import json

    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "metadata" and record.rec_headers.get_header("WARC-Profile") == REPORT_PROFILE:
                yield json.loads(record.content_stream().read())


def whole_records_before(path: Path, cut: int) -> int:
    """How many records of an intact WARC file end at or before byte `cut`."""
    n = 0
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            record.content_stream().read()
            if it.get_record_offset() + it.get_record_length() <= cut:
                n += 1
    return n


def test_a_complete_archive_is_replaced_and_reports_listed_twice_are_stored_once(data):
    before = reports(data / "archive.db")
    assert len(before) == len(TRUTH["reports"])
    listed = [m for ms in manifests_by_file(data / "warc").values() for m in ms]
    assert len(listed) == 2 * len(TRUTH["reports"])  # the revalidating crawl listed each again

    proc = govreports("rebuild", "--data-dir", str(data))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "missing" not in proc.stderr and "damaged" not in proc.stderr
    assert not (data / "archive.db.rebuilt").exists()
    assert reports(data / "archive.db") == before  # the same versions, none doubled


def test_rebuild_refuses_to_replace_an_archive_whose_reports_it_lacks(data):
    db = data / "archive.db"
    before = reports(db)
    # One site's WARC files gone (deleted, or on a disk that failed): its reports cannot be rebuilt.
    for path in data.glob("warc/static_sample-*.warc.gz"):
        path.unlink()
    lost = [r for r in before if r[0] == "static_sample"]
    assert lost

    proc = govreports("rebuild", "--data-dir", str(data))
    assert proc.returncode == 1
    for site_id, _, version, _, url, title in lost:
        assert f"missing from the rebuilt database: {site_id} {url} {title} (version {version})" in proc.stderr
    assert "NOT replaced" in proc.stderr and "--force" in proc.stderr
    assert reports(db) == before  # the archive stays as it was
    beside = data / "archive.db.rebuilt"
    assert reports(beside) == [r for r in before if r[0] != "static_sample"]

    forced = govreports("rebuild", "--data-dir", str(data), "--force")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert all(f"{site_id} {url} {title}" in forced.stderr for site_id, _, _, _, url, title in lost)
    assert reports(db) == [r for r in before if r[0] != "static_sample"]


def test_truncated_and_corrupt_warc_files_are_reported_and_their_lost_reports_named(data, tmp_path):
    db = data / "archive.db"
    before = reports(db)
    warcs = sorted(data.glob("warc/trs_sample-*.warc.gz"))
    assert len(warcs) == 2  # one a crawl: the report manifests of each site are in both
    damaged = {}
    for i, path in enumerate(warcs):
        blob = path.read_bytes()
        cut = len(blob) // 2
        expected = whole_records_before(path, cut)
        if i == 0:  # cut short, as by a killed crawl or a full disk
            path.write_bytes(blob[:cut])
            damaged[path.name] = ("cut short", expected)
        else:  # ten bytes overwritten inside a record, as by a bad sector
            path.write_bytes(blob[:cut] + b"\0" * 10 + blob[cut + 10:])
            damaged[path.name] = ("corrupt", expected)
    # The manifests left are those before each file's damage.
    kept = {m["url"] for m in iter_report_manifests(data / "warc", [])}
    lost = [r for r in before if r[0] == "trs_sample" and r[4] not in kept]
    assert lost, "the damage should take reports with it"

    rebuilt = tmp_path / "elsewhere.db"
    proc = govreports("rebuild", "--data-dir", str(data), "--db", str(rebuilt))
    for name, (kind, records) in damaged.items():
        line = next((x for x in proc.stderr.splitlines() if x.startswith(f"damaged WARC: {name}: ")), None)
        assert line is not None, proc.stderr[-3000:]
        assert kind in line and f"; {records} records read before it, none after" in line, line
    # Written where asked (nothing is replaced), but compared with the archive: loss named, exit 1.
    assert proc.returncode == 1
    for site_id, _, version, _, url, title in lost:
        assert f"missing from the rebuilt database: {site_id} {url} {title} (version {version})" in proc.stderr
    assert reports(db) == before
    assert {r[4] for r in reports(rebuilt)} == {r[4] for r in before} - {r[4] for r in lost}


def test_a_cut_short_file_is_reported_by_the_reader_with_its_manifests_before_the_cut(tmp_path):
    recorder = WarcRecorder(tmp_path, "site", {"software": "test"})
    for i in range(6):
        recorder.write_report(f"http://127.0.0.1/r{i}.html", {"url": f"http://127.0.0.1/r{i}.html", "i": i})
    recorder.close()
    (path,) = recorder.paths
    blob = path.read_bytes()
    cut = len(blob) - 40  # inside the last record
    expected = whole_records_before(path, cut)
    path.write_bytes(blob[:cut])
    damaged: list = []
    assert [m["i"] for m in iter_report_manifests(tmp_path, damaged)] == [0, 1, 2, 3, 4]
    assert [(d.file, d.records) for d in damaged] == [(path.name, expected)] and expected == 6  # warcinfo + 5


def finish_reasons(db: Path) -> dict[str, list[str | None]]:
    conn = sqlite3.connect(db)
    try:
        out: dict[str, list[str | None]] = {}
        for site, reason in conn.execute("select sites, finish_reason from crawl_runs order by id"):
            out.setdefault(site, []).append(reason)
        return out
    finally:
        conn.close()


def test_each_crawl_run_records_why_it_ended(crawled, tmp_path):
    site_ids = {s["site_id"] for s in TRUTH["reports"]}
    assert finish_reasons(crawled / "archive.db") == {s: ["finished", "finished"] for s in site_ids}
    with SampleSites() as sites:
        registry = write_registry(tmp_path, sites)
        # Closed by Scrapy's CloseSpider extension after the first report of each site.
        data = tmp_path / "itemcount"
        proc = govreports(*crawl_args(registry, data), "-s", "CLOSESPIDER_ITEMCOUNT=1", *FAST)
        assert proc.returncode in (0, 3), proc.stderr[-3000:]  # 3: monitors note the short run
        assert finish_reasons(data / "archive.db") == {s: ["closespider_itemcount"] for s in site_ids}

        # Stopped by the scheduler (systemd sends SIGTERM): the sites under way end as "shutdown".
        data = tmp_path / "stopped"
        crawl = subprocess.Popen([sys.executable, "-m", "crawler.cli", *crawl_args(registry, data),
                                  "-s", "DOWNLOAD_DELAY=0.3", "-s", "AUTOTHROTTLE_ENABLED=False"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while count_reports(data / "archive.db") < 2:
            assert crawl.poll() is None and time.monotonic() < deadline, "the crawl ended before the signal"
            time.sleep(0.05)
        crawl.send_signal(signal.SIGTERM)
        crawl.wait(timeout=120)
    reasons = [r for rs in finish_reasons(data / "archive.db").values() for r in rs]
    assert "shutdown" in reasons and None not in reasons, reasons
