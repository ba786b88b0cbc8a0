"""A resident whose residency is still pending: they can report, they see where their
confirmation stands, and they hear (on the site and by email) when it is decided."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.models import Membership, Notification, Organisation, Role
from tests import factories
from tests.triage.factories import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimant(tree):
    user = factories.UserFactory(display_name="李桂兰", email="ligl@example.cn")
    services.residency_declare(
        user=user, community=tree["community"], grid=tree["grid2"], address="7号楼2单元"
    )
    return user


@pytest.fixture
def committee_org(tree):
    return Organisation.objects.create(
        area=tree["community"], kind=Organisation.Kind.COMMITTEE, name="新湛社区居民委员会"
    )


def test_pending_resident_reports_and_the_request_goes_to_the_declared_grid(client, tree, claimant):
    world(tree)  # departments and committees the request is routed among
    from triage.models import Request

    client.force_login(claimant)
    page = client.get(reverse("triage:new"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "您的居住地仍在等待确认" in page.content.decode()
    r = client.post(
        reverse("triage:new"), {"text": "小区门口路灯坏了好几天", "contact": "site", "address": ""}
    )
    req = Request.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("triage:detail", args=[req.pk])
    assert req.reporter == claimant and req.area == tree["grid2"]
    # The 我要反映 entries on the request list and on the dashboard are offered too.
    assert client.get(reverse("triage:index")).context["can_report"] is True


def test_without_any_residency_the_form_still_asks_where_one_lives(client):
    user = factories.UserFactory()
    client.force_login(user)
    r = client.get(reverse("triage:new"))
    assert r.status_code == 302 and r["Location"] == reverse("portal:residency")


def test_rejected_resident_cannot_report_until_they_declare_again(
    client, tree, claimant, committee_member
):
    services.residency_decide(
        membership=claimant.memberships.get(),
        decided_by=committee_member,
        confirm=False,
        note="查无此户",
    )
    client.force_login(claimant)
    assert client.get(reverse("triage:new"))["Location"] == reverse("portal:residency")


def test_dashboard_and_residency_page_say_since_when_and_who_decides(
    client, claimant, committee_org
):
    claim = claimant.memberships.get()
    since = timezone.localtime(claim.created_at).strftime("%Y-%m-%d %H:%M")
    client.force_login(claimant)
    for name in ("portal:dashboard", "portal:residency"):
        html = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "等待社区两委确认" in html
        assert since in html and "新湛社区居民委员会" in html, name


def test_without_a_committee_organisation_the_community_is_named(client, claimant):
    client.force_login(claimant)
    html = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "由新湛社区两委审核确认" in html.decode()


def test_confirmation_notifies_on_the_site_and_by_email(
    client, claimant, committee_member, committee_org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_decide(
            membership=claimant.memberships.get(), decided_by=committee_member, confirm=True
        )
    n = Notification.objects.get(user=claimant)
    assert n.category == "portal.residency" and "已确认" in n.title and "第二网格" in n.title
    assert "新湛社区居民委员会" in n.body
    assert [m.to for m in mail.outbox] == [["ligl@example.cn"]]
    assert mail.outbox[0].subject == n.title and "新湛社区居民委员会" in mail.outbox[0].body
    assert "李桂兰" in mail.outbox[0].body  # greeted by their own name
    client.force_login(claimant)
    html = client.get(reverse("portal:notifications")).content.decode()
    assert n.title in html
    dash = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "已确认居民" in dash.decode()


def test_rejection_notifies_with_the_reason_and_the_dashboard_keeps_it(
    client, claimant, committee_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_decide(
            membership=claimant.memberships.get(),
            decided_by=committee_member,
            confirm=False,
            note="该楼栋不在第二网格，请改选第一网格",
        )
    n = Notification.objects.get(user=claimant)
    assert "未获确认" in n.title
    assert "原因：该楼栋不在第二网格，请改选第一网格" in n.body
    assert "原因：该楼栋不在第二网格，请改选第一网格" in mail.outbox[0].body
    client.force_login(claimant)
    html = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    assert "该楼栋不在第二网格，请改选第一网格" in html.decode()


def test_the_notice_is_in_the_residents_own_language(
    claimant, committee_member, django_capture_on_commit_callbacks
):
    claimant.language = "en"
    claimant.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_decide(
            membership=claimant.memberships.get(),
            decided_by=committee_member,
            confirm=False,
            note="查无此户",
        )
    n = Notification.objects.get(user=claimant)
    assert n.title.startswith("Your residency claim for") and "Reason: 查无此户" in n.body
    assert mail.outbox[0].body.startswith("Hello 李桂兰,")


def test_ending_a_residency_notifies_and_a_repeat_notifies_once(
    claimant, committee_member, django_capture_on_commit_callbacks
):
    claim = claimant.memberships.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_decide(membership=claim, decided_by=committee_member, confirm=True)
        services.membership_revoke(membership=claim, ended_by=committee_member, note="已搬离")
    titles = list(Notification.objects.filter(user=claimant).values_list("title", flat=True))
    assert len(titles) == 2 and any("已结束" in t for t in titles)
    ended = Notification.objects.get(user=claimant, event_key__startswith="portal-residency-ended")
    assert "原因：已搬离" in ended.body
    assert len(mail.outbox) == 2
    # The notice is keyed by the event: sending it again changes nothing.
    services.residency_notify(membership=claim, event="ended")
    assert Notification.objects.filter(user=claimant).count() == 2


def test_a_resident_who_switched_email_off_still_gets_the_site_notice(
    claimant, committee_member, django_capture_on_commit_callbacks
):
    from portal import notifications

    notifications.preferences_set(user=claimant, off={("portal.residency", "email")})
    with django_capture_on_commit_callbacks(execute=True):
        services.residency_decide(
            membership=claimant.memberships.get(), decided_by=committee_member, confirm=True
        )
    assert Notification.objects.filter(user=claimant, read_at__isnull=True).count() == 1
    assert mail.outbox == []


def test_staff_grants_send_no_residency_notice(tree):
    admin = factories.UserFactory(is_superuser=True)
    user = factories.UserFactory()
    m = services.role_grant(granted_by=admin, user=user, role=Role.GRID_WORKER, area=tree["grid"])
    services.membership_revoke(membership=m, ended_by=admin)
    assert not Notification.objects.filter(user=user).exists()
    assert Membership.objects.get(pk=m.pk).status == "ended"
