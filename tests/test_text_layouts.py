"""Report text copied from a web page: one table cell per line (issue 22).

The seed report (余姚市公共资源交易管理办公室, 2020) as its page's text (`tests/files/text/`)
must read exactly like its HTML. Then the class: every text-format report of the evaluation
corpus, re-rendered one cell per line with seeded variations (indent, blank lines between rows
or not, spanned cells printed once or as empty cells, wrapped labels and headers, CRLF, section
四 as a nil sentence), must give every cell exactly or null — never a wrong value. And a nil
section 四 in prose is found by the document's headings, not by the first line that starts
with "四、".
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from crawler.sample_sites.document import place, report_blocks
from pipelines.extract import extract_document
from pipelines.tables.normalize import prose_zero_sections, section_texts
from tests.corpus import generate as corpus
from tests.test_seed import EXPECTED_ACTIVE

HERE = Path(__file__).parent
SEED_TEXT = HERE / "files" / "text" / "yuyao-2020-copied.txt"
SEED_HTML = HERE.parent / "crawler" / "sample_sites" / "seed" / "yuyao-2020.html"
CORPUS = HERE / "corpus"


# ── The seed, as copied from its page ────────────────────────────────────────

def test_copied_seed_reads_like_its_html():
    text = extract_document(SEED_TEXT.read_bytes())
    html = extract_document(SEED_HTML.read_bytes())
    assert (text.format, text.template, text.year, text.agency) == ("text", "2019", 2020, "余姚市公共资源交易管理办公室")
    assert text.values() == html.values()
    assert text.values()["active_disclosure"] == EXPECTED_ACTIVE  # the seed's printed numbers
    assert [c for c in text.cells if c.value is None] == []
    assert text.checks and all(c.passed for c in text.checks)
    assert any("section 四 given as prose" in w for w in text.warnings)
    assert text.to_json()["units"] == html.to_json()["units"]
    assert text.status == "ok"


def _respaced(text: str, indent: str, blank_lines: bool, eol: str) -> str:
    lines = [indent + line.lstrip("\t") if line.startswith("\t") else line for line in text.splitlines()]
    if not blank_lines:
        lines = [line for line in lines if line.strip()]
    return eol.join(lines) + eol


@pytest.mark.parametrize("indent", ["\t", "    ", "  ", ""])
@pytest.mark.parametrize("blank_lines", [True, False])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_copied_seed_in_every_spacing(indent, blank_lines, eol):
    """Tabs or spaces or no indent, rows apart or run together, LF or CRLF: the same cells."""
    truth = extract_document(SEED_HTML.read_bytes()).values()
    result = extract_document(_respaced(SEED_TEXT.read_text(), indent, blank_lines, eol).encode())
    assert result.values() == truth
    assert result.status == "ok"


# ── The class: corpus reports rendered one cell per line ─────────────────────

NIL_SENTENCES = [
    "本年度无因政府信息公开产生行政复议及行政诉讼件。",
    "{y}年，本机关未发生因政府信息公开引起的行政复议、行政诉讼案件。",
    "本年度没有因政府信息公开工作被申请行政复议、提起行政诉讼的情况。",
    "本机关{y}年未收到政府信息公开行政复议和行政诉讼。",
    "{y}年度因政府信息公开申请引起的行政复议、行政诉讼均为0件。",
]
HEADINGS_4 = [
    "四、政府信息公开行政复议、行政诉讼情况",
    "四、政府信息公开行政复议和行政诉讼情况",
    "四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况",
]
LABEL_SETS = {
    "2019": [{}, corpus.SEED_LABELS, corpus.STRAIGHT_QUOTES, corpus.HUBEI_2019, corpus.SPACED_HEADERS,
             corpus.HALF_WIDTH_CAPTIONS],
    "2021": [{}, corpus.SEED_LABELS, corpus.STRAIGHT_QUOTES, corpus.HUBEI_2021, corpus.COMMA_NUMBERING,
             corpus.HALF_WIDTH_CAPTIONS],
}


def _text_reports() -> list[dict]:
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    entries = manifest if isinstance(manifest, list) else manifest["documents"]
    return [e for e in entries if e["format"] == "text" and e["template"] in ("2019", "2021")]


def _dotted(cells: dict) -> dict[str, float]:
    return {f"{s}.{r}.{c}": v for s, rows in cells.items() for r, cols in rows.items() for c, v in cols.items()}


def _wrap(text: str, rng: random.Random) -> list[str]:
    """A long label or header cell wrapped onto two lines where a page's narrow column breaks
    it: before a bracket, after a comma inside one, or anywhere in a numbered label."""
    if len(text) < 8 or "\n" in text:
        return text.split("\n")
    numbered = re.match(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d[.、])", text)
    depth, points = 0, []
    for p, ch in enumerate(text):
        if p > 2 and ch == "（":
            points.append(p)
        if p > 2 and text[p - 1] in "，、" and (depth > 0 or numbered):
            points.append(p)
        depth += (ch == "（") - (ch == "）")
    if numbered and len(text) >= 12:
        points += [p for p in range(numbered.end() + 2, len(text) - 3) if text[p - 1] not in "（）"]
    if not points:
        return [text]
    p = rng.choice(points)
    return [text[:p], text[p:]]


def one_cell_per_line(spec, rng: random.Random) -> tuple[str, dict]:
    """The report as a page's copied text: each table cell on its own line."""
    style = {
        "indent": rng.choice(["\t", "    ", "  ", "", "\t "]),
        "blank_rows": rng.random() < 0.5,
        "spans": rng.choice(["once", "empty"]),  # spanned cells printed once (HTML) or as empties (Word)
        "wrap": rng.random() < 0.5,
        "eol": rng.choice(["\n", "\r\n"]),
    }
    lines: list[str] = []
    for block in report_blocks(spec):
        if block.kind != "table":
            lines.append(block.text)
            continue
        assert block.table is not None
        placed, ncols = place(block.table.rows)
        origin = {(r, c): cell for r, c, cell in placed}
        covered = {(r + dr, c): cell for r, c, cell in placed for dr in range(1, cell.rowspan)}
        for r in range(len(block.table.rows)):
            for c in range(ncols):
                cell = origin.get((r, c))
                if cell is None:
                    if style["spans"] == "empty" and (r, c) in covered:
                        lines.append(style["indent"])
                    continue
                parts = ([cell.text] if cell.kind == "value"
                         else _wrap(cell.text, rng) if style["wrap"] else [cell.text.replace("\n", "")])
                lines += [style["indent"] + part for part in parts]
            if style["blank_rows"]:
                lines.append("")
    return style["eol"].join(lines) + style["eol"], style


