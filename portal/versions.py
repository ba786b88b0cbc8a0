"""Named versions of shared content: what is cached under a version ("content": any
published page; "deliberation": any deliberation record; "areas": the area tree and its
organisations) is dropped by bumping it when that content changes.  Kept apart from
portal.pagecache so the permission and scoping modules read them without importing the
page cache (and its middleware).

A version may also be one person's (`user_version("coins", pk)`: "user-coins:12"): the
personal home panels (portal/dashboard.py) are kept under their reader's own versions,
which every write that changes what a panel shows bumps.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction


def _fresh() -> int:
    """The first value of a version that is not in the cache (never set, or evicted: a
    local-memory cache culls entries when full): microseconds since the epoch, so larger
    than any value it held before, and nothing cached under an old value is read again."""
    return time.time_ns() // 1000


def named_version(name: str) -> int:
    """The version of one kind of shared content ("content": any published page;
    "deliberation": any topic): what is cached under it is dropped by
    `bump_named_version(name)` when that content changes."""
    key = f"portal:version:{name}"
    version = cache.get(key)
    if version is None:
        fresh = _fresh()
        cache.add(key, fresh, None)
        version = cache.get(key, fresh)
    return version


def named_versions(*names: str) -> tuple[int, ...]:
    """Several named versions in one cache round trip (a fragment key names them all)."""
    keys = [f"portal:version:{name}" for name in names]
    found = cache.get_many(keys)
    if len(found) == len(keys):
        return tuple(found[k] for k in keys)
    return tuple(found.get(k) or named_version(n) for k, n in zip(keys, names, strict=True))


def bump_named_version(name: str) -> None:
    try:
        cache.incr(f"portal:version:{name}")
    except ValueError:
        cache.set(f"portal:version:{name}", _fresh(), None)


def bump_after_write(name: str) -> None:
    """A write changed what is cached under `name`: bump it now (later reads in the same
    transaction, and tests, which never commit, see the change) and again once the write
    commits (a reader who drew the fragment from the old rows in between is dropped too)."""
    bump_named_version(name)
    transaction.on_commit(lambda: bump_named_version(name))


def user_version(kind: str, user_pk) -> str:
    """The name of one person's version of `kind` ("coins", "requests", "registrations",
    "memberships": their roles and account flags)."""
    return f"user-{kind}:{user_pk}"


def bump_user_versions(kind: str, *user_pks) -> None:
    """A write changed `kind` for these people (None and repeats are skipped): bump each
    one's version now and once the write commits (`bump_after_write`)."""
    for pk in dict.fromkeys(pk for pk in user_pks if pk is not None):
        bump_after_write(user_version(kind, pk))
