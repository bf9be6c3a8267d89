"""The two national report templates as data, for rendering the sample sites.

Labels follow the national formats (国办公开办函〔2019〕60号 and 〔2021〕30号) verbatim;
a report spec may override any of them to reproduce a local variant. This module is the
sample sites' own copy: the extractor keeps its own label tables and must not import this.
"""

from __future__ import annotations

APPLICANTS: tuple[str, ...] = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
ORG_APPLICANTS = APPLICANTS[1:6]
PERSON_AND_ORGS = APPLICANTS[:6]

APPLICANT_LABELS: dict[str, str] = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "social_welfare_org": "社会公益组织",
    "legal_service_org": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

PROCEEDINGS: tuple[str, ...] = (
    "administrative_review",
    "litigation_direct",
    "litigation_after_review",
)
RESULTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
RESULT_LABELS: dict[str, str] = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

# Section 二: (caption article, [(item, label)], [(metric, header label)]) per sub-table.
ACTIVE_2019: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = [
    (
        "一",
        [("regulations", "规章"), ("normative_documents", "规范性文件")],
        [
            ("made_this_year", "本年新制作数量"),
            ("published_this_year", "本年新公开数量"),
            ("total_published", "对外公开总数量"),
        ],
    ),
    (
        "五",
        [
            ("administrative_licensing", "行政许可"),
            ("other_management_services", "其他对外管理服务事项"),
        ],
        [
            ("items_last_year", "上一年项目数量"),
            ("change_this_year", "本年增/减"),
            ("decisions", "处理决定数量"),
        ],
    ),
    (
        "六",
        [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
        [
            ("items_last_year", "上一年项目数量"),
            ("change_this_year", "本年增/减"),
            ("decisions", "处理决定数量"),
        ],
    ),
    (
        "八",
        [("administrative_fees", "行政事业性收费")],
        [("items_last_year", "上一年项目数量"), ("change_this_year", "本年增/减")],
    ),
    (
        "九",
        [("centralized_procurement", "政府集中采购")],
        [("procurement_projects", "采购项目数量"), ("procurement_amount", "采购总金额")],
    ),
]

ACTIVE_2021: list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]] = [
    (
        "一",
        [("regulations", "规章"), ("normative_documents", "行政规范性文件")],
        [
            ("issued_this_year", "本年制发件数"),
            ("repealed_this_year", "本年废止件数"),
            ("in_force", "现行有效件数"),
        ],
    ),
    ("五", [("administrative_licensing", "行政许可")], [("decisions", "本年处理决定数量")]),
    (
        "六",
        [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
        [("decisions", "本年处理决定数量")],
    ),
    (
        "八",
        [("administrative_fees", "行政事业性收费")],
        [("fees_amount", "本年收费金额（单位：万元）")],
    ),
]

# Section 三 rows in printed order: (key, level-2 group label or None, printed label).
# Group None with a "一、"/"二、"/"四、" label spans all three label columns.
_DENIED = [
    ("denied_state_secret", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied_three_safeties", "3.危及“三安全一稳定”"),
    ("denied_third_party", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_info", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "7.属于行政执法案卷"),
    ("denied_administrative_query", "8.属于行政查询事项"),
]
_UNAVAILABLE = [
    ("unavailable_not_held", "1.本机关不掌握相关政府信息"),
    ("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unavailable_unclear", "3.补正后申请内容仍不明确"),
]
_NOT_PROCESSED = [
    ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "2.重复申请"),
    ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
]
_OTHER_2021 = [
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (
        "other_unpaid_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other_other", "3.其他"),
]

GROUP_LABELS: dict[str, str] = {
    "denied": "（三）不予公开",
    "unavailable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
RESULTS_LABEL = "三、本年度办理结果"
HEADER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def application_rows(template: str) -> list[tuple[str, str | None, str]]:
    """Printed section 三 rows of a template as (row key, group, default label)."""
    rows: list[tuple[str, str | None, str]] = [
        ("new_received", None, "一、本年新收政府信息公开申请数量"),
        ("carried_over", None, "二、上年结转政府信息公开申请数量"),
        ("granted", "", "（一）予以公开"),
        ("partially_granted", "", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ]
    rows += [(k, "denied", lab) for k, lab in _DENIED]
    rows += [(k, "unavailable", lab) for k, lab in _UNAVAILABLE]
    rows += [(k, "not_processed", lab) for k, lab in _NOT_PROCESSED]
    if template == "2019":
        rows.append(("other", "", "（六）其他处理"))
    else:
        rows += [(k, "other", lab) for k, lab in _OTHER_2021]
    rows.append(("total_processed", "", "（七）总计"))
    rows.append(("carried_forward", None, "四、结转下年度继续办理"))
    return rows


# Rows whose sum is 三（七）总计; in 2021 "other" is itself the sum of its sub-rows.
RESULT_ROWS: tuple[str, ...] = (
    "granted",
    "partially_granted",
    *(k for k, _ in _DENIED),
    *(k for k, _ in _UNAVAILABLE),
    *(k for k, _ in _NOT_PROCESSED),
    "other",
)
OTHER_SUBROWS: tuple[str, ...] = tuple(k for k, _ in _OTHER_2021)


def active_layout(template: str) -> list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]:
    return ACTIVE_2019 if template == "2019" else ACTIVE_2021


def canonical_keys(template: str) -> list[str]:
    """Every canonical cell key of a template, dotted, in printed order."""
    keys: list[str] = []
    for _, items, metrics in active_layout(template):
        for item, _ in items:
            keys += [f"active_disclosure.{item}.{m}" for m, _ in metrics]
    rows = [k for k, _, _ in application_rows(template)]
    if template == "2021":
        rows.insert(rows.index("total_processed"), "other")
    for row in rows:
        keys += [f"applications.{row}.{a}" for a in APPLICANTS]
    for proc in PROCEEDINGS:
        keys += [f"reviews_litigation.{proc}.{r}" for r in RESULTS]
    return keys


SECTION_HEADINGS: dict[str, str] = {
    "1": "一、总体情况",
    "2": "二、主动公开政府信息情况",
    "3": "三、收到和处理政府信息公开申请情况",
    "4": "四、政府信息公开行政复议、行政诉讼情况",
    "5": "五、存在的主要问题及改进情况",
    "6": "六、其他需要报告的事项",
}
