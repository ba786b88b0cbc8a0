"""No self-dealing (issue 9, finding 3): wherever the one who acts and the one who gains
can be the same person, `portal.permissions` refuses it, for every such action.

The actor in every case is Li: a committee member of the community who is also one of
its confirmed residents (and, for the provider case, staff of a reward's provider).
Each case checks that a colleague may do the same thing for Li, and that Li doing it
for herself is refused with the translated message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from credits import services as credits
from credits.models import Account, EarningRule, Redemption, ServiceLog, Transaction
from deliberation import services as deliberation
from deliberation.models import Contribution, Registration
from portal import permissions
from portal import services as portal_services
from portal.models import Membership, Organisation
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from triage import services as triage
from triage.models import Event, Request

pytestmark = pytest.mark.django_db

REFUSED = (PermissionDenied, ValidationError)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def li(tree):
    """Committee member of the community and confirmed resident of its first grid."""
    user = factories.resident(tree["grid"])
    committee = factories.organisation(tree["community"], Organisation.Kind.COMMITTEE)
    portal_services.membership_grant(
        user=user, role="committee", area=tree["community"], organisation=committee
    )
    return user


@pytest.fixture
def colleague(tree):
    return factories.member("committee", tree["community"])


def _balance(user, community) -> Decimal:
    account = Account.objects.filter(user=user, community=community).first()
    return account.balance if account else Decimal("0")


def _refused(call):
    with pytest.raises(REFUSED) as exc:
        call()
    return exc.value


def _says_self_dealing(exc) -> None:
    assert str(permissions.SELF_DEALING_MESSAGE) in (
        " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    )


# --- the moral bank -------------------------------------------------------------------


def _reserved(li, community):
    cf.fund(li, community, "50.00")
    reward = cf.reward(community, cost="20.00")
    return credits.redemption_reserve(user=li, reward=reward, idempotency_key="r-li-1")


def test_nobody_fulfils_their_own_redemption(tree, li, colleague):
    community = tree["community"]
    redemption = _reserved(li, community)
    before = (_balance(li, community), Transaction.objects.count())
    exc = _refused(
        lambda: credits.redemption_fulfil(actor=li, community=community, code=redemption.code)
    )
    _says_self_dealing(exc)
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.RESERVED
    assert (_balance(li, community), Transaction.objects.count()) == before
    assert not credits.can_fulfil(li, community, redemption.reward, beneficiary=li)
    # A colleague hands it over.
    credits.redemption_fulfil(actor=colleague, community=community, code=redemption.code)
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.FULFILLED


def test_provider_staff_do_not_fulfil_their_own_redemption(tree):
    community = tree["community"]
    provider = factories.organisation(tree["district"], Organisation.Kind.PROVIDER)
    li = factories.resident(tree["grid"])
    Membership.objects.create(
        user=li, role="volunteer", area=tree["community"], organisation=provider, status="active"
    )
    cf.fund(li, community, "50.00")
    reward = cf.reward(community, cost="20.00", provider=provider)
    redemption = credits.redemption_reserve(user=li, reward=reward, idempotency_key="r-li-2")
    _refused(lambda: credits.redemption_fulfil(actor=li, community=community, code=redemption.code))
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.RESERVED


def _log(li, community):
    cf.rule(community)
    return cf.log(li, community)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_nobody_decides_on_their_own_service_hours(tree, li, colleague, decision):
    community = tree["community"]
    log = _log(li, community)
    call = {
        "approve": lambda who: credits.service_log_approve(actor=who, log=log),
        "reject": lambda who: credits.service_log_reject(actor=who, log=log, reason="重复"),
    }[decision]
    _says_self_dealing(_refused(lambda: call(li)))
    assert ServiceLog.objects.get(pk=log.pk).status == ServiceLog.Status.PENDING
    assert _balance(li, community) == 0
    call(colleague)
    assert ServiceLog.objects.get(pk=log.pk).status != ServiceLog.Status.PENDING


def test_nobody_revokes_their_own_service_hours(tree, li, colleague):
    community = tree["community"]
    log = credits.service_log_approve(actor=colleague, log=_log(li, community))
    paid = _balance(li, community)
    _says_self_dealing(
        _refused(lambda: credits.service_log_revoke(actor=li, log=log, reason="写错了"))
    )
    assert ServiceLog.objects.get(pk=log.pk).status == ServiceLog.Status.APPROVED
    assert _balance(li, community) == paid > 0


def test_recording_an_activity_leaves_the_recorders_own_hours_for_a_colleague(tree, li, colleague):
    community = tree["community"]
    cf.rule(community)
    neighbour = factories.resident(tree["grid"])
    logs = credits.service_log_record_bulk(
        actor=li,
        community=community,
        attendees=[li, neighbour],
        date=cf.yesterday(),
        start=dt.time(9),
        end=dt.time(11),
        activity="清理楼道",
        place="3号楼",
    )
    status = {log.volunteer_id: log.status for log in logs}
    assert status == {li.pk: ServiceLog.Status.PENDING, neighbour.pk: ServiceLog.Status.APPROVED}


# --- residency ------------------------------------------------------------------------


def test_nobody_confirms_their_own_residency(tree, colleague):
    li = factories.member("committee", tree["community"])
    claim = portal_services.residency_declare(
        user=li, grid=tree["grid"], community=tree["community"], address="3号楼"
    )
    _says_self_dealing(
        _refused(
            lambda: portal_services.residency_decide(membership=claim, decided_by=li, confirm=True)
        )
    )
    assert Membership.objects.get(pk=claim.pk).status == Membership.Status.PENDING
    portal_services.residency_decide(membership=claim, decided_by=colleague, confirm=True)
    assert Membership.objects.get(pk=claim.pk).status == Membership.Status.ACTIVE


# --- deliberation ---------------------------------------------------------------------


def test_nobody_checks_themselves_in(tree, li, colleague):
    community = tree["community"]
    EarningRule.objects.create(
        community=community, deed="session_attendance", amount=Decimal("5.00")
    )
    session = df.session(community, colleague)
    reg = deliberation.registration_create(user=li, session=session)
    _says_self_dealing(
        _refused(lambda: deliberation.checkin(by=li, session=session, code=reg.code))
    )
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None
    assert _balance(li, community) == 0
    assert not Transaction.objects.filter(idempotency_key=f"attendance:{reg.pk}").exists()
    deliberation.checkin(by=colleague, session=session, code=reg.code)
    assert _balance(li, community) == Decimal("5.00")


@pytest.mark.parametrize("decision", ["restore", "remove"])
def test_nobody_moderates_their_own_contribution(tree, li, colleague, settings, decision):
    settings.DELIBERATION_REPORTS_TO_HIDE = 1
    topic = df.topic(tree["community"])
    mine = deliberation.contribution_add(user=li, topic=topic, text="我同意", stance="support")
    deliberation.contribution_report(user=colleague, contribution=mine, reason="跑题")
    assert Contribution.objects.get(pk=mine.pk).status == Contribution.Status.HIDDEN
    _says_self_dealing(
        _refused(
            lambda: deliberation.contribution_moderate(
                user=li, contribution=mine, decision=decision, reason="没问题"
            )
        )
    )
    again = Contribution.objects.get(pk=mine.pk)
    assert (again.status, again.moderated_by_id) == (Contribution.Status.HIDDEN, None)
    deliberation.contribution_moderate(
        user=colleague, contribution=mine, decision=decision, reason="核实"
    )
    assert Contribution.objects.get(pk=mine.pk).status != Contribution.Status.HIDDEN


# --- requests -------------------------------------------------------------------------


@pytest.fixture
def own_request(w, tree):
    """Li, of the handling committee, reports a 小事 (dispute) in her own grid."""
    committee = w["orgs"]["committee"]
    li = factories.resident(tree["grid"])
    portal_services.membership_grant(
        user=li, role="committee", area=tree["community"], organisation=committee
    )
    req = triage.request_submit(
        channel="web",
        text="楼上邻居装修噪音，申请调解",
        area=tree["grid"],
        reporter=li,
        service_type=w["types"]["dispute"],
    )
    if req.status == "triaged":  # below the classifier's threshold: a colleague confirms it
        colleague = factories.member("committee", tree["community"], organisation=committee)
        req = triage.request_confirm(request=req, actor=colleague, request_class="community")
    assert req.organisation == committee
    return li, req


HANDLING = {
    "start": lambda r, a, w: triage.request_start(request=r, actor=a),
    "transfer": lambda r, a, w: triage.request_transfer(
        request=r, actor=a, organisation=w["orgs"]["chengguan"], reason="转办"
    ),
    "resolve": lambda r, a, w: triage.request_resolve(request=r, actor=a, note="已办"),
    "reply": lambda r, a, w: triage.request_reply(
        request=r, actor=a, reply="已调解", mediation="success"
    ),
    "topic": lambda r, a, w: triage.request_make_topic(request=r, actor=a),
}


@pytest.mark.parametrize("step", sorted(HANDLING))
def test_nobody_handles_or_closes_their_own_request(w, own_request, step):
    li, req = own_request
    events = Event.objects.filter(request=req).count()
    _says_self_dealing(_refused(lambda: HANDLING[step](req, li, w)))
    again = Request.objects.get(pk=req.pk)
    assert (again.status, again.organisation_id, again.topic_id) == (
        req.status,
        req.organisation_id,
        req.topic_id,
    )
    assert Event.objects.filter(request=req).count() == events
    assert not triage.can_handle(li, again)
    # The colleague on the same committee handles it.
    HANDLING[step](req, w["people"]["committee"], w)


def test_nobody_triages_their_own_request(w, tree, own_request):
    li, _req = own_request
    req = triage.request_submit(
        channel="web", text="有点事情想问问", area=tree["grid"], reporter=li
    )
    Request.objects.filter(pk=req.pk).update(status=Request.Status.SUBMITTED, organisation=None)
    _says_self_dealing(
        _refused(lambda: triage.request_confirm(request=req, actor=li, request_class="government"))
    )
    assert Request.objects.get(pk=req.pk).status == Request.Status.SUBMITTED
    assert not triage.can_triage(li, req)
    triage.request_confirm(request=req, actor=w["people"]["committee"], request_class="community")


def test_only_the_reporter_rates_a_request(w, own_request):
    li, req = own_request
    handler = w["people"]["committee"]
    triage.request_reply(request=req, actor=handler, reply="已调解", mediation="success")
    _refused(lambda: triage.request_rate(request=req, user=handler, score=5))
    assert Request.objects.get(pk=req.pk).satisfaction is None
    triage.request_rate(request=req, user=li, score=4)
    assert Request.objects.get(pk=req.pk).satisfaction == 4


def test_a_site_admin_is_no_exception(tree, w):
    admin = factories.member("site_admin", tree["city"])
    Membership.objects.create(user=admin, role="resident", area=tree["grid"], status="active")
    req = triage.request_submit(
        channel="web",
        text="楼上邻居装修噪音，申请调解",
        area=tree["grid"],
        reporter=admin,
        service_type=w["types"]["dispute"],
    )
    _refused(lambda: triage.request_start(request=req, actor=admin))
    assert Request.objects.get(pk=req.pk).status == req.status
    cf.fund(admin, tree["community"], "50.00")
    reward = cf.reward(tree["community"], cost="20.00")
    redemption = credits.redemption_reserve(user=admin, reward=reward, idempotency_key="adm")
    _refused(
        lambda: credits.redemption_fulfil(
            actor=admin, community=tree["community"], code=redemption.code
        )
    )
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.RESERVED


# --- the two pages of the finding: refused with the message, nothing changes ------------


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_fulfil_desk_refuses_her_own_pickup_code(client, settings, tree, li):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    community = tree["community"]
    redemption = _reserved(li, community)
    balance = _balance(li, community)
    client.force_login(li)
    r = client.post(
        "/credits/fulfil/", {"community": community.pk, "code": redemption.code}, follow=True
    )
    assert r.status_code == 200
    assert str(permissions.SELF_DEALING_MESSAGE) in r.content.decode()
    assert Redemption.objects.get(pk=redemption.pk).status == Redemption.Status.RESERVED
    assert _balance(li, community) == balance


def test_the_check_in_desk_refuses_her_own_code(client, settings, tree, li, colleague):
    from django.urls import reverse

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    community = tree["community"]
    EarningRule.objects.create(
        community=community, deed="session_attendance", amount=Decimal("5.00")
    )
    session = df.session(community, colleague)
    reg = deliberation.registration_create(user=li, session=session)
    client.force_login(li)
    r = client.post(
        reverse("deliberation_admin:checkin", args=[session.pk]), {"code": reg.code}, follow=True
    )
    assert r.status_code == 200
    assert str(permissions.SELF_DEALING_MESSAGE) in _messages(r)
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None
    assert _balance(li, community) == 0
