"""The codebook: every table, view and column of the archive, generated from the live schema.

Nothing here lists tables or columns. The relations and their columns come from the database
itself (`sqlite_master`, `PRAGMA table_info`); what they mean comes from the Datasette metadata
(crawler/publish/metadata.yml, "中文 / English" for every table, view and column); the
canonical keys of the three cell tables, with the labels that print them in each national
template, come from `pipelines.tables.templates` plus `KEY_LABELS` below, which
`verify_key_labels()` (and tests/test_codebook.py) checks against the extractor's own
matchers. A column without a description is listed in `Codebook.missing`, so a schema change
that is not described cannot go unnoticed.

    codebook = build_codebook(conn, load_metadata())
    codebook.to_markdown()   # written into every release as codebook.md
    codebook.to_html()       # served by Datasette at /-/codebook (crawler/publish/plugins)
"""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from .tables import templates as T

METADATA_FILE = Path(__file__).resolve().parent.parent / "crawler" / "publish" / "metadata.yml"
DATABASE = "archive"

# The cell tables and their two key columns (as pipelines.store.CELL_TABLES; repeated here so
# the codebook does not import the storage layer), mapped to the vocabulary of each key.
KEY_COLUMNS = {
    ("active_disclosure", "item"): "active_item",
    ("active_disclosure", "metric"): "active_metric",
    ("applications", "category"): "application_row",
    ("applications", "applicant"): "applicant",
    ("reviews_litigation", "proceeding"): "proceeding",
    ("reviews_litigation", "result"): "result",
}

# ── Labels of each canonical key, as the templates print them ─────────────────
# (reference/report-schema.md and formats.md). `context` is the printed label of the group a
# row sits in (the outer cells of its row, or the header cells above a column); `variants` are
# spellings seen in real reports. Every label and variant must be recognised as its own key by
# the extractor (verify_key_labels), so this table cannot drift from the matchers.


@dataclass(frozen=True)
class KeyLabel:
    key: str
    l2019: str | None  # the label in the 2019 template (国办公开办函〔2019〕60号); None: not in it
    l2021: str | None  # the label in the 2021 template (国办公开办函〔2021〕30号); None: not in it
    en: str
    unit: str = "件 / count"
    context: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    note: str = ""


def _both(key: str, label: str, en: str, **kw) -> KeyLabel:
    return KeyLabel(key, label, label, en, **kw)


_S20_1 = ("第二十条第（一）项",)
_S20_5 = ("第二十条第（五）项",)
_S20_6 = ("第二十条第（六）项",)
_S20_8 = ("第二十条第（八）项",)
_S20_9 = ("第二十条第（九）项",)
_RESULTS = ("三、本年度办理结果",)
_DENIED = (*_RESULTS, "（三）不予公开")
_UNAVAILABLE = (*_RESULTS, "（四）无法提供")
_NOT_PROCESSED = (*_RESULTS, "（五）不予处理")
_OTHER = (*_RESULTS, "（六）其他处理")
_LEGAL = ("申请人情况", "法人或其他组织")

