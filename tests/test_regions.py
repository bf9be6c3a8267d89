"""Regions and levels (pipelines/regions.py, migration m004): from the registry's province and
city, refined by agency names, against the shipped code table; unknown places stay null."""

from __future__ import annotations

import sqlite_utils
import yaml

from crawler.registry import SAMPLE_SITES_FILE, SITES_FILE
from pipelines import regions
from pipelines import store as S
from pipelines.regions import resolve_report, resolve_site


def region(r) -> tuple:
    return (r.province, r.city, r.county, r.adcode, r.level)


NINGBO = dict(resolve_site({"province": "浙江省", "city": "宁波市", "agency": "宁波市人民政府",
                            "level": "city-government"}).as_dict(), agency="宁波市人民政府")


def test_code_table_is_complete_and_consistent():
    by_code = regions._table()[0]
    assert len([d for d in by_code.values() if d.level == "province"]) == 34
    assert len(by_code) > 3000
    for d in by_code.values():
        assert len(d.code) == 6 and d.code.isdigit()
        if d.parent:
            assert by_code[d.parent].level in ("province", "city")
            assert d.code[:2] == d.parent[:2]
    assert by_code["330281"].name == "余姚市" and by_code["330281"].parent == "330200"
    assert by_code["429004"].parent == "420000"  # 仙桃市: a county-level city under the province


def test_agency_refines_the_site_region():
    r = resolve_report(NINGBO, "余姚市公共资源交易管理办公室")
    assert region(r) == ("浙江省", "宁波市", "余姚市", "330281", "county-department")
    assert region(resolve_report(NINGBO, "宁波市财政局")) == ("浙江省", "宁波市", None, "330200", "city-department")
    assert region(resolve_report(NINGBO, "宁波市人民政府办公厅"))[4] == "city-government"
    assert region(resolve_report(NINGBO, "浙江省宁波市余姚市梨洲街道办事处")) == (
        "浙江省", "宁波市", "余姚市", "330281", "township-government")
    # a department whose name gives no place: the site's place and tier
    assert region(resolve_report(NINGBO, "财政局")) == ("浙江省", "宁波市", None, "330200", "city-department")
    # 城乡 in a department name is not a township
    assert resolve_report(NINGBO, "余姚市住房和城乡建设局").level == "county-department"


def test_registry_city_may_be_a_county_level_city():
    r = resolve_site({"province": "浙江省", "city": "余姚市", "agency": "余姚市人民政府", "level": "county"})
    assert region(r) == ("浙江省", "宁波市", "余姚市", "330281", "county-government")


def test_unknown_places_are_null_never_guessed():
    fictional = resolve_site({"province": "示例省", "city": "示例市", "agency": "示例市人民政府", "level": "city"})
    assert region(fictional) == (None, None, None, None, "city-government")
    site = dict(fictional.as_dict(), agency="示例市人民政府")
    assert region(resolve_report(site, "示例市财政局")) == (None, None, None, None, "city-department")
    # a real province with a fictional city: the province only
    assert region(resolve_site({"province": "广东省", "city": "岭南市", "agency": "岭南市人民政府", "level": "city"})) == (
        "广东省", None, None, "440000", "city-government")
    # 平潭综合实验区 is not a division in the table
    assert resolve_site({"province": "福建省", "city": "平潭综合实验区", "agency": "平潭综合实验区",
                         "level": "city-government"}).adcode == "350000"
    # a name shared by several divisions is not picked
    assert resolve_report(None, "朝阳区财政局").adcode is None
    assert resolve_report(None, "余姚市财政局").adcode == "330281"  # unique in the country


def test_every_registry_site_has_its_province_and_level():
    sites = yaml.safe_load(SITES_FILE.read_text(encoding="utf-8"))
    for s in sites:
        r = resolve_site(s)
        assert r.province == s["province"], s["id"]
        assert r.adcode and r.adcode[:2] == regions.lineage(regions.division(r.adcode))[0].code[:2]
        assert r.level == s["level"], s["id"]
        if s.get("city") and regions._named(s["city"]):
            assert s["city"] in (r.city, r.county), s["id"]
    by_id = {s["id"]: resolve_site(s) for s in sites}
    assert region(by_id["zj_longyou"]) == ("浙江省", "衢州市", "龙游县", "330825", "county-government")
    assert region(by_id["bj_miyun"])[2:4] == ("密云区", "110118")
    assert region(by_id["zj_tz_xianju_xiage"])[3:] == ("331024", "township-government")


def test_sample_sites():
    sites = {s["id"]: resolve_site(s) for s in yaml.safe_load(SAMPLE_SITES_FILE.read_text(encoding="utf-8"))}
    assert sites["trs_sample"].adcode is None and sites["trs_sample"].province is None
    assert region(sites["hanweb_sample"])[:4] == ("浙江省", "宁波市", "余姚市", "330281")


