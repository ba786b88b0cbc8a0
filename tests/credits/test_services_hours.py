import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from credits import services
from credits.models import Account, ServiceLog, Transaction, next_star_threshold, star_level
from credits.reconcile import reconcile
from tests import factories as base

from .factories import log, rule, yesterday

pytestmark = pytest.mark.django_db


def balance(user):
    acc = Account.objects.filter(user=user).first()
    return acc.balance if acc else Decimal("0")


def test_log_then_approve_pays_hours_times_rule(volunteer, community, committee_member):
    r = rule(community, amount="10.00")
    entry = log(volunteer, community, start="09:00", end="11:30")
    assert entry.hours == Decimal("2.50") and entry.status == ServiceLog.Status.PENDING
    approved = services.service_log_approve(actor=committee_member, log=entry)
    assert approved.status == ServiceLog.Status.APPROVED and approved.payment.rule == r
    assert balance(volunteer) == Decimal("25.00")
    # Approving again (a double click, a retried request) pays nothing more.
    services.service_log_approve(actor=committee_member, log=entry)
    assert balance(volunteer) == Decimal("25.00")
    assert Transaction.objects.filter(idempotency_key=f"servicelog:{entry.pk}").count() == 1


def test_nobody_verifies_their_own_hours(community, tree):
    rule(community)
    committee = base.member("committee", community)
    base.portal_services.membership_grant(user=committee, role="volunteer", area=community)
    own = log(committee, community)
    with pytest.raises(PermissionDenied):
        services.service_log_approve(actor=committee, log=own)
    assert ServiceLog.objects.get(pk=own.pk).status == ServiceLog.Status.PENDING


def test_only_that_communitys_committee_verifies(volunteer, community, tree):
    stranger = base.member("committee", tree["other_community"])
    entry = log(volunteer, community)
    with pytest.raises(PermissionDenied):
        services.service_log_approve(actor=stranger, log=entry)
    with pytest.raises(PermissionDenied):
        services.service_log_approve(actor=base.resident(tree["grid"]), log=entry)


def test_reject_needs_reason_and_notifies(volunteer, community, committee_member):
    entry = log(volunteer, community)
    with pytest.raises(services.LedgerError):
        services.service_log_reject(actor=committee_member, log=entry, reason="  ")
    services.service_log_reject(actor=committee_member, log=entry, reason="照片与活动不符")
    entry.refresh_from_db()
    assert entry.status == ServiceLog.Status.REJECTED and entry.reason == "照片与活动不符"
    assert volunteer.notifications.filter(category="credits.hours").exists()
    with pytest.raises(services.LedgerError):
        services.service_log_approve(actor=committee_member, log=entry)
    assert balance(volunteer) == 0


def test_revoke_reverses_payment(volunteer, community, committee_member):
    rule(community, amount="10.00")
    entry = services.service_log_approve(actor=committee_member, log=log(volunteer, community))
    services.service_log_revoke(actor=committee_member, log=entry, reason="重复登记")
    entry.refresh_from_db()
    assert entry.status == ServiceLog.Status.REVOKED
    assert balance(volunteer) == 0
    assert Transaction.objects.get(reverses=entry.payment).kind == "reversal"
    assert reconcile() == []


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"start": "11:00", "end": "09:00"}, "end"),
        ({"start": "09:00", "end": "09:00"}, "end"),
        ({"date": dt.date.today() + dt.timedelta(days=2)}, "date"),
    ],
)
def test_bad_log_input_refused(volunteer, community, kwargs, field):
    with pytest.raises(services.LedgerError) as exc:
        log(volunteer, community, **kwargs)
    assert field in exc.value.error_dict
    assert not ServiceLog.objects.exists()


def test_overlapping_logs_refused(volunteer, community):
    log(volunteer, community, start="09:00", end="11:00")
    with pytest.raises(services.LedgerError):
        log(volunteer, community, start="10:30", end="12:00")
    log(volunteer, community, start="11:00", end="12:00")  # touching is fine
    assert ServiceLog.objects.count() == 2


