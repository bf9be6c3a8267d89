"""The home page's figures: what the archive holds, computed when the page is shown."""

from __future__ import annotations

from datasette import hookimpl

STATS = """
select
  (select count(*) from reports where is_latest = 1) as reports,
  (select count(*) from (select distinct site_id, agency from reports where is_latest = 1)) as bodies,
  (select min(year) from reports where is_latest = 1) as first_year,
  (select max(year) from reports where is_latest = 1) as last_year,
  (select count(distinct province) from reports where is_latest = 1) as provinces,
  (select sum(t.new_received) from report_totals t join reports r on r.id = t.report_id
    where r.is_latest = 1) as received
"""


@hookimpl
def extra_template_vars(template, datasette):
    if template != "index.html":
        return {}

    async def archive_stats():
        try:
            db = datasette.get_database("archive")
            row = (await db.execute(STATS)).first()
        except Exception:  # no archive database, or an older schema: the page works without
            return {"archive_stats": None}
        return {"archive_stats": dict(row) if row else None}

    return archive_stats
