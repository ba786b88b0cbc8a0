"""Hostile input, refused where it enters: ids, integers, dates and text from requests.

One place for the limits the database sets, so a 25-digit id, a capacity of 2**31, a
30 February or a NUL byte is answered with a 404 or a translated refusal, never a
server error (OverflowError on SQLite, DataError on PostgreSQL).

- `IdConverter` (registered as `<id:...>` by PortalConfig.ready) matches only ids that fit
  a bigint primary key; anything longer is a 404 before the view runs.
- `parse_id` / `parse_ids` read ids from query strings and posted lists the same way.
- `int_validators` bound an integer model field to its column; `date_validators` keep
  dates and datetimes inside the years the database and timezone conversions handle.
- `parse_datetime_param` reads a W3C datetime (the Open311 API, filters) or says no.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.deconstruct import deconstructible
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

BIGINT_MAX = 2**63 - 1  # BigAutoField / BigIntegerField
INT_MAX = 2**31 - 1  # IntegerField / PositiveIntegerField
SMALLINT_MAX = 2**15 - 1  # PositiveSmallIntegerField

# Dates people may type: wide enough for any birth date or plan, narrow enough that
# moving a value across time zones (UTC storage, Asia/Shanghai display) cannot leave
# the range Python and the databases accept.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)

NUL = "\x00"


def parse_id(value) -> int | None:
    """A positive id that fits a bigint column, from ASCII digits only, else None.

    `str.isdigit()` is not enough: it accepts "²" and "٣", which `int()` then refuses.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= BIGINT_MAX else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 19 or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= BIGINT_MAX else None


def parse_ids(values) -> list[int]:
    """The valid ids among `values` (in order, without repeats); the rest are ignored."""
    seen: dict[int, None] = {}
    for value in values:
        number = parse_id(value)
        if number is not None:
            seen.setdefault(number, None)
    return list(seen)


class IdConverter:
    """`<id:pk>`: like `<id:pk>`, but an id beyond a bigint is no match (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def int_validators(max_value: int = INT_MAX, min_value: int = 0) -> list:
    """Validators that keep an integer field inside its column, with a translated message."""
    return [
        MinValueValidator(
            min_value, message=_("Enter a whole number of at least %(limit_value)s.")
        ),
        MaxValueValidator(
            max_value, message=_("Enter a whole number no larger than %(limit_value)s.")
        ),
    ]


@deconstructible
class DateRangeValidator:
    """Refuse dates (and datetimes) outside EARLIEST_DATE … LATEST_DATE."""

    message = _("Enter a date between %(earliest)s and %(latest)s.")
    code = "date_out_of_range"

    def __call__(self, value) -> None:
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        if not (EARLIEST_DATE <= day <= LATEST_DATE):
            raise ValidationError(
                self.message,
                code=self.code,
                params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, DateRangeValidator)

    def __hash__(self) -> int:
        return hash(DateRangeValidator)


validate_date_range = DateRangeValidator()


def parse_datetime_param(value: str) -> dt.datetime | None:
    """A W3C/ISO 8601 datetime from a query string, timezone-aware, else None.

    None for text that is not a datetime, for impossible dates (30 February) and for
    years outside EARLIEST_DATE … LATEST_DATE; a naive value is read in the current zone.
    """
    if not isinstance(value, str) or NUL in value or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except (ValueError, OverflowError):
        return None
    if parsed is None:
        return None
    if not (EARLIEST_DATE <= parsed.date() <= LATEST_DATE):
        return None
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return parsed


def has_nul(value) -> bool:
    return isinstance(value, str) and NUL in value


def safe_next(request, *candidates: str | None, default: str = "/") -> str:
    """The first of `candidates` (a posted `next`, the Referer…) that is a path or URL on
    this site, else `default`.  Every "go back to where you were" reads its target here:
    anything else is an open redirect, and a bare word would be taken for a URL name."""
    for target in candidates:
        if not target or "\x00" in target:
            continue
        if url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ) and target.startswith(("/", "http://", "https://")):
            return target
    return default


def client_address(request) -> str:
    """The client's address, read the one way every rate limit reads it: REMOTE_ADDR, or,
    behind `PORTAL_TRUSTED_PROXIES` proxies, the X-Forwarded-For hop the nearest of them
    added (a client cannot forge the hops our own proxies append)."""
    proxies = getattr(settings, "PORTAL_TRUSTED_PROXIES", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
