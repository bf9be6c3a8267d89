"""Section 三 printed without rules, its rows rebuilt from where the words stand (pdf_rows).

Headless Chromium prints the 2021 template's section 三 with no ruling lines in columns narrow
enough that labels wrap: cells aligned in the middle (a label's lines above and below its
numbers, as browsers print by default), at the top (as word processors print), and with list
numbers written "1、" (a font puts the digit and the mark apart). Every cell must read exactly;
a row whose label is put together from two rows' pieces must be null, never another row's.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from pipelines.documents.pdf_rows import PageRows, join_pages
from pipelines.documents.pdf_rows import _header_words as header_by_words
from pipelines.documents.pdf_rows import _Line as Line
from pipelines.documents.pdf_unruled import _Word as Word
from pipelines.documents.pdf_unruled import wrapped_digits
from pipelines.extract import extract_document
from pipelines.tables import templates as T
from pipelines.tables.textgrid import application_cells
from tests.pdf_layouts.build import chromium_pdf
from tests.test_normalize_variants import LABELS
from tests.test_table_fallbacks import GROUPS

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()),
                                reason="needs Chromium to print the test PDF")

HEADER = """<tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan=7>申请人情况</td></tr>
<tr><td rowspan=2>自然人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"""


def expected_values(seed: int, draw=lambda rnd: rnd.choice([0, 0, rnd.randint(1, 9), rnd.randint(10, 400)])
                    ) -> dict[str, list[int]]:
    """Section 三's printed rows: six applicant cells drawn by `draw`, and their total."""
    rnd = random.Random(seed)
    out = {}
    for key in T.APPLICATION_ROWS_BY_TEMPLATE["2021"]:
        if key == "other":
            continue
        parts = [draw(rnd) for _ in range(6)]
        out[key] = [*parts, sum(parts)]
    return out


def section3_html(values: dict[str, list[int]], align: str, mark: str, before: str = "",
                  blank: tuple[int, ...] = (), value_width: str = "", header_css: str = "") -> str:
    """The template's layout: 三、本年度办理结果 spans its rows, each group its numbered rows."""
    keys = list(values)
    result_rows = keys.index("total_processed") - keys.index("granted") + 1
    rows = []
    for key in keys:
        label = LABELS[key]
        if label[:1].isdigit():
            label = label[0] + mark + label[2:]
        cells = "".join(f"<td>{'' if v == 0 and j in blank else v}</td>" for j, v in enumerate(values[key]))
        group = key.split("_")[0] if key not in ("other",) else None
        if key == "granted":
            rows.append(f"<tr><td rowspan={result_rows}>三、本年度办理结果</td><td colspan=2>{label}</td>{cells}</tr>")
        elif key in ("partially_granted", "total_processed"):
            rows.append(f"<tr><td colspan=2>{label}</td>{cells}</tr>")
        elif group in GROUPS and key.startswith(group + "_"):
            members = [k for k in keys if k.startswith(group + "_")]
            head = f"<td rowspan={len(members)}>{GROUPS[group]}</td>" if key == members[0] else ""
            rows.append(f"<tr>{head}<td>{label}</td>{cells}</tr>")
        else:
            rows.append(f"<tr><td colspan=3>{label}</td>{cells}</tr>")
    # Fixed columns: numbers wider than their cell wrap, as word processors print them.
    fixed = (' class=fixed>'
             f'<colgroup>{"<col style=width:44pt>" * 3}{f"<col style=width:{value_width}>" * 7}</colgroup'
             if value_width else "")
    return f"""<!doctype html><html><head><meta charset=utf-8><style>
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 10pt; }}
table {{ border-collapse: collapse; }}
td {{ padding: 2pt 3pt; vertical-align: {align}; width: 38pt; }}
table.fixed {{ table-layout: fixed; width: {3 * 44 + 7 * int(value_width[:-2] or 0)}pt; word-break: break-all; }}
table.fixed td {{ width: auto; padding: 1pt; }}
tr:nth-child(-n+3) td {{ {header_css} }}
</style></head><body><p>样例县统计局2023年政府信息公开工作年度报告</p>{before}
<p>三、收到和处理政府信息公开申请情况</p><table{fixed}>{HEADER}{''.join(rows)}</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p><p>本年度未发生政府信息公开行政复议、行政诉讼。</p>
</body></html>"""


