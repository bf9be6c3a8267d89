"""The site registry: sites are data (YAML), platforms are code (one spider each)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import yaml

PACKAGE_DIR = Path(__file__).parent
SITES_FILE = PACKAGE_DIR / "sites.yaml"
SAMPLE_SITES_FILE = PACKAGE_DIR / "sample_sites" / "sites.yaml"

REQUIRED = ("id", "name", "platform", "column_url")


class RegistryError(ValueError):
    pass


def load_sites(path: str | Path = SITES_FILE, base_urls: dict[str, str] | None = None) -> list[dict]:
    """Read a registry file. `base_urls` resolves relative column URLs (the sample sites are
    served on ports chosen at run time)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if isinstance(raw, dict):
        raw = raw.get("sites", [])
    sites = []
    for entry in raw:
        missing = [k for k in REQUIRED if not entry.get(k)]
        if missing:
            raise RegistryError(f"{path}: site {entry.get('id', '?')} lacks {', '.join(missing)}")
        site = dict(entry)
        if base_urls and site["id"] in base_urls:
            site["column_url"] = urljoin(base_urls[site["id"]] + "/", site["column_url"].lstrip("/"))
        elif not site["column_url"].startswith(("http://", "https://")):
            raise RegistryError(f"{path}: site {site['id']} has a relative column_url and no base URL")
        sites.append(site)
    ids = [s["id"] for s in sites]
    if len(ids) != len(set(ids)):
        raise RegistryError(f"{path}: duplicate site ids")
    return sites
