"""Hostile PDFs (text and scanned) for the corpus of tests/hostile/build.py: built here so that
their generators stay beside each other."""

from __future__ import annotations


def pdf_cases() -> dict[str, tuple[bytes, dict]]:
    """name → (bytes, expectation), in the shape of build.cases()."""
    return {}