KEY_LABELS: dict[str, list[KeyLabel]] = {
    "active_item": [
        _both("regulations", "规章", "Regulations (rules)", context=_S20_1,
              variants=("规章（设区的市、自治州人民政府应提供相关数据）",)),
        KeyLabel("normative_documents", "规范性文件", "行政规范性文件", "Normative documents", context=_S20_1),
        _both("administrative_licensing", "行政许可", "Administrative licensing", context=_S20_5),
        KeyLabel("other_management_services", "其他对外管理服务事项", None,
                 "Other external management services", context=_S20_5),
        _both("administrative_penalty", "行政处罚", "Administrative penalties", context=_S20_6),
        _both("administrative_coercion", "行政强制", "Administrative coercion", context=_S20_6),
        _both("administrative_fees", "行政事业性收费", "Administrative fees", context=_S20_8),
        KeyLabel("centralized_procurement", "政府集中采购", None, "Centralised government procurement",
                 context=_S20_9),
    ],
    "active_metric": [
        KeyLabel("made_this_year", "本年新制作数量", None, "Made this year"),
        KeyLabel("published_this_year", "本年新公开数量", None, "Published this year"),
        KeyLabel("total_published", "对外公开总数量", None, "Total published"),
        KeyLabel("items_last_year", "上一年项目数量", None, "Items (matters) the year before",
                 variants=("上一年项目数量（指2019年事项数）",)),
        KeyLabel("change_this_year", "本年增/减", None, "Change this year",
                 unit="件 / count (signed: +26 is 26, -3 is -3)", variants=("本年增减",)),
        KeyLabel("decisions", "处理决定数量", "本年处理决定数量", "Decisions (this year)"),
        KeyLabel("procurement_projects", "采购项目数量", None, "Procurement projects"),
        KeyLabel("procurement_amount", "采购总金额", None, "Total procurement amount",
                 unit="as printed: 元 or 万元, given in the unit column",
                 variants=("采购总金额（万元）",)),
        KeyLabel("issued_this_year", None, "本年制发件数", "Issued this year"),
        KeyLabel("repealed_this_year", None, "本年废止件数", "Repealed this year"),
        KeyLabel("in_force", None, "现行有效件数", "In force"),
        KeyLabel("fees_amount", None, "本年收费金额（单位：万元）", "Fees collected this year",
                 unit="万元 / 10,000 yuan (decimal)"),
    ],
    "application_row": [
        _both("new_received", "一、本年新收政府信息公开申请数量", "New requests received this year",
              variants=("一、本年新收到政府信息公开申请数量", "本年度新收政府信息公开申请数量")),
        _both("carried_over", "二、上年结转政府信息公开申请数量", "Carried over from the year before",
              variants=("二、上年转结政府信息公开申请数量", "上年度转结政府信息公开申请数量")),
        _both("granted", "（一）予以公开", "Granted", context=_RESULTS),
        _both("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
              "Partially granted (counted here only)", context=_RESULTS),
        _both("denied_state_secret", "1.属于国家秘密", "Denied: state secret", context=_DENIED),
        _both("denied_prohibited_by_law", "2.其他法律行政法规禁止公开", "Denied: prohibited by other laws",
              context=_DENIED),
        _both("denied_three_safeties", "3.危及“三安全一稳定”", "Denied: endangers the three safeties and stability",
              context=_DENIED, variants=('3.危及"三安全一稳定"',)),
        _both("denied_third_party", "4.保护第三方合法权益", "Denied: protects a third party's rights",
              context=_DENIED),
        _both("denied_internal_affairs", "5.属于三类内部事务信息", "Denied: internal affairs", context=_DENIED),
        _both("denied_process_info", "6.属于四类过程性信息", "Denied: process information", context=_DENIED),
        _both("denied_enforcement_file", "7.属于行政执法案卷", "Denied: law-enforcement file", context=_DENIED),
        _both("denied_administrative_query", "8.属于行政查询事项", "Denied: administrative query",
              context=_DENIED),
        _both("unavailable_not_held", "1.本机关不掌握相关政府信息", "Unavailable: not held",
              context=_UNAVAILABLE),
        _both("unavailable_needs_creation", "2.没有现成信息需要另行制作", "Unavailable: would have to be created",
              context=_UNAVAILABLE),
        _both("unavailable_unclear", "3.补正后申请内容仍不明确", "Unavailable: still unclear after correction",
              context=_UNAVAILABLE),
        _both("not_processed_petition", "1.信访举报投诉类申请", "Not processed: petition or complaint",
              context=_NOT_PROCESSED),
        _both("not_processed_duplicate", "2.重复申请", "Not processed: duplicate", context=_NOT_PROCESSED),
        _both("not_processed_publication", "3.要求提供公开出版物", "Not processed: asks for a publication",
              context=_NOT_PROCESSED),
        _both("not_processed_excessive", "4.无正当理由大量反复申请", "Not processed: excessive or repeated",
              context=_NOT_PROCESSED),
        _both("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息",
              "Not processed: asks to confirm or reissue information", context=_NOT_PROCESSED),
        KeyLabel("other_no_correction", None, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                 "Other: applicant did not correct in time", context=_OTHER,
                 variants=("1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",)),
        KeyLabel("other_unpaid_fee", None, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                 "Other: fee not paid in time", context=_OTHER),
        KeyLabel("other_other", None, "3.其他", "Other: other", context=_OTHER),
        _both("other", "（六）其他处理", "Other outcomes", context=_RESULTS,
              note="2021: not printed as a row; the sum of other_no_correction, other_unpaid_fee and "
                   "other_other (derived column says so)"),
        _both("total_processed", "（七）总计", "Total processed", context=_RESULTS, variants=("（七）合计",)),
        _both("carried_forward", "四、结转下年度继续办理", "Carried forward to next year",
              variants=("四、转结下年度继续办理", "四、结转下一年度继续办理")),
    ],
    "applicant": [
        _both("natural_person", "自然人", "Natural persons", context=("申请人情况",)),
        _both("commercial_enterprise", "商业企业", "Commercial enterprises", context=_LEGAL),
        _both("research_institution", "科研机构", "Research institutions", context=_LEGAL),
        _both("social_welfare_org", "社会公益组织", "Social-welfare organisations", context=_LEGAL),
        _both("legal_service_org", "法律服务机构", "Legal-service organisations", context=_LEGAL),
        _both("other_org", "其他", "Other organisations", context=_LEGAL, variants=("其它",)),
        _both("total", "总计", "Total", context=("申请人情况",), variants=("合计",)),
    ],
    "proceeding": [
        _both("administrative_review", "行政复议", "Administrative review"),
        _both("litigation_direct", "未经复议直接起诉", "Litigation without prior review", context=("行政诉讼",)),
        _both("litigation_after_review", "复议后起诉", "Litigation after review", context=("行政诉讼",)),
    ],
    "result": [
        _both("upheld", "结果维持", "Upheld"),
        _both("corrected", "结果纠正", "Corrected"),
        _both("other", "其他结果", "Other result"),
        _both("pending", "尚未审结", "Pending", variants=("审理中",)),
        _both("total", "总计", "Total", variants=("合计",)),
    ],
}

