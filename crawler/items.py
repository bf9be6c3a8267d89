"""What a spider hands to the pipelines: one report page and the files attached to it,
as fetched (bytes, not decoded text, so the archive keeps the original encoding)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Attachment:
    url: str  # as linked from the page
    final_url: str  # after redirects (Hanweb downfile.jsp answers 302)
    filename: str | None  # display name from showname=, the link text or Content-Disposition
    body: bytes = b""
    content_type: str | None = None
    error: str | None = None


@dataclass
class ReportPage:
    site_id: str
    platform: str
    url: str
    list_url: str
    title: str  # as listed in the column
    list_date: str | None
    body: bytes
    content_type: str | None
    fetched_at: str
    attachments: list[Attachment] = field(default_factory=list)
