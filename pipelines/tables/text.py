"""Text normalisation shared by every label and number matcher.

Reports mix full- and half-width forms, curly and straight quotes, non-breaking and
ideographic spaces, and line breaks inside labels. Matching happens on one canonical form
so that a variant never silently falls through to "unknown row".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection

# Deleted by a regex, not str.translate: translate looks every character of a Chinese string
# up in its table, 5-15x slower on the labels and joined rows each report brings anew.
_INVISIBLE_RE = re.compile("[" + re.escape("\u200b\u200c\u200d\u2060\ufeff\u00ad") + "]")
_QUOTES_RE = re.compile("[" + re.escape("\"'“”‘’「」『』〝〞") + "]")
_SPACE_RE = re.compile(r"\s+")


# Reports repeat the same few thousand labels and numbers: normalising each once per process
# takes these functions off the profile (bench/performance.py). Bounded, so memory stays flat.
_cached = functools.lru_cache(maxsize=32768)


@_cached
def clean_cell(text: str | None) -> str:
    """A cell's printed text as a reader sees it: invisible characters gone, runs of
    whitespace (including &nbsp; and U+3000) collapsed to one space."""
    if not text:
        return ""
    text = _INVISIBLE_RE.sub("", text).replace("\u00a0", " ").replace("\u3000", " ")
    return _SPACE_RE.sub(" ", text).strip()


@_cached
def label_key(text: str | None) -> str:
    """The form labels are compared in: NFKC (full-width → half-width), no whitespace, no
    quotes. Two labels that differ only in those respects compare equal."""
    text = unicodedata.normalize("NFKC", clean_cell(text))
    text = _QUOTES_RE.sub("", text)
    return _SPACE_RE.sub("", text)


# First characters before which NFKC never joins anything to what precedes them: each
# decomposes to a starter that is never the second of a composition (tests/test_text.py checks
# every one). ASCII, general and CJK punctuation, CJK ideographs, full-width forms.
_STABLE_START_RE = re.compile("[\x00-\x7f\u2010-\u2027\u3000-\u3029\u4e00-\u9fff\uff01-\uff5e]")


@_cached
def _stable_key(text: str) -> str | None:
    """label_key(text), or None if NFKC could join its first character to one before it."""
    return label_key(text) if not text or _STABLE_START_RE.match(text) else None


def joined_key(texts: Collection[str]) -> str:
    """label_key("".join(texts)), from the texts' own cached keys where that is the same.

    A row or table joined whole is new in every report (its numbers are), so its key missed
    the cache every time; its cells' keys repeat. Every step of label_key but NFKC works
    character by character, and NFKC does too across a boundary before a stable character."""
    keys = list(map(_stable_key, texts))
    if None in keys:
        return label_key("".join(texts))
    return "".join(keys)


# A digit set right against the label ("3其他") is numbering whose point OCR dropped, or
# the writer did: a label never opens with a count. Full-width forms too, for labels as
# printed (a label_key has none).
_NUMBERING_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.,，．]|[(（]?[一二三四五六七八九十]+[)）]|\d+[.、,，．)）]|[(（]\d+[)）]"
    r"|\d{1,2}(?=[\u4e00-\u9fff]))+"
)


@_cached
def strip_numbering(key: str) -> str:
    """Drop leading list numbering ("三、", "(一)", "1.", "1、", "3其他") from a label_key
    (or a label as printed)."""
    return _NUMBERING_RE.sub("", key)
