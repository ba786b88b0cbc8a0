"""Finding 8 of issue 9: reports from outside a community hide nothing, and the area's
triage workbook is for committees and departments, not grid workers."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from deliberation import services as deliberation
from deliberation.models import Contribution, ContributionReport
from portal.models import Membership
from tests import factories
from tests.deliberation import factories as df

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


@pytest.fixture
def contribution(tree, settings):
    settings.DELIBERATION_REPORTS_TO_HIDE = 3
    topic = df.topic(tree["community"])
    author = factories.resident(tree["grid"])
    return deliberation.contribution_add(
        user=author, topic=topic, text="我觉得可以", stance="support"
    )


def _outsiders(tree):
    department = factories.organisation(tree["district"], "department", "城管局")
    return {
        "resident of another community": factories.resident(tree["other_grid"]),
        "committee of another community": factories.member("committee", tree["other_community"]),
        "department": factories.member("department", tree["district"], department),
        "volunteer": factories.member("volunteer", tree["community"]),
        "grid worker": factories.member("grid_worker", tree["grid"]),
        "site admin": factories.member("site_admin", tree["city"]),
    }


def test_reports_from_outside_the_community_are_refused_and_hide_nothing(tree, contribution):
    for who, user in _outsiders(tree).items():
        with pytest.raises(PermissionDenied):
            deliberation.contribution_report(user=user, contribution=contribution, reason="广告")
        assert not ContributionReport.objects.filter(contribution=contribution).exists(), who
    again = Contribution.objects.get(pk=contribution.pk)
    assert (again.status, again.report_count) == (Contribution.Status.VISIBLE, 0)


def test_a_pending_resident_may_not_report(tree, contribution):
    pending = factories.UserFactory()
    Membership.objects.create(user=pending, role="resident", area=tree["grid"], status="pending")
    with pytest.raises(PermissionDenied):
        deliberation.contribution_report(user=pending, contribution=contribution)


def test_residents_and_committee_of_the_community_may_report(tree, contribution):
    reporters = [
        factories.resident(tree["grid"]),
        factories.resident(tree["grid2"]),
        factories.member("committee", tree["community"]),
    ]
    for user in reporters:
        deliberation.contribution_report(user=user, contribution=contribution, reason="人身攻击")
    again = Contribution.objects.get(pk=contribution.pk)
    assert (again.status, again.report_count) == (Contribution.Status.HIDDEN, 3)


def test_the_report_page_refuses_an_outsider_with_a_message(client, tree, contribution):
    client.force_login(factories.resident(tree["other_grid"]))
    r = client.post(
        reverse("deliberation:contribution_report", args=[contribution.pk]),
        {"reason": "广告"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200
    text = " ".join(str(m) for m in r.context["messages"])
    assert "can report its contributions" in text or "举报" in text
    assert not ContributionReport.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("grid_worker", 403), ("committee", 200), ("chengguan", 200), ("street", 200)],
)
def test_the_triage_workbook_is_for_committees_and_departments(client, w, who, status):
    user = w["people"][who]
    client.force_login(user)
    r = client.get(reverse("triage:export"))
    assert r.status_code == status
    if status == 200:
        assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    dashboard = client.get(reverse("triage:dashboard"))
    assert (reverse("triage:export") in dashboard.content.decode()) is (status == 200)
