"""Datasette reads the archive while a crawl writes it: every answer succeeds and no report
is ever visible without all of its cells (one transaction per report, WAL)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import yaml

from crawler.cli import datasette_command
from crawler.registry import SAMPLE_SITES_FILE, load_sites
from crawler.sample_sites.server import SampleSites
from pipelines.store import open_db

from .helpers import free_port, wait_for

PARTIAL = """select r.id, r.n_cells,
  (select count(*) from applications a where a.report_id = r.id)
  + (select count(*) from active_disclosure a where a.report_id = r.id)
  + (select count(*) from reviews_litigation a where a.report_id = r.id) as cells
from reports r"""


def test_datasette_reads_consistently_during_a_crawl(tmp_path):
    db = tmp_path / "data" / "archive.db"
    open_db(db).close()  # Datasette serves the archive before the crawl has written anything
    port = free_port()
    server = subprocess.Popen(datasette_command(db, "127.0.0.1", port), stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/-/versions.json", proc=server)
        with SampleSites() as sites:
            registry = tmp_path / "sites.yaml"
            registry.write_text(yaml.safe_dump(load_sites(SAMPLE_SITES_FILE, base_urls=sites.base_urls),
                                               allow_unicode=True), "utf-8")
            crawl = subprocess.Popen(
                [sys.executable, "-m", "crawler.cli", "crawl", "--sites-file", str(registry), "--db", str(db),
                 "--data-dir", str(tmp_path / "data"), "-s", "DOWNLOAD_DELAY=0.05", "-s", "AUTOTHROTTLE_ENABLED=False"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            reads, seen = 0, set()
            url = f"{base}/archive.json?_shape=array&sql=" + urllib.parse.quote(PARTIAL)
            while crawl.poll() is None or reads < 5:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    assert resp.status == 200
                    rows = json.load(resp)
                reads += 1
                partial = [r for r in rows if r["cells"] != r["n_cells"]]
                assert partial == [], f"a report was visible without all its cells: {partial}"
                seen.update(r["id"] for r in rows)
            assert crawl.returncode == 0, crawl.stderr.read()[-2000:]
        assert reads > 5 and len(seen) > 0
    finally:
        server.terminate()
        server.wait(timeout=10)
