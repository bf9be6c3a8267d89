"""Ground truth of the bundled sample sites: every report they publish, as data.

The cell values are generated once from a fixed hash-based generator (so they are varied
but reproducible on any Python), then adjusted per report: the seed report's numbers are
copied verbatim, and exactly one report per site breaks one identity on purpose.
`build.py` renders these specs into pages and attachments and dumps them to truth.json.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from . import seed_text
from .templates import (
    APPLICANTS,
    OTHER_SUBROWS,
    PERSON_AND_ORGS,
    PROCEEDINGS,
    RESULT_ROWS,
    canonical_keys,
)

Number = int | float

SITES: dict[str, dict[str, object]] = {
    "trs_sample": {
        "name": "示例市人民政府（样例站点）",
        "agency": "示例市人民政府",
        "province": "示例省",
        "city": "示例市",
        "level": "city",
        "platform": "trs",
        "column_path": "/zwgk/zfxxgk/zfxxgknb/index.html",
        "encoding": "gbk (declared gb2312)",
    },
    "hanweb_sample": {
        "name": "余姚市人民政府（样例站点）",
        "agency": "余姚市人民政府",
        "province": "浙江省",
        "city": "余姚市",
        "level": "county",
        "platform": "hanweb",
        "column_path": "/col/col1229001/index.html",
        "encoding": "utf-8",
    },
    "gkmlpt_sample": {
        "name": "岭南市人民政府（样例站点）",
        "agency": "岭南市人民政府",
        "province": "广东省",
        "city": "岭南市",
        "level": "city",
        "platform": "gkmlpt",
        "column_path": "/gkmlpt/index#3101",
        "encoding": "utf-8",
    },
    "static_sample": {
        "name": "青禾县人民政府（样例站点）",
        "agency": "青禾县人民政府",
        "province": "陕西省",
        "city": "青禾县",
        "level": "county",
        "platform": "static",
        "column_path": "/xxgk/nb/index.html",
        "encoding": "utf-8",
    },
}


@dataclass
class ReportSpec:
    """One published report (or, with template "pre2019", an old free-form one)."""

    site_id: str
    doc_id: int  # TRS DocId / Hanweb article id: part of the URL
    agency: str
    year: int
    template: str  # "2019" | "2021" | "pre2019"
    title: str
    published: str  # YYYY-MM-DD, as the list page shows it
    delivery: str  # "html" | "docx" | "pdf"
    cells: dict[str, Number] = field(default_factory=dict)  # dotted canonical key -> value
    units: dict[str, str] = field(default_factory=dict)
    # fnmatch pattern over dotted keys -> marker printed instead of a 0 ("", "\xa0", "—", "/")
    blank_zeros: dict[str, str] = field(default_factory=dict)
    fullwidth: list[str] = field(default_factory=list)  # keys printed with full-width digits
    display: dict[str, str] = field(default_factory=dict)  # key -> exact printed text
    prose_sections: list[str] = field(default_factory=list)  # e.g. ["reviews_litigation"]
    labels: dict[str, str] = field(default_factory=dict)  # label overrides, see render.py
    extra_rows: list[dict[str, object]] = field(default_factory=list)
    expected_failed_checks: list[dict[str, str]] = field(default_factory=list)
    html_style: str = "plain"  # "word" (IE/Word export), "mso" (MsoNormalTable), "plain"
    sec2_layout: str = "combined"  # one table with caption rows, or "separate" tables
    sec3_split: bool = False  # section 三 split into two <table>s (page break in Word)
    attachment_via_js: bool = False  # TRS: link written only by document.write
    malformed_meta: bool = False  # TRS: <meta httpequiv="ContentType" ...>
    body_note: str = ""  # extra sentence in the body (e.g. a GBK-only character)
    messiness: list[str] = field(default_factory=list)  # human-readable feature list
    prose: dict[str, list[str]] = field(default_factory=dict)  # section -> paragraphs override
    signature_date: str = ""

    @property
    def blank_cells(self) -> list[str]:
        """Dotted keys whose cell is printed blank (value 0)."""
        if self.template == "pre2019":
            return []
        out = []
        for key in canonical_keys(self.template):
            if self.printed_blank(key) is not None:
                out.append(key)
        return out

    def printed_blank(self, key: str) -> str | None:
        if self.cells.get(key, 0) != 0 or key in self.display:
            return None
        for pattern, marker in self.blank_zeros.items():
            if fnmatch.fnmatchcase(key, pattern):
                return marker
        return None


@dataclass
class NonReport:
    """An article in the same column that is not a report (a trap for title filters)."""

    site_id: str
    doc_id: int
    title: str
    published: str
    agency: str
    paragraphs: list[str]


class _Rng:
    """Tiny deterministic generator: sha256 of (seed, counter), stable across Pythons."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._n = 0

    def randint(self, a: int, b: int) -> int:
        self._n += 1
        digest = hashlib.sha256(f"{self._seed}:{self._n}".encode()).digest()
        return a + int.from_bytes(digest[:8], "big") % (b - a + 1)

    def choice_weighted(self, weights: dict[str, int]) -> str:
        pick = self.randint(1, sum(weights.values()))
        for key, w in weights.items():
            pick -= w
            if pick <= 0:
                return key
        raise AssertionError("unreachable")


