"""Fixed-window rate limits for the Open311 API, counted in the default cache.

`cache.add` + `cache.incr` are atomic on Redis and within one LocMem process, so two
workers cannot both take the last slot of a window on Redis.  Limits are settings:
`OPEN311_RATE_LIMIT_ADDRESS` (every call, per client address) and
`OPEN311_RATE_LIMIT_KEY` (every POST, per api_key), each `(requests, seconds)`; a limit
of 0 switches that one off.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .formats import Open311Error


def hit(scope: str, ident: str, limit: int, window: int, now: float | None = None) -> int | None:
    """Count one call; the seconds until the window ends when over the limit, else None."""
    if limit <= 0 or window <= 0:
        return None
    now = int(now if now is not None else time.time())
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"open311:rl:{scope}:{digest}:{now // window}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, window - now % window)
    return None


def _limit(name: str) -> tuple[int, int]:
    limit, window = getattr(settings, name, (0, 60))
    return int(limit), int(window)


def check(scope: str, ident: str) -> None:
    """Raise a 429 Open311 error when `ident` is over the `scope` limit."""
    limit, window = _limit(
        "OPEN311_RATE_LIMIT_KEY" if scope == "key" else "OPEN311_RATE_LIMIT_ADDRESS"
    )
    wait = hit(scope, ident, limit, window)
    if wait is not None:
        raise Open311Error(
            429,
            _("Too many requests; try again in %(seconds)s seconds.") % {"seconds": wait},
            headers={"Retry-After": str(wait)},
        )
