"""Measurements of the pipeline (not tests: they report numbers and always exit 0)."""