@pytest.mark.parametrize(("align", "mark", "seed", "blank"), [
    ("middle", ".", 1, ()), ("top", ".", 2, ()), ("middle", "、", 3, ()),
    ("middle", ".", 5, (2, 3)),  # zeros printed as nothing in two columns: 5 numbers a row
])
def test_rows_read_from_where_the_words_stand(tmp_path: Path, align: str, mark: str, seed: int,
                                              blank: tuple[int, ...]) -> None:
    values = expected_values(seed)
    pdf = chromium_pdf(section3_html(values, align, mark, blank=blank), tmp_path, f"s3-{align}")
    result = extract_document(pdf)
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in values.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) != v}
    assert not wrong
    assert result.template == "2021" and result.year == 2023


def wide_values(seed: int) -> dict[str, list[int]]:
    """Numbers of two to four digits in most cells: in cells two digits wide, most wrap."""
    return expected_values(seed, lambda rnd: rnd.choice(
        [0, rnd.randint(1, 9), rnd.randint(10, 99), rnd.randint(100, 999)]))


@pytest.mark.parametrize(("align", "seed", "blank"), [("top", 11, ()), ("top", 12, ()), ("top", 13, (2, 3))])
def test_numbers_wrapped_in_narrow_cells_are_put_back_together(tmp_path: Path, align: str, seed: int,
                                                               blank: tuple[int, ...]) -> None:
    # Cells two digits wide, numbers at their top (as word processors print): "625" prints
    # "62" over "5". Put back, the row adds up; a row of zeros left blank under it may look
    # like such a line, and is then null, never misread.
    values = wide_values(seed)
    pdf = chromium_pdf(section3_html(values, align, ".", blank=blank, value_width="14pt"), tmp_path, f"wrap-{seed}")
    result = extract_document(pdf)
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in values.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) not in (v, None)}
    assert not wrong
    nulls = sum(got.get((k, col)) is None for k in values for col in T.APPLICANT_KEYS)
    assert nulls <= (0 if not blank else 3 * len(T.APPLICANT_KEYS))


# Tables above section 三 on its page, numbers in the same x-range: section 二's, whose header
# words stand over section 三's columns, and a table of seven numbers a row in other columns.
BEFORE = """<p>二、主动公开政府信息情况</p><table>
<tr><td colspan=4>第二十条第（八）项</td></tr><tr><td>信息内容</td><td colspan=3>本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan=3>852.69</td></tr></table>
<p>（五）培训情况</p><table style="margin-left:120pt">
<tr><td>季度</td><td>一月</td><td>二月</td><td>三月</td><td>四月</td><td>五月</td><td>六月</td><td>合计</td></tr>
<tr><td>场次</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td><td>6</td><td>21</td></tr>
<tr><td>人次</td><td>10</td><td>20</td><td>30</td><td>40</td><td>50</td><td>60</td><td>210</td></tr></table>"""


def test_tables_above_section_three_stay_out_of_its_header(tmp_path: Path) -> None:
    values = expected_values(4)
    result = extract_document(chromium_pdf(section3_html(values, "middle", ".", BEFORE), tmp_path, "s3-before"))
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in values.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) != v}
    assert not wrong


def test_a_label_cut_by_a_page_break_goes_back_to_its_row() -> None:
    pages = [PageRows("", ["自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计",
                           "5.属于三类内部事务信息\t1 0 0 0 0 0 1", "6.属于\t2 1 0 0 0 0 3"], []),
             PageRows("四类过程性信息", ["7.属于行政执法案卷\t0 0 0 0 0 0 0"], [])]
    text = join_pages(pages)
    assert "6.属于四类过程性信息\t2 1 0 0 0 0 3" in text.splitlines()
    got = {(c.row, c.col): c.value for c in application_cells(text)}
    assert got[("denied_process_info", "total")] == 3 and got[("denied_enforcement_file", "total")] == 0


