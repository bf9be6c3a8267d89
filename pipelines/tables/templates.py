"""The two national templates as data: canonical keys, the labels that print them, and
the keywords that recognise a label in any of its real-world spellings.

Patterns are matched against `text.label_key()` forms (NFKC, no whitespace, no quotes),
with list numbering stripped where noted. Keys are those of reference/report-schema.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEMPLATES = ("2019", "2021")

# ── Section 二 主动公开政府信息情况 ─────────────────────────────────────────────
# (item key, label pattern, templates it belongs to)
ACTIVE_ITEMS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("regulations", re.compile(r"^规章"), ("2019", "2021")),
    ("normative_documents", re.compile(r"^(行政)?规范性文件"), ("2019", "2021")),
    ("administrative_licensing", re.compile(r"^行政许可"), ("2019", "2021")),
    ("other_management_services", re.compile(r"其他对外管理服务"), ("2019",)),
    ("administrative_penalty", re.compile(r"^行政处罚"), ("2019", "2021")),
    ("administrative_coercion", re.compile(r"^行政强制"), ("2019", "2021")),
    ("administrative_fees", re.compile(r"^行政事业性收费"), ("2019", "2021")),
    ("centralized_procurement", re.compile(r"政府集中采购"), ("2019",)),
]

ACTIVE_METRICS: list[tuple[str, re.Pattern[str]]] = [
    ("made_this_year", re.compile(r"新制作")),
    ("published_this_year", re.compile(r"新公开")),
    ("total_published", re.compile(r"对外公开总")),
    ("items_last_year", re.compile(r"上一?年.*项目数")),
    ("change_this_year", re.compile(r"增/?减|增减")),
    ("decisions", re.compile(r"处理决定")),
    ("procurement_projects", re.compile(r"采购项目数")),
    ("procurement_amount", re.compile(r"采购总金额|采购金额")),
    ("issued_this_year", re.compile(r"制发")),
    ("repealed_this_year", re.compile(r"废止")),
    ("in_force", re.compile(r"现行有效")),
    ("fees_amount", re.compile(r"收费金额")),
]

# Which metrics each item carries in each template (every one is emitted, null if absent).
ACTIVE_LAYOUT: dict[str, dict[str, list[str]]] = {
    "2019": {
        "regulations": ["made_this_year", "published_this_year", "total_published"],
        "normative_documents": ["made_this_year", "published_this_year", "total_published"],
        "administrative_licensing": ["items_last_year", "change_this_year", "decisions"],
        "other_management_services": ["items_last_year", "change_this_year", "decisions"],
        "administrative_penalty": ["items_last_year", "change_this_year", "decisions"],
        "administrative_coercion": ["items_last_year", "change_this_year", "decisions"],
        "administrative_fees": ["items_last_year", "change_this_year"],
        "centralized_procurement": ["procurement_projects", "procurement_amount"],
    },
    "2021": {
        "regulations": ["issued_this_year", "repealed_this_year", "in_force"],
        "normative_documents": ["issued_this_year", "repealed_this_year", "in_force"],
        "administrative_licensing": ["decisions"],
        "administrative_penalty": ["decisions"],
        "administrative_coercion": ["decisions"],
        "administrative_fees": ["fees_amount"],
    },
}

# The two amounts of money; every other cell of the templates counts (items, requests,
# cases) and is a whole number.
AMOUNT_METRICS = ("procurement_amount", "fees_amount")
# Amounts whose unit the header or the cell states; the template's default when neither does.
DEFAULT_UNITS = {"fees_amount": "万元"}
UNIT_IN_HEADER_RE = re.compile(r"(万元|元)")

# ── Section 三 收到和处理政府信息公开申请情况 ──────────────────────────────────
APPLICANTS: list[tuple[str, re.Pattern[str]]] = [
    ("natural_person", re.compile(r"^自然人$")),
    ("commercial_enterprise", re.compile(r"^商业企业$")),
    ("research_institution", re.compile(r"^科研机构$")),
    ("social_welfare_org", re.compile(r"^社会公益组织$")),
    ("legal_service_org", re.compile(r"^法律服务机构$")),
    ("other_org", re.compile(r"^其[他它]$")),
    ("total", re.compile(r"^(总计|合计)$")),
]
APPLICANT_KEYS = [k for k, _ in APPLICANTS]


@dataclass(frozen=True)
class RowRule:
    key: str
    leaf: re.Pattern[str]  # on the row's own (innermost) label, numbering stripped
    context: re.Pattern[str] | None = None  # on all of the row's labels joined


def _r(p: str) -> re.Pattern[str]:
    return re.compile(p)


# Order matters: specific sub-items before the broad labels that contain them.
APPLICATION_ROWS: list[RowRule] = [
    RowRule("new_received", _r(r"本年(度)?新收")),
    RowRule("carried_over", _r(r"上(一)?年(度)?(结转|转结)")),
    RowRule("carried_forward", _r(r"(结转|转结)(至)?下(一)?年")),
    RowRule("denied_state_secret", _r(r"国家秘密")),
    RowRule("denied_prohibited_by_law", _r(r"法律行政法规禁止")),
    RowRule("denied_three_safeties", _r(r"三安全一稳定")),
    RowRule("denied_third_party", _r(r"第三方合法权益")),
    RowRule("denied_internal_affairs", _r(r"内部事务")),
    RowRule("denied_process_info", _r(r"过程性信息")),
    RowRule("denied_enforcement_file", _r(r"行政执法案卷")),
    RowRule("denied_administrative_query", _r(r"行政查询")),
    RowRule("unavailable_not_held", _r(r"不掌握")),
    RowRule("unavailable_needs_creation", _r(r"另行制作")),
    RowRule("unavailable_unclear", _r(r"仍不明确")),
    RowRule("not_processed_petition", _r(r"信访|举报投诉")),
    RowRule("not_processed_duplicate", _r(r"^重复申请")),
    RowRule("not_processed_publication", _r(r"公开出版物")),
    RowRule("not_processed_excessive", _r(r"大量反复")),
    RowRule("not_processed_confirmation", _r(r"确认或重新出具")),
    RowRule("other_no_correction", _r(r"逾期不补正")),
    RowRule("other_unpaid_fee", _r(r"收费通知|缴纳费用")),
    RowRule("other_other", _r(r"^其[他它]$"), _r(r"其[他它]处理")),
    RowRule("other", _r(r"^其[他它]处理$")),
    RowRule("partially_granted", _r(r"^部分公开")),
    RowRule("granted", _r(r"^予以公开")),
    RowRule("total_processed", _r(r"^(总计|合计)$")),
]

APPLICATION_ROWS_BY_TEMPLATE: dict[str, list[str]] = {
    "2019": [
        "new_received", "carried_over", "granted", "partially_granted",
        "denied_state_secret", "denied_prohibited_by_law", "denied_three_safeties",
        "denied_third_party", "denied_internal_affairs", "denied_process_info",
        "denied_enforcement_file", "denied_administrative_query",
        "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
        "not_processed_petition", "not_processed_duplicate", "not_processed_publication",
        "not_processed_excessive", "not_processed_confirmation",
        "other", "total_processed", "carried_forward",
    ],
}
APPLICATION_ROWS_BY_TEMPLATE["2021"] = [
    *APPLICATION_ROWS_BY_TEMPLATE["2019"][:20],
    "other_no_correction", "other_unpaid_fee", "other_other",
    *APPLICATION_ROWS_BY_TEMPLATE["2019"][20:],
]
OTHER_SUBROWS = ("other_no_correction", "other_unpaid_fee", "other_other")
RESULT_ROWS = [
    "granted", "partially_granted",
    "denied_state_secret", "denied_prohibited_by_law", "denied_three_safeties",
    "denied_third_party", "denied_internal_affairs", "denied_process_info",
    "denied_enforcement_file", "denied_administrative_query",
    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
    "not_processed_petition", "not_processed_duplicate", "not_processed_publication",
    "not_processed_excessive", "not_processed_confirmation", "other",
]

# ── Section 四 行政复议、行政诉讼 ─────────────────────────────────────────────
PROCEEDINGS: list[tuple[str, re.Pattern[str]]] = [
    # Checked in this order: "复议后起诉" also contains "复议".
    ("litigation_after_review", _r(r"复议后起诉")),
    ("litigation_direct", _r(r"未经复议|直接起诉")),
    ("administrative_review", _r(r"行政复议")),
]
PROCEEDING_KEYS = ["administrative_review", "litigation_direct", "litigation_after_review"]
RESULTS: list[tuple[str, re.Pattern[str]]] = [
    ("upheld", _r(r"维持")),
    ("corrected", _r(r"纠正")),
    ("other", _r(r"其他")),
    ("pending", _r(r"未审结|审理中")),
    ("total", _r(r"^(总计|合计)$")),
]
RESULT_KEYS = [k for k, _ in RESULTS]

# ── Template and section recognition ─────────────────────────────────────────
MARKERS_2021 = _r(r"本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|本年收费金额|逾期不补正|逾期未按收费通知")
MARKERS_2019 = _r(r"本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|采购项目数量|其他对外管理服务事项")
SECTION_TABLE_MARKERS = {
    "active_disclosure": _r(r"第二十条|信息内容|规章|行政规范性文件|行政许可"),
    "applications": _r(r"申请人情况|自然人|本年新收|予以公开|(结转|转结)(至)?下(一)?年|本年度办理结果|不予公开|无法提供|不予处理|其[他它]处理"),
    "reviews_litigation": _r(r"行政复议.*行政诉讼|行政诉讼.*行政复议|复议后起诉|未经复议"),
}


# Every label the two national templates print (国办公开办函〔2019〕60号, 〔2021〕30号) and their
# common variants, exactly as printed: what a reader that sees characters, not table
# structure (OCR), can snap a misread label to (pipelines/documents/ocr.py).
PRINTED_LABELS = (
    "信息内容", "规章", "规范性文件", "行政规范性文件", "行政许可", "其他对外管理服务事项",
    "行政处罚", "行政强制", "行政事业性收费", "政府集中采购",
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
    "处理决定数量", "采购项目数量", "采购总金额", "采购总金额（万元）", "采购总金额（元）",
    "本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量",
    "本年收费金额（单位：万元）",
    *(f"第二十条第（{n}）项" for n in "一五六八九"),
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织",
    "法律服务机构", "其他", "总计", "合计",
    "一、本年新收政府信息公开申请数量", "一、本年新收到政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量", "二、上年转结政府信息公开申请数量",
    "三、本年度办理结果", "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（三）不予公开", "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
    "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
    "7.属于行政执法案卷", "8.属于行政查询事项",
    "（四）无法提供", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "（五）不予处理", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
    "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息",
    "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
    "（七）总计", "四、结转下年度继续办理", "四、转结下年度继续办理", "四、结转下一年度继续办理",
    "行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉",
    "结果维持", "结果纠正", "其他结果", "尚未审结",
)