# Share of each applicant column in a body's requests, in percent.
_COLUMN_SHARE = {
    "natural_person": 100,
    "commercial_enterprise": 22,
    "research_institution": 2,
    "social_welfare_org": 2,
    "legal_service_org": 9,
    "other_org": 4,
}
_RESULT_WEIGHTS = {
    "granted": 44,
    "partially_granted": 9,
    "denied_state_secret": 1,
    "denied_prohibited_by_law": 1,
    "denied_three_safeties": 1,
    "denied_third_party": 3,
    "denied_internal_affairs": 2,
    "denied_process_info": 3,
    "denied_enforcement_file": 1,
    "denied_administrative_query": 2,
    "unavailable_not_held": 14,
    "unavailable_needs_creation": 4,
    "unavailable_unclear": 2,
    "not_processed_petition": 4,
    "not_processed_duplicate": 3,
    "not_processed_publication": 1,
    "not_processed_excessive": 1,
    "not_processed_confirmation": 1,
    "other": 3,
}


def _applications(
    rng: _Rng, template: str, volume: int, carried_over: dict[str, int] | None
) -> dict[str, Number]:
    cells: dict[str, Number] = {}
    for col in PERSON_AND_ORGS:
        n = volume * _COLUMN_SHARE[col] // 100
        if col != "natural_person":
            n = rng.randint(0, n)  # corporate columns are patchy in real reports
        counts = dict.fromkeys(RESULT_ROWS, 0)
        sub = dict.fromkeys(OTHER_SUBROWS, 0)
        for _ in range(n):
            row = rng.choice_weighted(_RESULT_WEIGHTS)
            counts[row] += 1
            if row == "other" and template == "2021":
                sub[
                    rng.choice_weighted(
                        {"other_no_correction": 3, "other_unpaid_fee": 1, "other_other": 2}
                    )
                ] += 1
        processed = sum(counts.values())
        co = (carried_over or {}).get(
            col, rng.randint(0, 3) if col == "natural_person" and volume > 10 else 0
        )
        cf = (
            rng.randint(0, 4)
            if col == "natural_person" and volume > 10
            else rng.randint(0, 1)
            if n > 3
            else 0
        )
        if processed + cf < co:
            counts["granted"] += co - processed - cf
            processed = co - cf
        for row, v in counts.items():
            cells[f"applications.{row}.{col}"] = v
        if template == "2021":
            for row, v in sub.items():
                cells[f"applications.{row}.{col}"] = v
        cells[f"applications.total_processed.{col}"] = processed
        cells[f"applications.carried_over.{col}"] = co
        cells[f"applications.carried_forward.{col}"] = cf
        cells[f"applications.new_received.{col}"] = processed + cf - co
    rows = {key.split(".")[1] for key in cells}
    for row in rows:
        cells[f"applications.{row}.total"] = sum(
            cells[f"applications.{row}.{c}"] for c in PERSON_AND_ORGS
        )
    return cells


def _reviews(rng: _Rng, busy: bool) -> dict[str, Number]:
    cells: dict[str, Number] = {}
    # Most bodies see no litigation at all; reviews are rare and small.
    for proc, top in zip(PROCEEDINGS, (4, 2, 1) if busy else (1, 0, 0), strict=True):
        parts = {
            "upheld": rng.randint(0, top),
            "corrected": 1 if top and rng.randint(0, 3) == 0 else 0,
            "other": 1 if top > 1 and rng.randint(0, 4) == 0 else 0,
            "pending": 1 if top and rng.randint(0, 2) == 0 else 0,
        }
        for res, v in parts.items():
            cells[f"reviews_litigation.{proc}.{res}"] = v
        cells[f"reviews_litigation.{proc}.total"] = sum(parts.values())
    return cells


def _active(rng: _Rng, template: str, big: bool) -> dict[str, Number]:
    a = "active_disclosure"
    c: dict[str, Number] = {}
    made = rng.randint(2, 14) if big else rng.randint(0, 4)
    if template == "2019":
        c |= {f"{a}.regulations.made_this_year": 0, f"{a}.regulations.published_this_year": 0}
        c[f"{a}.regulations.total_published"] = rng.randint(0, 3) if big else 0
        c[f"{a}.normative_documents.made_this_year"] = made
        c[f"{a}.normative_documents.published_this_year"] = made
        c[f"{a}.normative_documents.total_published"] = made + rng.randint(10, 90)
        for item, lo, hi, dlo, dhi in (
            ("administrative_licensing", 12, 420, 100, 5200),
            ("other_management_services", 2, 60, 0, 900),
            ("administrative_penalty", 20, 2600, 1, 480),
            ("administrative_coercion", 0, 130, 0, 30),
        ):
            c[f"{a}.{item}.items_last_year"] = rng.randint(lo, hi)
            c[f"{a}.{item}.change_this_year"] = rng.randint(-18, 26)
            c[f"{a}.{item}.decisions"] = rng.randint(dlo, dhi)
        c[f"{a}.administrative_fees.items_last_year"] = rng.randint(0, 35)
        c[f"{a}.administrative_fees.change_this_year"] = rng.randint(-3, 0)
        c[f"{a}.centralized_procurement.procurement_projects"] = rng.randint(3, 140)
        c[f"{a}.centralized_procurement.procurement_amount"] = rng.randint(1200, 98000) / 100
    else:
        c |= {f"{a}.regulations.issued_this_year": 0, f"{a}.regulations.repealed_this_year": 0}
        c[f"{a}.regulations.in_force"] = rng.randint(0, 4) if big else 0
        c[f"{a}.normative_documents.issued_this_year"] = made
        c[f"{a}.normative_documents.repealed_this_year"] = rng.randint(0, 6)
        c[f"{a}.normative_documents.in_force"] = made + rng.randint(8, 120)
        c[f"{a}.administrative_licensing.decisions"] = rng.randint(40, 10690)
        c[f"{a}.administrative_penalty.decisions"] = rng.randint(0, 2113)
        c[f"{a}.administrative_coercion.decisions"] = rng.randint(0, 40)
        c[f"{a}.administrative_fees.fees_amount"] = rng.randint(0, 960000) / 100 if big else 0
    return c