def test_a_label_made_of_two_rows_pieces_is_not_read() -> None:
    # "7、" lost its own label to the row above; the row's numbers add up (all zeros) whatever
    # row they are, so the numbering must agree with the template's.
    text = ("自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
            "7、属于四类过程性信息 0 0 0 0 0 0 0\n")
    cells = application_cells(text)
    assert cells and all(c.value is None for c in cells)
    assert "numbered 7" in cells[0].reason


@pytest.mark.parametrize("line", [
    "三、本年度办理结果 （一）予以公开（二）部分公开（区分处理的，只 21 0 0 0 0 0 21",
    "7.属于行政执法案卷8.属于行政查询事项1.信访举报投诉类申请 3 0 0 0 0 0 3",
    "（四）无法提供 3.补正后申请内容仍不明确 （五）不予处理 1.信访举报投诉类申请 0 0 0 0 0 0 0",
])
def test_a_line_naming_two_rows_is_not_read(line: str) -> None:
    # A grid that merged rows, or a label put together from two: whose numbers, nothing says.
    text = "自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n" + line + "\n"
    cells = application_cells(text)
    assert cells and all(c.value is None for c in cells)


def test_a_group_label_before_its_row_is_context() -> None:
    text = "自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n（六）其他处理 3.其他 1 0 0 0 1 0 2\n"
    got = {(c.row, c.col): c.value for c in application_cells(text)}
    assert got[("other_other", "total")] == 2


def _row(top: float, cells: list[tuple[float, float, str]]) -> Line:
    words = [Word(x0, x1, t) for x0, x1, t in cells]
    return Line(top, top + 10, words, values=[w for w in words if w.text.isdigit()])


# Seven cells 40pt wide from x=280; one label per column, on one line as wide as it fits.
LEAVES = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


@pytest.mark.parametrize("align", ["left", "right", "centre"])
def test_one_row_under_its_header_keeps_each_label_in_its_column(align: str) -> None:
    # One row on the page (the rest went to the next): its numbers cannot show how they
    # align, and an edge midway between two numbers would cut a label wider than half its
    # cell ("商业企业" into "商业企" and "业"). Edges go where no label stands.
    def number(c: int, text: str) -> tuple[float, float, str]:
        width = 7.0 * len(text)
        x0 = {"left": 281 + 40 * c, "right": 318 - width + 40 * c, "centre": 300 - width / 2 + 40 * c}[align]
        return x0, x0 + width, text

    def label(c: int, text: str) -> tuple[float, float, str]:  # centred in its cell
        width = min(38, 9.5 * len(text))
        return 300 + 40 * c - width / 2, 300 + 40 * c + width / 2, text

    # The corner note's last glyph just inside column 0's margin, left of its numbers.
    header = [_row(100, [(126, 277, "（本列数据的勾稽关系为：第一项加第二项之"), *(label(c, t) for c, t in enumerate(LEAVES))])]
    row = _row(130, [(126, 270, "一、本年新收政府信息公开申请数量"),
                     *(number(c, t) for c, t in enumerate(["23", "0", "0", "0", "0", "0", "23"]))])
    assert header_by_words(header, [row]).split() == LEAVES


@pytest.mark.parametrize(("align", "seed", "blank"), [("middle", 21, (2, 3)), ("top", 22, (1, 4)), ("middle", 23, (5,))])
def test_columns_blank_in_every_row_are_placed_by_their_labels(tmp_path: Path, align: str, seed: int,
                                                               blank: tuple[int, ...]) -> None:
    # Zeros printed as nothing, and these columns zero in every row: no row shows where its
    # numbers stand but the header's labels above them do.
    values = {}
    for key, vals in expected_values(seed).items():
        parts = [0 if j in blank else v for j, v in enumerate(vals[:6])]
        values[key] = [*parts, sum(parts)]
    pdf = chromium_pdf(section3_html(values, align, ".", blank=blank), tmp_path, f"blank-{seed}")
    result = extract_document(pdf)
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in values.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) != v}
    assert not wrong


