"""A report spec as a format-neutral document: headings, paragraphs and merged-cell tables.

HTML, DOCX and PDF are all rendered from this one model, so the three deliveries of the
same numbers only differ in what each format does to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .reports import ReportSpec
from .templates import (
    APPLICANT_LABELS,
    GROUP_LABELS,
    HEADER_NOTE,
    ORG_APPLICANTS,
    PERSON_AND_ORGS,
    RESULT_LABELS,
    RESULTS,
    RESULTS_LABEL,
    SECTION_HEADINGS,
    active_layout,
    application_rows,
)

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass
class Cell:
    text: str  # "\n" marks a line break inside the cell
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # "label" | "value" | "caption" | "header"


Row = list[Cell]


@dataclass
class Table:
    rows: list[Row]
    section: str  # "2" | "3" | "4" | "pre2019"
    widths: list[float] = field(default_factory=list)  # PDF column widths in points


@dataclass
class Block:
    kind: str  # "title" | "heading" | "subheading" | "para" | "table" | "sign"
    text: str = ""
    table: Table | None = None


def place(rows: list[Row]) -> tuple[list[tuple[int, int, Cell]], int]:
    """Grid positions of the cells of an HTML-style table (rowspan/colspan aware)."""
    taken: set[tuple[int, int]] = set()
    out: list[tuple[int, int, Cell]] = []
    ncols = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
            ncols = max(ncols, c)
    return out, ncols


def format_value(spec: ReportSpec, key: str) -> str:
    """The text a report prints for one canonical cell."""
    if key in spec.display:
        return spec.display[key]
    blank = spec.printed_blank(key)
    if blank is not None:
        return blank
    value = spec.cells[key]
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    elif key.endswith(".change_this_year") and value > 0:
        text = f"+{value}"
    else:
        text = str(value)
    if key in spec.fullwidth:
        text = text.translate(_FULLWIDTH)
    return text


def _label(spec: ReportSpec, key: str, default: str) -> str:
    return spec.labels.get(key, default)


def _spread(texts: list[str], kind: str) -> Row:
    # Sub-tables with fewer than 3 metrics stretch the last one over the spare grid columns.
    cells = [Cell(t, kind=kind) for t in texts]
    cells[-1].colspan = 4 - len(texts)
    return cells


def active_tables(spec: ReportSpec) -> list[Table]:
    tables: list[Table] = []
    rows: list[Row] = []
    for article, items, metrics in active_layout(spec.template):
        caption = _label(spec, f"caption.{article}", f"第二十条第（{article}）项")
        sub: list[Row] = [[Cell(caption, colspan=4, kind="caption")]]
        header = [_label(spec, "info_col", "信息内容")]
        header += [_label(spec, f"metric.{m}", lab) for m, lab in metrics]
        sub.append([Cell(header[0], kind="header"), *_spread(header[1:], "header")])
        for item, lab in items:
            values = [format_value(spec, f"active_disclosure.{item}.{m}") for m, _ in metrics]
            sub.append([Cell(_label(spec, f"active.{item}", lab)), *_spread(values, "value")])
            for extra in spec.extra_rows:
                if extra["after"] == item:
                    vals = extra["values"]
                    assert isinstance(vals, dict)
                    sub.append(
                        [
                            Cell(str(extra["label"])),
                            *_spread([str(vals[m]) for m, _ in metrics], "value"),
                        ]
                    )
        if spec.sec2_layout == "separate":
            tables.append(Table(sub, "2", [150, 120, 120, 120]))
        else:
            rows += sub
    if rows:
        tables.append(Table(rows, "2", [150, 120, 120, 120]))
    return tables


def application_tables(spec: ReportSpec) -> list[Table]:
    tpl_rows = application_rows(spec.template)
    header: list[Row] = [
        [
            Cell(_label(spec, "app.note", HEADER_NOTE), rowspan=3, colspan=3, kind="header"),
            Cell("申请人情况", colspan=7, kind="header"),
        ],
        [
            Cell(_label(spec, "applicant.natural_person", "自然人"), rowspan=2, kind="header"),
            Cell("法人或其他组织", colspan=5, kind="header"),
            Cell("总计", rowspan=2, kind="header"),
        ],
        [
            Cell(_label(spec, f"applicant.{a}", APPLICANT_LABELS[a]), kind="header")
            for a in ORG_APPLICANTS
        ],
    ]
    result_keys = [k for k, group, _ in tpl_rows if group is not None]
    # A Word page break splits the matrix after 三（三）8, as in Pingtan's 2019 report.
    split_at = (
        result_keys.index("denied_administrative_query") + 1
        if spec.sec3_split
        else len(result_keys)
    )
    chunks = [result_keys[:split_at], result_keys[split_at:]]
    groups_seen: set[str] = set()
    body: list[Row] = []
    tables: list[Table] = []
    widths = [30, 62, 150] + [38.5] * 7
    for key, group, default in tpl_rows:
        values = [
            Cell(format_value(spec, f"applications.{key}.{a}"), kind="value")
            for a in (*PERSON_AND_ORGS, "total")
        ]
        label = _label(spec, f"app.{key}", default)
        row: Row = []
        if group is None:
            row.append(Cell(label, colspan=3))
        else:
            chunk = chunks[0] if key in chunks[0] else chunks[1]
            if key == chunk[0]:
                row.append(Cell(_label(spec, "app.results", RESULTS_LABEL), rowspan=len(chunk)))
            if group == "":
                row.append(Cell(label, colspan=2))
            else:
                members = [k for k, g, _ in tpl_rows if g == group and k in chunk]
                if group not in groups_seen:
                    groups_seen.add(group)
                    row.append(
                        Cell(
                            _label(spec, f"app.group.{group}", GROUP_LABELS[group]),
                            rowspan=len(members),
                        )
                    )
                row.append(Cell(label))
        body.append(row + values)
        if spec.sec3_split and key == chunks[0][-1]:
            tables.append(Table(header + body, "3", widths))
            header, body = [], []
    tables.append(Table(header + body, "3", widths))
    return tables


def review_table(spec: ReportSpec) -> Table:
    results = [RESULT_LABELS[r] for r in RESULTS]
    rows: list[Row] = [
        [Cell("行政复议", colspan=5, kind="header"), Cell("行政诉讼", colspan=10, kind="header")],
        [Cell(t, rowspan=2, kind="header") for t in results]
        + [
            Cell("未经复议直接起诉", colspan=5, kind="header"),
            Cell("复议后起诉", colspan=5, kind="header"),
        ],
        [Cell(t, kind="header") for t in results * 2],
        [
            Cell(format_value(spec, f"reviews_litigation.{p}.{r}"), kind="value")
            for p in ("administrative_review", "litigation_direct", "litigation_after_review")
            for r in RESULTS
        ],
    ]
    return Table(rows, "4", [34] * 15)


def _num(spec: ReportSpec, key: str) -> int:
    return int(spec.cells[key])


def default_prose(spec: ReportSpec) -> dict[str, list[str]]:
    """Plausible report prose, quoting the report's own totals where reports usually do."""
    y, agency = spec.year, spec.agency
    notice = "国办公开办函〔2019〕60号" if spec.template == "2019" else "国办公开办函〔2021〕30号"
    received = _num(spec, "applications.new_received.total")
    done = _num(spec, "applications.total_processed.total")
    granted = _num(spec, "applications.granted.total")
    prose = {
        "intro": [
            f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}要求编制。"
            "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议及行政诉讼情况、"
            f"存在的主要问题及改进情况、其他需要报告的事项。本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
        ],
        "5": [
            f"{y}年，{agency}政府信息公开工作取得一定成效，但仍存在政策解读形式较为单一、公开内容更新不够及时等问题。",
            f"{y + 1}年，我们将进一步完善信息发布审核机制，丰富解读形式，提升政府信息公开质量。",
        ],
    }
    if spec.template == "2021":
        prose["1"] = [
            "（一）主动公开",
            f"{y}年，{agency}通过门户网站政府信息公开专栏主动公开各类政府信息，及时发布政策文件和工作动态。",
            "（二）依申请公开",
            f"全年新收政府信息公开申请{received}件，办结{done}件，其中予以公开{granted}件，均在法定期限内答复。",
            "（三）政府信息管理",
            "严格落实信息发布保密审查制度，动态更新政府信息公开指南和目录。",
            "（四）平台建设",
            "持续优化政府网站和政务新媒体，规范栏目设置。",
            "（五）监督保障",
            "将政务公开工作纳入年度考核，组织业务培训，畅通社会评议渠道。",
        ]
        prose["6"] = ["本年度未收取信息处理费。无其他需要报告的事项。"]
    else:
        prose["1"] = [
            f"{y}年，{agency}认真贯彻落实新修订的《条例》，完善工作机制，拓宽公开渠道，规范办理流程。",
            f"全年共收到政府信息公开申请{received}件，办结{done}件，其中予以公开{granted}件。",
        ]
        prose["6"] = ["本年度无其他需要报告的事项。"]
    prose["4"] = ["本年度无因政府信息公开产生行政复议及行政诉讼件。"]
    return prose