def test_rejected_log_frees_its_time(volunteer, community, committee_member):
    first = log(volunteer, community)
    services.service_log_reject(actor=committee_member, log=first, reason="不对")
    log(volunteer, community)


def test_photo_must_be_a_real_image(volunteer, community):
    fake = SimpleUploadedFile("p.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(Exception) as exc:
        log(volunteer, community, photo=fake)
    assert "image" in str(exc.value).lower() or "图片" in str(exc.value)
    assert not ServiceLog.objects.exists()


def test_text_is_stored_as_typed_and_shown_escaped(volunteer, community, committee_member, client):
    typed = "<script>alert(1)</script>帮助<b>老人</b> & 邻居"
    entry = log(volunteer, community, activity="读书角 <整理> & 借阅", description=typed)
    assert entry.description == typed  # not "帮助老人 &amp; 邻居": the text as it was typed
    assert entry.activity == "读书角 <整理> & 借阅"
    client.force_login(committee_member)
    page = client.get(reverse("credits:verify")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;帮助&lt;b&gt;老人&lt;/b&gt; &amp; 邻居" in page
    assert "读书角 &lt;整理&gt; &amp; 借阅" in page
    assert "<script>alert(1)" not in page and "<b>老人" not in page


def test_text_that_shows_nothing_is_refused(volunteer, community):
    with pytest.raises(services.LedgerError):
        log(volunteer, community, activity="<b></b>")
    with pytest.raises(ValidationError) as exc:
        log(volunteer, community, place="楼" * 121)
    assert "place" in exc.value.error_dict
    assert not ServiceLog.objects.exists()


def test_stranger_cannot_log_in_a_community(tree, community):
    outsider = base.resident(tree["other_grid"])
    with pytest.raises(PermissionDenied):
        log(outsider, community)


def test_bulk_decide(volunteer, community, committee_member, tree):
    rule(community, amount="1.00")
    other = base.resident(tree["grid2"])
    logs = [log(volunteer, community), log(other, community)]
    done, errors = services.service_log_decide_bulk(actor=committee_member, logs=logs, approve=True)
    assert (done, errors) == (2, [])
    assert ServiceLog.objects.filter(status="approved").count() == 2


def test_bulk_record_for_attendees(volunteer, community, committee_member, tree):
    rule(community, amount="2.00")
    other = base.resident(tree["grid2"])
    kwargs = dict(
        actor=committee_member,
        community=community,
        attendees=[volunteer, other, committee_member],
        date=yesterday(),
        start=dt.time(14),
        end=dt.time(17),
        activity="海边净滩",
        place="第三海水浴场",
    )
    logs = services.service_log_record_bulk(**kwargs)
    assert [x.status for x in logs] == ["approved", "approved", "pending"]
    assert balance(volunteer) == balance(other) == Decimal("6.00")
    again = services.service_log_record_bulk(**kwargs)  # a retried submission
    assert [x.pk for x in again] == [x.pk for x in logs]
    assert balance(volunteer) == Decimal("6.00")


def test_bulk_record_refuses_strangers(volunteer, community, tree):
    with pytest.raises(PermissionDenied):
        services.service_log_record_bulk(
            actor=base.member("committee", tree["other_community"]),
            community=community,
            attendees=[volunteer],
            date=yesterday(),
            start=dt.time(9),
            end=dt.time(10),
            activity="x",
            place="y",
        )


@pytest.mark.parametrize(
    "hours, stars, nxt",
    [
        (0, 0, 100),
        (99.99, 0, 100),
        (100, 1, 300),
        (300, 2, 600),
        (600, 3, 1000),
        (1000, 4, 1500),
        (1500, 5, None),
    ],
)
def test_star_levels(hours, stars, nxt):
    assert star_level(Decimal(str(hours))) == stars
    assert next_star_threshold(Decimal(str(hours))) == nxt
