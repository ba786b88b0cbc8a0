"""Named versions of shared content: what is cached under a version ("content": any
published page; "deliberation": any deliberation record; "areas": the area tree and its
organisations) is dropped by bumping it when that content changes.  Kept apart from
portal.pagecache so the permission and scoping modules read them without importing the
page cache (and its middleware).
"""

from __future__ import annotations

from django.core.cache import cache


def named_version(name: str) -> int:
    """The version of one kind of shared content ("content": any published page;
    "deliberation": any topic): what is cached under it is dropped by
    `bump_named_version(name)` when that content changes."""
    key = f"portal:version:{name}"
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, None)
        version = cache.get(key, 1)
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
        cache.set(f"portal:version:{name}", 2, None)


def bump_after_write(name: str) -> None:
    """A write changed what is cached under `name`: bump it now (later reads in the same
    transaction, and tests, which never commit, see the change) and again once the write
    commits (a reader who drew the fragment from the old rows in between is dropped too)."""
    from django.db import transaction

    bump_named_version(name)
    transaction.on_commit(lambda: bump_named_version(name))