@pytest.mark.parametrize(("seed", "blank", "spacing"), [(31, (), "6pt"), (32, (), "9pt"), (33, (2, 3), "6pt")])
def test_header_glyphs_set_apart_make_no_columns(tmp_path: Path, seed: int, blank: tuple[int, ...],
                                                  spacing: str) -> None:
    # Header labels letter-spaced: a wrapped label's second line prints glyph by glyph
    # ("益 组 织"), each a word. They are one column's label, never columns of their own
    # for a row's numbers to be spread over.
    values = {}
    for key, vals in expected_values(seed).items():
        parts = [0 if j in blank else v for j, v in enumerate(vals[:6])]
        values[key] = [*parts, sum(parts)]
    html = section3_html(values, "middle", ".", blank=blank, header_css=f"letter-spacing: {spacing}")
    result = extract_document(chromium_pdf(html, tmp_path, f"spaced-{seed}"))
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}
    allowed = (None,) if blank else ()
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in values.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) not in (v, *allowed)}
    assert not wrong


# Section 二 of the 2019 template, as its groups print: (group, header, [(label, item)]).
SECTION2_2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("规章", "regulations"), ("规范性文件", "normative_documents")]),
    ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政许可", "administrative_licensing"), ("其他对外管理服务事项", "other_management_services")]),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("行政处罚", "administrative_penalty"), ("行政强制", "administrative_coercion")]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("行政事业性收费", "administrative_fees")]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], [("政府集中采购", "centralized_procurement")]),
]


def section2_html(rnd: random.Random, align: str, value_width: str) -> tuple[str, dict]:
    expected, rows = {}, []
    for group, header, items in SECTION2_2019:
        rows.append(f"<tr><td colspan=4>{group}</td></tr><tr><td>信息内容</td>"
                    + "".join(f"<td>{h}</td>" for h in header) + "<td></td>" * (3 - len(header)) + "</tr>")
        for label, item in items:
            metrics = T.ACTIVE_LAYOUT["2019"][item]
            vals = [round(rnd.uniform(100, 99999), 2) if m == "procurement_amount"
                    else rnd.choice([rnd.randint(0, 9), rnd.randint(10, 99999)]) for m in metrics]
            expected.update({(item, m): v for m, v in zip(metrics, vals, strict=True)})
            rows.append(f"<tr><td>{label}</td>" + "".join(f"<td>{v}</td>" for v in vals)
                        + "<td></td>" * (3 - len(vals)) + "</tr>")
    width = 3 * int(value_width[:-2])
    return f"""<!doctype html><html><head><meta charset=utf-8><style>
body {{ font-family: "Noto Serif CJK SC", serif; font-size: 10pt; }}
table {{ border-collapse: collapse; table-layout: fixed; width: {60 + width}pt; word-break: break-all; }}
td {{ padding: 1pt; vertical-align: {align}; }}
</style></head><body><p>样例县统计局2020年政府信息公开工作年度报告</p>
<p>二、主动公开政府信息情况</p><table><colgroup><col style="width:60pt">{f'<col style="width:{value_width}">' * 3}
</colgroup>{''.join(rows)}</table><p>三、收到和处理政府信息公开申请情况</p><p>（略）</p></body></html>""", expected


@pytest.mark.parametrize(("align", "seed", "value_width"), [("top", 41, "40pt"), ("top", 42, "24pt"), ("middle", 43, "24pt")])
def test_section_two_read_from_rows_where_its_header_names_the_columns(tmp_path: Path, align: str, seed: int,
                                                                       value_width: str) -> None:
    # No rules; the header's corner (信息内容) stands in the label column, so only the
    # columns' names tell which numbers are which. Narrow cells wrap numbers and amounts
    # ("64827" over ".77"): read whole, or null; never a number cut short.
    html, expected = section2_html(random.Random(seed), align, value_width)
    result = extract_document(chromium_pdf(html, tmp_path, f"s2-{seed}"))
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "active_disclosure"}
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) not in (v, None)}
    assert not wrong
    if value_width == "40pt":  # numbers wrap in a few cells only, each under a full number
        assert all(got.get(k) == v for k, v in expected.items())
    # A row whose every number wraps, its label too ("其他对外管" over "理服务事项 7 1 6"),
    # looks like two rows: null, as is every row near a piece when cells align in the middle.


