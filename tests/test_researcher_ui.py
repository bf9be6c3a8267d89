"""The researcher-facing Datasette layer on the demo archive, over HTTP and in a real browser.

The demo archive is built as a user builds it (`govreports demo --no-serve --data-dir TMP`, a
subprocess) and served with `crawler.cli.datasette_command`. HTTP tests check regions and
levels, the views, the canned queries against figures computed here with plain SQL, the
originals route and the dashboard's assets. The browser test drives headless Chromium
(Debian's `chromium`, over the DevTools protocol) through the home page, a faceted table, a
canned query, the dashboard and a search, checks that each page shows the archive's real
numbers and that the browser never asked anything of another host, and saves screenshots
(in pytest's tmp dir; set GOVREPORTS_SCREENSHOTS=DIR to keep them). It is skipped when
chromium is not installed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlite_utils
import yaml

from crawler.cli import PUBLISH_DIR
from tests.test_datasette import CJK, LATIN, Datasette

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    proc = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--no-serve", "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return data_dir


@pytest.fixture(scope="module")
def db(demo) -> sqlite_utils.Database:
    return sqlite_utils.Database(demo / "archive.db")


@pytest.fixture(scope="module")
def ds(request, demo) -> Datasette:
    server = Datasette(demo / "archive.db", demo / "datasette.log")
    request.addfinalizer(server.stop)
    return server


def one(db, sql, params=()):
    return next(iter(db.execute(sql, params).fetchall()))[0]


# ── regions, views, canned queries ────────────────────────────────────────────

def test_reports_carry_region_and_level(ds, db):
    rows = ds.rows("reports", agency="余姚市公共资源交易管理办公室", _col=["province", "city", "county", "adcode", "level"])
    assert rows and all((r["province"], r["city"], r["county"], r["adcode"], r["level"]) ==
                        ("浙江省", "宁波市", "余姚市", "330281", "county-department") for r in rows)
    # the fictional sample site: no codes
    assert {r["adcode"] for r in ds.rows("reports", site_id="trs_sample", _col="adcode")} == {None}
    data = ds.json("/archive/reports.json", _size=0)
    provinces = {r["value"]: r["count"] for r in data["facet_results"]["province"]["results"]}
    assert provinces["浙江省"] == one(db, "select count(*) from reports where province = '浙江省'")
    levels = {r["value"]: r["count"] for r in data["facet_results"]["level"]["results"]}
    assert levels["county-department"] == one(db, "select count(*) from reports where level = 'county-department'")
    sites = ds.json("/archive/sites.json", _size=0)
    assert {r["value"] for r in sites["facet_results"]["province"]["results"]} >= {"浙江省", "广东省", "陕西省"}


def test_report_summary_view_matches_the_cells(ds, db):
    summary = {r["report_id"]: r for r in ds.rows("report_summary", _size="max")}
    assert len(summary) == one(db, "select count(*) from reports where is_latest = 1")
    for report_id, r in summary.items():
        if r["template"] == "pre2019":
            continue
        cells = {c["category"]: c["value"] for c in db.query(
            "select category, value from applications where report_id = ? and applicant = 'total'", [report_id])}
        assert r["received"] == cells["new_received"]
        assert r["processed"] == cells["total_processed"]
        denied = [v for k, v in cells.items() if k.startswith("denied_")]
        assert r["denied"] == (None if None in denied else sum(denied))
        reviews = one(db, "select value from reviews_litigation where report_id = ? and proceeding = "
                          "'administrative_review' and result = 'total'", [report_id])
        assert r["reviews"] == reviews
    page = ds.text("/archive/report_summary")
    assert 'href="/archive/reports/' in page  # report ids link to their report


def test_applications_wide_view(ds, db):
    report_id = one(db, "select id from reports where template = '2021' order by id limit 1")
    rows = {r["category"]: r for r in ds.rows("applications_wide", report_id=report_id, _size="max")}
    assert len(rows) == one(db, "select count(*) from applications where report_id = ? and applicant = 'total'", [report_id])
    for applicant in ("natural_person", "commercial_enterprise", "total"):
        assert rows["new_received"][applicant] == one(
            db, "select value from applications where report_id = ? and category = 'new_received' and applicant = ?",
            [report_id, applicant])


def test_at_least_eight_documented_canned_queries(ds):
    queries = ds.json("/-/metadata.json")["databases"]["archive"]["queries"]
    assert len(queries) >= 8
    for name in ("requests_by_year", "outcome_shares_by_province", "refusal_grounds", "bodies_failing_identities",
                 "carry_over_mismatches", "missing_reports", "year_on_year_changes", "search"):
        assert name in queries
        assert CJK.search(queries[name]["description"]) and LATIN.search(queries[name]["description"])
        assert isinstance(ds.rows(name, q="复议") if name == "search" else ds.rows(name), list)


def test_outcome_shares_by_province(ds, db):
    rows = {(r["province"], r["year"]): r for r in ds.rows("outcome_shares_by_province")}
    granted, processed = next(iter(db.execute(
        """select sum(t.granted), sum(t.total_processed) from reports r join report_totals t on t.report_id = r.id
           where r.is_latest = 1 and r.province = '浙江省' and r.year = 2023""").fetchall()))
    assert rows[("浙江省", 2023)]["processed"] == processed
    assert rows[("浙江省", 2023)]["granted_pct"] == round(100.0 * granted / processed, 1)
    assert any(p.startswith("（未知") for p, _ in rows)  # the fictional sample province


def test_refusal_grounds(ds, db):
    rows = ds.rows("refusal_grounds")
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    top = rows[0]
    assert top["requests"] == one(db, """select sum(a.value) from applications a join reports r on r.id = a.report_id
        where r.is_latest = 1 and a.applicant = 'total' and a.category = ?""", [top["ground"]])
    assert abs(sum(r["share_pct"] for r in rows) - 100) < 1
    assert all(r["label"] for r in rows)
    assert ds.rows("refusal_grounds", province="没有这个省") == []


def test_bodies_failing_and_missing_reports_and_changes(ds, db):
    failing = ds.rows("bodies_failing_identities")
    expected = {(r["site_id"], r["agency"]) for r in db.query(
        """select distinct r.site_id, r.agency from checks c join reports r on r.id = c.report_id
           where c.passed = 0 and r.is_latest = 1 and c.rule != 'applications.carry_over'""")}
    assert {(r["site_id"], r["agency"]) for r in failing} == expected and expected
    missing = ds.rows("missing_reports")
    last = one(db, "select max(year) from reports where is_latest = 1")
    for r in missing:
        assert r["first_year"] < r["missing_year"] <= last
        assert not one(db, "select count(*) from reports where site_id = ? and agency = ? and year = ?",
                       [r["site_id"], r["agency"], r["missing_year"]])
    changes = ds.rows("year_on_year_changes")
    assert changes and all(r["year"] == r["prev_year"] + 1 and r["change"] == r["value"] - r["prev_value"]
                           for r in changes)
    assert [abs(r["change"]) for r in changes] == sorted((abs(r["change"]) for r in changes), reverse=True)
    assert {r["measure"] for r in ds.rows("year_on_year_changes", measure="denied")} <= {"denied"}


def test_metadata_describes_units_and_the_dashboard(ds):
    meta = yaml.safe_load((PUBLISH_DIR / "metadata.yml").read_text(encoding="utf-8"))
    tables = meta["databases"]["archive"]["tables"]
    assert "（件）" in tables["report_summary"]["columns"]["received"]
    assert "万元" in tables["active_disclosure"]["columns"]["value"]
    assert "overview" in meta["plugins"]["datasette-dashboards"]


# ── originals ─────────────────────────────────────────────────────────────────

def test_originals_are_served_by_hash(ds, db, demo):
    files = list(db.query("select sha256, path, format from files order by format"))
    assert {f["format"] for f in files} >= {"html", "pdf"}
    for f in files:
        with urllib.request.urlopen(ds.url(f"/-/original/{f['sha256']}"), timeout=30) as resp:
            body = resp.read()
            headers = resp.headers
        assert hashlib.sha256(body).hexdigest() == f["sha256"]
        assert body == (demo / f["path"]).read_bytes()
        kind = headers["Content-Type"]
        disposition = headers["Content-Disposition"]
        if f["format"] == "html":
            assert kind.startswith("text/html") and disposition.startswith("inline")
            assert headers["Content-Security-Policy"] == "sandbox"
        elif f["format"] == "pdf":
            assert kind == "application/pdf" and disposition.startswith("inline")
        elif f["format"] == "docx":
            assert kind.endswith("wordprocessingml.document") and disposition.startswith("attachment")
        assert "filename=" in disposition


@pytest.mark.parametrize("path", [
    "/-/original/" + "0" * 64,                       # a hash that is not in the archive
    "/-/original/archive.db",                       # not a hash
    "/-/original/..%2Farchive.db",
    "/-/original/" + "A" * 63,
])
def test_originals_route_serves_nothing_else(ds, path):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(ds.base + path, timeout=30)
    assert err.value.code == 404


def test_report_page_links_to_source_and_original(ds, db):
    r = next(db.query("select id, url, sha256 from reports where source_format = 'pdf' limit 1"))
    page = ds.text(f"/archive/reports/{r['id']}")
    assert f'href="{r["url"]}"' in page
    assert f'href="/-/original/{r["sha256"]}"' in page
    assert f"report_cells?report_id={r['id']}" in page
    # and a cell links to its report
    cells = ds.text("/archive/applications", report_id=str(r["id"]), _size="5")
    assert f'href="/archive/reports/{r["id"]}"' in cells


# ── home page and dashboard (HTML) ────────────────────────────────────────────

def test_home_page_leads_to_search_and_dashboard(ds):
    home = ds.text("/")
    assert 'action="/archive/search"' in home
    assert 'href="/-/dashboards/overview"' in home
    assert 'href="/archive/refusal_grounds"' in home


def test_dashboard_assets_are_local(ds):
    page = ds.text("/-/dashboards/overview")
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert any("vega" in a for a in assets)
    for a in assets:
        assert a.startswith("/") and not a.startswith("//"), a
        with urllib.request.urlopen(ds.base + a, timeout=30) as resp:
            assert resp.status == 200


# ── the browser ───────────────────────────────────────────────────────────────

class Browser:
    """Headless Chromium over the DevTools protocol (websocket-client)."""

    def __init__(self, profile: Path):
        import websocket

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--window-size=1280,1000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                    targets = [t for t in json.load(resp) if t["type"] == "page"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.id = 0
        self.events: list[dict] = []
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, **params):
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def open(self, url: str, ready: str = "document.readyState === 'complete'", timeout: float = 30) -> None:
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        time.sleep(0.2)
        while not self.eval(f"(() => {{ try {{ return !!({ready}) }} catch (e) {{ return false }} }})()"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: not ready ({ready})")
            time.sleep(0.2)

    def eval(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def text(self) -> str:
        return self.eval("document.body.innerText")

    def screenshot(self, path: Path, scroll_to: str | None = None) -> Path:
        if scroll_to:
            self.eval(f"document.querySelector({json.dumps(scroll_to)}).scrollIntoView()")
            time.sleep(0.3)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    keep = os.environ.get("GOVREPORTS_SCREENSHOTS")
    path = Path(keep) if keep else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_browser_walkthrough(ds, db, shots, tmp_path):
    pytest.importorskip("websocket", reason="websocket-client is not installed")
    browser = Browser(tmp_path / "profile")
    try:
        reports = one(db, "select count(*) from reports where is_latest = 1")
        received = one(db, """select sum(t.new_received) from reports r join report_totals t on t.report_id = r.id
                              where r.is_latest = 1""")

        # 1. the home page: the archive's title, its tables with their row counts, the way in
        browser.open(ds.base + "/")
        text = browser.text()
        assert "政府信息公开工作年度报告档案" in text and "全文检索" in text
        stats = browser.eval("document.querySelector('.archive-stats').innerText")
        assert f"{reports:,} 份报告" in stats and f"{received:,} 件" in stats, stats
        browser.screenshot(shots / "1-home.png")

        # 2. a faceted table: reports, faceted by province and level (metadata defaults)
        browser.open(ds.base + "/archive/reports")
        text = browser.text()
        zhejiang = one(db, "select count(*) from reports where province = '浙江省'")
        assert re.search(rf"浙江省\s*{zhejiang}\b", text), text[:2000]
        county_dept = one(db, "select count(*) from reports where level = 'county-department'")
        assert re.search(rf"county-department\s*{county_dept}\b", text)
        assert f"{reports} rows" in text or f"{reports:,} rows" in text
        browser.screenshot(shots / "2-reports-faceted.png", scroll_to=".facet-results")

        # 3. a canned query: requests by year, with the sums of the 总计 column
        browser.open(ds.base + "/archive/requests_by_year?_hide_sql=1")
        text = browser.text()
        year, new = next(iter(db.execute(
            """select r.year, sum(t.new_received) from reports r join report_totals t on t.report_id = r.id
               where r.is_latest = 1 and r.template = '2021' group by r.year order by r.year desc limit 1""").fetchall()))
        row = next(line for line in text.splitlines() if line.startswith(f"{year}\t2021"))
        assert f"\t{new}\t" in row, row
        browser.screenshot(shots / "3-requests-by-year.png")

        # 4. the dashboard: metrics and Vega charts drawn from local assets
        browser.open(ds.base + "/-/dashboards/overview",
                     ready="document.querySelectorAll('.dashboard-card-chart canvas, .dashboard-card-chart svg')"
                           ".length >= 4 && document.querySelector('#chart-received').innerText.trim().length > 0",
                     timeout=60)
        time.sleep(1)
        assert browser.eval("document.querySelector('#chart-reports').innerText").strip() == f"{reports} 份"
        assert browser.eval("document.querySelector('#chart-received').innerText").strip() == f"{received} 件"
        browser.screenshot(shots / "4-dashboard.png")

        # 5. full-text search with a two-character word
        browser.open(ds.base + "/archive/search?_hide_sql=1&q=" + urllib.parse.quote("复议"))
        text = browser.text()
        hits = one(db, """select count(*) from reports where is_latest = 1
                          and (instr(text, '复议') > 0 or instr(title, '复议') > 0 or instr(agency, '复议') > 0)""")
        assert hits > 0 and (f"{hits} row" in text), text[:1500]
        assert "复议" in browser.eval("document.querySelector('table.rows-and-columns').innerText")
        browser.screenshot(shots / "5-search.png")

        # every request the browser made went to this Datasette (no CDN, nothing online)
        others = [u for u in browser.requested() if not u.startswith((ds.base, "data:", "blob:", "about:"))]
        assert others == []
    finally:
        browser.close()
    for name in ("1-home", "2-reports-faceted", "3-requests-by-year", "4-dashboard", "5-search"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
