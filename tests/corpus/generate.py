"""Rebuild the extraction evaluation corpus: `python -m tests.corpus.generate` (repo root).

Writes, beside this file:
  documents/<id>.<ext>   every non-real document (HTML, DOCX, PDF, DOC, WPS, scans, text)
  expected/<id>.json     the cells each document prints (the ground truth)
  manifest.json          every document, real ones included

Three origins:
  real               the Pingtan pages in tests/files/pingtan (referenced, not copied); their
                     expected JSON was written by hand from the page tables and is never
                     rewritten here
  official-template  sources/template-2021.docx (the 2021 national template as Word) with
                     numbers written into its value cells, kept as DOCX or converted by
                     LibreOffice to PDF / DOC / "WPS"
  rendered           report specs rendered by crawler/sample_sites (HTML in three editor
                     styles, DOCX, PDF), converted by LibreOffice to DOC / "WPS", rasterised
                     into image-only PDFs ("scan"), or flattened to plain text

The numbers come from a sha256-based generator seeded by the document id, so the expected
JSON is identical on every run, and so are the documents on the same machine (LibreOffice's
PDF date, /ID and checksum are pinned by stable_pdf). Across machines, LibreOffice output and
the scans made from it depend on the LibreOffice version and the fonts it finds.

"WPS" documents: Kingsoft WPS files (.wps) are OLE2 Word-97-compatible binaries and
LibreOffice cannot write Kingsoft's own format, so they are DOC bytes saved under a .wps
name (the manifest's variant says so). Formats are detected from bytes, not names.

Needs: soffice (LibreOffice) on PATH, reportlab, Pillow and pypdfium2 (a pdfplumber
dependency; used to rasterise the scans, see scan_pdf).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from crawler.sample_sites.document import Table, report_blocks
from crawler.sample_sites.render import blocks_html, docx_bytes, pdf_bytes
from crawler.sample_sites.reports import ReportSpec
from crawler.sample_sites.templates import (
    APPLICANTS,
    OTHER_SUBROWS,
    PERSON_AND_ORGS,
    PROCEEDINGS,
    RESULT_ROWS,
    application_rows,
    canonical_keys,
)

CORPUS_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = CORPUS_DIR / "documents"
EXPECTED_DIR = CORPUS_DIR / "expected"
TEMPLATE_2021 = CORPUS_DIR / "sources" / "template-2021.docx"
SECTIONS = ("active_disclosure", "applications", "reviews_litigation")
EXTENSIONS = {
    "html": "html", "docx": "docx", "pdf": "pdf", "doc": "doc", "wps": "wps", "scan": "pdf",
    "text": "txt",
}
Number = int | float
FIXED_TIME = dt.datetime(2024, 1, 1, 8, 0, 0)  # DOCX core properties


# ---------------------------------------------------------------------------- numbers


class Rng:
    """sha256 of (seed, counter): the same numbers on every Python and platform."""

    def __init__(self, seed: str) -> None:
        self.seed, self.n = seed, 0

    def randint(self, a: int, b: int) -> int:
        self.n += 1
        digest = hashlib.sha256(f"{self.seed}:{self.n}".encode()).digest()
        return a + int.from_bytes(digest[:8], "big") % (b - a + 1)

    def weighted(self, weights: dict[str, int]) -> str:
        pick = self.randint(1, sum(weights.values()))
        for key, w in weights.items():
            pick -= w
            if pick <= 0:
                return key
        raise AssertionError("unreachable")


# Share of each applicant column, in percent of the natural-person volume.
_SHARE = {
    "natural_person": 100, "commercial_enterprise": 24, "research_institution": 3,
    "social_welfare_org": 3, "legal_service_org": 10, "other_org": 6,
}
_RESULT_WEIGHTS = {
    "granted": 40, "partially_granted": 9, "denied_state_secret": 1,
    "denied_prohibited_by_law": 1, "denied_three_safeties": 1, "denied_third_party": 3,
    "denied_internal_affairs": 2, "denied_process_info": 3, "denied_enforcement_file": 1,
    "denied_administrative_query": 2, "unavailable_not_held": 15,
    "unavailable_needs_creation": 4, "unavailable_unclear": 3, "not_processed_petition": 4,
    "not_processed_duplicate": 3, "not_processed_publication": 1, "not_processed_excessive": 1,
    "not_processed_confirmation": 1, "other": 5,
}
_OTHER_WEIGHTS = {"other_no_correction": 3, "other_unpaid_fee": 1, "other_other": 2}


def make_cells(
    seed: str, template: str, volume: int, *, big: bool = True, busy: bool = False,
    fee: float | None = None, procurement: Number | None = None,
) -> dict[str, Number]:
    """Every canonical cell of one report, satisfying the template's identities.

    volume: natural-person requests (0 = a body that received none); big: a body that
    makes rules and runs many procedures; busy: has administrative reviews and lawsuits.
    """
    rng = Rng(seed)
    a = "active_disclosure"
    c: dict[str, Number] = {}
    if template == "2019":
        made = rng.randint(0, 3) if big else 0
        c[f"{a}.regulations.made_this_year"] = made
        c[f"{a}.regulations.published_this_year"] = made
        c[f"{a}.regulations.total_published"] = made + (rng.randint(0, 20) if big else 0)
        made = rng.randint(2, 40) if big else rng.randint(0, 5)
        published = made - rng.randint(0, min(2, made))
        c[f"{a}.normative_documents.made_this_year"] = made
        c[f"{a}.normative_documents.published_this_year"] = published
        c[f"{a}.normative_documents.total_published"] = published + rng.randint(10, 400)
        for item, top, d_lo, d_hi, dtop in (
            ("administrative_licensing", 900, -30, 40, 25000),
            ("other_management_services", 80, -5, 8, 1500),
            ("administrative_penalty", 3000, -20, 30, 900),
            ("administrative_coercion", 150, -3, 6, 40),
        ):
            scale = 1 if big else 10
            c[f"{a}.{item}.items_last_year"] = rng.randint(0, top // scale)
            c[f"{a}.{item}.change_this_year"] = rng.randint(d_lo, d_hi) if big else 0
            c[f"{a}.{item}.decisions"] = rng.randint(0, dtop // scale)
        c[f"{a}.administrative_fees.items_last_year"] = rng.randint(0, 40)
        c[f"{a}.administrative_fees.change_this_year"] = rng.randint(-4, 0)
        c[f"{a}.centralized_procurement.procurement_projects"] = rng.randint(0, 150)
        c[f"{a}.centralized_procurement.procurement_amount"] = (
            procurement if procurement is not None else rng.randint(1200, 9800000) / 100
        )
    else:
        c[f"{a}.regulations.issued_this_year"] = rng.randint(0, 2) if big else 0
        c[f"{a}.regulations.repealed_this_year"] = rng.randint(0, 1) if big else 0
        c[f"{a}.regulations.in_force"] = rng.randint(0, 12) if big else 0
        issued = rng.randint(0, 40) if big else rng.randint(0, 3)
        c[f"{a}.normative_documents.issued_this_year"] = issued
        c[f"{a}.normative_documents.repealed_this_year"] = rng.randint(0, 15)
        c[f"{a}.normative_documents.in_force"] = issued + rng.randint(5, 700)
        c[f"{a}.administrative_licensing.decisions"] = rng.randint(0, 30000 if big else 300)
        c[f"{a}.administrative_penalty.decisions"] = rng.randint(0, 5000 if big else 50)
        c[f"{a}.administrative_coercion.decisions"] = rng.randint(0, 60 if big else 3)
        c[f"{a}.administrative_fees.fees_amount"] = (
            fee if fee is not None else rng.randint(0, 9600000) / 100 if big else 0
        )

    subrows = OTHER_SUBROWS if template == "2021" else ()
    for col in PERSON_AND_ORGS:
        n = volume * _SHARE[col] // 100
        if col != "natural_person":
            n = rng.randint(0, n)
        counts = dict.fromkeys(RESULT_ROWS, 0) | dict.fromkeys(subrows, 0)
        for _ in range(n):
            row = rng.weighted(_RESULT_WEIGHTS)
            counts[row] += 1
            if row == "other" and subrows:
                counts[rng.weighted(_OTHER_WEIGHTS)] += 1
        processed = sum(counts[r] for r in RESULT_ROWS)
        carried_over = rng.randint(0, n // 12)
        carried_forward = rng.randint(0, n // 10)
        if processed + carried_forward < carried_over:
            counts["granted"] += carried_over - processed - carried_forward
            processed = carried_over - carried_forward
        for row, v in counts.items():
            c[f"applications.{row}.{col}"] = v
        c[f"applications.total_processed.{col}"] = processed
        c[f"applications.carried_over.{col}"] = carried_over
        c[f"applications.carried_forward.{col}"] = carried_forward
        c[f"applications.new_received.{col}"] = processed + carried_forward - carried_over
    for row in {k.split(".")[1] for k in c if k.startswith("applications.")}:
        c[f"applications.{row}.total"] = sum(c[f"applications.{row}.{x}"] for x in PERSON_AND_ORGS)

    for proc, top in zip(PROCEEDINGS, (5, 3, 2) if busy else (1, 0, 0), strict=True):
        parts = {
            "upheld": rng.randint(0, top),
            "corrected": rng.randint(0, top // 2),
            "other": rng.randint(0, 1) if top > 1 else 0,
            "pending": rng.randint(0, top // 2 + (1 if busy else 0)),
        }
        for res, v in parts.items():
            c[f"reviews_litigation.{proc}.{res}"] = v
        c[f"reviews_litigation.{proc}.total"] = sum(parts.values())
    assert set(c) == set(canonical_keys(template)), seed
    return c


def zero_section(cells: dict[str, Number], section: str) -> None:
    for key in cells:
        if key.startswith(section + "."):
            cells[key] = 0


def break_results_sum(cells: dict[str, Number], delta: int) -> list[str]:
    """As in Pingtan 2020: result rows add up to more than （七）总计 (natural person and 总计)."""
    cells["applications.granted.natural_person"] += delta
    cells["applications.granted.total"] += delta
    return ["applications.results_sum"]


def break_review_total(cells: dict[str, Number]) -> list[str]:
    """A typo in the 行政复议 总计 cell only."""
    cells["reviews_litigation.administrative_review.total"] += 1
    return ["reviews_litigation.total"]


def nested(cells: dict[str, Number]) -> dict[str, dict[str, dict[str, Number]]]:
    out: dict[str, dict[str, dict[str, Number]]] = {s: {} for s in SECTIONS}
    for key, value in cells.items():
        section, row, col = key.split(".")
        out[section].setdefault(row, {})[col] = value
    return out


# ---------------------------------------------------------------------------- entries


@dataclass
class Entry:
    id: str
    format: str
    template: str
    year: int
    agency: str
    origin: str
    variant: str
    cells: dict[str, Number] = field(default_factory=dict)
    breaks: list[str] = field(default_factory=list)
    file: str = ""  # relative to the corpus dir; derived from id unless set (real docs)
    # How to make the bytes: "direct" (make() returns them), "soffice:<fmt>" (make()
    # returns DOCX bytes that LibreOffice converts), "scan" (make() returns a PDF to rasterise).
    how: str = "direct"
    make: Callable[[], bytes] | None = None
    scan: dict[str, object] = field(default_factory=dict)  # dpi, rotate, noise
    via: str = "direct"  # for scans: is the source PDF "direct" or "soffice"

    def path(self) -> str:
        return self.file or f"documents/{self.id}.{EXTENSIONS[self.format]}"


# Published dates and signatures only need to be plausible.
def _published(year: int, n: int) -> str:
    return f"{year + 1}-0{1 + n % 3}-{10 + n % 18:02d}"


def spec(
    id_: str, template: str, year: int, agency: str, cells: dict[str, Number], **opts: object
) -> ReportSpec:
    n = int(hashlib.sha256(id_.encode()).hexdigest()[:6], 16)
    units = {}
    if template == "2021":
        units = {"active_disclosure.administrative_fees.fees_amount": "万元"}
    elif template == "2019":
        units = {"active_disclosure.centralized_procurement.procurement_amount": "万元"}
    title = f"{agency}{year}年政府信息公开工作年度报告"
    s = ReportSpec(
        "corpus", 90000 + n % 10000, agency, year, template, title, _published(year, n), "html", cells,
        units=units,
    )
    for key, value in opts.items():
        setattr(s, key, value)
    if template != "pre2019":
        for section in s.prose_sections:
            zero_section(s.cells, section)
    return s


# Label sets used by several variants.
HALF_WIDTH_CAPTIONS = {f"caption.{n}": f"第二十条第({n})项" for n in "一五六八九"}
SEED_LABELS = {
    "app.new_received": "一、本年新收到政府信息公开申请数量",
    "app.carried_over": "二、上年转结政府信息公开申请数量",
    "app.carried_forward": "四、转结下年度继续办理",
}
STRAIGHT_QUOTES = {"app.denied_three_safeties": '3.危及"三安全一稳定"'}
HUBEI_2019 = {
    "active.regulations": "规章（设区的市、自治州人民政府应提供相关数据）",
    "active.normative_documents": "规范性文件（含部门规范性文件）",
    "metric.items_last_year": "上一年项目数量（指2019年事项数）",
    "metric.decisions": "处理决定数量（指本年度作出的处理决定数）",
}
HUBEI_2021 = {
    "active.regulations": "规章（设区的市、自治州人民政府应提供相关数据）",
    "active.normative_documents": "行政规范性文件（含部门行政规范性文件）",
    "metric.decisions": "本年处理决定数量（件）",
}
# Huai'an 2024 PDF: sub-items numbered with an ideographic comma.
COMMA_NUMBERING = {
    f"app.{key}": label.replace(".", "、", 1)
    for key, group, label in application_rows("2021")
    if group not in (None, "")
}
SPACED_HEADERS = {
    "info_col": "信 息 内 容",
    "metric.made_this_year": "本年新\n制作数量",
    "metric.published_this_year": "本年新\n公开数量",
    "applicant.natural_person": "自 然 人",
    "app.results": "三、本年度\n办理结果",
}


def _keys(template: str, pattern: str) -> list[str]:
    import fnmatch

    return [k for k in canonical_keys(template) if fnmatch.fnmatchcase(k, pattern)]


def rendered_entries() -> list[Entry]:
    out: list[Entry] = []

    def add(
        id_: str, fmt: str, template: str, year: int, agency: str, variant: str, *,
        volume: int = 60, big: bool = True, busy: bool = False, fee: float | None = None,
        procurement: Number | None = None, breaks: Callable[[dict], list[str]] | None = None,
        html_style: str = "plain", frame: str = "trs", text_sep: str = " ",
        text_encoding: str = "utf-8", scan: dict | None = None, **opts: object,
    ) -> None:
        cells = (
            make_cells(id_, template, volume, big=big, busy=busy, fee=fee, procurement=procurement)
            if template != "pre2019" else {}
        )
        broken = breaks(cells) if breaks else []
        s = spec(id_, template, year, agency, cells, html_style=html_style, **opts)
        e = Entry(id_, fmt, template, year, agency, "rendered", variant, cells=s.cells, breaks=broken)
        if fmt == "html":
            e.make = lambda s=s: html_page(s, frame)
        elif fmt == "docx":
            e.make = lambda s=s: docx_bytes(report_blocks(s), s.agency)
        elif fmt == "pdf":
            e.make = lambda s=s: pdf_bytes(report_blocks(s), s.title, s.agency)
        elif fmt in ("doc", "wps"):
            e.how = "soffice:doc"
            e.make = lambda s=s: docx_bytes(report_blocks(s), s.agency)
        elif fmt == "scan":
            e.how = "scan"
            e.scan = scan or {}
            e.make = lambda s=s: pdf_bytes(report_blocks(s), s.title, s.agency)
        elif fmt == "text":
            e.make = lambda s=s: text_document(s, text_sep).encode(text_encoding)
        out.append(e)

    # ---- HTML, 2019 template ----------------------------------------------------------
    add("ren-html-2019-word-split", "html", "2019", 2019, "示例市交通运输局",
        "Word/IE export (upper-case inline CSS, bare numbers in some <td>), section 三 split into "
        "two <table>s with 三、本年度办理结果 repeated, spaced/line-broken header labels, "
        "采购总金额 printed '251000元'; GBK page declared gb2312",
        volume=140, procurement=251000, html_style="word", sec3_split=True,
        labels=SPACED_HEADERS,
        display={"active_disclosure.centralized_procurement.procurement_amount": "251000元"})
    add("ren-html-2020-mso-hubei", "html", "2019", 2020, "样例县生态环境分局",
        "2020 report on the 2019 template, MsoNormalTable; Hubei-style notes inside labels, "
        "extra local row 其他主动公开文件, section 二 as separate tables, '/' in blank cells",
        volume=25, big=False, html_style="mso", frame="hanweb", sec2_layout="separate",
        labels=HUBEI_2019 | {"metric.procurement_amount": "采购总金额（万元）"},
        extra_rows=[{"section": "active_disclosure", "after": "normative_documents",
                     "label": "其他主动公开文件",
                     "values": {"made_this_year": 46, "published_this_year": 46,
                                "total_published": 318}}],
        blank_zeros={"active_disclosure.*": "/", "applications.*.research_institution": "/"})
    add("ren-html-2020-plain-seedlabels", "html", "2019", 2020, "样例县公共资源交易中心",
        "plain editor table; seed-report labels 本年新收到 / 上年转结 / 转结下年度继续办理; "
        "section 四 as prose (本年度无因政府信息公开产生行政复议及行政诉讼件。, all 0)",
        volume=8, big=False, frame="hanweb", labels=SEED_LABELS | {
            "metric.procurement_amount": "采购总金额（万元）",
            "heading.4": "四、政府信息公开行政复议和行政诉讼情况"},
        prose_sections=["reviews_litigation"])
    add("ren-html-2020-word-broken", "html", "2019", 2020, "示例市人民政府办公室",
        "deliberately breaks applications.results_sum (予以公开 +6 in 自然人 and 总计, as Pingtan "
        "2020); straight quotes 危及\"三安全一稳定\"; blank cells '—' and empty <td>",
        volume=160, busy=True, html_style="word", breaks=lambda c: break_results_sum(c, 6),
        labels=STRAIGHT_QUOTES | {"metric.procurement_amount": "采购总金额（万元）"},
        blank_zeros={"applications.denied_*.research_institution": "—",
                     "applications.denied_*.social_welfare_org": "—",
                     "applications.*.other_org": ""})
    add("ren-html-2019-mso-fullwidth", "html", "2019", 2019, "样例县农业农村局",
        "full-width digits in the 自然人 and 总计 columns, half-width captions 第二十条第(五)项, "
        "&nbsp; blank cells in the 复议后起诉 block",
        volume=45, busy=True, html_style="mso", frame="hanweb",
        labels=HALF_WIDTH_CAPTIONS | {"metric.procurement_amount": "采购总金额（万元）"},
        fullwidth=_keys("2019", "applications.*.natural_person")
        + _keys("2019", "applications.*.total"),
        blank_zeros={"reviews_litigation.litigation_after_review.*": "\xa0"})
    # ---- HTML, 2021 template ----------------------------------------------------------
    add("ren-html-2021-mso-nbsp", "html", "2021", 2021, "示例市自然资源和规划局",
        "MsoNormalTable, &nbsp;-only cells for zeros in org columns, full-width digits in "
        "予以公开, fee 9116.36 万元; GBK page",
        volume=120, fee=9116.36, html_style="mso",
        fullwidth=["applications.granted.natural_person", "applications.granted.total"],
        blank_zeros={"applications.*.research_institution": "\xa0",
                     "applications.*.social_welfare_org": "\xa0"})
    add("ren-html-2022-plain-separate", "html", "2021", 2022, "样例县教育局",
        "plain table, section 二 as separate tables, blank cells: empty (科研机构) and '-' "
        "(社会公益组织)",
        volume=48, frame="hanweb", sec2_layout="separate",
        blank_zeros={"applications.*.research_institution": "",
                     "applications.*.social_welfare_org": "-"})
    add("ren-html-2023-word-split", "html", "2021", 2023, "示例市市场监督管理局",
        "Word/IE export, section 三 split into two <table>s (rowspan label repeated), "
        "label 四、结转下一年度继续办理, big numbers",
        volume=900, busy=True, html_style="word", sec3_split=True,
        labels={"app.carried_forward": "四、结转下一年度继续办理"})
    add("ren-html-2024-mso-comma", "html", "2021", 2024, "示例市人民政府办公室",
        "combined section 二 with caption rows, caption with a space 第二十条 第（一）项, "
        "curly quotes “三安全一稳定”, sub-items numbered 1、2、 (Huai'an style)",
        volume=210, busy=True, html_style="mso", frame="hanweb",
        labels=COMMA_NUMBERING | {"caption.一": "第二十条 第（一）项"})
    add("ren-html-2022-plain-prose4", "html", "2021", 2022, "样例县退役军人事务局",
        "section 四 as prose (all 0), zero applications in every org column, no fees",
        volume=6, big=False, fee=0, prose_sections=["reviews_litigation"])
    add("ren-html-2021-word-halfwidth", "html", "2021", 2021, "演示区住房和城乡建设局",
        "half-width captions 第二十条第(一)项 … (八), full-width digits in section 四 and "
        "section 二, labels 本年新收到 / 上年转结, decimal fee 0.36",
        volume=70, busy=True, fee=0.36, html_style="word",
        labels=HALF_WIDTH_CAPTIONS | SEED_LABELS,
        fullwidth=_keys("2021", "reviews_litigation.*") + _keys("2021", "active_disclosure.*"))
    add("ren-html-2017-pre2019", "html", "pre2019", 2017, "示例市人民政府办公室",
        "pre-2019 free-form report: one 指标名称/计量单位/年度/历年累计 table, no template cells",
        html_style="mso")

    # ---- DOCX -------------------------------------------------------------------------
    add("ren-docx-2019-combined", "docx", "2019", 2019, "示例市财政局",
        "python-docx merged cells, combined section 二, 采购总金额（万元） with decimals",
        volume=60, labels={"metric.procurement_amount": "采购总金额（万元）"})
    add("ren-docx-2020-split-seedlabels", "docx", "2019", 2020, "样例县市场监督管理局",
        "section 二 as separate tables, section 三 split into two tables, labels 本年新收到 / "
        "上年转结 / 转结下年度继续办理",
        volume=75, sec2_layout="separate", sec3_split=True,
        labels=SEED_LABELS | {"metric.procurement_amount": "采购总金额（万元）"})
    add("ren-docx-2020-hubei-blanks", "docx", "2019", 2020, "样例县水利局",
        "Hubei-style notes inside labels, blank cells ('—' in org columns, '/' in section 二, "
        "empty in section 四)",
        volume=30, big=False, busy=True, labels=HUBEI_2019,
        blank_zeros={"applications.*.commercial_enterprise": "—",
                     "applications.*.legal_service_org": "—", "active_disclosure.*": "/",
                     "reviews_litigation.*": ""})
    add("ren-docx-2019-prose4-fullwidth", "docx", "2019", 2019, "演示区文化和旅游局",
        "section 四 as prose (all 0), full-width digits in section 二, straight quotes",
        volume=15, prose_sections=["reviews_litigation"], labels=STRAIGHT_QUOTES,
        fullwidth=_keys("2019", "active_disclosure.*"))
    add("ren-docx-2022-split", "docx", "2021", 2022, "示例市卫生健康委员会",
        "section 三 split into two tables, label 四、结转下一年度继续办理, big numbers",
        volume=1300, busy=True, sec3_split=True,
        labels={"app.carried_forward": "四、结转下一年度继续办理"})
    add("ren-docx-2024-extra-broken", "docx", "2021", 2024, "样例县人力资源和社会保障局",
        "extra local row 其他主动公开文件 in section 二, Hubei-style notes, deliberately breaks "
        "reviews_litigation.total (行政复议 总计 one too high)",
        volume=55, busy=True, breaks=break_review_total, labels=HUBEI_2021,
        extra_rows=[{"section": "active_disclosure", "after": "normative_documents",
                     "label": "其他主动公开文件",
                     "values": {"issued_this_year": 12, "repealed_this_year": 0,
                                "in_force": 57}}])
    add("ren-docx-2016-pre2019", "docx", "pre2019", 2016, "样例县人民政府",
        "pre-2019 free-form report as DOCX")

    # ---- PDF (reportlab, text layer) --------------------------------------------------
    add("ren-pdf-2019-combined", "pdf", "2019", 2019, "示例市商务局",
        "text PDF, combined section 二, signed 本年增/减", volume=90,
        labels={"metric.procurement_amount": "采购总金额（万元）"})
    add("ren-pdf-2020-split", "pdf", "2019", 2020, "示例市公安局交通警察支队",
        "text PDF, section 二 as separate tables, section 三 split into two tables, big numbers",
        volume=600, busy=True, sec2_layout="separate", sec3_split=True)
    add("ren-pdf-2020-hubei-extra", "pdf", "2019", 2020, "样例县林业局",
        "text PDF, Hubei-style notes inside labels, extra local row 其他主动公开文件",
        volume=20, big=False, labels=HUBEI_2019,
        extra_rows=[{"section": "active_disclosure", "after": "normative_documents",
                     "label": "其他主动公开文件",
                     "values": {"made_this_year": 9, "published_this_year": 9,
                                "total_published": 77}}])
    add("ren-pdf-2019-fullwidth-blanks", "pdf", "2019", 2019, "演示区统计局",
        "text PDF, full-width digits in the 总计 column, '—' blanks in org columns, "
        "half-width captions",
        volume=35, labels=HALF_WIDTH_CAPTIONS, fullwidth=_keys("2019", "applications.*.total"),
        blank_zeros={"applications.*.research_institution": "—",
                     "applications.*.social_welfare_org": "—"})
    add("ren-pdf-2021-combined", "pdf", "2021", 2021, "样例县财政局",
        "text PDF, combined section 二, section 三 flows onto the next page", volume=30)
    add("ren-pdf-2023-seedlabels-comma", "pdf", "2021", 2023, "示例市住房公积金管理中心",
        "text PDF, labels 本年新收到 / 上年转结 / 转结下年度继续办理, sub-items numbered 1、",
        volume=160, busy=True, fee=24252.311082, labels=SEED_LABELS | COMMA_NUMBERING)
    add("ren-pdf-2024-prose4", "pdf", "2021", 2024, "演示区审计局",
        "text PDF, section 四 as prose (all 0), section 二 as separate tables",
        volume=12, big=False, prose_sections=["reviews_litigation"], sec2_layout="separate")
    add("ren-pdf-2018-pre2019", "pdf", "pre2019", 2018, "示例市交通运输局",
        "pre-2019 free-form report as text PDF")

    # ---- DOC / WPS (LibreOffice conversion of rendered DOCX) ---------------------------
    add("ren-doc-2019-combined", "doc", "2019", 2019, "样例县发展和改革局",
        "DOC (Word 97) converted by LibreOffice from a rendered DOCX", volume=40,
        labels={"metric.procurement_amount": "采购总金额（万元）"})
    add("ren-doc-2020-split", "doc", "2019", 2020, "示例市民政局",
        "DOC by LibreOffice; section 三 split into two tables, section 二 separate tables",
        volume=110, busy=True, sec3_split=True, sec2_layout="separate")
    add("ren-doc-2020-seedlabels-blanks", "doc", "2019", 2020, "演示区科技和工业信息化局",
        "DOC by LibreOffice; labels 本年新收到 / 上年转结 / 转结下年度继续办理, '—' blanks",
        volume=18, big=False, labels=SEED_LABELS,
        blank_zeros={"applications.*.other_org": "—", "applications.*.social_welfare_org": "—"})
    add("ren-doc-2022-combined", "doc", "2021", 2022, "示例市医疗保障局",
        "DOC by LibreOffice, combined section 二", volume=85, fee=96171.6)
    add("ren-doc-2023-blanks-prose4", "doc", "2021", 2023, "样例县城市管理局",
        "DOC by LibreOffice; '/' blanks in section 二, section 四 as prose (all 0)",
        volume=28, big=False, prose_sections=["reviews_litigation"],
        blank_zeros={"active_disclosure.*": "/"})
    add("ren-wps-2019-combined", "wps", "2019", 2019, "样例县自然资源局",
        "\"WPS\": DOC (Word 97) bytes by LibreOffice saved as .wps (LibreOffice cannot write "
        "Kingsoft's format; WPS files are OLE2 Word-compatible)", volume=52, busy=True)
    add("ren-wps-2020-hubei", "wps", "2019", 2020, "样例县应急管理局",
        "\"WPS\" (DOC bytes named .wps); Hubei-style notes inside labels, half-width captions",
        volume=22, big=False, labels=HUBEI_2019 | HALF_WIDTH_CAPTIONS)
    add("ren-wps-2020-prose4", "wps", "2019", 2020, "演示区司法局",
        "\"WPS\" (DOC bytes named .wps); section 四 as prose, straight quotes",
        volume=33, prose_sections=["reviews_litigation"], labels=STRAIGHT_QUOTES)
    add("ren-wps-2021-combined", "wps", "2021", 2021, "示例市税费征收服务中心",
        "\"WPS\" (DOC bytes named .wps), combined section 二", volume=64, fee=5949.088667)
    add("ren-wps-2024-split", "wps", "2021", 2024, "示例市规划和自然资源局",
        "\"WPS\" (DOC bytes named .wps); section 三 split into two tables, label "
        "四、结转下一年度继续办理", volume=190, busy=True, sec3_split=True,
        labels={"app.carried_forward": "四、结转下一年度继续办理"})

    # ---- scans (rasterised reportlab PDFs in an image-only PDF) ------------------------
    add("ren-scan-2019-clean", "scan", "2019", 2019, "示例市审计局",
        "image-only PDF, 200 dpi grayscale, clean", volume=50,
        scan={"dpi": 200, "rotate": 0.0, "noise": False})
    add("ren-scan-2020-noise", "scan", "2019", 2020, "样例县交通运输局",
        "image-only PDF, 150 dpi, speckle noise, rotated 0.3°", volume=26, big=False,
        scan={"dpi": 150, "rotate": 0.3, "noise": True})
    add("ren-scan-2020-rotated", "scan", "2019", 2020, "演示区财政局",
        "image-only PDF, 150 dpi, rotated -0.5°, section 二 as separate tables", volume=70,
        sec2_layout="separate", scan={"dpi": 150, "rotate": -0.5, "noise": False})
    add("ren-scan-2019-split", "scan", "2019", 2019, "示例市退役军人事务局",
        "image-only PDF, 200 dpi, section 三 split into two tables, noise", volume=15,
        sec3_split=True, scan={"dpi": 200, "rotate": 0.0, "noise": True})
    add("ren-scan-2021-clean", "scan", "2021", 2021, "示例市文化广电旅游局",
        "image-only PDF, 200 dpi grayscale, clean", volume=80, fee=12.5,
        scan={"dpi": 200, "rotate": 0.0, "noise": False})
    add("ren-scan-2022-noise", "scan", "2021", 2022, "样例县人民政府办公室",
        "image-only PDF, 150 dpi, speckle noise, rotated 0.4°", volume=130, busy=True,
        scan={"dpi": 150, "rotate": 0.4, "noise": True})
    add("ren-scan-2024-150dpi", "scan", "2021", 2024, "演示区市场监督管理局",
        "image-only PDF, 150 dpi, rotated -0.2°, section 四 as prose", volume=40,
        prose_sections=["reviews_litigation"], scan={"dpi": 150, "rotate": -0.2, "noise": False})

    # ---- plain text (tables flattened, one line per table row) -------------------------
    add("ren-text-2019-spaces", "text", "2019", 2019, "示例市教育局",
        "plain text, one line per table row, cells separated by spaces", volume=60)
    add("ren-text-2020-tabs", "text", "2019", 2020, "样例县卫生健康局",
        "plain text, one line per table row, cells separated by tabs", volume=38,
        text_sep="\t")
    add("ren-text-2020-glued", "text", "2019", 2020, "演示区生态环境局",
        "plain text, cells glued without separators (like get_text() on the page: "
        "'规范性文件898989'); section 二 cannot be split back into cells",
        volume=24, text_sep="")
    add("ren-text-2019-gbk-seedlabels", "text", "2019", 2019, "示例市农业农村局",
        "plain text in GBK, spaces between cells, labels 本年新收到 / 上年转结 / 转结下年度继续办理, "
        "blanks '—'", volume=44, text_sep=" ", text_encoding="gbk", labels=SEED_LABELS,
        blank_zeros={"applications.*.research_institution": "—"})
    add("ren-text-2021-spaces", "text", "2021", 2021, "示例市水务局",
        "plain text, one line per table row, cells separated by spaces", volume=75)
    add("ren-text-2022-glued", "text", "2021", 2022, "样例县商务局",
        "plain text, cells glued without separators (section 三 row '一、本年新收…数量1000001')",
        volume=20, big=False, text_sep="")
    add("ren-text-2023-prose4", "text", "2021", 2023, "演示区教育局",
        "plain text, spaces, section 四 as prose (all 0), fee with decimals", volume=95,
        fee=133.27, prose_sections=["reviews_litigation"])
    add("ren-text-2024-tabs", "text", "2021", 2024, "示例市司法局",
        "plain text, tabs between cells, sub-items numbered 1、", volume=150, busy=True,
        text_sep="\t", labels=COMMA_NUMBERING)
    add("ren-text-2015-pre2019", "text", "pre2019", 2015, "样例县人民政府办公室",
        "pre-2019 free-form report as plain text")
    return out


# ---------------------------------------------------------------------------- HTML pages


def html_page(s: ReportSpec, frame: str) -> bytes:
    """The report fragment inside a TRS-style (GBK) or Hanweb-style (UTF-8) article page."""
    body = blocks_html(report_blocks(s), s.html_style)
    title = escape(s.title)
    date = s.published
    if frame == "trs":
        page = (
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
            '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n<meta charset="gb2312">\n'
            f'<meta name="ArticleTitle" content="{title}">\n'
            f'<meta name="PubDate" content="{date} 09:30">\n'
            f'<meta name="ContentSource" content="{escape(s.agency)}">\n'
            f"<title>{title}</title>\n</head>\n<body>\n"
            '<div class="header"><div class="logo">示例站点（评测语料，数据为虚构）</div></div>\n'
            f'<div class="article_area"><div class="article_title">{title}</div>\n'
            f'<div class="article_info">发布日期：{date}　来源：{escape(s.agency)}</div>\n'
            f'<div class="article_content article_content_01">\n<div class=TRS_Editor>{body}</div>\n'
            "</div></div>\n"
            '<div class="footer"><p>评测语料（样例数据）</p></div>\n</body>\n</html>\n'
        )
        return page.encode("gbk", errors="xmlcharrefreplace")
    page = (
        '<!DOCTYPE html>\n<html>\n<head>\n'
        '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f'<meta name="ArticleTitle" content="{title}">\n'
        f'<meta name="PubDate" content="{date} 10:05">\n'
        f"<title>{title}</title>\n</head>\n<body>\n"
        '<div class="top"><div class="logo">样例站点（评测语料，数据为虚构）</div></div>\n'
        f'<div class="main"><div class="title">{title}</div>\n'
        f'<div class="fbxx">发布日期：{date}　来源：{escape(s.agency)}</div>\n'
        f'<div id="zoom">\n{body}\n</div>\n</div>\n'
        '<div class="foot">评测语料（样例数据）</div>\n</body>\n</html>\n'
    )
    return page.encode("utf-8")


# ---------------------------------------------------------------------------- plain text


def _flatten(table: Table, sep: str) -> list[str]:
    # A cell spanning rows prints once, in its first row, as a page's get_text() does.
    return [sep.join(cell.text.replace("\n", "") for cell in row) for row in table.rows]


def text_document(s: ReportSpec, sep: str) -> str:
    lines: list[str] = []
    for block in report_blocks(s):
        if block.kind == "table":
            assert block.table is not None
            lines += _flatten(block.table, sep)
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- official template

OFFICIAL_ROW_LABELS = {label: key for key, _, label in application_rows("2021")}
OFFICIAL_ITEMS = {
    "规章": "regulations", "行政规范性文件": "normative_documents",
    "行政许可": "administrative_licensing", "行政处罚": "administrative_penalty",
    "行政强制": "administrative_coercion", "行政事业性收费": "administrative_fees",
}
OFFICIAL_METRICS = {
    "本年制发件数": "issued_this_year", "本年废止件数": "repealed_this_year",
    "现行有效件数": "in_force", "本年处理决定数量": "decisions",
    "本年收费金额（单位：万元）": "fees_amount",
}
OFFICIAL_APPLICANTS = {
    "自然人": "natural_person", "商业企业": "commercial_enterprise",
    "科研机构": "research_institution", "社会公益组织": "social_welfare_org",
    "法律服务机构": "legal_service_org", "其他": "other_org", "总计": "total",
}
OFFICIAL_PROCEEDINGS = {
    "行政复议": "administrative_review", "未经复议直接起诉": "litigation_direct",
    "复议后起诉": "litigation_after_review",
}
OFFICIAL_RESULTS = {
    "结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "尚未审结": "pending",
    "总计": "total",
}


def _norm(text: str) -> str:
    return "".join(text.split())


def _set_cell(cell: object, text: str) -> None:
    """Replace a cell's text, keeping its paragraph and first run (and their formatting)."""
    paragraphs = cell.paragraphs  # type: ignore[attr-defined]
    for p in paragraphs:
        for run in p.runs:
            run.text = ""
    first = paragraphs[0]
    if first.runs:
        first.runs[0].text = text
    else:
        first.add_run(text)