VOCABULARY_TITLES = {
    "active_item": "二 主动公开：行（事项） / Section II rows (item)",
    "active_metric": "二 主动公开：列（指标） / Section II columns (metric)",
    "application_row": "三 依申请公开：行（申请与办理结果） / Section III rows (category)",
    "applicant": "三 依申请公开：列（申请人） / Section III columns (applicant)",
    "proceeding": "四 行政复议、行政诉讼：程序 / Section IV proceeding",
    "result": "四 行政复议、行政诉讼：结果 / Section IV result",
}


def template_keys() -> dict[str, dict[str, set[str]]]:
    """{vocabulary: {key: templates it is in}}, read from pipelines.tables.templates."""
    both = set(T.TEMPLATES)
    out: dict[str, dict[str, set[str]]] = {
        "active_item": {k: set(ts) for k, _, ts in T.ACTIVE_ITEMS},
        "active_metric": {k: {t for t, layout in T.ACTIVE_LAYOUT.items() if any(k in m for m in layout.values())}
                          for k, _ in T.ACTIVE_METRICS},
        "application_row": {r.key: {t for t, rows in T.APPLICATION_ROWS_BY_TEMPLATE.items() if r.key in rows}
                            for r in T.APPLICATION_ROWS},
        "applicant": {k: set(both) for k in T.APPLICANT_KEYS},
        "proceeding": {k: set(both) for k in T.PROCEEDING_KEYS},
        "result": {k: set(both) for k in T.RESULT_KEYS},
    }
    return out


