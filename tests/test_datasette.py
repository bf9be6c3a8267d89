"""The Datasette layer (crawler/publish/metadata.yml), served the way `govreports serve` does.

An archive is built with the project's own code from the real pingtan.gov.cn pages (extract →
store original → save report → cross-year checks), Datasette is started as a subprocess with
`datasette_command`, and everything is checked over HTTP: tables, facets, full-text search, the
canned queries and their numbers, and that every column of every table is described.

A second archive holds the real 2019 report and the real 2022 page relabelled as the 2020
report ("2022年" → "2020年" in its bytes; nothing else changed). Its 上年结转 (1 request) then
disagrees with the 2019 report's 结转下年 (0), which is what the review queries must find.
"""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from crawler.cli import PUBLISH_DIR, datasette_command
from pipelines.archive import store_original
from pipelines.extract import extract_document
from pipelines.store import (
    FileRecord,
    ReportRecord,
    open_db,
    refresh_cross_year_checks,
    save_report,
    upsert_site,
)

PINGTAN = Path(__file__).parent / "files" / "pingtan"
COLUMN_URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
# fixture file -> its original URL below the column (tests/files/pingtan/README.md)
DOCUMENTS = {
    "t20200120_80576.html": "202001/t20200120_80576.htm",
    "t20230220_80629.html": "202302/t20230220_80629.htm",
    "t20160112_80445.html": "201601/t20160112_80445.htm",
}
SITE = {
    "id": "fj_pingtan", "name": "平潭综合实验区管委会", "agency": "平潭综合实验区",
    "province": "福建省", "city": "平潭综合实验区", "level": "city-government",
    "platform": "trs", "column_url": COLUMN_URL, "sample": 0,
}
CANNED = ("requests_by_year", "failed_checks", "refusal_share_by_agency", "search",
          "report_cells", "carry_over_mismatches", "needs_review")
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3}")


def build_archive(data_dir: Path, documents: dict[str, bytes]) -> Path:
    """What the crawler's archive pipeline does for each report page, minus the fetching."""
    path = data_dir / "archive.db"
    db = open_db(path)
    upsert_site(db, SITE)
    for name, data in documents.items():
        url = COLUMN_URL + DOCUMENTS[name]
        extraction = extract_document(data)
        sha, rel = store_original(data_dir, data, "html")
        page = FileRecord(sha256=sha, path=rel, size=len(data), format="html", url=url, role="page",
                          content_type="text/html")
        outcome, _ = save_report(db, ReportRecord(site_id=SITE["id"], doc_key=name, url=url,
                                                  extraction=extraction, source=page, files=[page]))
        assert outcome == "new"
    refresh_cross_year_checks(db)
    db.close()
    return path