# Cross-year chaining state, filled in generation order (oldest report first).
_previous_forward: dict[str, dict[str, int]] = {}
_seen: set[tuple[str, int]] = set()


def _generated(
    site_id: str, agency: str, year: int, template: str, *, volume: int, big: bool = True
) -> dict[str, Number]:
    """Cells of one report; chains 上年结转 to the same body's previous 结转下年度."""
    rng = _Rng(f"{site_id}/{agency}/{year}")
    prev = _previous_forward.get(agency) if (agency, year - 1) in _seen else None
    cells = (
        _active(rng, template, big)
        | _applications(rng, template, volume, prev)
        | _reviews(rng, big)
    )
    if template == "2021":
        for col in APPLICANTS:
            cells[f"applications.other.{col}"] = sum(
                cells[f"applications.{r}.{col}"] for r in OTHER_SUBROWS
            )
    _previous_forward[agency] = {
        c: int(cells[f"applications.carried_forward.{c}"]) for c in PERSON_AND_ORGS
    }
    _seen.add((agency, year))
    return cells


_UNITS_2019_WAN = {"active_disclosure.centralized_procurement.procurement_amount": "万元"}
_UNITS_2021 = {"active_disclosure.administrative_fees.fees_amount": "万元"}

_HUBEI_LABELS = {
    "active.regulations": "规章（设区的市、自治州人民政府应提供相关数据）",
    "metric.items_last_year": "上一年项目数量（指2019年事项数）",
}


def _seed_cells() -> dict[str, Number]:
    a = "active_disclosure"
    cells: dict[str, Number] = dict.fromkeys(canonical_keys("2019"), 0)
    cells |= {
        f"{a}.regulations.published_this_year": 2,
        f"{a}.regulations.total_published": 2,
        f"{a}.other_management_services.items_last_year": 2,
        f"{a}.other_management_services.decisions": 2,
        f"{a}.administrative_penalty.change_this_year": 26,
        f"{a}.administrative_penalty.decisions": 1,
        f"{a}.administrative_fees.items_last_year": 1,
        f"{a}.centralized_procurement.procurement_projects": 10,
        f"{a}.centralized_procurement.procurement_amount": 16.4543,
    }
    return cells


def _break_results_sum(cells: dict[str, Number], delta: int) -> list[dict[str, str]]:
    # Like Pingtan 2020: result rows add up to more than （七）总计 in one column and in
    # the 总计 column; the row sums stay right, so only results_sum fails.
    cells["applications.granted.natural_person"] += delta
    cells["applications.granted.total"] += delta
    return [
        {"rule": "applications.results_sum", "column": "natural_person"},
        {"rule": "applications.results_sum", "column": "total"},
    ]


def _break_review_total(cells: dict[str, Number]) -> list[dict[str, str]]:
    # A typo in 行政复议 总计 only: the 15-cell row stays otherwise consistent.
    cells["reviews_litigation.administrative_review.total"] += 1
    return [{"rule": "reviews_litigation.total", "proceeding": "administrative_review"}]