def pre2019_table(spec: ReportSpec) -> Table:
    y = spec.year
    data = [
        ("指标名称", "计量单位", f"{y}年度", "历年累计"),
        ("主动公开政府信息数", "条", "1862", "12457"),
        ("其中：主动公开规范性文件数", "条", "23", "341"),
        ("收到政府信息公开申请数", "件", "57", "389"),
        ("其中：同意公开答复数", "件", "31", "244"),
        ("因政府信息公开申请提起行政复议数", "件", "1", "9"),
        ("因政府信息公开申请提起行政诉讼数", "件", "0", "3"),
    ]
    rows = [
        [
            Cell(t, kind="header" if i == 0 else "label" if j == 0 else "value")
            for j, t in enumerate(r)
        ]
        for i, r in enumerate(data)
    ]
    return Table(rows, "pre2019", [200, 80, 110, 110])


def report_blocks(spec: ReportSpec) -> list[Block]:
    """The full report as blocks, in reading order."""
    if spec.template == "pre2019":
        return [
            Block("title", f"{spec.agency}{spec.year}年政府信息公开工作年度报告"),
            Block(
                "para",
                f"本年度报告根据《中华人民共和国政府信息公开条例》要求，由{spec.agency}编制。"
                f"报告中所列数据的统计期限自{spec.year}年1月1日起至{spec.year}年12月31日止。",
            ),
            Block("heading", "一、概述"),
            Block("para", f"{spec.year}年，我市深入推进政府信息公开工作，主要指标情况见下表。"),
            Block("table", table=pre2019_table(spec)),
            Block("heading", "二、存在的不足和改进措施"),
            Block(
                "para",
                "一是公开内容不够全面；二是公开形式有待丰富。下一步将继续加强政府信息公开工作。",
            ),
        ]
    prose = default_prose(spec) | spec.prose
    heading = {n: _label(spec, f"heading.{n}", h) for n, h in SECTION_HEADINGS.items()}
    blocks = [Block("title", spec.agency), Block("title", f"{spec.year}年政府信息公开工作年度报告")]
    blocks += [Block("para", p) for p in prose["intro"]]
    blocks.append(Block("heading", heading["1"]))
    for p in prose["1"]:
        is_sub = p.startswith("（") and len(p) < 16
        blocks.append(Block("subheading" if is_sub else "para", p))
    sections = [
        ("2", "active_disclosure", lambda: active_tables(spec)),
        ("3", "applications", lambda: application_tables(spec)),
        ("4", "reviews_litigation", lambda: [review_table(spec)]),
    ]
    for n, key, tables in sections:
        blocks.append(Block("heading", heading[n]))
        if key in spec.prose_sections:
            blocks += [Block("para", p) for p in prose[n]]
        else:
            blocks += [Block("table", table=t) for t in tables()]
    for n in ("5", "6"):
        blocks.append(Block("heading", heading[n]))
        blocks += [Block("para", p) for p in prose[n]]
    if spec.body_note:
        blocks.append(Block("para", spec.body_note))
    date = spec.signature_date or _chinese_date(spec.published)
    blocks.append(Block("sign", spec.agency))
    blocks.append(Block("sign", date))
    return blocks


def _chinese_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"