def _matched_key(vocabulary: str, label: str, context: tuple[str, ...]) -> str | None:
    """The key the extractor gives this printed label (the same matchers, in the same order)."""
    from .tables.normalize import _match_application_row, _match_item
    from .tables.text import label_key, strip_numbering

    if vocabulary == "active_item":
        return _match_item(label)
    if vocabulary == "active_metric":
        return next((k for k, p in T.ACTIVE_METRICS if p.search(label_key(label))), None)
    if vocabulary == "application_row":
        return _match_application_row([*context, label])
    if vocabulary == "applicant":
        return next((k for k, p in T.APPLICANTS if p.search(strip_numbering(label_key(label)))), None)
    if vocabulary == "proceeding":
        joined = label_key("".join(dict.fromkeys([*context, label, "结果维持"])))
        return next((k for k, p in T.PROCEEDINGS if p.search(joined)), None)
    if vocabulary == "result":
        return next((k for k, p in T.RESULTS if p.search(label_key(label))), None)
    raise KeyError(vocabulary)


def verify_key_labels() -> list[str]:
    """Problems between KEY_LABELS and the templates/matchers; empty when they agree."""
    problems = []
    for vocabulary, keys in template_keys().items():
        labels = {kl.key: kl for kl in KEY_LABELS.get(vocabulary, [])}
        for key in sorted(set(keys) - set(labels)):
            problems.append(f"{vocabulary}.{key}: key in templates.py without labels in KEY_LABELS")
        for key in sorted(set(labels) - set(keys)):
            problems.append(f"{vocabulary}.{key}: labelled in KEY_LABELS but not a key of templates.py")
        for key, kl in labels.items():
            if key not in keys:
                continue
            printed_in = {t for t, lab in (("2019", kl.l2019), ("2021", kl.l2021)) if lab}
            if printed_in != keys[key]:
                problems.append(f"{vocabulary}.{key}: labelled for templates {sorted(printed_in)}, "
                                f"templates.py has it in {sorted(keys[key])}")
            for label in {kl.l2019, kl.l2021, *kl.variants} - {None}:
                got = _matched_key(vocabulary, label, kl.context)
                if got != key:
                    problems.append(f"{vocabulary}.{key}: the extractor reads {label!r} as {got!r}")
    return problems


# ── Units and coding of columns ───────────────────────────────────────────────
# By column name, so a new table gets its units without being listed; a name not here has none.

_UNITS: dict[str, str] = {
    "value": "件（金额见 unit 列） / count (amounts: see the unit column)",
    "expected": "同 value / as value", "actual": "同 value / as value",
    "size": "字节 / bytes",
    "year": "公历年 / calendar year", "latest_year": "公历年 / calendar year",
    "published": "日期 YYYY-MM-DD / date YYYY-MM-DD",
    "ocr_conf": "0–100",
    "src_table": "序号，从 0 起 / index from 0", "src_row": "序号，从 0 起 / index from 0",
    "src_col": "序号，从 0 起 / index from 0", "table_index": "序号，从 0 起 / index from 0",
    "src_page": "页码 / page number", "page": "页码 / page number",
    "src_bbox": "JSON [x0, top, x1, bottom]，PDF 点 / PDF points",
    "version": "从 1 起 / from 1",
}
_FLAGS = {"is_latest", "sample", "verified", "was_blank", "used_for_cells", "passed"}
_COUNT_RE = re.compile(r"^(n_\w+|pages|errors|reports(_\w+)?|needs_review|skipped_known|not_modified|"
                       r"last_run_\w+|count|cells)$")


def column_unit(table: str, column: str) -> str:
    if column in _UNITS:
        return _UNITS[column]
    if column in _FLAGS:
        return "0/1（passed 可为空） / 0/1 (passed may be null)" if column == "passed" else "0/1"
    if column.endswith("_at"):
        return "UTC，ISO 8601"
    if _COUNT_RE.match(column):
        return "个数 / count"
    return ""