def _build_reports() -> list[ReportSpec]:
    T, H = "trs_sample", "hanweb_sample"
    out: list[ReportSpec] = []

    # Generated oldest first so that 上年结转 chains from the previous year's 结转下年度.
    def gen(
        site: str, agency: str, year: int, tpl: str, volume: int, big: bool = True
    ) -> dict[str, Number]:
        return _generated(site, agency, year, tpl, volume=volume, big=big)

    # ---- trs_sample -------------------------------------------------------------------
    office = "示例市人民政府办公室"
    c = gen(T, office, 2019, "2019", 140)
    c["active_disclosure.centralized_procurement.procurement_amount"] = 251000
    out.append(
        ReportSpec(
            T,
            80576,
            office,
            2019,
            "2019",
            "示例市人民政府办公室2019年政府信息公开工作年度报告",
            "2020-01-20",
            "html",
            c,
            units={"active_disclosure.centralized_procurement.procurement_amount": "元"},
            display={"active_disclosure.centralized_procurement.procurement_amount": "251000元"},
            labels={
                "info_col": "信 息 内 容",
                "metric.made_this_year": "本年新\n制作数量",
                "metric.published_this_year": "本年新\n公开数量",
                "applicant.natural_person": "自 然 人",
                "app.results": "三、本年度\n办理结果",
            },
            html_style="word",
            sec3_split=True,
            messiness=[
                "Word/IE-export upper-case inline CSS, <p><span> in every cell",
                "section 三 split into two <table>s, 三、本年度办理结果 (rowspan 10) repeated",
                "采购总金额 printed as '251000元' (unit 元)",
                "labels with internal spaces / <br/> line breaks (信 息 内 容, 本年新<br/>制作数量, 自 然 人)",
            ],
        )
    )
    eco = "示例市生态环境局"
    c = gen(T, eco, 2020, "2019", 38)
    c["active_disclosure.other_management_services.items_last_year"] = 0
    c["active_disclosure.other_management_services.change_this_year"] = 0
    c["active_disclosure.other_management_services.decisions"] = 0
    out.append(
        ReportSpec(
            T,
            80593,
            eco,
            2020,
            "2019",
            "示例市生态环境局2020年政府信息公开工作年度报告",
            "2021-01-28",
            "html",
            c,
            units=dict(_UNITS_2019_WAN),
            labels=_HUBEI_LABELS | {"metric.procurement_amount": "采购总金额（万元）"},
            extra_rows=[
                {
                    "section": "active_disclosure",
                    "after": "normative_documents",
                    "label": "其他主动公开文件",
                    "values": {
                        "made_this_year": 46,
                        "published_this_year": 46,
                        "total_published": 318,
                    },
                }
            ],
            blank_zeros={"active_disclosure.other_management_services.*": "/"},
            html_style="plain",
            sec2_layout="separate",
            messiness=[
                "Hubei-style long notes inside labels (规章（设区的市、自治州人民政府应提供相关数据）, 上一年项目数量（指2019年事项数）)",
                "extra local row 其他主动公开文件 in section 二 (extra_rows)",
                "section 二 as separate tables, one per 第二十条 caption",
                "采购总金额（万元） header",
                "blank cells printed '/' (其他对外管理服务事项 row)",
            ],
        )
    )
    c = gen(T, office, 2020, "2019", 160)
    failed = _break_results_sum(c, 6)
    out.append(
        ReportSpec(
            T,
            80611,
            office,
            2020,
            "2019",
            "示例市人民政府办公室2020年政府信息公开工作年度报告",
            "2021-03-05",
            "html",
            c,
            units=dict(_UNITS_2019_WAN),
            labels={
                "app.denied_three_safeties": '3.危及"三安全一稳定"',
                "metric.procurement_amount": "采购总金额（万元）",
            },
            blank_zeros={
                "applications.denied_*.research_institution": "—",
                "applications.denied_*.social_welfare_org": "—",
                "applications.*.other_org": "",
            },
            expected_failed_checks=failed,
            html_style="word",
            messiness=[
                "2020 report published 2021-03-05, still on the 2019 template",
                "deliberately breaks applications.results_sum (予以公开 +6 in 自然人 and 总计)",
                'straight quotes 危及"三安全一稳定"',
                "blank cells: '—' (科研机构/社会公益组织 不予公开 rows) and empty <td> (其他 column)",
            ],
        )
    )
    market = "示例市市场监督管理局"
    c = gen(T, market, 2021, "2021", 95)
    out.append(
        ReportSpec(
            T,
            80634,
            market,
            2021,
            "2021",
            "示例市市场监督管理局2021年政府信息公开工作年度报告",
            "2022-01-21",
            "docx",
            c,
            units=dict(_UNITS_2021),
            messiness=["DOCX attachment with merged cells (report body is only 详见附件)"],
        )
    )
    finance = "示例市财政局"
    c = gen(T, finance, 2022, "2021", 60)
    out.append(
        ReportSpec(
            T,
            80642,
            finance,
            2022,
            "2021",
            "示例市财政局2022年政府信息公开工作年度报告",
            "2023-01-18",
            "pdf",
            c,
            units=dict(_UNITS_2021),
            messiness=["text PDF attachment (STSong-Light), section 三 flows onto page 2"],
        )
    )
    land = "示例市自然资源和规划局"
    c = gen(T, land, 2022, "2021", 120)
    c["active_disclosure.administrative_fees.fees_amount"] = 9116.36
    for res in ("upheld", "corrected", "other", "pending", "total"):
        c[f"reviews_litigation.litigation_after_review.{res}"] = 0  # printed as &nbsp; cells
    out.append(
        ReportSpec(
            T,
            80651,
            land,
            2022,
            "2021",
            "示例市自然资源和规划局2022年政府信息公开工作年度报告",
            "2023-01-30",
            "html",
            c,
            units=dict(_UNITS_2021),
            labels={"caption.五": "第二十条第(五)项"},
            fullwidth=["applications.granted.natural_person", "applications.granted.total"],
            blank_zeros={"reviews_litigation.litigation_after_review.*": "\xa0"},
            malformed_meta=True,
            html_style="mso",
            sec2_layout="combined",
            messiness=[
                'malformed <meta httpequiv="ContentType" content="text/html; charset=gbk">, no <meta charset>',
                "half-width caption 第二十条第(五)项",
                "行政事业性收费 本年收费金额 9116.36 (万元, decimals)",
                "full-width digits in 予以公开 自然人 and 总计 cells",
                "&nbsp;-only cells (复议后起诉 block) meaning 0",
                "MsoNormalTable with mso-* styles containing line breaks",
            ],
        )
    )
    c = gen(T, office, 2023, "2021", 180)
    out.append(
        ReportSpec(
            T,
            123456,
            office,
            2023,
            "2021",
            "示例市人民政府办公室2023年政府信息公开工作年度报告",
            "2024-01-25",
            "html",
            c,
            units=dict(_UNITS_2021),
            labels={"app.carried_forward": "四、结转下一年度继续办理"},
            body_note="联系人：王珺，联系电话：0000-12345678（样例）。本报告经朱镕同志审核。",
            html_style="mso",
            sec2_layout="separate",
            messiness=[
                "GBK-only characters 珺/镕 in the body (gb2312 decode fails)",
                "label variant 四、结转下一年度继续办理",
                "section 二 as separate tables",
                "zeros padded with &nbsp; spans",
            ],
        )
    )
    edu = "示例市教育局"
    c = gen(T, edu, 2023, "2021", 55)
    out.append(
        ReportSpec(
            T,
            123470,
            edu,
            2023,
            "2021",
            "示例市教育局2023年政府信息公开工作年度报告",
            "2024-01-29",
            "docx",
            c,
            units=dict(_UNITS_2021),
            labels={"heading.4": "四、政府信息公开行政复议、行政诉讼情况"},
            messiness=["DOCX attachment with merged cells"],
        )
    )
    c = gen(T, office, 2024, "2021", 210)
    out.append(
        ReportSpec(
            T,
            124010,
            office,
            2024,
            "2021",
            "示例市人民政府办公室2024年政府信息公开工作年度报告",
            "2025-01-20",
            "html",
            c,
            units=dict(_UNITS_2021),
            html_style="mso",
            messiness=[
                "curly quotes “三安全一稳定” (template spelling)",
                "combined section 二 table with caption rows",
            ],
        )
    )
    c = gen(T, finance, 2024, "2021", 70)
    out.append(
        ReportSpec(
            T,
            124025,
            finance,
            2024,
            "2021",
            "示例市财政局2024年政府信息公开工作年度报告",
            "2025-01-24",
            "pdf",
            c,
            units=dict(_UNITS_2021),
            attachment_via_js=True,
            messiness=["PDF attachment linked only via var att = '<a ...>'; document.write(att);"],
        )
    )
    # pre-2019 free-form report: no template cells.
    out.append(
        ReportSpec(
            T,
            80401,
            office,
            2017,
            "pre2019",
            "示例市人民政府办公室2017年政府信息公开工作年度报告",
            "2018-03-20",
            "html",
            {},
            html_style="mso",
            messiness=[
                "pre-2019 free-form report with a 4-column 指标名称/计量单位/年度/累计 table"
            ],
        )
    )

    # ---- hanweb_sample ----------------------------------------------------------------
    yoffice = "余姚市人民政府办公室"
    c = gen(H, yoffice, 2019, "2019", 90)
    c["active_disclosure.centralized_procurement.procurement_amount"] = 1325.68
    out.append(
        ReportSpec(
            H,
            5530117,
            yoffice,
            2019,
            "2019",
            "余姚市人民政府办公室2019年政府信息公开工作年度报告",
            "2020-01-21",
            "docx",
            c,
            units=dict(_UNITS_2019_WAN),
            labels={"metric.procurement_amount": "采购总金额（万元）"},
            messiness=["DOCX attachment (2019 template), 采购总金额（万元） header"],
        )
    )
    seed = _seed_cells()
    out.append(
        ReportSpec(
            H,
            5540231,
            "余姚市公共资源交易管理办公室",
            2020,
            "2019",
            "余姚市公共资源交易管理办公室2020年政府信息公开工作年度报告",
            "2021-01-19",
            "html",
            seed,
            units=dict(_UNITS_2019_WAN),
            display={"active_disclosure.administrative_penalty.change_this_year": "+26"},
            prose_sections=["reviews_litigation"],
            labels={
                "app.new_received": "一、本年新收到政府信息公开申请数量",
                "app.carried_over": "二、上年转结政府信息公开申请数量",
                "app.carried_forward": "四、转结下年度继续办理",
                "metric.procurement_amount": "采购总金额（万元）",
                "heading.4": "四、政府信息公开行政复议和行政诉讼情况",
            },
            prose={
                "intro": [seed_text.INTRO],
                "1": list(seed_text.SECTION_1),
                "4": [seed_text.SECTION_4_PROSE],
                "5": list(seed_text.SECTION_5),
                "6": list(seed_text.SECTION_6),
            },
            signature_date="2021年1月19日",
            html_style="plain",
            messiness=[
                "THE SEED REPORT: exact numbers and labels (本年新收到, 上年转结, 转结下年度继续办理)",
                "行政处罚 本年增/减 printed '+26'",
                "采购总金额（万元） = 16.4543",
                "section 四 as prose: 本年度无因政府信息公开产生行政复议及行政诉讼件。",
            ],
        )
    )
    ymarket = "余姚市市场监督管理局"
    c = gen(H, ymarket, 2020, "2019", 75)
    out.append(
        ReportSpec(
            H,
            5540388,
            ymarket,
            2020,
            "2019",
            "余姚市市场监督管理局2020年政府信息公开工作年度报告",
            "2021-02-03",
            "pdf",
            c,
            units=dict(_UNITS_2019_WAN),
            labels={"metric.procurement_amount": "采购总金额（万元）"},
            messiness=["text PDF attachment on the 2019 template"],
        )
    )
    yedu = "余姚市教育局"
    c = gen(H, yedu, 2021, "2021", 48)
    out.append(
        ReportSpec(
            H,
            5541506,
            yedu,
            2021,
            "2021",
            "余姚市教育局2021年政府信息公开工作年度报告",
            "2022-01-25",
            "html",
            c,
            units=dict(_UNITS_2021),
            blank_zeros={
                "applications.*.research_institution": "",
                "applications.*.social_welfare_org": "-",
            },
            html_style="plain",
            sec2_layout="separate",
            messiness=[
                "blank cells: empty (科研机构) and '-' (社会公益组织) columns",
                "section 二 as separate tables",
            ],
        )
    )
    yfin = "余姚市财政局"
    c = gen(H, yfin, 2021, "2021", 30)
    out.append(
        ReportSpec(
            H,
            5541590,
            yfin,
            2021,
            "2021",
            "余姚市财政局2021年政府信息公开工作年度报告",
            "2022-01-28",
            "pdf",
            c,
            units=dict(_UNITS_2021),
            messiness=["text PDF attachment"],
        )
    )
    yhouse = "余姚市住房和城乡建设局"
    c = gen(H, yhouse, 2022, "2021", 66)
    out.append(
        ReportSpec(
            H,
            5543012,
            yhouse,
            2022,
            "2021",
            "余姚市住房和城乡建设局2022年政府信息公开工作年度报告",
            "2023-01-16",
            "docx",
            c,
            units=dict(_UNITS_2021),
            messiness=["DOCX attachment behind downfile.jsp 302"],
        )
    )
    c = gen(H, yfin, 2023, "2021", 34)
    out.append(
        ReportSpec(
            H,
            5550001,
            yfin,
            2023,
            "2021",
            "余姚市财政局2023年政府信息公开工作年度报告",
            "2024-01-20",
            "pdf",
            c,
            units=dict(_UNITS_2021),
            messiness=["text PDF attachment behind downfile.jsp 302"],
        )
    )
    c = gen(H, yoffice, 2023, "2021", 130)
    failed = _break_review_total(c)
    out.append(
        ReportSpec(
            H,
            5550046,
            yoffice,
            2023,
            "2021",
            "余姚市人民政府办公室2023年政府信息公开工作年度报告",
            "2024-01-26",
            "html",
            c,
            units=dict(_UNITS_2021),
            labels={"active.regulations": "规章", "info_col": "信息内容"},
            expected_failed_checks=failed,
            html_style="word",
            sec3_split=True,
            messiness=[
                "deliberately breaks reviews_litigation.total (行政复议 总计 one too high)",
                "section 三 split into two <table>s with the rowspan label repeated (2021 template)",
            ],
        )
    )
    yhealth = "余姚市卫生健康局"
    c = gen(H, yhealth, 2024, "2021", 85)
    out.append(
        ReportSpec(
            H,
            5561277,
            yhealth,
            2024,
            "2021",
            "余姚市卫生健康局2024年政府信息公开工作年度报告",
            "2025-01-17",
            "docx",
            c,
            units=dict(_UNITS_2021),
            messiness=["DOCX attachment"],
        )
    )
    c = gen(H, yoffice, 2024, "2021", 150)
    out.append(
        ReportSpec(
            H,
            5561302,
            yoffice,
            2024,
            "2021",
            "余姚市人民政府办公室2024年政府信息公开工作年度报告",
            "2025-01-22",
            "html",
            c,
            units=dict(_UNITS_2021),
            labels={"caption.一": "第二十条 第（一）项"},
            html_style="plain",
            messiness=[
                "caption with a space: 第二十条 第（一）项",
                "plain editor table (border=1, no inline fonts)",
            ],
        )
    )
    out += _gkmlpt_reports(gen) + _static_reports(gen)
    for spec in out:
        if spec.template == "pre2019":
            continue
        for key in spec.prose_sections:
            for k in canonical_keys(spec.template):
                if k.startswith(key + "."):
                    spec.cells[k] = 0
        missing = set(canonical_keys(spec.template)) - set(spec.cells)
        assert not missing, (spec.title, sorted(missing)[:5])
    return out


