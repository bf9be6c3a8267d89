"""Label normalisation: the key a label is matched by, and the shortcut for joined rows."""

from __future__ import annotations

import random
import unicodedata

import pytest

from pipelines.tables.text import (
    _STABLE_START_RE,
    clean_cell,
    joined_key,
    label_key,
    strip_numbering,
)


def test_label_key_ignores_width_spacing_quotes_and_invisible_characters() -> None:
    assert label_key("（一）予以公开") == label_key("(一) 予以\u3000公开") == "(一)予以公开"
    assert label_key("危及“三安全一稳定”") == label_key('危及"三安全一稳定"\u200b') == "危及三安全一稳定"
    assert clean_cell(" 本年\u00a0新收\n申请 ") == "本年 新收 申请"


def _composition_seconds() -> set[str]:
    """Every character that is the second of a canonical composition pair (Hangul aside)."""
    seconds = set()
    for i in range(0x110000):
        parts = unicodedata.decomposition(chr(i)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    return seconds


def test_stable_first_characters_never_join_what_precedes_them() -> None:
    seconds = _composition_seconds()
    assert "\u0301" in seconds  # the scan finds combining marks
    stable = [chr(i) for i in range(0x10000) if _STABLE_START_RE.match(chr(i))]
    assert len(stable) > 20000
    for ch in stable:
        first = unicodedata.normalize("NFKD", ch)[0]
        assert unicodedata.combining(ch) == 0 and unicodedata.combining(first) == 0, hex(ord(ch))
        assert ch not in seconds and first not in seconds, hex(ord(ch))
        assert not 0x1161 <= ord(first) <= 0x11C2, hex(ord(ch))  # Hangul vowels and finals compose too


# Characters that stress every step of label_key at a cell boundary: combining marks, Hangul
# jamo, half-width kana and their voiced marks, compatibility forms, quotes, spaces, invisibles.
_ALPHABET = list(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\"'“”‘’「」『』〝〞 \t\n\u3000\u00a0\u2003"
    "ab1（）、。，申请０ｶﾞﾟ\u0301\u0308\u1100\u1161\u11a8가eAÅ\ufb01①㍿\u3099か"
)


def test_joined_key_is_the_key_of_the_joined_text() -> None:
    rng = random.Random(7)
    fallbacks = 0
    for _ in range(50_000):
        texts = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 5))]
        assert joined_key(texts) == label_key("".join(texts)), texts
        fallbacks += any(t and not _STABLE_START_RE.match(t) for t in texts)
    assert 5_000 < fallbacks < 45_000  # both ways were taken


def test_joined_key_joins_across_cells_where_nfkc_would() -> None:
    # A half-width voiced mark opening a cell joins the kana closing the one before.
    assert joined_key(["ｶ", "ﾞ"]) == label_key("ｶﾞ") == "ガ"
    assert joined_key(dict.fromkeys(["（二）", "部分公开", "0", "0"])) == "(二)部分公开0"


@pytest.mark.parametrize(("label", "stripped"), [
    ("三、本年度办理结果", "本年度办理结果"), ("(一)予以公开", "予以公开"), ("1.属于国家秘密", "属于国家秘密"),
    ("3其他", "其他"), ("5要求行政机关确认或重新出具已获取信息", "要求行政机关确认或重新出具已获取信息"),
    ("(六)3其他", "其他"), ("2019年新收", "2019年新收"), ("12345", "12345")])
def test_numbering_is_stripped_with_or_without_its_point(label: str, stripped: str) -> None:
    # OCR drops the point of a short "3.其他"; a year or a number is no numbering.
    assert strip_numbering(label_key(label)) == stripped