class Datasette:
    """A Datasette subprocess started exactly as `govreports serve` starts it."""

    def __init__(self, db: Path, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.db = db
        self.log_path = log
        self.log = open(log, "wb")  # closed in stop()
        self.proc = subprocess.Popen(datasette_command(db, "127.0.0.1", self.port),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"datasette exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "/-/versions.json", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"datasette did not answer:\n{self.output()}") from None
                time.sleep(0.2)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()

    def url(self, path: str, **params) -> str:
        return self.base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")

    def text(self, path: str, **params) -> str:
        with urllib.request.urlopen(self.url(path, **params), timeout=30) as resp:
            return resp.read().decode("utf-8")

    def json(self, path: str, **params):
        try:
            return json.loads(self.text(path, **params))
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{path} {params}: HTTP {exc.code}: {exc.read()[:500]!r}") from exc

    def rows(self, name: str, **params) -> list[dict]:
        """Rows of a table or canned query of the archive database."""
        return self.json(f"/archive/{name}.json", _shape="array", **params)


def described_tables(db: sqlite_utils.Database) -> list[str]:
    """Every table and view but the shadow tables SQLite keeps for an FTS index (reports_fts_data ...)."""
    fts = [t for t in db.table_names() if "USING FTS" in (db[t].schema or "").upper()]
    shadow = {f"{t}_{s}" for t in fts for s in ("data", "idx", "docsize", "config", "content")}
    return [t for t in db.table_names() if t not in shadow] + db.view_names()


def _serve(request, db: Path) -> Datasette:
    server = Datasette(db, db.parent / "datasette.log")
    request.addfinalizer(server.stop)
    return server


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    documents = {name: (PINGTAN / name).read_bytes() for name in DOCUMENTS}
    return build_archive(tmp_path_factory.mktemp("archive"), documents)


@pytest.fixture(scope="module")
def ds(request, archive_db) -> Datasette:
    return _serve(request, archive_db)


@pytest.fixture(scope="module")
def relabelled(request, tmp_path_factory) -> Datasette:
    documents = {
        "t20200120_80576.html": (PINGTAN / "t20200120_80576.html").read_bytes(),
        "t20230220_80629.html": (PINGTAN / "t20230220_80629.html").read_bytes()
        .replace("2022年".encode(), "2020年".encode()),
    }
    return _serve(request, build_archive(tmp_path_factory.mktemp("relabelled"), documents))


@pytest.fixture(scope="module")
def ids(ds) -> dict[int, int]:
    """Report id by report year."""
    return {r["year"]: r["id"] for r in ds.rows("reports", _col="year")}


# ── tables, facets, metadata ──────────────────────────────────────────────────

def test_reports_table_lists_the_three_reports(ds):
    rows = ds.rows("reports", _col=["title", "year", "template", "status"], _sort="year")
    assert [(r["year"], r["template"], r["status"]) for r in rows] == [
        (2015, "pre2019", "pre2019"), (2019, "2019", "ok"), (2022, "2021", "ok")]
    assert all(r["title"] == f"平潭综合实验区{r['year']}年度政府信息公开工作年度报告" for r in rows)


def test_applications_cells_of_the_2022_report(ds, ids):
    def total(category):
        rows = ds.rows("applications", report_id=ids[2022], category=category, applicant="total")
        assert len(rows) == 1, rows
        return rows[0]

    assert total("new_received")["value"] == 74
    assert total("new_received")["printed"] == "74"
    assert total("granted")["value"] == 21


def test_facets(ds, ids):
    data = ds.json("/archive/reports.json", _facet="year", _size=0)
    years = {r["value"]: r["count"] for r in data["facet_results"]["year"]["results"]}
    assert years == {2015: 1, 2019: 1, 2022: 1}
    # the facets configured in metadata are there without being asked for
    assert {"template", "status", "site_id", "agency", "source_format"} <= set(data["facet_results"])
    cells = ds.json("/archive/applications.json", report_id=ids[2022], _size=0)
    applicants = {r["value"] for r in cells["facet_results"]["applicant"]["results"]}
    assert {"natural_person", "total"} <= applicants


def test_metadata_is_served(ds):
    served = ds.json("/-/metadata.json")
    local = yaml.safe_load((PUBLISH_DIR / "metadata.yml").read_text(encoding="utf-8"))
    assert served["title"] == local["title"]
    assert "政府信息公开" in served["title"] and "Annual Reports" in served["title"]
    assert "needs_review" in served["description"]
    assert "MIT" in served["license"]
    assert set(CANNED) <= set(served["databases"]["archive"]["queries"])
    home = ds.text("/")
    assert "政府信息公开工作年度报告档案" in home


def test_every_column_of_every_table_is_described(ds, archive_db):
    """Fails when store.py gains a table or column that metadata.yml does not describe."""
    tables_meta = ds.json("/-/metadata.json")["databases"]["archive"]["tables"]
    db = sqlite_utils.Database(archive_db)
    missing, bad, stale = [], [], []
    for table in described_tables(db):
        meta = tables_meta.get(table) or {}
        for key in ("title", "description"):
            if not (CJK.search(meta.get(key) or "") and LATIN.search(meta.get(key) or "")):
                bad.append(f"{table} {key}")
        described = meta.get("columns") or {}
        for column in db[table].columns_dict:
            text = described.get(column)
            if not text:
                missing.append(f"{table}.{column}")
            elif not (CJK.search(text) and LATIN.search(text) and " / " in text):
                bad.append(f"{table}.{column}: {text!r}")
        stale += [f"{table}.{c}" for c in described if c not in db[table].columns_dict]
    assert "reports" in tables_meta and "applications" in tables_meta
    assert not missing, f"columns without a description in metadata.yml: {missing}"
    assert not bad, f"titles/descriptions not in both Chinese and English: {bad}"
    assert not stale, f"metadata.yml describes columns that do not exist: {stale}"


def test_every_table_page_renders_with_its_title(ds):
    tables_meta = ds.json("/-/metadata.json")["databases"]["archive"]["tables"]
    for table in described_tables(sqlite_utils.Database(ds.db)):
        page = ds.text(f"/archive/{table}")
        assert html.escape(tables_meta[table]["title"], quote=False) in page, table


# ── full-text search ──────────────────────────────────────────────────────────

@pytest.mark.parametrize("query", ["复议", "行政复议", "申请", "政府信息公开"])
def test_search_query_finds_short_and_long_words(ds, ids, query):
    rows = ds.rows("search", q=query)
    assert len(rows) >= 1
    for r in rows:
        assert r["occurrences"] >= 1
        assert query in r["snippet"]
        assert r["report_id"] in ids.values()


def test_search_query_two_and_three_characters_agree(ds):
    short = {r["report_id"] for r in ds.rows("search", q="复议")}
    long = {r["report_id"] for r in ds.rows("search", q="行政复议")}
    assert long and long <= short
    assert {r["year"] for r in ds.rows("search", q="2019年")} == {2019}
    assert ds.rows("search", q="没有这样的词语") == []
    assert ds.rows("search", q="") == []
    # FTS syntax characters are taken literally, never as query syntax
    assert ds.rows("search", q='行政"复议-OR') == []


def test_table_search_box(ds):
    assert len(ds.rows("reports", _search="行政复议", _col="title")) == 3
    # escaped mode: punctuation is part of the phrase, not FTS syntax
    assert isinstance(ds.rows("reports", _search="2019-2020 信息公开", _col="title"), list)


# ── canned queries ────────────────────────────────────────────────────────────

def test_every_canned_query_runs(ds, ids):
    params = {"report_id": ids[2022], "q": "行政复议"}
    queries = ds.json("/-/metadata.json")["databases"]["archive"]["queries"]
    assert set(CANNED) <= set(queries)
    for name, query in queries.items():
        assert CJK.search(query["title"]) and LATIN.search(query["title"]), name
        assert CJK.search(query["description"]) and LATIN.search(query["description"]), name
        assert isinstance(ds.rows(name, **params), list), name


def test_requests_by_year(ds):
    rows = {r["year"]: r for r in ds.rows("requests_by_year")}
    assert set(rows) == {2015, 2019, 2022}
    y19, y22 = rows[2019], rows[2022]
    assert (y19["template"], y19["reports"], y19["new_received"]) == ("2019", 1, 23)
    assert (y22["template"], y22["reports"], y22["new_received"]) == ("2021", 1, 74)
    assert {k: y22[k] for k in ("carried_over", "granted", "partially_granted", "denied", "unavailable",
                                "not_processed", "other", "total_processed", "carried_forward")} == {
        "carried_over": 1, "granted": 21, "partially_granted": 9, "denied": 4, "unavailable": 37,
        "not_processed": 0, "other": 4, "total_processed": 75, "carried_forward": 0}
    assert {k: y19[k] for k in ("granted", "partially_granted", "denied", "unavailable",
                                "not_processed", "other", "total_processed")} == {
        "granted": 7, "partially_granted": 1, "denied": 0, "unavailable": 12, "not_processed": 3,
        "other": 0, "total_processed": 23}
    for r in (y19, y22):
        assert r["null_cells"] == 0
        # the template's own identities hold for the sums too
        assert r["new_received"] + r["carried_over"] == r["total_processed"] + r["carried_forward"]
        assert (r["granted"] + r["partially_granted"] + r["denied"] + r["unavailable"]
                + r["not_processed"] + r["other"]) == r["total_processed"]
    assert rows[2015]["template"] == "pre2019" and rows[2015]["new_received"] is None
    assert [r["year"] for r in ds.rows("requests_by_year", template="2019")] == [2019]


def test_refusal_share_by_agency(ds):
    rows = {r["year"]: r for r in ds.rows("refusal_share_by_agency")}
    assert set(rows) == {2019, 2022}  # the 2015 report has no cells
    assert (rows[2022]["denied"], rows[2022]["total_processed"], rows[2022]["denied_pct"]) == (4, 75, 5.3)
    assert (rows[2019]["denied"], rows[2019]["total_processed"], rows[2019]["denied_pct"]) == (0, 23, 0.0)
    assert rows[2022]["granted_pct"] == 28.0 and rows[2022]["agency"] == "平潭综合实验区"
    assert [r["year"] for r in ds.rows("refusal_share_by_agency", agency="平潭", min_processed=50)] == [2022]
    assert ds.rows("refusal_share_by_agency", agency="余姚") == []


def test_report_cells(ds, ids):
    rows = ds.rows("report_cells", report_id=ids[2022])
    report = ds.json(f"/archive/reports/{ids[2022]}.json", _shape="array")[0]
    assert len(rows) == report["n_cells"] > 0
    assert [r["section"] for r in rows] == sorted((r["section"] for r in rows),
                                                  key=["active_disclosure", "applications", "reviews_litigation"].index)
    new = next(r for r in rows if (r["section"], r["row_key"], r["col_key"]) == ("applications", "new_received", "total"))
    assert (new["value"], new["printed"], new["was_blank"]) == (74, "74", 0)
    assert new["label"].startswith("一、本年新收")
    assert new["src_table"] is not None and new["src_row"] is not None
    other = next(r for r in rows if (r["section"], r["row_key"], r["col_key"]) == ("applications", "other", "total"))
    assert other["value"] == 4 and "sum of" in other["derived"]
    assert ds.rows("report_cells", report_id=ids[2015]) == []


def test_review_queries_are_empty_for_a_clean_archive(ds):
    assert ds.rows("failed_checks") == []
    assert ds.rows("needs_review") == []
    assert ds.rows("carry_over_mismatches") == []  # 2019 and 2022 are not consecutive years


def test_carry_over_mismatch_is_found(relabelled):
    years = {r["year"]: r for r in relabelled.rows("reports", _col=["year", "status"])}
    assert {y: r["status"] for y, r in years.items()} == {2019: "ok", 2020: "needs_review"}
    rows = relabelled.rows("carry_over_mismatches")
    assert sorted(r["applicant"] for r in rows) == ["natural_person", "total"]
    for r in rows:
        assert (r["report_id"], r["year"], r["prev_report_id"], r["prev_year"]) == (
            years[2020]["id"], 2020, years[2019]["id"], 2019)
        assert (r["carried_over"], r["prev_carried_forward"], r["difference"]) == (1, 0, 1)


def test_failed_checks_and_needs_review(relabelled):
    report_id = next(r["id"] for r in relabelled.rows("reports", _col="year") if r["year"] == 2020)
    failed = relabelled.rows("failed_checks")
    assert {(r["report_id"], r["rule"], r["subject"]) for r in failed} == {
        (report_id, "applications.carry_over", "natural_person"), (report_id, "applications.carry_over", "total")}
    assert all(r["expected"] == 0 and r["actual"] == 1 and r["year"] == 2020 for r in failed)
    assert relabelled.rows("failed_checks", rule="applications.balance") == []
    assert len(relabelled.rows("failed_checks", rule="applications.carry_over")) == 2
    review = relabelled.rows("needs_review")
    assert [(r["report_id"], r["null_cells"], r["failed_checks"], r["failed_rules"]) for r in review] == [
        (report_id, 0, 2, "applications.carry_over")]
    # in the HTML page the report id links to the report (crawler/publish/plugins)
    assert f'href="/archive/reports/{report_id}"' in relabelled.text("/archive/failed_checks")


# ── regions, views and originals (migration m004, crawler/publish/plugins) ─────

def test_reports_carry_the_site_region(ds):
    rows = ds.rows("reports", _col=["province", "city", "county", "adcode", "level"])
    # 平潭综合实验区 is not a division of the code table: the province only, never a guess
    assert {(r["province"], r["city"], r["county"], r["adcode"], r["level"]) for r in rows} == {
        ("福建省", None, None, "350000", "city-government")}
    site = ds.rows("sites")[0]
    assert (site["province"], site["adcode"], site["level"]) == ("福建省", "350000", "city-government")


def test_report_summary_and_wide_views(ds, ids):
    summary = {r["year"]: r for r in ds.rows("report_summary")}
    y22 = summary[2022]
    assert (y22["received"], y22["granted"], y22["denied"], y22["processed"], y22["pending"]) == (74, 21, 4, 75, 0)
    assert y22["reviews"] is not None and y22["null_cells"] == 0
    assert summary[2015]["received"] is None  # pre2019: no tables
    wide = {r["category"]: r for r in ds.rows("applications_wide", report_id=ids[2022], _size="max")}
    assert wide["new_received"]["total"] == 74
    assert wide["new_received"]["natural_person"] == ds.rows(
        "applications", report_id=ids[2022], category="new_received", applicant="natural_person")[0]["value"]


def test_original_file_is_served_from_the_report_page(ds, ids, archive_db):
    report = ds.json(f"/archive/reports/{ids[2022]}.json", _shape="array")[0]
    page = ds.text(f"/archive/reports/{ids[2022]}")
    assert f'href="/-/original/{report["sha256"]}"' in page and f'href="{report["url"]}"' in page
    with urllib.request.urlopen(ds.url(f"/-/original/{report['sha256']}"), timeout=30) as resp:
        body = resp.read()
        assert resp.headers["Content-Type"].startswith("text/html")
        assert resp.headers["Content-Disposition"].startswith("inline")
    assert body == (PINGTAN / "t20230220_80629.html").read_bytes()