CONVENTIONS = [
    ("单元格表 / Cell tables",
     "active_disclosure、applications、reviews_litigation 每个单元格一行，以 (report_id, 行键, 列键) 为主键；"
     "键名与模板标签的对应见下文「键名」。模板以外的行记为 extra:<印出的标签>。"
     " / One row per cell, keyed by (report_id, row key, column key); the keys and the labels that "
     "print them are listed under Keys below. Rows beyond the template are extra:<printed label>."),
    ("空白 / Blanks",
     "原表空白（空、-、—、/、无）按模板记为 0，was_blank = 1，printed 保留原文（空格为 ''）。"
     " / A blank cell (empty, -, —, /, 无) counts as 0 as the template says: value = 0, "
     "was_blank = 1, printed keeps what was printed ('' for an empty cell)."),
    ("空值 / Nulls",
     "value 为空（NULL）表示无法可靠读取，reason 说明原因，从不猜测；printed 为空表示原文中未找到该格。"
     "含空值的核验不执行（checks.passed 为空），报告 status 为 needs_review。"
     " / A null value means the cell could not be read with confidence; reason says why, nothing "
     "is guessed. A null printed means the cell was not found in the document. Identities with a "
     "null input are not checked (checks.passed null) and the report's status is needs_review."),
    ("版本 / Versions",
     "reports 每个版本一行：同一 (site_id, doc_key) 内容（fingerprint）变化时新增 version + 1，旧版本保留并 "
     "is_latest = 0。统计时请加 is_latest = 1。单元格、核验、原始表格都挂在具体版本（report_id）上。"
     " / reports has one row per version: when the content (fingerprint) of a (site_id, doc_key) "
     "changes a version + 1 is added and the old one stays with is_latest = 0. Filter on "
     "is_latest = 1 for statistics. Cells, checks and raw tables belong to one version (report_id)."),
    ("状态 / Status",
     "ok：全部读出且核验通过；needs_review：有空值或核验不成立，使用前请对照原文；pre2019：早于全国模板，"
     "只存正文与原表；no_tables、unsupported、converter_missing、encrypted、too_large、error：无统计数据"
     "（too_large：文件超出某项预算，message 写明哪一项）。"
     " / ok: every cell read and every identity holds; needs_review: a null cell or a failed "
     "identity, check against the original; pre2019: predates the national template, text and raw "
     "tables only; no_tables, unsupported, converter_missing, encrypted, too_large, error: no cells "
     "(too_large: the file went past a budget, named in message)."),
    ("编码 / Coding",
     "0/1 为布尔值；时间为 UTC ISO 8601；JSON 列为 UTF-8 JSON 文本；金额单位见 unit 列（万元、元），件数的 unit 为空。"
     "CSV 导出：UTF-8（无 BOM），逗号分隔，换行 \\n，空字段 = NULL，\"\" = 空字符串（pandas 两者都读作缺失，需区分时用 "
     "Parquet 或 SQLite）。Parquet：INTEGER → int64，REAL/NUMERIC → double，TEXT → string。"
     " / 0/1 are booleans; times are UTC ISO 8601; JSON columns hold UTF-8 JSON text; amounts carry "
     "their unit in the unit column (万元, 元), counts have none. CSV exports: UTF-8 without BOM, "
     "comma-separated, \\n line ends, an empty field is NULL and \"\" an empty string (pandas reads "
     "both as missing: use Parquet or SQLite where that matters). Parquet: INTEGER → int64, "
     "REAL/NUMERIC → double, TEXT → string."),
]


# ── The codebook ──────────────────────────────────────────────────────────────

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]{2}")


def split_bilingual(text: str | None) -> tuple[str, str]:
    """"中文 / English" → (中文, English); either part is '' when it is not there."""
    text = " ".join((text or "").split())
    parts = text.split(" / ")
    for i in range(1, len(parts)):
        zh, en = " / ".join(parts[:i]), " / ".join(parts[i:])
        if _CJK.search(zh) and not _CJK.search(en[:1]) and _LATIN.search(en):
            return zh.strip(), en.strip()
    if _CJK.search(text):
        return text, ""
    return "", text


