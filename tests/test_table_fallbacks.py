"""Tables whose grid a reader got only partly right, as PDF readers hand them over (RawTable,
no markup): a section's heading inside another section's table, and header labels that
cannot be tied to their columns by position. Each must still be read by the template's labels
and order, with the row's identity as the check, or be null, never shifted."""

from pipelines.documents.model import Document, RawTable
from pipelines.extract import extract_from_document
from pipelines.tables import templates as T
from pipelines.tables.normalize import normalize_tables, split_at_headings
from tests.test_normalize_variants import LABELS

TITLE = "样例县统计局2023年政府信息公开工作年度报告\n"
HEADER_WORDS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
SECTION4_HEADER = [
    ["行政复议"] * 5 + ["行政诉讼"] * 10,
    [""] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5,
    ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3,
]


def values_for(n: int) -> list[int]:
    """Seven numbers whose last is the sum of the six before it, different per row."""
    parts = [n % 5, (n * 3) % 4, n % 2, 0, (n * 7) % 3, 1]
    return [*parts, sum(parts)]


GROUPS = {"denied": "（三）不予公开", "unavailable": "（四）无法提供", "not": "（五）不予处理",
          "other": "（六）其他处理"}


def section3_rows() -> tuple[list[list[str]], dict[str, list[int]]]:
    """The 2021 template's rows: a group's label beside its numbered rows, as printed."""
    rows, expected = [], {}
    for n, key in enumerate(T.APPLICATION_ROWS_BY_TEMPLATE["2021"]):
        if key == "other":
            continue
        vals = values_for(n + 1)
        expected[key] = vals
        group = GROUPS.get(key.split("_")[0], LABELS[key])
        rows.append([group, LABELS[key], *map(str, vals)])
    return rows, expected


def applications(result) -> dict[tuple[str, str], object]:
    return {(c.row, c.col): c.value for c in result.cells if c.section == "applications"}


def wrapped_header(words: list[str]) -> list[list[str]]:
    """A header printed in columns so narrow that each row of the grid holds one glyph."""
    depth = max(len(w) for w in words)
    return [["", ""] + [w[i] if i < len(w) else "" for w in words] for i in range(depth)]


# ── A section's heading inside another section's table ───────────────────────

def test_a_table_holding_sections_three_and_four_is_read_as_two():
    rows3, expected = section3_rows()
    header = [["申请人情况"] * 9, ["", ""] + HEADER_WORDS]
    s4 = [["四、政府信息公开行政复议、行政诉讼情况"] * 15, *SECTION4_HEADER,
          ["1", "0", "0", "0", "1"] + ["0"] * 10]
    width = 15
    grid = [r + [""] * (width - len(r)) for r in [*header, *rows3, *s4]]
    result = extract_from_document(Document("pdf", TITLE, [RawTable(0, grid)]))
    got = applications(result)
    assert all(got[(key, col)] == v for key, vals in expected.items()
               for col, v in zip(T.APPLICANT_KEYS, vals, strict=True))
    review = {c.col: c for c in result.cells if c.row == "administrative_review"}
    assert review["upheld"].value == 1 and review["total"].value == 1
    # Provenance points into the one table the document printed, at the row it printed.
    assert review["upheld"].source["row"] == len(header) + len(rows3) + 4


def test_a_report_laid_out_in_one_table_splits_at_each_heading():
    s2 = [["二、主动公开政府信息情况"] * 4, ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
          ["规章", "2", "0", "10"]]
    rows3, _ = section3_rows()
    s3 = [["三、收到和处理政府信息公开申请情况"] * 9, ["", ""] + HEADER_WORDS, *rows3]
    grid = [r + [""] * (9 - len(r)) for r in [*s2, *s3]]
    parts = split_at_headings(RawTable(3, grid))
    assert [p.first_row for p in parts] == [0, len(s2)]
    assert {p.index for p in parts} == {3}
    normalized = normalize_tables([RawTable(3, grid)])
    assert {"active_disclosure", "applications"} <= normalized.sections_found
    regulations = next(c for c in normalized.cells if c.row == "regulations" and c.col == "issued_this_year")
    assert regulations.value == 2 and regulations.source["row"] == 2


