"""Tables from flattened text: rows by label, columns by template order only where the row's
own identity confirms them, glued digits split only where exactly one split is possible."""

import re

import pytest

from pipelines.documents.html import read_html
from pipelines.extract import extract_document
from pipelines.tables.textgrid import _blocks_ok, _row_total_ok, active_cells, solve_glued


def test_unique_split_is_taken():
    assert solve_glued("7130000074", 7, _row_total_ok)[0] is None  # 10 digits: no valid split
    assert solve_glued("713000074", 7, _row_total_ok)[0] == [71, 3, 0, 0, 0, 0, 74]
    assert solve_glued("230000023", 7, _row_total_ok)[0] == [23, 0, 0, 0, 0, 0, 23]


def test_ambiguous_split_is_refused():
    # 0,0,1,10,0,0,11 and 0,0,11,0,0,0,11 both add up: no reading is chosen.
    values, why = solve_glued("001100011", 7, _row_total_ok)
    assert values is None and "more than one" in why


def test_section_4_glued_uses_all_three_block_identities():
    digits = "0110200000" + "00000"
    assert solve_glued(digits, 15, _blocks_ok)[0] == [0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def flatten(html: bytes, glue: bool) -> bytes:
    """What get_text() leaves of a report: one line per table row, cells separated by spaces
    (or glued together when the page's markup had no whitespace between them)."""
    doc = read_html(html)
    lines = [doc.title or ""]
    for t in doc.tables:
        for r, row in enumerate(t.rows):
            seen: dict = {}
            for c, text in enumerate(row):
                if text:
                    seen.setdefault(t.origin.get((r, c), (r, c)), text)
            line = " ".join(seen.values())
            lines.append(re.sub(r"(?<=\d) (?=\d)", "", line) if glue else line)
    return "\n".join(lines).encode()


@pytest.mark.parametrize("name", ["t20200120_80576.html", "t20230220_80629.html"])
@pytest.mark.parametrize("glue", [False, True])
def test_flattened_real_reports_give_no_wrong_number(files, name, glue):
    html = (files / "pingtan" / name).read_bytes()
    truth = extract_document(html).values()
    flat = extract_document(flatten(html, glue))
    got = flat.values()
    assert flat.format == "text" and flat.template == extract_document(html).template
    wrong = [(s, k, c) for s in truth for k in truth[s] for c in truth[s][k]
             if got[s].get(k, {}).get(c) is not None and got[s][k][c] != truth[s][k][c]]
    nulls = [(s, k, c) for s in truth for k in truth[s] for c in truth[s][k] if got[s].get(k, {}).get(c) is None]
    assert wrong == []
    if not glue:
        assert nulls == [] and flat.status == "ok"
    else:
        # Glued section 三/四 rows are solved by their identities; glued section 二 rows have
        # no identity to split them and stay null.
        assert {s for s, _, _ in nulls} <= {"active_disclosure"}
        assert flat.status == "needs_review"


def test_a_rule_of_dashes_is_read_past():
    # Reports draw "————" rules beside 附件 or a signature; the row pattern once tried 2^n
    # ways to split such a run and never returned.
    text = ("某局2022年政府信息公开工作年度报告\n申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
            "一、本年新收政府信息公开申请数量 3 0 0 0 0 1 4\n" + "附件" + "—" * 400 + "完\n"
            "二、上年结转政府信息公开申请数量 — — — — — — —\n")
    result = extract_document(text.encode())
    apps = result.values()["applications"]
    assert list(apps["new_received"].values()) == [3, 0, 0, 0, 0, 1, 4]
    assert list(apps["carried_over"].values()) == [0] * 7
    assert not any(c.source.get("text_line") == 3 for c in result.cells)


# Section 二 as rows rebuilt from a PDF print it: each group's header without its corner
# (信息内容 stands in the label column, and lands on a row's label).
REBUILT_2019 = """第二十条第（一）项 本年新制作数量 本年新公开数量 对外公开总数量
规章\t1 2 13
规范性文件 信息内容\t5 5 239
第二十条第（五）项 上一年项目数量 本年增/减 处理决定数量
行政许可\t846 -18 2448
行政处罚 其他对外管理服务事项\t12 0 4
其他对外管理服务事项\t42 - 1026
第二十条第（九）项 采购项目数量 采购总金额
政府集中采购\t7 28217.08
规章\t3 3
"""


def test_section_two_rows_under_a_header_without_its_corner():
    got = {(c.row, c.col): c.value for c in active_cells(REBUILT_2019)}
    assert got == {
        ("regulations", "made_this_year"): 1, ("regulations", "published_this_year"): 2,
        ("regulations", "total_published"): 13,
        ("normative_documents", "made_this_year"): 5, ("normative_documents", "published_this_year"): 5,
        ("normative_documents", "total_published"): 239,
        ("administrative_licensing", "items_last_year"): 846, ("administrative_licensing", "change_this_year"): -18,
        ("administrative_licensing", "decisions"): 2448,
        ("centralized_procurement", "procurement_projects"): 7,
        ("centralized_procurement", "procurement_amount"): 28217.08,
    }
    # Not read: a label naming two items, a blank (a zero, or a number the row lost), and
    # a row under a header that names columns its item does not have (规章 under (九)).