def _printed(value: Number, blank_zero: bool) -> str:
    if value == 0 and blank_zero:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def fill_official(
    cells: dict[str, Number], agency: str, year: int, *, blank_zero_cols: tuple[str, ...] = (),
) -> bytes:
    """template-2021.docx with a title, some prose and every value cell filled, found by label."""
    import docx

    document = docx.Document(str(TEMPLATE_2021))
    written: set[str] = set()

    def put(cell: object, key: str, blank_zero: bool = False) -> None:
        _set_cell(cell, _printed(cells[key], blank_zero))
        written.add(key)

    active, apps, reviews = document.tables
    # Section 二: caption row, header row ("信息内容" + metric labels), item rows.
    metric_cols: dict[int, str] = {}
    for row in active.rows:
        label = _norm(row.cells[0].text)
        if label == "信息内容":
            metric_cols = {}
            cells_ = row.cells
            for j in range(1, len(cells_)):
                if cells_[j]._tc is not cells_[j - 1]._tc:  # a merged cell repeats its <w:tc>
                    metric_cols[j] = OFFICIAL_METRICS[_norm(cells_[j].text)]
        elif label in OFFICIAL_ITEMS:
            for j, metric in metric_cols.items():
                put(row.cells[j], f"active_disclosure.{OFFICIAL_ITEMS[label]}.{metric}")
    # Section 三: three header rows (applicant labels in the third), then one row per key.
    header = [_norm(c.text) for c in apps.rows[2].cells]
    app_cols = {j: OFFICIAL_APPLICANTS[h] for j, h in enumerate(header) if h in OFFICIAL_APPLICANTS}
    for row in apps.rows[3:]:
        key = OFFICIAL_ROW_LABELS[row.cells[2].text.strip()]
        for j, col in app_cols.items():
            put(row.cells[j], f"applications.{key}.{col}", blank_zero=col in blank_zero_cols)
    written |= {f"applications.other.{a}" for a in APPLICANTS}  # derived, not printed
    # Section 四: proceeding from header rows 0/1, result from header row 2.
    top = [_norm(c.text) for c in reviews.rows[0].cells]
    mid = [_norm(c.text) for c in reviews.rows[1].cells]
    low = [_norm(c.text) for c in reviews.rows[2].cells]
    for j, cell in enumerate(reviews.rows[3].cells):
        proc = OFFICIAL_PROCEEDINGS[top[j] if top[j] == "行政复议" else mid[j]]
        put(cell, f"reviews_litigation.{proc}.{OFFICIAL_RESULTS[low[j]]}")
    assert written == set(cells), sorted(set(cells) - written)[:5]

    received = cells["applications.new_received.total"]
    fee = cells["active_disclosure.administrative_fees.fees_amount"]
    prose = {
        "政府信息公开工作年度报告格式模板": f"{agency}{year}年政府信息公开工作年度报告",
        "（文字描述）": [
            f"{year}年，{agency}坚持以公开为常态、不公开为例外，全年新收政府信息公开申请"
            f"{received}件，均在法定期限内答复。",
            f"{year}年工作中仍存在公开内容不够全面等问题，{year + 1}年将进一步加强培训、规范办理。",
        ],
        "（文字描述，收取信息处理费情况在此处报告。）": "本年度未收取信息处理费。"
        if not fee else "本年度未收取信息处理费。行政事业性收费情况见上表。",
    }
    described = 0
    for p in document.paragraphs:
        text = p.text.strip()
        if text not in prose:
            continue
        new = prose[text]
        if isinstance(new, list):
            new = new[min(described, len(new) - 1)]
            described += 1
        for run in p.runs:
            run.text = ""
        p.runs[0].text = new
    props = document.core_properties
    props.author = agency
    props.last_modified_by = agency
    props.title = ""
    props.revision = 1
    for attr in ("created", "modified", "last_printed"):
        setattr(props, attr, FIXED_TIME)
    buf = io.BytesIO()
    document.save(buf)
    return repack(buf.getvalue())


