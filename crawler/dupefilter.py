"""Scrapy's duplicate filter, except for report pages and attachments.

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
    def request_seen(self, request: Request) -> bool:
        if any(request.meta.get(k) for k in EXEMPT):
            return False
        return super().request_seen(request)