def _case(entry: dict, n: int) -> tuple[str, dict, dict]:
    expected = json.loads((CORPUS / entry["expected"]).read_text())
    rng = random.Random(f"{entry['id']}/{n}")
    cells = _dotted(expected["cells"])
    if expected["template"] == "2021":
        cells.pop("applications.other", None)  # the 2021 table prints its three sub-rows
    labels: dict = {}
    for extra in rng.sample(LABEL_SETS[expected["template"]], 2):
        labels |= extra
    labels["heading.4"] = rng.choice(HEADINGS_4)
    opts: dict = {"labels": labels}
    reviews = {k: v for k, v in cells.items() if k.startswith("reviews_litigation.")}
    if not any(reviews.values()) and rng.random() < 0.7:
        opts["prose_sections"] = ["reviews_litigation"]
        opts["prose"] = {"4": [rng.choice(NIL_SENTENCES).format(y=expected["year"])]}
    spec = corpus.spec(entry["id"], expected["template"], expected["year"], expected["agency"], cells, **opts)
    text, style = one_cell_per_line(spec, rng)
    return text, style | {"labels": sorted(labels)[:6], "prose4": "prose_sections" in opts}, expected


CASES = [(e, n) for e in _text_reports() for n in range(4)]


@pytest.mark.parametrize(("entry", "n"), CASES, ids=[f"{e['id']}-{n}" for e, n in CASES])
def test_corpus_reports_one_cell_per_line(entry, n):
    text, style, expected = _case(entry, n)
    result = extract_document(text.encode())
    got = result.values()
    assert (result.template, result.year) == (expected["template"], expected["year"]), style
    wrong, nulls = [], []
    for section, rows in expected["cells"].items():
        for row, cols in rows.items():
            for col, value in cols.items():
                read = got[section].get(row, {}).get(col)
                if read is None:
                    nulls.append(f"{section}.{row}.{col}")
                elif read != value:
                    wrong.append((f"{section}.{row}.{col}", read, value))
    assert wrong == [], style
    # Every layout here is one the reader knows: nothing is left null either.
    assert nulls == [], (style, nulls[:5])
    assert result.status == "ok", (style, result.message)