OFFICIAL_SETS = [
    # (letter, agency, year, volume, big, busy, fee, zero cells printed blank in these columns)
    ("a", "示例市交通运输局", 2021, 60, True, False, 0.0, ()),
    ("b", "样例县应急管理局", 2022, 0, False, False, 0.0, ()),
    ("c", "示例市人民政府", 2023, 1800, True, True, 24252.311082, ()),
    ("d", "样例县司法局", 2024, 12, False, False, 0.36,
     ("research_institution", "social_welfare_org", "other_org")),
    ("e", "示例市医疗保障局", 2022, 140, True, True, 96171.6, ()),
    ("f", "演示区管理委员会", 2024, 300, True, True, 5949.088667, ()),
]
# Which sets are also delivered in other formats (and how).
OFFICIAL_CONVERSIONS = [
    ("pdf", "a"), ("pdf", "c"), ("pdf", "e"), ("doc", "b"), ("doc", "d"), ("wps", "c"),
    ("wps", "f"), ("scan", "e"),
]


def official_entries() -> list[Entry]:
    out: list[Entry] = []
    made: dict[str, tuple[dict[str, Number], str, int, str]] = {}
    for letter, agency, year, volume, big, busy, fee, blank_cols in OFFICIAL_SETS:
        seed = f"official-{letter}"
        cells = make_cells(seed, "2021", volume, big=big, busy=busy, fee=fee)
        blanks = f"; zeros left blank in {', '.join(blank_cols)}" if blank_cols else ""
        desc = (f"set {letter}: {volume} natural-person requests, fee {fee:g} 万元"
                f"{', reviews and lawsuits' if busy else ''}{blanks}")
        made[letter] = (cells, agency, year, desc)
        e = Entry(f"off-docx-{year}-{letter}", "docx", "2021", year, agency, "official-template",
                  f"official 2021 template (Word) filled with python-docx, {desc}", cells=cells)
        e.make = lambda c=cells, a=agency, y=year, b=blank_cols: fill_official(
            c, a, y, blank_zero_cols=b)
        out.append(e)
    blank_of = {s[0]: s[7] for s in OFFICIAL_SETS}
    for fmt, letter in OFFICIAL_CONVERSIONS:
        cells, agency, year, desc = made[letter]
        how = {
            "pdf": "LibreOffice PDF export of the filled template",
            "doc": "LibreOffice DOC (Word 97) conversion of the filled template",
            "wps": "\"WPS\": LibreOffice DOC (Word 97) bytes saved as .wps (LibreOffice cannot "
                   "write Kingsoft's format; WPS files are OLE2 Word-compatible)",
            "scan": "LibreOffice PDF of the filled template rasterised at 200 dpi, rotated 0.2°, "
                    "image-only",
        }[fmt]
        e = Entry(f"off-{fmt}-{year}-{letter}", fmt, "2021", year, agency, "official-template",
                  f"{how}, {desc}", cells=cells)
        e.make = lambda c=cells, a=agency, y=year, b=blank_of[letter]: fill_official(
            c, a, y, blank_zero_cols=b)
        if fmt == "scan":
            e.how, e.via = "scan", "soffice"
            e.scan = {"dpi": 200, "rotate": 0.2, "noise": False}
        else:
            e.how = f"soffice:{'pdf' if fmt == 'pdf' else 'doc'}"
        out.append(e)
    return out


