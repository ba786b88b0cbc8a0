"""iCalendar (RFC 5545) by hand: CRLF line ends, TEXT escaping and 75-octet folding."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

PRODID = "-//Community Hall//Deliberation//ZH"


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        (text or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = ch, n, 74  # continuation lines start with one space
        else:
            current += ch
            size += n
    out.append(current)
    return "\r\n ".join(out)


def utc(dt: datetime.datetime) -> str:
    return dt.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _domain() -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "http://localhost"
    return base.split("://", 1)[-1].split("/", 1)[0] or "localhost"


def event_lines(session, *, base_url: str = "") -> list[str]:
    location = session.place or session.online_url
    description = session.description
    if session.online_url:
        description = f"{description}\n{session.online_url}".strip()
    lines = [
        "BEGIN:VEVENT",
        f"UID:deliberation-session-{session.pk}@{_domain()}",
        f"DTSTAMP:{utc(session.created_at or timezone.now())}",
        f"DTSTART:{utc(session.starts_at)}",
        f"DTEND:{utc(session.ends_at)}",
        f"SUMMARY:{escape(session.title)}",
    ]
    if location:
        lines.append(f"LOCATION:{escape(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape(description)}")
    if base_url:
        lines.append(f"URL:{base_url}{session.get_absolute_url()}")
    lines.append("END:VEVENT")
    return lines


def calendar(sessions: Iterable, *, name: str = "", base_url: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape(name)}")
    for session in sessions:
        lines.extend(event_lines(session, base_url=base_url))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
