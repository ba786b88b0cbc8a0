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

import threading
import time

from django.core.cache import cache
from django.db import transaction

# A version is kept a month after its last bump, then starts again from a fresh value
# (what was cached under the old one is simply drawn again): a million residents' personal
# versions do not stay in the cache for ever.
VERSION_SECONDS = 30 * 24 * 3600

_last_fresh = 0
_fresh_lock = threading.Lock()


def _fresh() -> int:
    """A new value for a version: microseconds since the epoch, and never the same value
    twice in this process.  A version's value only has to differ from every value it held
    before (fragments are kept under the exact value), so a bump is one `set`, and a
    version missing from the cache (never set, or evicted: a local-memory cache culls
    entries when full) starts from a value nothing was cached under."""
    global _last_fresh
    with _fresh_lock:
        _last_fresh = max(_last_fresh + 1, time.time_ns() // 1000)
        return _last_fresh


def named_version(name: str) -> int:
    """The version of one kind of shared content ("content": any published page;
    "deliberation": any topic): what is cached under it is dropped by
    `bump_named_version(name)` when that content changes."""
    key = f"portal:version:{name}"
    version = cache.get(key)
    if version is None:
        fresh = _fresh()
        cache.add(key, fresh, VERSION_SECONDS)
        version = cache.get(key, fresh)
    return version


def named_versions(*names: str) -> tuple[int, ...]:
    """Several named versions in one cache round trip (a fragment key names them all)."""
    keys = [f"portal:version:{name}" for name in names]
    found = cache.get_many(keys)
    if len(found) == len(keys):
        return tuple(found[k] for k in keys)
    return tuple(found.get(k) or named_version(n) for k, n in zip(keys, names, strict=True))


def bump_named_version(*names: str) -> None:
    """What is cached under these versions changed: one cache round trip for them all."""
    if names:
        cache.set_many({f"portal:version:{name}": _fresh() for name in names}, VERSION_SECONDS)


class _BumpAtCommit:
    """The on-commit callback of one transaction: the names it bumps, gathered."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump_named_version(*sorted(self.names))


def _bump_at_commit(names) -> None:
    conn = transaction.get_connection()
    # This transaction's callback, if it has one still to run (a rolled-back savepoint
    # drops the callbacks registered in it, and a new one is made; a test's
    # captureOnCommitCallbacks runs them without clearing the list).
    for _savepoints, func, _robust in conn.run_on_commit:
        if isinstance(func, _BumpAtCommit) and not func.done:
            func.names.update(names)
            return
    callback = _BumpAtCommit()
    callback.names.update(names)
    transaction.on_commit(callback)


def bump_after_write(*names: str) -> None:
    """A write changed what is cached under `names`: bump them now (later reads in the
    same transaction, and tests, which never commit, see the change) and again once the
    write commits (a reader who drew the fragment from the old rows in between is dropped
    too).  The bumps at commit of one transaction go in one round trip: a transaction
    that changes a resident's coins three times bumps their version once when it
    commits."""
    if names:
        bump_named_version(*names)
        _bump_at_commit(names)


def user_version(kind: str, user_pk) -> str:
    """The name of one person's version of `kind` ("coins", "requests", "registrations",
    "memberships": their roles and account flags)."""
    return f"user-{kind}:{user_pk}"


def bump_user_versions(kind: str, *user_pks) -> None:
    """A write changed `kind` for these people (None and repeats are skipped): bump each
    one's version now and once the write commits (`bump_after_write`)."""
    bump_after_write(*(user_version(kind, pk) for pk in dict.fromkeys(user_pks) if pk is not None))