def test_generator_varies_what_it_claims():
    styles = [_case(e, n)[1] for e, n in CASES]
    for key in ("indent", "blank_rows", "spans", "wrap", "eol", "prose4"):
        assert len({s[key] for s in styles}) > 1, key
    assert any("\r\n" in _case(e, n)[0] for e, n in CASES)


@pytest.mark.parametrize("blank", ["", "无", "\xa0"])
@pytest.mark.parametrize(("entry", "n"), CASES[::5], ids=[f"{e['id']}-{n}" for e, n in CASES[::5]])
def test_blank_cells_printed_as_nothing_never_shift_a_row(entry, n, blank):
    """A zero printed as an empty cell (or 无) leaves its row a value short: the row is null,
    never read with its numbers moved one column over."""
    expected = json.loads((CORPUS / entry["expected"]).read_text())
    cells = _dotted(expected["cells"])
    if expected["template"] == "2021":
        cells.pop("applications.other", None)
    spec = corpus.spec(entry["id"], expected["template"], expected["year"], expected["agency"], cells,
                       blank_zeros={"applications.*.research_institution": blank,
                                    "active_disclosure.*": blank,
                                    "reviews_litigation.litigation_direct.*": blank})
    text, style = one_cell_per_line(spec, random.Random(f"blank/{entry['id']}/{n}"))
    got = extract_document(text.encode()).values()
    wrong = [(s, r, c, got[s][r][c], v) for s, rows in expected["cells"].items() for r, cols in rows.items()
             for c, v in cols.items() if got[s].get(r, {}).get(c) is not None and got[s][r][c] != v]
    assert wrong == [], style


# ── A nil section 四 in prose, found by the document's headings ──────────────

SEC3_ROWS_SPACED = (
    "三、收到和处理政府信息公开申请情况\n"
    "申请人情况 自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计\n"
    "（七）总计 0 0 0 0 0 0 0\n"
    "四、结转下年度继续办理 0 0 0 0 0 0 0\n"
)
SEC3_ROWS_PER_LINE = (
    "三、收到和处理政府信息公开申请情况\n\t申请人情况\n\t自然人\n\t总计\n\n"
    "\t（七）总计\n" + "\t0\n" * 7 + "\n"
    "\t四、转结下年度继续办理\n" + "\t0\n" * 7 + "\n\n"
)
TAIL = "五、存在的主要问题及改进情况\n一是公开内容不够全面。\n六、其他需要报告的事项\n无。\n"


@pytest.mark.parametrize("sentence", [s.format(y=2020) for s in NIL_SENTENCES])
@pytest.mark.parametrize("heading", HEADINGS_4)
@pytest.mark.parametrize("table", [SEC3_ROWS_SPACED, SEC3_ROWS_PER_LINE])
def test_nil_section_4_after_a_row_that_starts_with_its_numeral(table, heading, sentence):
    text = table + heading + "\n" + sentence + "\n" + TAIL
    assert section_texts(text)["reviews_litigation"].splitlines()[0] == heading
    assert "结转下年度" not in section_texts(text)["reviews_litigation"]
    found = prose_zero_sections(text, {"reviews_litigation"})
    assert set(found) == {"reviews_litigation"}
    assert found["reviews_litigation"] in sentence


@pytest.mark.parametrize("gap", ["\n", "\n\n\t\n", "\n\t\n  \n"])
@pytest.mark.parametrize("sentence", NIL_SENTENCES[:3])
def test_nil_sentence_after_blank_cell_lines(gap, sentence):
    text = SEC3_ROWS_PER_LINE + HEADINGS_4[0] + gap + sentence.format(y=2021) + "\n" + TAIL
    assert set(prose_zero_sections(text, {"reviews_litigation"})) == {"reviews_litigation"}


