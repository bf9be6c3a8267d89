"""The real site registry (crawler/sites.yaml): size, coverage and the shape of every entry."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest

from crawler.registry import load_sites

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = {"trs", "hanweb", "gkmlpt", "static"}
LEVELS = {
    f"{tier}-{kind}"
    for tier in ("province", "city", "county", "township")
    for kind in ("government", "department")
}
ID_RE = re.compile(r"^[a-z0-9_]+$")


@pytest.fixture(scope="module")
def sites() -> list[dict]:
    return load_sites()


def test_registry_size(sites):
    assert len(sites) >= 100


def test_registry_covers_twenty_provinces(sites):
    provinces = {s.get("province") for s in sites} - {None, ""}
    assert len(provinces) >= 20, sorted(provinces)


def test_every_platform_is_known_and_all_four_are_present(sites):
    platforms = Counter(s["platform"] for s in sites)
    assert set(platforms) <= PLATFORMS, platforms
    assert set(platforms) == PLATFORMS, platforms


def test_ids_are_unique_and_lowercase_ascii(sites):
    ids = [s["id"] for s in sites]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes
    bad = [i for i in ids if not ID_RE.match(i)]
    assert not bad


def test_column_urls_are_http_on_gov_cn(sites):
    bad = []
    for s in sites:
        url = urlparse(s["column_url"])
        host = (url.hostname or "").lower()
        if url.scheme not in ("http", "https") or not host.endswith(".gov.cn"):
            bad.append((s["id"], s["column_url"]))
    assert not bad


def test_every_entry_records_verified_and_source(sites):
    for s in sites:
        assert isinstance(s.get("verified"), bool), s["id"]
        source = s.get("source")
        assert isinstance(source, str) and source.strip(), s["id"]


def test_levels_are_in_the_allowed_set(sites):
    bad = [(s["id"], s.get("level")) for s in sites if s.get("level") not in LEVELS]
    assert not bad


def test_platform_specific_url_shapes(sites):
    for s in sites:
        path = urlparse(s["column_url"]).path
        if s["platform"] == "hanweb":
            assert "/col/" in path, s["id"]
        elif s["platform"] == "gkmlpt":
            assert "/gkmlpt/" in path, s["id"]
            sid = s.get("gkmlpt_sid")
            assert sid is None or isinstance(sid, int), s["id"]


def test_cli_sites_prints_one_line_per_site(sites):
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "sites"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == len(sites)
    assert [line.split()[0] for line in lines] == [s["id"] for s in sites]