# ---------------------------------------------------------------------------- real documents


def real_entries() -> list[Entry]:
    return [
        Entry("real-html-2019-pingtan", "html", "2019", 2019, "平潭综合实验区", "real",
              "real pingtan.gov.cn page (TRS, Word/IE export, section 三 split with the "
              "rowspan label repeated, 采购总金额 '75394432.52元')",
              file="../files/pingtan/t20200120_80576.html"),
        Entry("real-html-2022-pingtan", "html", "2021", 2022, "平潭综合实验区", "real",
              "real pingtan.gov.cn page (TRS, MsoNormalTable with mso-* styles, 9116.36 万元, "
              "non-zero section 四)",
              file="../files/pingtan/t20230220_80629.html"),
        Entry("real-html-2015-pingtan", "html", "pre2019", 2015, "平潭综合实验区", "real",
              "real pingtan.gov.cn page, pre-2019 free-form report (indicator/unit/year/total table)",
              file="../files/pingtan/t20160112_80445.html"),
    ]


def all_entries() -> list[Entry]:
    return real_entries() + official_entries() + rendered_entries()


# ---------------------------------------------------------------------------- conversions

# One re-zipper for every generated DOCX: the sample-site renderer's.
from crawler.sample_sites.render import repack  # noqa: E402


def soffice_convert(sources: dict[str, bytes], target: str, workdir: Path) -> dict[str, bytes]:
    """DOCX bytes by name → converted bytes by name, with one LibreOffice run per target."""
    if not sources:
        return {}
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice (LibreOffice) is needed to build the DOC/WPS/PDF conversions")
    indir, outdir = workdir / f"in-{target}", workdir / f"out-{target}"
    indir.mkdir()
    outdir.mkdir()
    for name, data in sources.items():
        (indir / f"{name}.docx").write_bytes(data)
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
         "--convert-to", target, "--outdir", str(outdir),
         *sorted(str(p) for p in indir.iterdir())],
        check=True, capture_output=True, timeout=600,
    )
    out = {}
    for name in sources:
        path = outdir / f"{name}.{target}"
        if not path.exists():
            sys.exit(f"LibreOffice did not produce {path.name}")
        out[name] = path.read_bytes()
    return out


