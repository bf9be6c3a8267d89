"""Spidermon monitors run when a site's crawl closes. A failure is recorded on the run
(crawl_runs.monitor_failures) and makes `govreports crawl` exit non-zero, so a scheduler
notices a site that silently stopped yielding reports."""

from __future__ import annotations

import json

import sqlite_utils
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy.monitors import FinishReasonMonitor, ItemValidationMonitor
from spidermon.core.actions import Action

from pipelines.store import open_db

from .writer import writer_for


def _site_id(monitor) -> str | None:
    return (getattr(monitor.data.spider, "site", None) or {}).get("id")


@monitors.name("Reports found")
class ReportsFoundMonitor(Monitor):
    @monitors.name("A site that had reports still lists some")
    def test_site_with_reports_still_lists_reports(self):
        stats = self.data.stats
        if stats.get("govreports/blocked"):
            self.skipTest("site blocked: recorded separately")
        settings = self.data.crawler.settings
        with open_db(settings.get("GOVREPORTS_DB")) as db:
            archived = next(db.query("select count(*) as n from reports where site_id = ?", [_site_id(self)]))["n"]
        found = stats.get("govreports/report_links", 0)
        self.assertFalse(archived and not found,
                         msg=f"the archive holds {archived} reports of this site, but its column listed none")


@monitors.name("Pagination")
class PaginationMonitor(Monitor):
    @monitors.name("Every announced list page was fetched")
    def test_all_list_pages_fetched(self):
        stats = self.data.stats
        announced = stats.get("govreports/list_pages_announced", 0)
        fetched = stats.get("govreports/list_pages_fetched", 0)
        self.assertGreaterEqual(fetched, announced,
                                msg=f"pagination stopped early: {fetched} of {announced} list pages")

    @monitors.name("Every announced record was listed")
    def test_all_records_listed(self):
        stats = self.data.stats
        announced = stats.get("govreports/records_announced", 0)
        seen = stats.get("govreports/records_seen", 0)
        self.assertGreaterEqual(seen, announced,
                                msg=f"pagination stopped early: {seen} of {announced} records")


class RecordMonitorResults(Action):
    """Write the failed monitors onto the site's latest crawl run: through the crawl's writer
    thread, after the run's row the pipeline queued there when the site closed."""

    def run_action(self):
        failures = [f"{r.monitor.name}: {r.reason}" for r in self.result.monitors_failed_results]
        db_path = self.data.crawler.settings.get("GOVREPORTS_DB")
        writer_for(db_path).fire(record_monitor_failures, _site_id(self), failures)


def record_monitor_failures(db: sqlite_utils.Database, site_id: str | None, failures: list[str]) -> None:
    """The failed monitors, on the site's latest crawl run (in the writer thread)."""
    rows = list(db.query("select id from crawl_runs where sites = ? order by id desc limit 1", [site_id]))
    if rows:
        db["crawl_runs"].update(rows[0]["id"], {"monitor_failures": json.dumps(failures, ensure_ascii=False)})


class SpiderCloseMonitorSuite(MonitorSuite):
    monitors = [ReportsFoundMonitor, PaginationMonitor, ItemValidationMonitor, FinishReasonMonitor]
    monitors_finished_actions = [RecordMonitorResults]
