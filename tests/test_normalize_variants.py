"""Layout variants real reports produce, built as small HTML documents: each must map by
label, or come out null with a reason, never shifted."""

import pytest

from pipelines.extract import _year, extract_document
from pipelines.tables import templates as T

APPLICANT_HEADER = """
<tr><td rowspan="3" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
"""


def row(label_cells: str, values: list) -> str:
    return f"<tr>{label_cells}{''.join(f'<td>{v}</td>' for v in values)}</tr>"


def section3_rows(template: str, values: dict[str, list], labels: dict[str, str] | None = None) -> list[str]:
    labels = labels or {}
    out = []
    for key in T.APPLICATION_ROWS_BY_TEMPLATE[template]:
        if key == "other" and template == "2021":
            continue
        label = labels.get(key, LABELS[key])
        out.append(row(f'<td colspan="3">{label}</td>', values.get(key, [0] * 7)))
    return out


LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied_state_secret": "1.属于国家秘密",
    "denied_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied_three_safeties": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷",
    "denied_administrative_query": "8.属于行政查询事项",
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
    "not_processed_petition": "1.信访举报投诉类申请",
    "not_processed_duplicate": "2.重复申请",
    "not_processed_publication": "3.要求提供公开出版物",
    "not_processed_excessive": "4.无正当理由大量反复申请",
    "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
    "other": "（六）其他处理",
    "total_processed": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}

SECTION4 = """<table>
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td><td rowspan="2">总计</td>
<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>
<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr>{cells}</tr></table>"""


def doc(title: str, body: str) -> bytes:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>".encode()


def test_2021_other_sub_rows_need_their_parent_label():
    # "3.其他" alone means nothing; under （六）其他处理 it is other_other.
    rows = section3_rows("2021", {
        "new_received": [3, 0, 0, 0, 0, 0, 3], "other_other": [1, 0, 0, 0, 0, 0, 1],
        "granted": [2, 0, 0, 0, 0, 0, 2], "total_processed": [3, 0, 0, 0, 0, 0, 3]})
    i = next(n for n, r in enumerate(rows) if "3.其他" in r)
    rows[i] = rows[i].replace('<td colspan="3">3.其他</td>', '<td>三、本年度办理结果</td><td>（六）其他处理</td><td>3.其他</td>')
    html = doc("某局2022年政府信息公开工作年度报告", f"<p>本年制发件数</p><table>{APPLICANT_HEADER}{''.join(rows)}</table>")
    r = extract_document(html)
    v = r.values()["applications"]
    assert v["other_other"]["total"] == 1
    assert v["other"]["total"] == 1  # derived
    assert v["granted"]["total"] == 2
    assert [c for c in r.checks if c.rule == "applications.results_sum" and c.passed is False] == []


def test_label_variants_are_aliases():
    rows = section3_rows("2019", {"new_received": [5, 0, 0, 0, 0, 0, 5], "carried_over": [1, 0, 0, 0, 0, 0, 1],
                                  "carried_forward": [6, 0, 0, 0, 0, 0, 6]},
                         labels={"new_received": "一、本年新收到政府信息公开申请数量",
                                 "carried_over": "二、上年转结政府信息公开申请数量",
                                 "carried_forward": "四、结转下一年度继续办理",
                                 "denied_three_safeties": '3.危及"三安全 一稳定"'})
    html = doc("某局2020年政府信息公开工作年度报告", f"<p>本年新制作数量</p><table>{APPLICANT_HEADER}{''.join(rows)}</table>")
    v = extract_document(html).values()["applications"]
    assert v["new_received"]["total"] == 5
    assert v["carried_over"]["total"] == 1
    assert v["carried_forward"]["total"] == 6
    assert v["denied_three_safeties"]["total"] == 0


def test_table_split_in_two_keeps_its_columns():
    rows = section3_rows("2019", {"unavailable_unclear": [1, 2, 3, 4, 5, 6, 21]})
    half = len(rows) // 2
    html = doc("某局2020年政府信息公开工作年度报告",
               f"<p>本年新制作数量</p><table>{APPLICANT_HEADER}{''.join(rows[:half])}</table>"
               f"<p>（续表）</p><table>{''.join(rows[half:])}</table>")
    v = extract_document(html).values()["applications"]
    assert v["unavailable_unclear"] == dict(zip(T.APPLICANT_KEYS, [1, 2, 3, 4, 5, 6, 21], strict=True))


