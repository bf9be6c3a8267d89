"""Property-based tests (hypothesis) of the pure parsing pieces: the HTML grid builder, the
label matcher, the number parser and the document sniffer. Each property is something that
must hold for any input, hostile or not."""

from __future__ import annotations

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.documents.html import decode_html, table_grid
from pipelines.documents.sniff import sniff_format
from pipelines.tables.normalize import _match_application_row
from pipelines.tables.text import label_key
from pipelines.tables.textgrid import _row_total_ok, solve_glued
from pipelines.tables.values import parse_value

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

cell = st.fixed_dictionaries({
    "text": st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&\0"), max_size=8),
    "rowspan": st.integers(min_value=-3, max_value=6),
    "colspan": st.integers(min_value=-3, max_value=6),
})
table = st.lists(st.lists(cell, min_size=0, max_size=6), min_size=1, max_size=8)


def render(rows) -> str:
    body = "".join("<tr>" + "".join(f'<td rowspan="{c["rowspan"]}" colspan="{c["colspan"]}">{c["text"]}</td>' for c in r) + "</tr>"
                   for r in rows)
    return f"<table>{body}</table>"


@FAST
@given(table)
def test_grid_is_rectangular_and_holds_only_cell_texts(rows):
    grid, origin = table_grid(lxml.html.fragment_fromstring(render(rows)))
    widths = {len(r) for r in grid}
    assert len(widths) <= 1
    texts = {label_key(c["text"]) for r in rows for c in r} | {""}
    assert all(label_key(v) in texts for r in grid for v in r)
    # Every filled position belongs to exactly one source cell.
    assert all(0 <= o < sum(len(r) for r in rows) for o in origin.values())


@FAST
@given(st.text(max_size=40))
def test_number_parser_never_raises_and_is_honest(text):
    pv = parse_value(text)
    assert (pv.value is None) == (pv.reason is not None)
    if pv.value is not None and not pv.was_blank:
        # A number read must be in the printed text (digits are not invented).
        digits = "".join(ch for ch in str(abs(pv.value)).replace(".0", "") if ch.isdigit())
        printed = "".join(ch for ch in __import__("unicodedata").normalize("NFKC", text) if ch.isdigit())
        assert digits.lstrip("0") in printed.lstrip("0") or digits == "0"


@FAST
@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["", "+", "-"]), st.sampled_from(["", "元", "万元", "件"]))
def test_number_parser_reads_printed_integers(n, sign, unit):
    pv = parse_value(f"{sign}{n}{unit}")
    assert pv.value == (-n if sign == "-" else n)
    assert pv.unit == (unit or None)


@FAST
@given(st.lists(st.text(max_size=30), max_size=4))
def test_label_matcher_never_raises(labels):
    key = _match_application_row(labels)
    assert key is None or isinstance(key, str)


@FAST
@given(st.binary(max_size=2048))
def test_sniffer_is_total(data):
    assert sniff_format(data) in {"pdf", "docx", "xlsx", "zip", "ole2", "ofd", "html", "text", "empty", "binary"}


@FAST
@given(st.binary(max_size=4096), st.sampled_from([None, "text/html; charset=gbk", "text/html; charset=bogus"]))
def test_decoder_is_total(data, content_type):
    text, enc = decode_html(data, content_type)
    assert isinstance(text, str) and enc


@FAST
@given(st.lists(st.integers(min_value=0, max_value=999), min_size=6, max_size=6))
def test_glued_split_is_right_whenever_it_answers(values):
    row = [*values, sum(values)]
    digits = "".join(map(str, row))
    got, _ = solve_glued(digits, 7, _row_total_ok)
    # It may refuse (several splits add up), but an answer is always the printed row.
    assert got is None or got == row
