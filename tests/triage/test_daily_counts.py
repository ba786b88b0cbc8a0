"""The daily counts the dashboards read are kept on write: after any sequence of the
product's writes the table equals a full recount of the requests (#15)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from triage import daily_counts, services
from triage.models import Request, RequestDailyCount

pytestmark = pytest.mark.django_db

TEXTS = [
    ("road", "路口的井盖塌了一半，电动车差点掉进去"),
    ("water", "小区停水两天了，也没有通知"),
    ("dispute", "两户邻居因楼道堆物发生争执，申请调解"),
    ("repair", "家里门锁坏了，想找人开锁"),
]


def assert_reconciled():
    assert daily_counts.stored() == daily_counts.recount()


def submit(w, rng):
    code, text = rng.choice(TEXTS)
    grid = rng.choice([w["tree"]["grid"], w["tree"]["grid2"], w["tree"]["other_grid"]])
    channel = rng.choice(["web", "grid_worker"])
    return services.request_submit(
        channel=channel,
        text=text,
        area=grid,
        reporter=w["resident"],
        entered_by=w["people"]["grid_worker"] if channel == "grid_worker" else None,
        service_type=w["types"][code],
    )


def step(w, rng, req):
    """One of the writes the product makes, whichever the request's state allows."""
    req = Request.objects.get(pk=req.pk)
    handler = None
    if req.organisation_id:
        handler = next(
            (
                p
                for p in w["people"].values()
                if p.memberships.filter(organisation_id=req.organisation_id).exists()
            ),
            None,
        )
    committee = w["people"]["committee"]
    actions = []
    if req.status in ("submitted", "triaged"):
        actions.append(
            lambda: services.request_confirm(
                request=req, actor=committee, request_class=rng.choice(["government", "community"])
            )
        )
    if handler and req.status in ("assigned", "in_progress", "resolved"):
        actions += [
            lambda: services.request_start(request=req, actor=handler),
            lambda: services.request_resolve(request=req, actor=handler, note="已处理"),
            lambda: services.request_reply(request=req, actor=handler, reply="已处理完毕，谢谢。"),
        ]
    if req.status == "closed":
        actions += [
            lambda: services.request_rate(request=req, user=w["resident"], score=rng.randint(1, 5)),
            lambda: services.request_reopen(request=req, user=w["resident"], reason="还是没修好"),
        ]
    if req.status != "closed":
        actions.append(
            lambda: services.request_supervise(
                request=req, actor=w["people"]["gov"], note="请加快办理"
            )
        )
    actions.append(
        lambda: services.escalate_overdue(now=timezone.now() + timedelta(days=rng.randint(1, 40)))
    )
    try:
        rng.choice(actions)()
    except (ValidationError, PermissionDenied):
        pass  # a refused write changes nothing, the counts included


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_equal_a_full_recount_after_random_writes(w, seed):
    rng = random.Random(seed)
    made = []
    for _i in range(40):
        if not made or rng.random() < 0.3:
            made.append(submit(w, rng))
        else:
            step(w, rng, rng.choice(made))
    assert Request.objects.count() == len(made)
    assert_reconciled()
    # Each request counts once at every level — its community, street, district and city —
    # in the row of its day and again in the level's all-time row.
    for area in (w["tree"]["city"], w["tree"]["street"], w["tree"]["community"]):
        rows = RequestDailyCount.objects.filter(area_path=area.path)
        want = Request.objects.filter(area_path__startswith=area.path).count()
        assert sum(rows.filter(day=daily_counts.ALL_TIME).values_list("n", flat=True)) == want
        assert sum(rows.exclude(day=daily_counts.ALL_TIME).values_list("n", flat=True)) == want


def test_saves_outside_the_services_are_counted_too(w):
    rng = random.Random(9)
    req = submit(w, rng)
    # a deferred load, a partial save, a hand-built instance, a refresh, a delete
    partial = Request.objects.only("pk", "status").get(pk=req.pk)
    partial.status = Request.Status.CLOSED
    partial.save(update_fields=["status"])
    assert_reconciled()
    req.refresh_from_db()
    req.satisfaction = 4
    req.closed_at = timezone.now()
    req.save()
    assert_reconciled()
    stale_in_memory = Request.objects.get(pk=req.pk)
    stale_in_memory.satisfaction = 1
    stale_in_memory.save(update_fields=["closed_at"])  # satisfaction did not reach the database
    assert_reconciled()
    other = submit(w, rng)
    Request.objects.filter(pk=other.pk).delete()
    assert_reconciled()
    req.delete()
    assert daily_counts.stored() == {}


def test_a_write_that_fails_leaves_the_counts_as_they_were(w):
    rng = random.Random(4)
    req = submit(w, rng)
    before = daily_counts.stored()
    with pytest.raises(ValidationError):
        services.request_rate(request=req, user=w["resident"], score=9)
    assert daily_counts.stored() == before


def test_the_day_is_the_day_in_china_and_the_rows_are_the_community_and_above(w):
    rng = random.Random(5)
    req = submit(w, rng)
    late = timezone.now().replace(hour=17, minute=30, second=0, microsecond=0)  # 01:30 next day
    Request.objects.filter(pk=req.pk).update(created_at=late)  # bypasses the counts …
    call_command("triage_rebuild_counts")  # … which a rebuild puts right
    rows = list(RequestDailyCount.objects.exclude(day=daily_counts.ALL_TIME).order_by("area_path"))
    assert {row.day for row in rows} == {(late + timedelta(hours=8)).date()}
    community = req.area.community
    assert [row.area_path for row in rows] == [a.path for a in community.get_ancestors()] + [
        community.path
    ]
    assert {row.n for row in rows} == {1}


def test_the_rebuild_command_checks_and_repairs(w):
    rng = random.Random(6)
    for _i in range(3):
        submit(w, rng)
    RequestDailyCount.objects.update(n=99)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("triage_rebuild_counts", "--check")
    call_command("triage_rebuild_counts")
    call_command("triage_rebuild_counts", "--check")
    assert_reconciled()