def test_nil_sentence_on_the_heading_line():
    text = SEC3_ROWS_SPACED + "四、政府信息公开行政复议、行政诉讼情况：本年度未发生行政复议、行政诉讼。\n" + TAIL
    assert set(prose_zero_sections(text, {"reviews_litigation"})) == {"reviews_litigation"}


@pytest.mark.parametrize("speck", ["…", ".", "。", "：", "'", " · "])
def test_a_heading_read_from_a_scan_with_a_speck_before_it(speck):
    """OCR reads dust before a line as a mark; the heading is still a heading, and a word
    before the numeral still makes it no heading."""
    text = SEC3_ROWS_SPACED + speck + HEADINGS_4[0] + "\n" + NIL_SENTENCES[0].format(y=2022) + "\n" + TAIL
    assert set(prose_zero_sections(text, {"reviews_litigation"})) == {"reviews_litigation"}
    worded = SEC3_ROWS_SPACED + "详见" + HEADINGS_4[0] + "\n" + NIL_SENTENCES[0].format(y=2022) + "\n" + TAIL
    assert prose_zero_sections(worded, {"reviews_litigation"}) == {}


@pytest.mark.parametrize("line", [
    "本年度无行政复议，行政诉讼1件。",  # one of the two happened
    "本年度因政府信息公开被申请行政复议一起，无行政诉讼。",
    "没有发生行政诉讼，行政复议2件均维持。",
    "行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计 未经复议直接起诉 复议后起诉",
    "尚未审结",
    "4.无正当理由大量反复申请",
])
@pytest.mark.parametrize("table", [SEC3_ROWS_SPACED, SEC3_ROWS_PER_LINE])
def test_only_sentences_that_say_there_was_nothing(table, line):
    text = table + HEADINGS_4[0] + "\n" + line + "\n" + TAIL
    assert prose_zero_sections(text, {"reviews_litigation", "applications"}) == {}


def test_headings_come_in_order_and_name_their_subject():
    text = ("一、总体情况\n二、主动公开政府信息情况\n信息内容 本年制发件数\n"
            "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量 0 0 0 0 0 0 0\n"
            "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0\n三、本年度办理结果\n"
            "四、结转下年度继续办理 0 0 0 0 0 0 0\n四、政府信息公开行政复议、行政诉讼情况\n本年度无行政复议。\n" + TAIL)
    parts = section_texts(text)
    assert parts["active_disclosure"].splitlines() == ["二、主动公开政府信息情况", "信息内容 本年制发件数"]
    assert parts["applications"].splitlines()[-1] == "四、结转下年度继续办理 0 0 0 0 0 0 0"
    assert parts["reviews_litigation"].splitlines() == ["四、政府信息公开行政复议、行政诉讼情况", "本年度无行政复议。"]
    assert {"other:一", "other:五", "other:六"} <= set(parts)


def test_seed_text_with_a_nil_section_becomes_zeros_end_to_end():
    for wording in NIL_SENTENCES:
        text = SEED_TEXT.read_text().replace("本年度无因政府信息公开产生行政复议及行政诉讼件。", wording.format(y=2020))
        result = extract_document(text.encode())
        assert all(v == 0 for p in result.values()["reviews_litigation"].values() for v in p.values()), wording
        assert result.status == "ok", wording


@pytest.mark.parametrize("entry", [e for e in _text_reports() if "glued" not in e["id"]], ids=lambda e: e["id"])
def test_one_row_per_line_with_section_4_one_cell_per_line(entry):
    """A page whose section 四 row came out one cell per line while the rest kept one row per
    line: both shapes in one text are read."""
    raw = (CORPUS / entry["file"]).read_bytes()
    text = raw.decode("gbk") if "gbk" in entry["id"] else raw.decode("utf-8")
    lines: list[str] = []
    for line in text.splitlines():
        tokens = line.split()
        lines += tokens if len(tokens) == 15 and all(t.isdigit() for t in tokens) else [line]
    expected = json.loads((CORPUS / entry["expected"]).read_text())
    result = extract_document("\n".join(lines).encode())
    got = _dotted(result.values())
    assert {k: got.get(k) for k in _dotted(expected["cells"])} == _dotted(expected["cells"])
    assert result.status == "ok"
