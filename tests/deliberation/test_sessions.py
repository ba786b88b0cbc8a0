import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from credits import services as credits_services
from credits.models import EarningRule, Transaction
from deliberation import services
from deliberation.models import Registration, Topic
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(community, committee_member):
    return make_session(community, committee_member, capacity=2)


def test_register_and_notify(session, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reg = services.registration_create(user=resident, session=session)
    assert reg.status == "registered" and len(reg.code) == 8
    assert mail.outbox[0].to == [resident.email]
    assert session.title in mail.outbox[0].subject


def test_register_twice_is_refused(session, resident):
    services.registration_create(user=resident, session=session)
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(user=resident, session=session)
    assert Registration.objects.filter(session=session).count() == 1


def test_register_outside_window_is_refused(community, committee_member, resident):
    now = timezone.now()
    closed = make_session(
        community, committee_member, registration_closes=now - datetime.timedelta(hours=1)
    )
    future = make_session(
        community, committee_member, registration_opens=now + datetime.timedelta(days=1)
    )
    for s in (closed, future):
        with pytest.raises(ValidationError, match="not open"):
            services.registration_create(user=resident, session=s)
    assert not Registration.objects.exists()


def test_outsider_cannot_register(session, outsider):
    with pytest.raises(PermissionDenied):
        services.registration_create(user=outsider, session=session)


def test_past_capacity_waits_and_cancel_promotes(
    session, resident, neighbours, django_capture_on_commit_callbacks
):
    a = services.registration_create(user=resident, session=session)
    services.registration_create(user=neighbours[0], session=session)
    w1 = services.registration_create(user=neighbours[1], session=session)
    w2 = services.registration_create(user=neighbours[2], session=session)
    assert (w1.status, w2.status) == ("waiting", "waiting")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(user=resident, registration=a)
    w1.refresh_from_db()
    w2.refresh_from_db()
    assert (w1.status, w2.status) == ("registered", "waiting")
    assert {m.to[0] for m in mail.outbox} == {resident.email, neighbours[1].email}
    # cancelling twice changes nothing; re-registering joins the end of the waiting list
    services.registration_cancel(user=resident, registration=a)
    again = services.registration_create(user=resident, session=session)
    assert again.pk == a.pk and again.status == "waiting"
    assert Registration.objects.filter(session=session, status="registered").count() == 2


def test_cannot_cancel_someone_elses(session, resident, neighbours):
    reg = services.registration_create(user=resident, session=session)
    with pytest.raises(PermissionDenied):
        services.registration_cancel(user=neighbours[0], registration=reg)


def test_checkin_is_idempotent_and_needs_right_session(
    community, committee_member, session, resident, django_capture_on_commit_callbacks
):
    other = make_session(community, committee_member, title="院议说：楼道堆物")
    reg = services.registration_create(user=resident, session=session)
    with pytest.raises(ValidationError, match="another session"):
        services.checkin(by=committee_member, session=other, code=reg.code)
    with pytest.raises(ValidationError, match="No registration"):
        services.checkin(by=committee_member, session=session, code="ZZZZZZZZ")
    with pytest.raises(PermissionDenied):
        services.checkin(by=resident, session=session, code=reg.code)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r1, new1 = services.checkin(
            by=committee_member, session=session, code=f" {reg.code.lower()} "
        )
        r2, new2 = services.checkin(by=committee_member, session=session, code=reg.code)
    assert (new1, new2) == (True, False)
    assert r1.pk == r2.pk == reg.pk and r2.checked_in_at and r2.checked_in_by == committee_member
    assert len(mail.outbox) == 1


def test_checkin_only_on_the_day(community, committee_member, resident):
    s = make_session(community, committee_member, starts_in=datetime.timedelta(days=3))
    reg = services.registration_create(user=resident, session=s)
    with pytest.raises(ValidationError, match="on the day"):
        services.checkin(by=committee_member, session=s, code=reg.code)
    reg.refresh_from_db()
    assert reg.checked_in_at is None
    assert services.checkin(by=committee_member, session=s, code=reg.code, now=s.starts_at)[1]


def test_waiting_person_cannot_check_in(community, committee_member, resident, neighbours):
    s = make_session(community, committee_member, capacity=1)
    services.registration_create(user=resident, session=s)
    w = services.registration_create(user=neighbours[0], session=s)
    with pytest.raises(ValidationError, match="not registered"):
        services.checkin(by=committee_member, session=s, code=w.code)


def test_grid_worker_can_check_in(community, tree, committee_member, resident, session):
    worker = factories.member("grid_worker", tree["grid"])
    reg = services.registration_create(user=resident, session=session)
    assert services.checkin(by=worker, session=session, code=reg.code)[1]


def test_checkin_calls_deed_award_keyed_by_registration(
    monkeypatch, session, resident, committee_member
):
    calls = []

    def deed_award(**kw):
        calls.append(kw)
        return "tx"

    monkeypatch.setattr(credits_services, "deed_award", deed_award)
    reg = services.registration_create(user=resident, session=session)
    services.checkin(by=committee_member, session=session, code=reg.code)
    services.checkin(by=committee_member, session=session, code=reg.code)
    # a second scan may retry the award, always under the same key: the ledger pays once
    assert {c["idempotency_key"] for c in calls} == {f"attendance:{reg.pk}"}
    assert calls[0]["deed"] == "session_attendance"
    assert calls[0]["idempotency_key"] == f"attendance:{reg.pk}"
    assert calls[0]["user"] == resident and calls[0]["community"] == session.community
    assert calls[0]["quantity"] == Decimal("1")


def test_checkin_pays_through_real_credits_app(session, resident, committee_member):
    """With the credits app's deed_award and an earning rule, attendance pays exactly once."""
    EarningRule.objects.create(
        community=session.community, deed="session_attendance", amount=Decimal("5.00")
    )
    reg = services.registration_create(user=resident, session=session)
    services.checkin(by=committee_member, session=session, code=reg.code)
    services.checkin(by=committee_member, session=session, code=reg.code)
    tx = Transaction.objects.get(idempotency_key=f"attendance:{reg.pk}")
    assert tx.entries.filter(amount=Decimal("5.00")).count() == 1


def test_reminders_a_day_before_sent_once(
    community, committee_member, resident, neighbours, django_capture_on_commit_callbacks
):
    soon = make_session(community, committee_member, starts_in=datetime.timedelta(hours=20))
    later = make_session(community, committee_member, starts_in=datetime.timedelta(days=5))
    services.registration_create(user=resident, session=soon)
    services.registration_create(user=neighbours[0], session=later)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.session_reminders_send() == 1
        assert services.session_reminders_send() == 0
    assert [m.to[0] for m in mail.outbox] == [resident.email]
    assert "Reminder" in mail.outbox[0].subject or "提醒" in mail.outbox[0].subject


def test_beat_schedule_has_reminder_task():
    from deliberation import tasks
    from deliberation.beat import SCHEDULE

    assert SCHEDULE["deliberation-session-reminders"]["task"] == tasks.send_session_reminders.name


def test_session_topics_go_on_agenda_and_followers_told(
    community, committee_member, resident, django_capture_on_commit_callbacks
):
    t = make_topic(community, resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_session(community, committee_member, topics=[t])
    t.refresh_from_db()
    assert t.status == Topic.Status.ON_AGENDA
    assert [m.to[0] for m in mail.outbox] == [resident.email]


def test_session_validation(community, committee_member, resident):
    now = timezone.now()
    with pytest.raises(ValidationError):
        services.session_create(
            user=committee_member,
            community=community,
            format_code="speakup",
            title="x",
            starts_at=now,
            ends_at=now,
            place="x",
        )
    with pytest.raises(PermissionDenied):
        make_session(community, resident)