def _gkmlpt_reports(gen: Callable[..., dict[str, Number]]) -> list[ReportSpec]:
    """岭南市 (fictional, Guangdong): a gkmlpt directory holding several bodies' reports."""
    G = "gkmlpt_sample"
    dev, eco = "岭南市发展和改革局", "岭南市生态环境局"
    transport, office = "岭南市交通运输局", "岭南市人民政府办公室"
    wan = {"metric.procurement_amount": "采购总金额（万元）"}
    out: list[ReportSpec] = []
    c = gen(G, dev, 2019, "2019", 40)
    out.append(ReportSpec(
        G, 2811034, dev, 2019, "2019", f"{dev}2019年政府信息公开工作年度报告", "2020-01-16",
        "html", c, units=dict(_UNITS_2019_WAN), labels=dict(wan), html_style="plain",
        messiness=["gkmlpt content page: report tables in div.content, DETAIL object in _CONFIG"],
    ))
    c = gen(G, eco, 2020, "2019", 65)
    failed = _break_results_sum(c, 3)
    out.append(ReportSpec(
        G, 3190457, eco, 2020, "2019", f"{eco}2020年政府信息公开工作年度报告", "2021-01-22",
        "html", c, units=dict(_UNITS_2019_WAN), labels=dict(wan), expected_failed_checks=failed,
        html_style="word",
        messiness=["deliberately breaks applications.results_sum (予以公开 +3 in 自然人 and 总计)"],
    ))
    c = gen(G, transport, 2021, "2021", 52)
    out.append(ReportSpec(
        G, 3562210, transport, 2021, "2021", f"{transport}2021年政府信息公开工作年度报告",
        "2022-01-27", "pdf", c, units=dict(_UNITS_2021),
        messiness=["text PDF under /attachment/{a}/{b}/{id}/{post}.pdf, also listed in DETAIL"],
    ))
    c = gen(G, office, 2022, "2021", 170)
    out.append(ReportSpec(
        G, 3968841, office, 2022, "2021", f"{office}2022年政府信息公开工作年度报告", "2023-03-20",
        "html", c, units=dict(_UNITS_2021), html_style="mso",
        messiness=["published on the API's second page"],
    ))
    c = gen(G, dev, 2023, "2021", 45)
    out.append(ReportSpec(
        G, 4398120, dev, 2023, "2021", f"{dev}2023年政府信息公开工作年度报告", "2024-01-19",
        "html", c, units=dict(_UNITS_2021), html_style="plain", sec2_layout="separate",
        messiness=["section 二 as separate tables"],
    ))
    c = gen(G, eco, 2024, "2021", 72)
    out.append(ReportSpec(
        G, 4790356, eco, 2024, "2021", f"{eco}2024年政府信息公开工作年度报告", "2025-01-24",
        "html", c, units=dict(_UNITS_2021), html_style="word",
        messiness=["Word/IE-export inline CSS"],
    ))
    return out