def test_missing_applicant_header_gives_nulls_not_guesses():
    rows = section3_rows("2019", {"new_received": [1, 2, 3, 4, 5, 6, 21]})
    html = doc("某局2020年政府信息公开工作年度报告", f"<p>本年新制作数量</p><table>{''.join(rows)}</table>")
    r = extract_document(html)
    assert r.status == "needs_review"
    cell = next(c for c in r.cells if c.section == "applications" and c.row == "new_received" and c.col == "total")
    assert cell.value is None and cell.reason
    assert any("section 三 columns not recognised" in w for w in r.warnings)


def test_section_4_prose_is_zero_with_a_warning():
    html = doc("某局2020年政府信息公开工作年度报告",
               "<p>本年新制作数量</p><p>四、政府信息公开行政复议和行政诉讼情况</p>"
               "<p>本年度无因政府信息公开产生行政复议及行政诉讼件。</p><p>五、存在的主要问题及改进情况</p>")
    r = extract_document(html)
    rl = r.values()["reviews_litigation"]
    assert all(v == 0 for p in rl.values() for v in p.values()) and len(rl) == 3
    assert any("section 四 given as prose" in w for w in r.warnings)


def test_section_4_table_by_header_paths():
    cells = "".join(f"<td>{n}</td>" for n in [1, 2, 0, 1, 4, 0, 0, 1, 0, 1, 2, 0, 0, 0, 2])
    html = doc("某局2022年政府信息公开工作年度报告", "<p>本年制发件数</p>" + SECTION4.format(cells=cells))
    rl = extract_document(html).values()["reviews_litigation"]
    assert rl["administrative_review"] == {"upheld": 1, "corrected": 2, "other": 0, "pending": 1, "total": 4}
    assert rl["litigation_direct"] == {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1}
    assert rl["litigation_after_review"] == {"upheld": 2, "corrected": 0, "other": 0, "pending": 0, "total": 2}


def test_extra_rows_are_kept_with_their_label():
    html = doc("某局2020年政府信息公开工作年度报告", """<table>
      <tr><td colspan="4">第二十条第（一）项</td></tr>
      <tr><td>信息内容</td><td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td></tr>
      <tr><td>规章（设区的市、自治州人民政府应提供相关数据）</td><td>1</td><td>2</td><td>3</td></tr>
      <tr><td>规范性文件</td><td>4</td><td>5</td><td>6</td></tr>
      <tr><td>其他主动公开文件</td><td>7</td><td>8</td><td>9</td></tr>
      <tr><td colspan="4">第二十条(九)项</td></tr>
      <tr><td>信息内容</td><td>采购项目数量</td><td colspan="2">采购总金额（万元）</td></tr>
      <tr><td>政府集中采购</td><td>10</td><td colspan="2">16.4543</td></tr>
    </table>""")
    out = extract_document(html).to_json()
    assert out["active_disclosure"]["regulations"] == {"made_this_year": 1, "published_this_year": 2, "total_published": 3}
    assert out["extra_rows"]["active_disclosure"]["其他主动公开文件"]["total_published"] == 9
    assert out["active_disclosure"]["centralized_procurement"] == {"procurement_projects": 10, "procurement_amount": 16.4543}
    assert out["units"]["active_disclosure.centralized_procurement.procurement_amount"] == "万元"


def test_conflicting_duplicate_rows_become_null():
    rows = section3_rows("2019", {"granted": [1, 0, 0, 0, 0, 0, 1]})
    rows.append(row('<td colspan="3">（一）予以公开</td>', [2, 0, 0, 0, 0, 0, 2]))
    html = doc("某局2020年政府信息公开工作年度报告", f"<p>本年新制作数量</p><table>{APPLICANT_HEADER}{''.join(rows)}</table>")
    r = extract_document(html)
    cell = next(c for c in r.cells if c.row == "granted" and c.col == "total")
    assert cell.value is None and "printed twice" in cell.reason


