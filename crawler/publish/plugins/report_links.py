"""Link report ids in query results (canned queries, arbitrary SQL) to the report's row page.

Datasette links foreign keys on table pages by itself, but a query result is just values: the
canned queries in metadata.yml name every report id column `report_id` or `prev_report_id`, and
this hook turns such a value into a link to /archive/reports/<id>.
"""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape

REPORT_ID_COLUMNS = {"report_id", "prev_report_id"}


@hookimpl
def render_cell(value, column, table, database, datasette):
    if table is not None or column not in REPORT_ID_COLUMNS or database != "archive":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    url = datasette.urls.row(database, "reports", str(value))
    return Markup(f'<a href="{escape(url)}">{value}</a>')
