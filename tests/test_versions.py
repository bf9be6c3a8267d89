"""A report that changes on its site becomes a new version on a revalidating crawl; the old
version stays in the archive, and nothing else changes."""

from __future__ import annotations

import shutil
import sqlite3

import yaml

from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import WWW, SampleSites

from .helpers import govreports
from .test_end_to_end import TRUTH


def test_changed_report_becomes_a_new_version(tmp_path):
    www = tmp_path / "www"
    shutil.copytree(WWW, www)
    report = next(r for r in TRUTH["reports"] if r["site_id"] == "hanweb_sample" and r["source_format"] == "html")
    with SampleSites(www=www) as sites:
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                           allow_unicode=True), "utf-8")
        args = ["crawl", "--sites-file", str(registry), "--data-dir", str(tmp_path / "data"),
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False"]
        assert govreports(*args).returncode == 0
        page = www / "hanweb_sample" / report["path"].lstrip("/")
        html = page.read_text("utf-8")
        assert "总体情况" in html
        page.write_text(html.replace("总体情况", "总体情况（2025年3月更正）", 1), "utf-8")
        second = govreports(*args, "--revalidate")
        assert second.returncode == 0, second.stderr[-2000:]
    conn = sqlite3.connect(tmp_path / "data" / "archive.db")
    versions = conn.execute("select version, is_latest from reports where site_id = ? and doc_key = ? order by version",
                            [report["site_id"], report["path"]]).fetchall()
    assert versions == [(1, 0), (2, 1)]
    runs = conn.execute("select sum(reports_new), sum(reports_changed) from crawl_runs where id > "
                        "(select max(id) - 4 from crawl_runs)").fetchone()
    assert runs == (0, 1)
    assert conn.execute("select count(*) from reports").fetchone()[0] == len(TRUTH["reports"]) + 1
