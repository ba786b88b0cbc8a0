"""Content versions (portal/versions.py): every bump gives a version a value it never
held, at once and again when the write commits, and the bumps at commit of one
transaction go to the cache together, once per name."""

from __future__ import annotations

import types

import pytest
from django.core.cache import cache
from django.core.cache.backends import locmem
from django.db import transaction

from portal import versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_many_calls(monkeypatch):
    calls = []
    real = cache.set_many

    def spy(data, *args, **kwargs):
        calls.append(sorted(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(cache, "set_many", spy)
    return calls


def test_every_bump_gives_a_value_the_version_never_held(monkeypatch):
    name = versions.user_version("coins", 7)
    seen = {versions.named_version(name)}
    now = [versions.time.time_ns()]
    monkeypatch.setattr(versions.time, "time_ns", lambda: now[0])
    for step in range(200):
        # Bumps within one microsecond, and the clock set back by an hour half-way.
        if step == 100:
            now[0] -= 3600 * 10**9
        versions.bump_named_version(name)
        seen.add(versions.named_version(name))
    assert len(seen) == 201


def test_an_evicted_version_starts_above_every_value_it_held():
    versions.bump_named_version("content")
    held = versions.named_version("content")
    cache.delete("portal:version:content")
    assert versions.named_version("content") > held


def test_a_transaction_bumps_each_name_once_when_it_commits(
    django_capture_on_commit_callbacks, set_many_calls
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            versions.bump_user_versions("coins", 1, 2, 1, None)
            versions.bump_user_versions("coins", 2)
            versions.bump_after_write("deliberation")
            during = versions.named_versions("user-coins:1", "user-coins:2", "deliberation")
    # Three bumps at once, one round trip each; then one round trip for all at commit.
    assert set_many_calls[:3] == [
        ["portal:version:user-coins:1", "portal:version:user-coins:2"],
        ["portal:version:user-coins:2"],
        ["portal:version:deliberation"],
    ]
    assert set_many_calls[3:] == [
        [
            "portal:version:deliberation",
            "portal:version:user-coins:1",
            "portal:version:user-coins:2",
        ]
    ]
    after = versions.named_versions("user-coins:1", "user-coins:2", "deliberation")
    assert all(a != d for a, d in zip(after, during, strict=True))


def rolled_back(*pks):
    try:
        with transaction.atomic():
            versions.bump_user_versions("requests", *pks)
            raise RuntimeError
    except RuntimeError:
        pass


def test_a_rolled_back_savepoint_does_not_lose_the_bump_at_commit(
    django_capture_on_commit_callbacks, set_many_calls
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            rolled_back(5)  # its callback is dropped with it
            versions.bump_user_versions("requests", 6)
    assert set_many_calls[-1] == ["portal:version:user-requests:6"]
    set_many_calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            versions.bump_user_versions("requests", 4)
            rolled_back(5)  # joins the outer callback: one needless bump, none lost
            versions.bump_user_versions("requests", 6)
    assert set_many_calls[-1] == [
        "portal:version:user-requests:4",
        "portal:version:user-requests:5",
        "portal:version:user-requests:6",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_bump_outside_a_transaction_is_sent_at_once_twice(set_many_calls):
    versions.bump_user_versions("memberships", 9)
    assert set_many_calls == [["portal:version:user-memberships:9"]] * 2


def test_a_version_is_dropped_a_month_after_its_last_bump_and_starts_anew(settings, monkeypatch):
    """Personal versions (one a resident and kind) would otherwise fill the cache for
    ever; a dropped one starts from a value nothing was kept under."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    name = versions.user_version("coins", 3)
    versions.bump_named_version(name)
    held = versions.named_version(name)
    real_time = locmem.time.time

    def later(days):
        clock = types.SimpleNamespace(time=lambda: real_time() + days * 86400)
        monkeypatch.setattr(locmem, "time", clock)

    later(29)
    assert versions.named_version(name) == held
    later(31)
    assert versions.named_version(name) not in (held, None)
