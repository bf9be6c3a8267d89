"""Scrapy's duplicate filter, in memory only, and never for report pages and attachments.

Whether a report is known is decided by the archive database (one transaction per report,
see IncrementalMiddleware), not by a seen-set: after a killed run, a JOBDIR's seen-set may
hold a report that was never stored, and a filtered attachment would stop its report's item
from ever being yielded. Those requests keep `dont_filter` False so the offsite check still
applies to them (Scrapy skips it for dont_filter requests)."""

from __future__ import annotations

from scrapy.dupefilters import RFPDupeFilter
from scrapy.http import Request

EXEMPT = ("govreports_report", "govreports_attachment")


class ArchiveDupeFilter(RFPDupeFilter):
    def __init__(self, path: str | None = None, debug: bool = False, **kwargs: object) -> None:
        # The seen-set is kept in memory only, never in a JOBDIR: after a SIGKILL it would list
        # requests (list pages, dataproxy groups) that never completed and drop them on resume.
        # A resumed run refetches its list pages instead; the archive skips known reports and
        # the spiders bound and de-duplicate their own pagination.
        super().__init__(None, debug, **kwargs)

    def request_seen(self, request: Request) -> bool:
        if any(request.meta.get(k) for k in EXEMPT):
            return False
        return super().request_seen(request)