def test_template_follows_content_not_year():
    # A 2020 report published in 2021 on the old template.
    rows = section3_rows("2019", {})
    html = doc("某局2020年政府信息公开工作年度报告",
               f"<p>本年新制作数量</p><table>{APPLICANT_HEADER}{''.join(rows)}</table>")
    assert extract_document(html).template == "2019"


def test_a_missing_applicant_column_is_null_not_shifted():
    header = APPLICANT_HEADER.replace('<td rowspan="2">总计</td>', "").replace('colspan="7"', 'colspan="6"')
    rows = [r.rsplit("<td>", 1)[0] + "</tr>" for r in section3_rows("2019", {"granted": [1, 2, 3, 4, 5, 6, 21]})]
    html = doc("某局2020年政府信息公开工作年度报告", f"<p>本年新制作数量</p><table>{header}{''.join(rows)}</table>")
    r = extract_document(html)
    v = r.values()["applications"]
    assert v["granted"] == {"natural_person": 1, "commercial_enterprise": 2, "research_institution": 3,
                            "social_welfare_org": 4, "legal_service_org": 5, "other_org": 6, "total": None}
    total = next(c for c in r.cells if c.row == "granted" and c.col == "total")
    assert "no column" in total.reason and r.status == "needs_review"


def test_header_labels_wrapped_onto_rows_of_their_own():
    """A table without rules makes each printed line a grid row: a section 四 result label
    wrapped as "结果维" / "持" and a section 二 header cut as "上一年项目数" / "量" are read whole;
    a row of blanks printed for zeros still ends the header."""
    from pipelines.documents.model import RawTable
    from pipelines.tables.normalize import normalize_tables

    heads = ["结果维", "结果纠", "其他结", "尚未审", "总计"]
    tails = ["持", "正", "果", "结", ""]
    four = RawTable(index=0, rows=[
        ["行政复议"] * 5 + ["行政诉讼"] * 10,
        [""] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
        heads * 3,
        tails * 3,
        [str(v) for v in range(1, 16)],
    ])
    two = RawTable(index=1, rows=[
        ["第二十条第（五）项"] * 4,
        ["信息内容", "上一年项目数", "本年增/减", "处理决定数量"],
        ["信息内容", "量", "本年增/减", "处理决定数量"],
        ["行政许可", "50", "0", "1786"],
    ])
    got = {(c.section, c.row, c.col): c.value for c in normalize_tables([four, two]).cells}
    assert got[("reviews_litigation", "administrative_review", "upheld")] == 1
    assert got[("reviews_litigation", "litigation_after_review", "total")] == 15
    assert got[("active_disclosure", "administrative_licensing", "items_last_year")] == 50
    assert got[("active_disclosure", "administrative_licensing", "decisions")] == 1786
    whole = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    blanks = RawTable(index=0, rows=[r[:] for r in four.rows[:2]] + [whole, ["—"] * 15])
    got = {(c.section, c.row, c.col): c for c in normalize_tables([blanks]).cells}
    assert got[("reviews_litigation", "administrative_review", "upheld")].printed == "—"


def test_applicant_columns_by_the_templates_order_only_where_rows_add_up():
    """A scan whose narrow header leaves were not read (自 / 然 / 人 one glyph a line) still
    names 申请人情况 and 法人或其他组织: its seven number columns are the template's, in order,
    and a row is kept only when its total adds up; any other row is null, with the reason."""
    from pipelines.documents.model import RawTable
    from pipelines.tables.normalize import normalize_tables

    label = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 3
    table = RawTable(index=0, rows=[
        label + ["申请人情况"] * 7,
        label + ["", *["法人或其他组织"] * 5, ""],
        label + [""] * 7,
        ["一、本年新收政府信息公开申请数量"] * 3 + ["10", "2", "0", "1", "0", "0", "13"],
        ["二、上年结转政府信息公开申请数量"] * 3 + ["1", "0", "0", "0", "0", "0", "2"],
    ])
    result = normalize_tables([table])
    assert result.review, "columns by the template's order: the report is for a reader to review"
    cells = {(c.row, c.col): c for c in result.cells if c.section == "applications"}
    assert cells[("new_received", "natural_person")].value == 10
    assert cells[("new_received", "social_welfare_org")].value == 1
    assert cells[("new_received", "total")].value == 13
    wrong = cells[("carried_over", "natural_person")]
    assert wrong.value is None and "does not add up" in wrong.reason
    # Six number columns are not the template's seven: nothing is taken by order.
    six = RawTable(index=0, rows=[r[:3] + r[4:] for r in table.rows])
    assert not [c for c in normalize_tables([six]).cells if c.section == "applications" and c.value is not None]