def _static_reports(gen: Callable[..., dict[str, Number]]) -> list[ReportSpec]:
    """青禾县 (fictional, Shaanxi): a plain CMS column paged by 下一页 links."""
    S = "static_sample"
    edu, health = "青禾县教育局", "青禾县卫生健康局"
    office, agri = "青禾县人民政府办公室", "青禾县农业农村局"
    wan = {"metric.procurement_amount": "采购总金额（万元）"}
    out: list[ReportSpec] = []
    c = gen(S, edu, 2019, "2019", 36)
    out.append(ReportSpec(
        S, 10452, edu, 2019, "2019", f"{edu}2019年政府信息公开工作年度报告", "2020-01-20",
        "html", c, units=dict(_UNITS_2019_WAN), labels=dict(wan), html_style="plain",
        messiness=["plain CMS page, report tables in div#content"],
    ))
    c = gen(S, health, 2020, "2019", 58)
    out.append(ReportSpec(
        S, 11873, health, 2020, "2019", f"{health}2020年政府信息公开工作年度报告", "2021-01-25",
        "docx", c, units=dict(_UNITS_2019_WAN), labels=dict(wan),
        messiness=["DOCX attachment under /uploadfiles/, linked by an absolute path"],
    ))
    c = gen(S, office, 2021, "2021", 120)
    out.append(ReportSpec(
        S, 13290, office, 2021, "2021", f"{office}2021年政府信息公开工作年度报告", "2022-03-15",
        "html", c, units=dict(_UNITS_2021), html_style="mso",
        messiness=["government report published in March (art. 49 deadline 31 March)"],
    ))
    c = gen(S, agri, 2022, "2021", 30)
    failed = _break_review_total(c)
    out.append(ReportSpec(
        S, 14718, agri, 2022, "2021", f"{agri}2022年政府信息公开工作年度报告", "2023-01-18",
        "html", c, units=dict(_UNITS_2021), expected_failed_checks=failed, html_style="word",
        messiness=["deliberately breaks reviews_litigation.total (行政复议 总计 one too high)"],
    ))
    c = gen(S, edu, 2023, "2021", 41)
    out.append(ReportSpec(
        S, 16035, edu, 2023, "2021", f"{edu}2023年政府信息公开工作年度报告", "2024-01-22",
        "html", c, units=dict(_UNITS_2021), html_style="plain",
        messiness=["listed twice on its list page (list and 热点 box)"],
    ))
    c = gen(S, office, 2024, "2021", 135)
    out.append(ReportSpec(
        S, 17402, office, 2024, "2021", f"{office}2024年政府信息公开工作年度报告", "2025-03-10",
        "html", c, units=dict(_UNITS_2021), html_style="plain", sec2_layout="separate",
        messiness=["section 二 as separate tables"],
    ))
    return out