def _old_database(path) -> sqlite_utils.Database:
    """An archive as migrations m001–m003 left it, with one site and two reports."""
    old = sqlite_utils.Migrations("govreports")
    for fn in (S.m001_initial, S.m002_crawl_state, S.m003_monitor_results):
        old()(fn)
    db = sqlite_utils.Database(path)
    old.apply(db)
    db["sites"].insert({"id": "yy", "name": "余姚", "agency": "余姚市人民政府", "province": "浙江省",
                        "city": "余姚市", "level": "county-government", "platform": "trs"})
    for i, agency in ((1, "余姚市人民政府办公室"), (2, "余姚市教育局")):
        db["reports"].insert({"id": i, "site_id": "yy", "doc_key": str(i), "version": 1, "fingerprint": "x",
                              "status": "ok", "agency": agency, "year": 2022, "template": "2021"})
    db["applications"].insert_all([
        {"report_id": 2, "category": "new_received", "applicant": "total", "value": 7},
        {"report_id": 2, "category": "granted", "applicant": "total", "value": None},
        {"report_id": 2, "category": "granted", "applicant": "natural_person", "value": 3},
    ])
    db["reviews_litigation"].insert({"report_id": 2, "proceeding": "administrative_review", "result": "total", "value": 1})
    return db


def test_migration_fills_regions_and_totals_of_an_old_archive(tmp_path):
    _old_database(tmp_path / "a.db").close()
    db = S.open_db(tmp_path / "a.db")
    assert db["sites"].get("yy")["adcode"] == "330281"
    rows = {r["id"]: r for r in db.query("select id, province, city, county, adcode, level from reports")}
    assert rows[1]["level"] == "county-government" and rows[2]["level"] == "county-department"
    assert all(r["county"] == "余姚市" and r["city"] == "宁波市" for r in rows.values())
    totals = db["report_totals"].get(2)
    assert (totals["new_received"], totals["granted"], totals["administrative_review_total"], totals["null_cells"]) == (
        7, None, 1, 1)
    summary = next(db.query("select received, granted, reviews, null_cells from report_summary where report_id = 2"))
    assert summary == {"received": 7, "granted": None, "reviews": 1, "null_cells": 1}
    # m005: cells kept, each cell table now stored in its key's order, the totals triggers gone.
    assert db.execute("select count(*) from applications").fetchone()[0] == 3
    assert all("WITHOUT ROWID" in db[t].schema for t in S.CELL_TABLES)
    assert not list(db.query("select name from sqlite_master where type = 'trigger' and name like 'report_totals%'"))
    wide = list(db.query("select category, natural_person, total from applications_wide where report_id = 2 order by category"))
    assert wide == [{"category": "granted", "natural_person": 3, "total": None},
                    {"category": "new_received", "natural_person": None, "total": 7}]


def test_save_report_keeps_report_totals_equal_to_a_full_recount(tmp_path):
    from pipelines.extract import Extraction
    from pipelines.tables.normalize import Cell

    db = S.open_db(tmp_path / "b.db")
    S.upsert_site(db, {"id": "s", "name": "n", "agency": "宁波市人民政府", "province": "浙江省", "city": "宁波市",
                       "level": "city-government", "platform": "trs"})
    cells = [Cell("applications", c, a, v) for c, a, v in (
        ("new_received", "total", 10), ("other_no_correction", "total", 2), ("other", "total", 3),
        ("new_received", "natural_person", 9), ("extra:自定义", "total", 4))]
    cells += [Cell("reviews_litigation", p, r, v) for p, r, v in (
        ("litigation_direct", "total", 2), ("litigation_after_review", "total", None))]
    page = S.FileRecord("a" * 64, "files/a.html", 1, "html", "http://x/1", "page")
    ex = Extraction(status="needs_review", format="html", template="2021", cells=cells)
    _, report_id = S.save_report(db, S.ReportRecord("s", "k", "http://x/1", ex, page, [page]))
    by_writer = db["report_totals"].get(report_id)
    S.fill_report_totals(db)
    assert db["report_totals"].get(report_id) == by_writer
    assert (by_writer["new_received"], by_writer["other"], by_writer["litigation_direct_total"],
            by_writer["null_cells"]) == (10, 3, 2, 1)
    # A report without any of these cells has no row, as a recount leaves it.
    empty = Extraction(status="no_tables", format="html")
    _, other_id = S.save_report(db, S.ReportRecord("s", "k2", "http://x/2", empty, page, [page]))
    assert not list(db.query("select 1 from report_totals where report_id = ?", [other_id]))
    lawsuits = next(db.query("select lawsuits from report_summary where report_id = ?", [report_id]))["lawsuits"]
    assert lawsuits is None  # one part is unreadable: the sum is unknown, not 2


def test_full_text_index_follows_edits_of_indexed_columns_only(tmp_path):
    db = S.open_db(tmp_path / "c.db")
    S.upsert_site(db, {"id": "s", "name": "n", "agency": "宁波市人民政府", "province": "浙江省", "city": "宁波市",
                       "level": "city-government", "platform": "trs"})
    db["reports"].insert({"id": 7, "site_id": "s", "doc_key": "k", "version": 1, "fingerprint": "f", "status": "ok",
                          "title": "宁波市2022年政府信息公开工作年度报告", "text": "本年度收到行政复议申请"})

    def hits(q: str) -> list[int]:
        return [r[0] for r in db.execute("select rowid from reports_fts where reports_fts match ?", [q]).fetchall()]

    assert hits('"行政复议"') == [7]
    db.execute("update reports set last_seen_at = '2026-01-01', status = 'needs_review' where id = 7")
    assert hits('"行政复议"') == [7]  # still indexed once
    db.execute("update reports set text = '本年度未发生行政诉讼' where id = 7")
    assert hits('"行政复议"') == [] and hits('"行政诉讼"') == [7]
    trigger = db.execute("select sql from sqlite_master where name = 'reports_au'").fetchone()[0]
    assert "UPDATE OF title, agency, text" in trigger