def stable_pdf(data: bytes, seed: str) -> bytes:
    """LibreOffice stamps each PDF with the conversion time, a random /ID and a checksum of
    both; replace them with fixed values of the same length, so byte offsets (and the xref
    table) stay valid and a rebuild gives the same bytes."""
    digest = hashlib.md5(seed.encode()).hexdigest().upper().encode()
    data = re.sub(rb"/(CreationDate|ModDate)\(D:\d{14}", rb"/\1(D:20240101080000", data)
    data = re.sub(rb"(/ID\s*\[\s*<)[0-9A-Fa-f]{32}(>\s*<)[0-9A-Fa-f]{32}>",
                  lambda m: m.group(1) + digest + m.group(2) + digest + b">", data)
    return re.sub(rb"/DocChecksum /[0-9A-Fa-f]{32}", b"/DocChecksum /" + digest, data)


def _png_chunks(png: bytes) -> tuple[tuple[int, int, int, int], bytes]:
    """(width, height, bit depth, colour type) and the concatenated IDAT data of a PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, [], None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data)
            assert interlace == 0
            ihdr = (w, h, depth, ctype)
        elif kind == b"IDAT":
            idat.append(data)
        pos += 12 + length
    assert ihdr is not None
    return ihdr, b"".join(idat)


def images_pdf(pngs: list[bytes], dpi: int) -> bytes:
    """An image-only PDF, one page per grayscale PNG, embedded as-is (FlateDecode with the
    PNG predictor), so the page images stay lossless and the file small."""
    objects: list[bytes] = []
    kids = []
    for png in pngs:
        (w, h, depth, ctype), data = _png_chunks(png)
        assert ctype == 0, "grayscale PNG expected"
        img_no = len(objects) + 3
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent %d /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 1 "
            b"/BitsPerComponent %d /Columns %d >> /Length %d >>\nstream\n"
            % (w, h, depth, depth, w, len(data)) + data + b"\nendstream"
        )
        pw, ph = w * 72 / dpi, h * 72 / dpi
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject "
            b"<< /Im0 %d 0 R >> /ProcSet [/PDF /ImageB] >> /Contents %d 0 R >>"
            % (pw, ph, img_no, img_no + 1)
        )
        kids.append(img_no + 2)
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(head + objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(offsets) + 1, xref))
    return out.getvalue()


def scan_pdf(pdf: bytes, *, dpi: int, rotate: float, noise: bool, seed: str, bw: bool = False) -> bytes:
    """Rasterise a PDF in grayscale (or black and white, `bw`: thresholded as a scanner's
    text mode does) and wrap the page images into an image-only PDF.

    Rasterised with pypdfium2 (pdfplumber's renderer), not pdftoppm: the reportlab PDFs use
    the non-embedded Adobe-GB1 font STSong-Light, which poppler only draws when its
    poppler-data language pack is installed (it is not on a plain poppler-utils install).
    Pages are stored as 4-bit grayscale PNG data (16 levels, quantised) to keep the corpus small.
    """
    import pypdfium2
    from PIL import Image, ImageChops, ImageFilter

    assert abs(rotate) <= 0.5
    document = pypdfium2.PdfDocument(pdf)
    pngs = []
    for n in range(len(document)):
        im = document[n].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        if noise:
            # Scanner softness plus a few hundred 4x4-pixel grey specks per page, seeded.
            im = im.filter(ImageFilter.GaussianBlur(0.4))
            w, h = im.size
            rng = random.Random(f"{seed}/{n}")
            specks = Image.frombytes("L", (w // 4, h // 4), rng.randbytes((w // 4) * (h // 4)))
            specks = specks.point(lambda v: 110 if v == 255 else 255)
            im = ImageChops.darker(im, specks.resize((w, h), Image.Resampling.NEAREST))
        if rotate:
            im = im.rotate(rotate, resample=Image.Resampling.BICUBIC, fillcolor=255)
        buf = io.BytesIO()
        if bw:
            im.point(lambda v: 255 if v >= 160 else 0).convert("1").save(buf, "PNG", optimize=True)
        else:
            # 16 grey levels, as a 4-bit scanner stores them. Pillow's bits=4 writes each value's
            # low four bits (240 would come back black), so the value is quantised first.
            im = im.point(lambda v: v >> 4)
            im.save(buf, "PNG", optimize=True, bits=4)
        pngs.append(buf.getvalue())
    document.close()
    return images_pdf(pngs, dpi)


# ---------------------------------------------------------------------------- main


def expected_json(e: Entry) -> dict:
    if e.template == "pre2019":
        cells = {s: {} for s in SECTIONS}
    else:  # rows in printed order
        cells = nested({k: e.cells[k] for k in canonical_keys(e.template)})
    return {"template": e.template, "year": e.year, "agency": e.agency, "cells": cells}


def manifest_entry(e: Entry) -> dict:
    out = {
        "id": e.id, "file": e.path(), "format": e.format, "template": e.template,
        "year": e.year, "agency": e.agency, "origin": e.origin, "variant": e.variant,
        "expected": f"expected/{e.id}.json",
    }
    if e.breaks:
        out["breaks"] = e.breaks
    return out


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def dump_expected(data: dict) -> str:
    """Expected JSON with one table row per line, so a diff reads like the table."""
    def dumps(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = ["{"] + [f" {dumps(k)}: {dumps(data[k])}," for k in ("template", "year", "agency")]
    lines.append(' "cells": {')
    for i, section in enumerate(SECTIONS):
        rows = data["cells"][section]
        end = "," if i < len(SECTIONS) - 1 else ""
        if not rows:
            lines.append(f"  {dumps(section)}: {{}}{end}")
            continue
        lines.append(f"  {dumps(section)}: {{")
        lines += [f"   {dumps(row)}: {dumps(cols)}{',' if j < len(rows) - 1 else ''}"
                  for j, (row, cols) in enumerate(rows.items())]
        lines.append(f"  }}{end}")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def build(only: set[str] | None = None) -> list[Entry]:
    entries = all_entries()
    ids = [e.id for e in entries]
    assert len(ids) == len(set(ids)), "duplicate ids"
    DOCUMENTS_DIR.mkdir(exist_ok=True)
    EXPECTED_DIR.mkdir(exist_ok=True)
    todo = [e for e in entries if e.origin != "real" and (only is None or e.id in only)]
    with tempfile.TemporaryDirectory(prefix="corpus-") as tmpname:
        work = Path(tmpname)
        data: dict[str, bytes] = {}
        to_doc: dict[str, bytes] = {}
        to_pdf: dict[str, bytes] = {}
        for e in todo:
            assert e.make is not None
            raw = e.make()
            if e.how == "direct":
                data[e.id] = raw
            elif e.how == "soffice:doc":
                to_doc[e.id] = raw
            elif e.how == "soffice:pdf" or (e.how == "scan" and e.via == "soffice"):
                to_pdf[e.id] = raw
            else:  # a scan of a reportlab PDF
                data[e.id] = raw
        data |= soffice_convert(to_doc, "doc", work)
        data |= {k: stable_pdf(v, k) for k, v in soffice_convert(to_pdf, "pdf", work).items()}
        for e in todo:
            if e.how == "scan":
                data[e.id] = scan_pdf(data[e.id], seed=e.id, **e.scan)  # type: ignore[arg-type]
            (CORPUS_DIR / e.path()).write_bytes(data[e.id])
            (EXPECTED_DIR / f"{e.id}.json").write_text(dump_expected(expected_json(e)), encoding="utf-8")
            print(f"{e.id:40s} {len(data[e.id]):>9,d} bytes", file=sys.stderr)
    if only is None:
        keep = {Path(e.path()).name for e in entries}
        for path in DOCUMENTS_DIR.iterdir():
            if path.name not in keep:
                path.unlink()
        keep_json = {f"{e.id}.json" for e in entries}
        for path in EXPECTED_DIR.iterdir():
            if path.name not in keep_json:
                path.unlink()
    write_json(CORPUS_DIR / "manifest.json", [manifest_entry(e) for e in entries])
    return entries


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="rebuild only these documents")
    args = parser.parse_args(argv)
    entries = build(set(args.only) if args.only else None)
    print(f"{len(entries)} documents in {CORPUS_DIR / 'manifest.json'}", file=sys.stderr)


if __name__ == "__main__":
    main()