@dataclass
class KeyEntry:
    key: str
    label_2019: str | None
    label_2021: str | None
    english: str
    unit: str
    context: str
    variants: list[str]
    templates: list[str]
    note: str = ""


@dataclass
class Column:
    name: str
    type: str
    notnull: bool
    pk: int
    zh: str
    en: str
    unit: str
    keys: str | None = None  # vocabulary name for the cell tables' key columns


@dataclass
class Relation:
    name: str
    kind: str  # table | view
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    primary_key: list[str]
    columns: list[Column]
    rows: int | None = None
    sql: str | None = None


@dataclass
class Codebook:
    title: str
    relations: list[Relation]
    vocabularies: dict[str, list[KeyEntry]]
    missing: list[str] = field(default_factory=list)  # "table" or "table.column" without zh + en

    def relation(self, name: str) -> Relation:
        return next(r for r in self.relations if r.name == name)

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "conventions": [{"title": t, "text": x} for t, x in CONVENTIONS],
            "relations": [asdict(r) for r in self.relations],
            "vocabularies": {k: [asdict(e) for e in v] for k, v in self.vocabularies.items()},
            "missing": self.missing,
        }

    def to_markdown(self) -> str:
        out = [f"# 代码本 / Codebook — {self.title}", ""]
        out += ["由数据库结构自动生成：每个表、视图和列的中英文含义、单位，单元格表键名对应的两版模板标签及已知变体。",
                "Generated from the database schema: every table, view and column with its meaning in "
                "Chinese and English and its unit, and for the cell tables the template labels (2019 and "
                "2021 wording, known variants) of each key.", ""]
        if self.missing:
            out += ["**缺少说明 / Not described:** " + ", ".join(f"`{m}`" for m in self.missing), ""]
        out += ["## 约定 / Conventions", ""]
        for t, x in CONVENTIONS:
            out += [f"- **{t}**: {x}"]
        out += ["", "## 表与视图 / Tables and views", "",
                "| name | kind | rows | 中文 | English |", "| --- | --- | --- | --- | --- |"]
        for r in self.relations:
            rows = "" if r.rows is None else str(r.rows)
            out.append(f"| [`{r.name}`](#{r.name}) | {r.kind} | {rows} | {_md(r.title_zh)} | {_md(r.title_en)} |")
        for r in self.relations:
            out += ["", f"### {r.name}", "", f"**{_md(r.title_zh)} / {_md(r.title_en)}** ({r.kind}"
                    + (f", {r.rows} rows" if r.rows is not None else "")
                    + (f", primary key ({', '.join(r.primary_key)})" if r.primary_key else "") + ")", ""]
            if r.description_zh:
                out += [_md(r.description_zh), ""]
            if r.description_en:
                out += [_md(r.description_en), ""]
            out += ["| column | type | 中文 | English | unit |", "| --- | --- | --- | --- | --- |"]
            for c in r.columns:
                name = f"`{c.name}`" + (" (pk)" if c.pk else "") + (" not null" if c.notnull else "")
                en = _md(c.en) + (f" — keys: [{c.keys}](#keys-{c.keys.replace('_', '-')})" if c.keys else "")
                out.append(f"| {name} | {c.type or '—'} | {_md(c.zh)} | {en} | {_md(c.unit)} |")
            if r.sql:
                out += ["", "<details><summary>定义 / Definition (SQL)</summary>", "", "```sql",
                        r.sql.strip(), "```", "", "</details>"]
        out += ["", "## 键名 / Keys", "",
                "单元格表的行键、列键与模板印出的标签（context 为所在的上级行或表头）。报告额外的行记为 `extra:<标签>`。",
                "The row and column keys of the cell tables and the labels that print them (context: the "
                "enclosing row group or header). Rows a report adds beyond the template are `extra:<label>`.",
                ""]
        for vocabulary, entries in self.vocabularies.items():
            out += [f"### keys-{vocabulary.replace('_', '-')}", "", f"**{VOCABULARY_TITLES[vocabulary]}**", "",
                    "| key | 2019 模板 / template | 2021 模板 / template | context | variants | English | unit |",
                    "| --- | --- | --- | --- | --- | --- | --- |"]
            for e in entries:
                en = _md(e.english) + (f" ({_md(e.note)})" if e.note else "")
                out.append(f"| `{e.key}` | {_md(e.label_2019 or '—')} | {_md(e.label_2021 or '—')} | "
                           f"{_md(e.context)} | {_md('; '.join(e.variants))} | {en} | {_md(e.unit)} |")
            out.append("")
        return "\n".join(out).rstrip("\n") + "\n"

    def to_html(self) -> str:
        """An HTML fragment (no <html>/<body>) with the same content as the Markdown."""
        e = html.escape
        out = [f"<h1>代码本 / Codebook</h1><p>{e(self.title)}</p>",
               '<p>Also as <a href="/-/codebook.md">Markdown</a> and <a href="/-/codebook.json">JSON</a>.</p>']
        if self.missing:
            out.append("<p><strong>缺少说明 / Not described:</strong> " + e(", ".join(self.missing)) + "</p>")
        out.append("<h2>约定 / Conventions</h2><ul>")
        out += [f"<li><strong>{e(t)}</strong>: {e(x)}</li>" for t, x in CONVENTIONS]
        out.append("</ul><h2>表与视图 / Tables and views</h2>")
        out.append('<table class="rows-and-columns"><thead><tr><th>name</th><th>kind</th><th>中文</th>'
                   "<th>English</th></tr></thead><tbody>")
        for r in self.relations:
            out.append(f'<tr><td><a href="#{e(r.name)}">{e(r.name)}</a></td><td>{e(r.kind)}</td>'
                       f"<td>{e(r.title_zh)}</td><td>{e(r.title_en)}</td></tr>")
        out.append("</tbody></table>")
        for r in self.relations:
            out.append(f'<h3 id="{e(r.name)}">{e(r.name)}</h3><p><strong>{e(r.title_zh)} / {e(r.title_en)}</strong>'
                       f" ({e(r.kind)}{', primary key (' + e(', '.join(r.primary_key)) + ')' if r.primary_key else ''})</p>"
                       f"<p>{e(r.description_zh)}</p><p>{e(r.description_en)}</p>")
            out.append('<table class="rows-and-columns"><thead><tr><th>column</th><th>type</th><th>中文</th>'
                       "<th>English</th><th>unit</th></tr></thead><tbody>")
            for c in r.columns:
                keys = f' — keys: <a href="#keys-{e(c.keys)}">{e(c.keys)}</a>' if c.keys else ""
                out.append(f"<tr><td>{e(c.name)}</td><td>{e(c.type)}</td><td>{e(c.zh)}</td>"
                           f"<td>{e(c.en)}{keys}</td><td>{e(c.unit)}</td></tr>")
            out.append("</tbody></table>")
        out.append("<h2>键名 / Keys</h2>")
        for vocabulary, entries in self.vocabularies.items():
            out.append(f'<h3 id="keys-{e(vocabulary)}">{e(VOCABULARY_TITLES[vocabulary])}</h3>')
            out.append('<table class="rows-and-columns"><thead><tr><th>key</th><th>2019</th><th>2021</th>'
                       "<th>context</th><th>variants</th><th>English</th><th>unit</th></tr></thead><tbody>")
            for k in entries:
                out.append(f"<tr><td>{e(k.key)}</td><td>{e(k.label_2019 or '—')}</td><td>{e(k.label_2021 or '—')}</td>"
                           f"<td>{e(k.context)}</td><td>{e('; '.join(k.variants))}</td>"
                           f"<td>{e(k.english)}{' (' + e(k.note) + ')' if k.note else ''}</td><td>{e(k.unit)}</td></tr>")
            out.append("</tbody></table>")
        return "\n".join(out) + "\n"


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def load_metadata(path: str | Path = METADATA_FILE) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def hidden_tables(conn: sqlite3.Connection) -> set[str]:
    """SQLite internals and the shadow tables of full-text indexes (not data of their own)."""
    names = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    hidden = {n for n in names if n.startswith("sqlite_")}
    for (name,) in conn.execute("select name from sqlite_master where type = 'table' and sql like 'CREATE VIRTUAL TABLE%'"):
        for suffix in ("data", "idx", "content", "docsize", "config", "segments", "segdir", "stat"):
            if f"{name}_{suffix}" in names:
                hidden.add(f"{name}_{suffix}")
    return hidden