def _build_non_reports() -> list[NonReport]:
    T, H = "trs_sample", "hanweb_sample"
    return [
        NonReport(
            T,
            80399,
            "关于做好2023年政府信息公开工作年度报告编制和发布工作的通知",
            "2024-01-05",
            "示例市人民政府办公室",
            [
                "各区县人民政府，市政府各部门：",
                "根据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号要求，现就做好2023年政府信息公开工作年度报告编制和发布工作通知如下。",
                "一、各单位应于2024年1月31日前在本单位网站政府信息公开专栏发布年度报告。",
                "二、年度报告应严格按照统一格式编制，确保数据准确、勾稽关系正确。",
            ],
        ),
        NonReport(
            T,
            123468,
            "示例市人民政府办公室2023年政府信息公开工作年度报告解读",
            "2024-01-26",
            "示例市人民政府办公室",
            [
                "近日，《示例市人民政府办公室2023年政府信息公开工作年度报告》正式发布。为便于公众理解，现将有关内容解读如下。",
                "一、主动公开方面：全年主动公开政府信息较上年有所增长。",
                "二、依申请公开方面：办理结果均在法定期限内答复。",
            ],
        ),
        NonReport(
            T,
            80655,
            "图解：示例市2022年度政府信息公开工作年度报告",
            "2023-02-01",
            "示例市人民政府办公室",
            [
                "【一图读懂】示例市2022年度政府信息公开工作年度报告",
                "（图解内容以图片形式发布，本样例站点以文字代替。）",
            ],
        ),
        NonReport(
            T,
            124300,
            "关于开展2024年政务公开培训的通知",
            "2024-03-12",
            "示例市人民政府办公室",
            [
                "为提升政务公开工作人员业务能力，定于2024年3月下旬开展全市政务公开培训。",
                "培训内容包括政府信息公开工作年度报告编制要点、依申请公开办理规范等。",
            ],
        ),
        NonReport(
            H,
            5550051,
            "余姚市2023年政府信息公开工作年度报告解读",
            "2024-01-27",
            "余姚市人民政府办公室",
            [
                "《余姚市人民政府办公室2023年政府信息公开工作年度报告》已于近日发布，现解读如下。",
                "报告显示，全市依申请公开办理质量持续提升。",
            ],
        ),
        NonReport(
            H,
            5543120,
            "图解：余姚市2022年度政府信息公开工作年度报告",
            "2023-02-02",
            "余姚市人民政府办公室",
            [
                "一图读懂余姚市2022年度政府信息公开工作年度报告。",
                "（图解内容以图片形式发布，本样例站点以文字代替。）",
            ],
        ),
        NonReport(
            H,
            5562001,
            "关于开展2024年政务公开培训的通知",
            "2024-03-15",
            "余姚市人民政府办公室",
            [
                "各乡镇人民政府、街道办事处，市级各部门：",
                "为进一步提升政务公开工作水平，定于2024年4月举办全市政务公开业务培训班，重点讲解政府信息公开工作年度报告编制。",
            ],
        ),
        NonReport(
            "gkmlpt_sample",
            4398177,
            "岭南市发展和改革局2023年政府信息公开工作年度报告解读",
            "2024-01-22",
            "岭南市发展和改革局",
            [
                "《岭南市发展和改革局2023年政府信息公开工作年度报告》已发布，现就主要内容解读如下。",
                "全年主动公开政府信息数量稳中有升，依申请公开均在法定期限内答复。",
            ],
        ),
        NonReport(
            "gkmlpt_sample",
            4650213,
            "关于做好2024年政府信息公开工作年度报告编制发布工作的通知",
            "2024-12-20",
            "岭南市人民政府办公室",
            [
                "各县（市、区）人民政府，市政府各部门：",
                "请各单位按照国办公开办函〔2021〕30号要求，于2025年1月31日前发布本单位2024年政府信息公开工作年度报告。",
            ],
        ),
        NonReport(
            "gkmlpt_sample",
            3975530,
            "图解：岭南市人民政府办公室2022年政府信息公开工作年度报告",
            "2023-03-22",
            "岭南市人民政府办公室",
            ["（图解内容以图片形式发布，本样例站点以文字代替。）"],
        ),
        NonReport(
            "static_sample",
            16048,
            "青禾县教育局2023年政府信息公开工作年度报告解读",
            "2024-01-24",
            "青禾县教育局",
            [
                "近日，《青禾县教育局2023年政府信息公开工作年度报告》正式发布，现解读如下。",
                "一是主动公开力度持续加大；二是依申请公开办理规范有序。",
            ],
        ),
        NonReport(
            "static_sample",
            16620,
            "关于开展2024年度政务公开第三方评估工作的通知",
            "2024-05-10",
            "青禾县人民政府办公室",
            [
                "各镇人民政府，县政府各工作部门：",
                "为全面了解全县政务公开工作情况，决定委托第三方机构开展2024年度政务公开评估，评估内容包括政府信息公开工作年度报告发布情况。",
            ],
        ),
        NonReport(
            "static_sample",
            17415,
            "一图读懂青禾县人民政府办公室2024年政府信息公开工作年度报告",
            "2025-03-12",
            "青禾县人民政府办公室",
            ["（一图读懂内容以图片形式发布，本样例站点以文字代替。）"],
        ),
    ]


REPORTS: list[ReportSpec] = _build_reports()
NON_REPORTS: list[NonReport] = _build_non_reports()