def test_section_three_continued_without_header_and_label_columns():
    """A part of section 三 on a later page, printed without the header and without the outer
    label columns (a scan's table part), is read with the header's columns from the right,
    and a part after it as wide as the header again with the header's own columns."""
    from pipelines.documents.model import RawTable
    from pipelines.tables.normalize import normalize_tables

    head = RawTable(index=0, rows=[
        ["", "", "", "申请人情况", *[""] * 6],
        ["", "", "", "自然人", *["法人或其他组织"] * 5, "总计"],
        ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
        ["一、本年新收政府信息公开申请数量"] * 3 + ["10", "2", "0", "1", "0", "0", "13"],
    ])
    part = RawTable(index=1, rows=[
        ["5.属于三类内部事务信息", "58", "9", "1", "0", "0", "0", "68"],
        ["6.属于四类过程性信息", "72", "10", "2", "0", "0", "0", "84"],
    ])
    tail = RawTable(index=2, rows=[
        ["四、结转下年度继续办理"] * 3 + ["1", "0", "0", "0", "0", "2", "3"],
    ])
    # A second table of its own columns (two more grid columns: rules drawn elsewhere).
    other = RawTable(index=3, rows=[
        ["三、本年度办理结果", "（五）不予处理", "", "2.重复申请", "", "4", "0", "0", "0", "1", "0", "5"],
    ])
    cells = {(c.row, c.col): c.value for c in normalize_tables([head, part, tail, other]).cells
             if c.section == "applications"}
    assert cells[("not_processed_duplicate", "natural_person")] == 4
    assert cells[("not_processed_duplicate", "legal_service_org")] == 1
    assert cells[("denied_internal_affairs", "natural_person")] == 58
    assert cells[("denied_process_info", "total")] == 84
    assert cells[("carried_forward", "other_org")] == 2
    # Alone, with no section 三 table before it, the part is nobody's.
    assert not [c for c in normalize_tables([part]).cells if c.section == "applications"]


def test_a_count_with_a_fraction_is_null():
    # Every cell of sections 三 and 四 counts requests or cases: "2.67" is a point misread
    # or misprinted, never a count. An amount of money keeps its fraction.
    rows = section3_rows("2021", {"new_received": [2.67, 0, 0, 0, 0, 0, 3], "granted": [3, 0, 0, 0, 0, 0, 3],
                                  "total_processed": [3, 0, 0, 0, 0, 0, 3]})
    html = doc("某局2022年政府信息公开工作年度报告",
               "<p>二、主动公开政府信息情况</p><table><tr><td>第二十条第（八）项</td></tr>"
               "<tr><td>信息内容</td><td>本年收费金额（单位：万元）</td></tr>"
               "<tr><td>行政事业性收费</td><td>12.5</td></tr></table>"
               f"<table>{APPLICANT_HEADER}{''.join(rows)}</table>")
    r = extract_document(html)
    cell = next(c for c in r.cells if (c.section, c.row, c.col) == ("applications", "new_received", "natural_person"))
    assert cell.value is None and "whole number" in cell.reason
    assert r.values()["applications"]["new_received"]["total"] == 3
    assert r.values()["active_disclosure"]["administrative_fees"]["fees_amount"] == 12.5


@pytest.mark.parametrize("title", [
    "2024年政府信息公\\开工作年度报告", "2024年度政府信息公·开工作年度报告", "2024年政府信|息公开工作年度报告",
    "2024 年 政 府 信 息 公 开 工 作 年 度 报 告", "某局2024年政府信息公开工作年度报告"])
def test_the_year_of_a_title_with_a_speck_read_between_its_characters(title):
    # A scan's speck between two characters of the title reads as a mark.
    assert _year(title) == 2024
    assert _year(title.replace("信", "新")) is None
