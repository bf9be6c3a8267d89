"""Scrapy settings: polite by default. Every value can be overridden per run
(`govreports crawl -s NAME=VALUE`) or by environment (GOVREPORTS_*)."""

import os

# A module, not its names: Scrapy takes every upper-case name here for a setting.
from pipelines import budgets

BOT_NAME = "govreports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify ourselves: site operators should be able to see who is fetching and why.
# Operators should set GOVREPORTS_CONTACT (a URL or e-mail) so a site can reach them.
USER_AGENT = os.environ.get(
    "GOVREPORTS_USER_AGENT",
    "govreports/0.1 (archive of government information-disclosure annual reports"
    + (f"; +{os.environ['GOVREPORTS_CONTACT']}" if os.environ.get("GOVREPORTS_CONTACT") else "")
    + ")",
)
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
CONCURRENT_REQUESTS = 8
# Responses a site may have waiting to be read and stored before its downloads pause (Scrapy's
# default is 5 MB): with storage the slower stage, 16 sites × 5 MB of pages plus what they
# extract to held 450 MB at 5,000 reports (bench/performance.py). Backpressure, not buffering.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts this many tasks for the output of every response (default 100); a page yields
# one report item or a page of links, so 100 idle tasks a response were a sixth of the crawl
# thread's time (py-spy over bench/performance.py).
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = float(os.environ.get("GOVREPORTS_DOWNLOAD_DELAY", "1"))
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry, doubling each time
RETRY_BACKOFF_MAX = 60.0
DOWNLOAD_TIMEOUT = 60
# Reports are small: no one response may exceed one document's budget (pipelines/budgets.py).
DOWNLOAD_MAXSIZE = budgets.DOCUMENT_BYTES.limit
DOWNLOAD_WARNSIZE = budgets.DOCUMENT_BYTES.limit // 4
# What one report page and one list page may cost the crawl (crawler/spiders/base.py); the
# budgets' figures by default, smaller ones in tests.
GOVREPORTS_MAX_ATTACHMENTS = budgets.ATTACHMENTS_PER_REPORT.limit
GOVREPORTS_MAX_REPORT_BYTES = budgets.REPORT_BYTES.limit
GOVREPORTS_MAX_LIST_PAGE_BYTES = budgets.LIST_PAGE_BYTES.limit
GOVREPORTS_MAX_LIST_LINKS = budgets.LIST_LINKS.limit
# Only http(s) is fetched: a hostile page's file:// link would have Scrapy read the crawler's
# own disk (the host of a file URL is ignored), and data:, s3:// and ftp:// reach past the
# site. SchemeMiddleware below refuses them too, with a stat.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}
MEDIA_ALLOW_REDIRECTS = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = os.environ.get("GOVREPORTS_LOG_LEVEL", "INFO")

ITEM_PIPELINES = {
    "spidermon.contrib.scrapy.pipelines.ItemValidationPipeline": 200,
    "crawler.archiving.ArchivePipeline": 300,
}

# Run checks when each site's crawl closes (crawler/monitors.py).
SPIDERMON_ENABLED = True
EXTENSIONS = {"spidermon.contrib.scrapy.extensions.Spidermon": 500}
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.SpiderCloseMonitorSuite"]
SPIDERMON_VALIDATION_SCHEMAS = [os.path.join(os.path.dirname(__file__), "schemas", "report_page.json")]
SPIDERMON_MAX_ITEM_VALIDATION_ERRORS = 0
# "blocked" is an outcome we record (sites.status), not a broken run.
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "blocked"]
# process_response runs from the highest number down: the WARC sees bytes as they came off
# the wire; blocking and incremental logic see them decompressed, before retries.
DOWNLOADER_MIDDLEWARES = {
    # process_request from the lowest number up: a non-http(s) request is refused before any
    # other middleware sees it, redirects and meta refreshes included (they come back
    # through the whole chain as new requests).
    "crawler.middlewares.SchemeMiddleware": 40,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.WarcMiddleware": 950,
    "crawler.middlewares.BlockingMiddleware": 587,
    "crawler.middlewares.IncrementalMiddleware": 585,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 580,
}
# Known reports are skipped; set to re-request them (conditionally) and catch changed ones.
GOVREPORTS_REVALIDATE = os.environ.get("GOVREPORTS_REVALIDATE", "") in ("1", "true", "yes")
GOVREPORTS_CONTACT = os.environ.get("GOVREPORTS_CONTACT", "")
# Worker processes that read documents off the crawl's event loop (crawler/workers.py), for
# HTML/DOCX and for PDF/DOC/WPS/OCR separately (0 = one less than the CPU count).
GOVREPORTS_EXTRACT_WORKERS = int(os.environ.get("GOVREPORTS_EXTRACT_WORKERS", "0"))
GOVREPORTS_CONVERT_WORKERS = int(os.environ.get("GOVREPORTS_CONVERT_WORKERS", "0"))
# Sites crawled at once in one process; the next starts as one finishes. Memory grows with
# this, not with the registry; throughput too, when sites are polite (one request a second).
GOVREPORTS_CONCURRENT_SITES = int(os.environ.get("GOVREPORTS_CONCURRENT_SITES", "16"))

# Where the archive lives; `govreports crawl --db/--data-dir` set these.
GOVREPORTS_DATA_DIR = os.environ.get("GOVREPORTS_DATA_DIR", "data")
GOVREPORTS_DB = os.environ.get("GOVREPORTS_DB", os.path.join(GOVREPORTS_DATA_DIR, "archive.db"))

FEED_EXPORT_ENCODING = "utf-8"
DUPEFILTER_CLASS = "crawler.dupefilter.ArchiveDupeFilter"
