"""Running many sites in one process, a bounded number at a time."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import CrawlerProcess
from twisted.internet.defer import Deferred, DeferredSemaphore, succeed


class BoundedCrawlerProcess(CrawlerProcess):
    """A CrawlerProcess that crawls at most `limit` sites at once and starts the next as one
    finishes. Memory then depends on `limit`, not on the size of the registry (100 sites at
    once held 1.1 GB in bench/performance.py). After Ctrl-C no further site is started."""

    stopping = False

    def stop(self) -> Deferred[Any]:
        self.stopping = True
        return super().stop()

    def crawl_bounded(self, jobs: list[tuple[type, dict]], limit: int) -> None:
        """Queue `(spider class, crawl kwargs)` jobs; `start()` then runs them, `limit` at a
        time (`join`, which `start` waits on, sees each next crawl before the last one ends)."""
        semaphore = DeferredSemaphore(max(1, limit))

        def start(spidercls: type, kwargs: dict) -> Deferred[Any]:
            return succeed(None) if self.stopping else self.crawl(spidercls, **kwargs)

        for spidercls, kwargs in jobs:
            semaphore.run(start, spidercls, kwargs)