def schema(conn: sqlite3.Connection) -> list[tuple[str, str, list[tuple], str | None]]:
    """[(name, table | view, PRAGMA table_info rows, sql)] for every table and view, by name."""
    hidden = hidden_tables(conn)
    out = []
    for name, kind, sql in conn.execute(
            "select name, type, sql from sqlite_master where type in ('table', 'view') order by type, name"):
        if name in hidden:
            continue
        info = list(conn.execute(f"pragma table_info([{name}])"))
        out.append((name, kind, info, sql))
    return out


def vocabularies() -> dict[str, list[KeyEntry]]:
    keys = template_keys()
    out: dict[str, list[KeyEntry]] = {}
    for vocabulary in VOCABULARY_TITLES:
        out[vocabulary] = [
            KeyEntry(kl.key, kl.l2019, kl.l2021, kl.en, kl.unit, " › ".join(kl.context), list(kl.variants),
                     sorted(keys[vocabulary].get(kl.key, ())), kl.note)
            for kl in KEY_LABELS[vocabulary]
        ]
    return out


def build_codebook(conn: sqlite3.Connection, metadata: dict | None = None, database: str = DATABASE,
                   counts: bool = True) -> Codebook:
    """The codebook of the database open on `conn`, described by Datasette `metadata`."""
    metadata = load_metadata() if metadata is None else metadata
    db_meta = (metadata.get("databases") or {}).get(database) or {}
    tables_meta = db_meta.get("tables") or {}
    order = {name: i for i, name in enumerate(tables_meta)}
    relations, missing = [], []
    for name, kind, info, sql in sorted(schema(conn), key=lambda s: (order.get(s[0], len(order)), s[0])):
        meta = tables_meta.get(name) or {}
        t_zh, t_en = split_bilingual(meta.get("title"))
        d_zh, d_en = split_bilingual(meta.get("description"))
        if not (t_zh and t_en and d_zh and d_en):
            missing.append(name)
        described = meta.get("columns") or {}
        columns = []
        for _cid, col, ctype, notnull, _default, pk in info:
            zh, en = split_bilingual(described.get(col))
            if not (zh and en):
                missing.append(f"{name}.{col}")
            columns.append(Column(col, ctype or "", bool(notnull), pk, zh, en, column_unit(name, col),
                                  KEY_COLUMNS.get((name, col))))
        pk = [c.name for c in sorted((c for c in columns if c.pk), key=lambda c: c.pk)]
        rows = None
        if counts:
            rows = conn.execute(f"select count(*) from [{name}]").fetchone()[0]
        relations.append(Relation(name, kind, t_zh, t_en, d_zh, d_en, pk, columns, rows,
                                  sql if kind == "view" else None))
    title = metadata.get("title") or ""
    return Codebook(title, relations, vocabularies(), missing)


class UndescribedSchema(Exception):
    pass


def require_described(codebook: Codebook) -> None:
    if codebook.missing:
        raise UndescribedSchema(
            "not described in crawler/publish/metadata.yml (Chinese / English): " + ", ".join(codebook.missing))
