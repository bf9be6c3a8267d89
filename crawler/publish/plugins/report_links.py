"""Links in the archive's pages: every report id to its report, every file hash to its original.

Datasette links foreign keys on table pages by itself, but a query result or a view is just
values: the canned queries in metadata.yml and the views name every report id column
`report_id` or `prev_report_id`, and this hook turns such a value into a link to
/archive/reports/<id>. A SHA-256 of an archived file (files.sha256, reports.sha256 and
page_sha256, report_files.sha256) links both to its `files` row and to the original itself,
served by originals.py at /-/original/<sha256>.
"""

from __future__ import annotations

import re

from datasette import hookimpl
from markupsafe import Markup, escape

REPORT_ID_COLUMNS = {"report_id", "prev_report_id"}
# Views have no foreign keys for Datasette to follow.
VIEWS = {"report_summary", "applications_wide", "site_health"}
SHA_COLUMNS = {
    None: {"sha256", "page_sha256"},
    "files": {"sha256"},
    "reports": {"sha256", "page_sha256"},
    "report_files": {"sha256"},
}
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database != "archive":
        return None
    if column in REPORT_ID_COLUMNS and (table is None or table in VIEWS):
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        url = datasette.urls.row(database, "reports", str(value))
        return Markup(f'<a href="{escape(url)}">{value}</a>')
    if column in SHA_COLUMNS.get(table, ()) and isinstance(value, str) and SHA256.match(value):
        row = datasette.urls.row(database, "files", value)
        original = datasette.urls.path(f"-/original/{value}")
        return Markup(f'<a href="{escape(row)}" title="{value}">{value[:12]}…</a> '
                      f'<a href="{escape(original)}">原件 / original</a>')
    return None
