"""The whole path, for real: the bundled sample sites on 127.0.0.1 → `govreports crawl`
(Scrapy) → extraction → SQLite → Datasette over HTTP. Every cell is compared with the
values the sample sites were rendered from (crawler/sample_sites/truth.json)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
import yaml

from crawler.cli import datasette_command
from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites

from .helpers import free_port, get_json, govreports, wait_for

TRUTH = json.loads((Path(__file__).parents[1] / "crawler" / "sample_sites" / "truth.json").read_text("utf-8"))
CELL_TABLES = {"active_disclosure": ("item", "metric"), "applications": ("category", "applicant"),
               "reviews_litigation": ("proceeding", "result")}
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Crawl the sample sites twice into a fresh archive; yield (db path, data dir, outputs)."""
    tmp = tmp_path_factory.mktemp("archive")
    with SampleSites() as sites:
        registry = tmp / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        db = tmp / "data" / "archive.db"
        args = ["crawl", "--sites-file", str(registry), "--db", str(db), "--data-dir", str(tmp / "data"), *FAST]
        first = govreports(*args)
        assert first.returncode == 0, first.stderr[-3000:]
        requests_first = len(sites.requests)
        # The scheduled re-run, one site at a time (GOVREPORTS_CONCURRENT_SITES bounds memory).
        second = govreports(*args, "-s", "GOVREPORTS_CONCURRENT_SITES=1")
        assert second.returncode == 0, second.stderr[-3000:]
        yield db, tmp / "data", first, second, list(sites.requests[requests_first:])