def test_rows_that_look_like_headings_do_not_split_a_table():
    carried = ["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "1"]
    result = ["三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"]
    assert len(split_at_headings(RawTable(0, [["申请人情况"] * 8, carried]))) == 1
    # A row of several label cells is a row, even when its first names a subject.
    assert len(split_at_headings(RawTable(0, [["x"] * 3, result]))) == 1
    # And a heading in the table's first row opens the table: nothing to split.
    assert len(split_at_headings(RawTable(0, [["四、政府信息公开行政复议、行政诉讼情况"] * 3, ["a", "b", "c"]]))) == 1


# ── Header labels not tied to their columns by position ──────────────────────

def narrow_table(words: list[str], rows: list[list[str]]) -> RawTable:
    return RawTable(0, [*wrapped_header(words), *rows])


def test_a_header_one_glyph_a_row_reads_by_the_template_order_it_names():
    rows3, expected = section3_rows()
    result = extract_from_document(Document("pdf", TITLE, [narrow_table(HEADER_WORDS, rows3)]))
    got = applications(result)
    wrong = {(k, col): (v, got.get((k, col))) for k, vals in expected.items()
             for col, v in zip(T.APPLICANT_KEYS, vals, strict=True) if got.get((k, col)) != v}
    assert not wrong
    # Its provenance says how it was read: a researcher can tell it from a cell read by header.
    granted = next(c for c in result.cells if c.row == "granted" and c.col == "total")
    assert "template order" in granted.source["derived"] and "rows read as lines" in granted.source["derived"]


def test_a_row_that_does_not_add_up_is_null_when_read_by_order():
    rows3, expected = section3_rows()
    bad = next(n for n, r in enumerate(rows3) if r[1] == LABELS["denied_third_party"])
    rows3[bad] = [*rows3[bad][:2], "1", "0", "0", "0", "0", "0", "5"]  # 1 ≠ 5
    result = extract_from_document(Document("pdf", TITLE, [narrow_table(HEADER_WORDS, rows3)]))
    got = applications(result)
    assert all(got[("denied_third_party", col)] is None for col in T.APPLICANT_KEYS)
    assert got[("granted", "total")] == expected["granted"][-1]
    assert result.status == "needs_review"


def test_a_header_out_of_the_template_order_is_not_read_by_order():
    rows3, _ = section3_rows()
    shuffled = [HEADER_WORDS[0], HEADER_WORDS[2], HEADER_WORDS[1], *HEADER_WORDS[3:]]  # 科研 before 商业
    result = extract_from_document(Document("pdf", TITLE, [narrow_table(shuffled, rows3)]))
    assert all(v is None for v in applications(result).values())
    assert result.status == "needs_review"


def test_an_uncertain_ocr_number_is_not_read_by_order():
    rows3, expected = section3_rows()
    table = narrow_table(HEADER_WORDS, rows3)
    granted = len(wrapped_header(HEADER_WORDS)) + next(
        n for n, r in enumerate(rows3) if r[1] == LABELS["granted"])
    table.confidence = {(r, c): 95.0 for r in range(len(table.rows)) for c in range(9)}
    table.confidence[(granted, 4)] = 40.0
    result = extract_from_document(Document("pdf", TITLE, [table]))
    got = applications(result)
    assert all(got[("granted", col)] is None for col in T.APPLICANT_KEYS)
    assert got[("new_received", "total")] == expected["new_received"][-1]


def test_a_table_and_its_text_line_that_disagree_give_null():
    rows3, expected = section3_rows()
    table = narrow_table(HEADER_WORDS, rows3)
    vals = expected["granted"]
    assert vals[0] != vals[1]
    # The text prints the same row with its first two numbers swapped: it still adds up.
    swapped = [vals[1], vals[0], *vals[2:]]
    text = TITLE + " ".join(HEADER_WORDS) + "\n（一）予以公开 " + " ".join(map(str, swapped)) + "\n"
    result = extract_from_document(Document("pdf", text, [table]))
    got = applications(result)
    assert got[("granted", "natural_person")] is None and got[("granted", "commercial_enterprise")] is None
    assert got[("granted", "total")] == vals[-1]  # both print the same total
    assert got[("carried_over", "natural_person")] == expected["carried_over"][0]


def test_a_scans_ocr_text_does_not_fill_its_cells():
    """OCR page text has none of a scan's cell confirmations (a dropped decimal point reads
    as a bigger number): a cell the scan's table left null stays null; the same text in a
    text PDF fills it."""
    text = TITLE + "二、主动公开政府信息情况\n第二十条第（八）项\n信息内容 本年收费金额（单位：万元）\n行政事业性收费 4495851\n"
    table = RawTable(0, [["第二十条第（八）项", "第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"],
                         ["行政事业性收费", "?"]])  # a cell the OCR could not read

    def fees(fmt: str):
        result = extract_from_document(Document(fmt, text, [table]))
        return next(c.value for c in result.cells if c.row == "administrative_fees")

    assert fees("scan") is None
    assert fees("pdf") == 4495851