# A row's numbers in three columns 40pt apart, as (x0, x1, text); the widest number that fit
# each column is 25pt wide (a proportional font: "101" is narrower than "208").
ROW = [(284.6, 307.1, "101"), (324.6, 331.7, "7"), (364.6, 389.6, "208")]
WIDEST = [25.1, 25.1, 25.1]


@pytest.mark.parametrize(("line", "expected"), [
    ([(284.6, 291.7, "1")], {0: "1"}),  # 101 + one more digit would not fit: 1011
    ([(63.0, 123.0, "度办理结"), (284.6, 291.7, "1"), (364.6, 373.0, "0")], {0: "1", 2: "0"}),  # a group's label beside
    ([(324.6, 331.7, "9")], None),  # "7" had room for a digit more: "9" is no piece of it
    ([(63.0, 123.0, "（二）部分公开"), (284.6, 291.7, "1")], None),  # a numbered label opens a row
    ([(63.0, 123.0, "数量"), (284.6, 291.7, "1"), (324.6, 331.7, "2"), (364.6, 373.0, "0")], None),  # as many as the row
    ([(284.6, 291.7, "1"), (324.6, 331.7, "2"), (364.6, 373.0, "0")], None),  # …"7" not full
])
def test_pieces_of_numbers_under_a_row(line: list, expected: dict | None) -> None:
    row = [Word(*w) for w in ROW]
    got = wrapped_digits(row, WIDEST, [Word(*w) for w in line])
    assert (None if got is None else {j: w.text for j, w in got.items()}) == expected


# A table with a group's label column left of its rows' labels, later on the same page.
GROUPED = """<table style="margin-top:12pt"><tr><td rowspan=2>（三）不予公开</td><td>1.属于国家秘密</td>
<td>0</td><td>1</td><td>1</td></tr><tr><td>2.其他法律行政法规禁止公开</td><td>2</td><td>0</td><td>2</td></tr></table>"""


@pytest.mark.parametrize(("seed", "label_width", "after"), [
    (51, "30pt", ""), (52, "24pt", ""), (53, "36pt", ""), (54, "24pt", GROUPED)])
def test_a_label_centred_on_its_numbers_is_not_the_row_above(tmp_path: Path, seed: int, label_width: str,
                                                             after: str) -> None:
    # Cells aligned in the middle, no rules, a narrow label column: 规章 on its numbers'
    # line, 行政规范性文件 in four lines centred on the next row's. The second label starts
    # right under the first and is still the second row's, also when a table with a
    # group's label column (whose labels span rows) stands on the same page.
    rnd = random.Random(seed)
    rows, expected = [], {}
    for label, item in (("规章", "regulations"), ("行政规范性文件", "normative_documents")):
        vals = [rnd.randint(0, 99), rnd.randint(0, 99), rnd.randint(100, 999)]
        expected.update({(item, m): v for m, v in zip(T.ACTIVE_LAYOUT["2021"][item], vals, strict=True)})
        rows.append(f"<tr><td>{label}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>")
    html = f"""<!doctype html><html><head><meta charset=utf-8><style>
body {{ font-family: "Noto Sans Mono CJK SC", monospace; font-size: 12pt; }}
table {{ border-collapse: collapse; table-layout: fixed; width: {int(label_width[:-2]) + 180}pt; }}
td {{ padding: 2pt; vertical-align: middle; }}
</style></head><body><p>样例县统计局2023年政府信息公开工作年度报告</p><p>二、主动公开政府信息情况</p>
<table><colgroup><col style="width:{label_width}">{'<col style="width:60pt">' * 3}</colgroup>
<tr><td colspan=4>第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>{''.join(rows)}</table>
{after}<p>三、收到和处理政府信息公开申请情况</p><p>（略）</p></body></html>"""
    result = extract_document(chromium_pdf(html, tmp_path, f"centred-{seed}"))
    got = {(c.row, c.col): c.value for c in result.cells if c.section == "active_disclosure"}
    assert {k: got.get(k) for k in expected} == expected