def connect(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    return conn


def latest_report(conn, report):
    rows = conn.execute("select * from reports where site_id = ? and doc_key = ? and is_latest = 1",
                        [report["site_id"], report["path"]]).fetchall()
    assert len(rows) == 1, f"{report['site_id']} {report['path']}: {len(rows)} latest rows"
    return rows[0]


def test_every_sample_report_is_archived_with_its_metadata(archive):
    db, *_ = archive
    conn = connect(db)
    for report in TRUTH["reports"]:
        row = latest_report(conn, report)
        assert (row["year"], row["template"], row["source_format"], row["agency"]) == (
            report["year"], report["template"], report["source_format"], report["agency"]), report["path"]
    assert conn.execute("select count(*) from reports").fetchone()[0] == len(TRUTH["reports"])


def test_every_cell_equals_what_the_site_printed(archive):
    db, *_ = archive
    conn = connect(db)
    compared = 0
    for report in TRUTH["reports"]:
        rid = latest_report(conn, report)["id"]
        for section, (k1, k2) in CELL_TABLES.items():
            got = {(r[0], r[1]): r[2] for r in conn.execute(
                f"select {k1}, {k2}, value from {section} where report_id = ?", [rid])}
            expected = {(a, b): v for a, cols in report["cells"].get(section, {}).items() for b, v in cols.items()}
            assert {k: got.get(k) for k in expected} == expected, f"{report['path']} {section}"
            compared += len(expected)
    assert compared > 3000


def test_failed_checks_only_where_a_sample_breaks_an_identity(archive):
    db, *_ = archive
    conn = connect(db)
    for report in TRUTH["reports"]:
        rid = latest_report(conn, report)["id"]
        failed = {(r[0], r[1]) for r in conn.execute(
            "select rule, subject from checks where report_id = ? and passed = 0", [rid])}
        expected = {(c["rule"], c.get("column") or c.get("row") or c.get("proceeding"))
                    for c in report["expected_failed_checks"]}
        assert failed == expected, report["path"]
        status = latest_report(conn, report)["status"]
        if report["template"] == "pre2019":
            assert status == "pre2019"
        else:
            assert status == ("needs_review" if expected else "ok"), report["path"]


def test_non_reports_are_not_archived(archive):
    db, *_ = archive
    conn = connect(db)
    keys = {r[0] for r in conn.execute("select doc_key from reports")}
    assert not keys & set(TRUTH["non_reports"])


def test_originals_are_kept_content_addressed(archive):
    db, data_dir, *_ = archive
    conn = connect(db)
    files = conn.execute("select sha256, path, size from files").fetchall()
    assert len(files) >= len(TRUTH["reports"])
    for f in files:
        body = (data_dir / f["path"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == f["sha256"] and len(body) == f["size"]
    # Every attachment-sourced report points at the attachment file it was read from.
    for report in TRUTH["reports"]:
        row = latest_report(conn, report)
        if report["source_format"] in ("docx", "pdf"):
            fmt = conn.execute("select format from files where sha256 = ?", [row["sha256"]]).fetchone()[0]
            assert fmt == report["source_format"]


def test_second_crawl_adds_nothing_and_fetches_list_pages_only(archive):
    db, _, first, second, second_requests = archive
    conn = connect(db)
    runs = conn.execute("select * from crawl_runs order by id").fetchall()
    first_run, second_run = runs[: len(runs) // 2], runs[len(runs) // 2:]
    assert sum(r["reports_new"] for r in first_run) == len(TRUTH["reports"])
    assert sum(r["reports_new"] + r["reports_changed"] for r in second_run) == 0
    assert sum(r["skipped_known"] for r in second_run) == len(TRUTH["reports"])
    assert conn.execute("select count(*) from reports").fetchone()[0] == len(TRUTH["reports"])
    report_paths = {r["path"] for r in TRUTH["reports"]} | {
        r["attachment_path"] for r in TRUTH["reports"] if r["attachment_path"]}
    fetched = [(site, method, path, status) for site, method, path, status in second_requests]
    assert fetched, "the second run fetched nothing at all"
    assert not [f for f in fetched if f[2] in report_paths]
    # Static list pages were asked conditionally and answered 304 Not Modified.
    assert any(status == 304 for *_, status in fetched)
    assert "archive: " in second.stdout


def test_sites_run_at_most_the_configured_number_at_once(archive):
    *_, second_requests = archive
    order = [site for site, *_ in second_requests]
    contiguous = [site for i, site in enumerate(order) if i == 0 or order[i - 1] != site]
    # One site at a time: each site's requests form one block, and every site had its turn.
    assert sorted(contiguous) == sorted(set(order)), contiguous
    assert len(set(order)) == len(TRUTH["sites"])


def test_every_exchange_is_in_a_warc_and_each_report_has_a_manifest(archive):
    from pipelines.warc import iter_report_manifests, iter_responses

    db, data_dir, *_ = archive
    manifests = list(iter_report_manifests(data_dir / "warc"))
    assert {m["url"].split("/", 3)[-1] for m in manifests} == {r["path"].lstrip("/") for r in TRUTH["reports"]}
    urls = {url for url, _, _ in iter_responses(data_dir / "warc")}
    assert {m["page"]["url"] for m in manifests} <= urls
    assert {a["url"] for m in manifests for a in m["attachments"]} <= urls


def test_rebuild_from_the_archive_gives_the_same_cells(archive, tmp_path):
    db, data_dir, *_ = archive
    rebuilt = tmp_path / "rebuilt.db"
    proc = govreports("rebuild", "--data-dir", str(data_dir), "--db", str(rebuilt))
    assert proc.returncode == 0, proc.stderr[-2000:]
    query = """select r.site_id, r.doc_key, r.template, r.status, a.category, a.applicant, a.value
               from applications a join reports r on r.id = a.report_id order by 1, 2, 5, 6"""
    assert connect(rebuilt).execute(query).fetchall() == connect(db).execute(query).fetchall()
    count = "select count(*) from reports"
    assert connect(rebuilt).execute(count).fetchone()[0] == connect(db).execute(count).fetchone()[0]


def test_chinese_full_text_search_finds_two_character_queries(archive):
    db, *_ = archive
    conn = connect(db)
    three = conn.execute("select count(*) from reports_fts where reports_fts match ?", ['"行政复议"']).fetchone()[0]
    two = conn.execute("select count(*) from reports where instr(text, ?) > 0", ["复议"]).fetchone()[0]
    assert three > 0 and two >= three


def test_datasette_serves_the_seed_report(archive):
    db, *_ = archive
    port = free_port()
    proc = subprocess.Popen(datasette_command(db, "127.0.0.1", port), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/-/versions.json", proc=proc)
        seed = get_json(base + "/archive/reports.json?_shape=array&agency__exact="
                        "%E4%BD%99%E5%A7%9A%E5%B8%82%E5%85%AC%E5%85%B1%E8%B5%84%E6%BA%90%E4%BA%A4%E6%98%93"
                        "%E7%AE%A1%E7%90%86%E5%8A%9E%E5%85%AC%E5%AE%A4&year=2020")
        assert len(seed) == 1 and seed[0]["template"] == "2019"
        rid = seed[0]["id"]
        cells = get_json(f"{base}/archive/active_disclosure.json?_shape=array&_size=max&report_id={rid}")
        values = {(c["item"], c["metric"]): c["value"] for c in cells}
        assert values[("administrative_penalty", "change_this_year")] == 26
        assert values[("centralized_procurement", "procurement_amount")] == 16.4543
        assert values[("regulations", "published_this_year")] == 2
        printed = {(c["item"], c["metric"]): c["printed"] for c in cells}
        assert printed[("administrative_penalty", "change_this_year")] == "+26"
        apps = get_json(f"{base}/archive/applications.json?_shape=array&_size=max&report_id={rid}")
        assert len(apps) == 23 * 7 and all(a["value"] == 0 for a in apps)
        reviews = get_json(f"{base}/archive/reviews_litigation.json?_shape=array&report_id={rid}")
        assert len(reviews) == 15 and all(r["value"] == 0 and r["derived"].startswith("prose") for r in reviews)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
