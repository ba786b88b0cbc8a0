"""deliberation.permissions: the object-level rules services and pages share."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from deliberation import permissions, services
from deliberation.models import Poll
from portal.models import Membership
from tests import factories
from tests.deliberation.factories import poll as make_poll
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic

pytestmark = pytest.mark.django_db


def test_residency_counts_only_when_confirmed_and_in_that_community(tree, resident, outsider):
    assert permissions.is_resident_of(resident, tree["community"])
    assert not permissions.is_resident_of(outsider, tree["community"])
    pending = factories.resident(tree["grid"])
    Membership.objects.filter(user=pending).update(status=Membership.Status.PENDING)
    pending = type(pending).objects.get(pk=pending.pk)  # no cached memberships
    assert not permissions.is_resident_of(pending, tree["community"])


def test_who_may_raise_a_topic(tree, resident, outsider, committee_member):
    community = tree["community"]
    grid_worker = factories.member("grid_worker", tree["grid"])
    # A committee member seated on one of the community's grids holds raise_topic there
    # (acts_in) but is neither its committee nor its resident: the button and the service
    # agree that they may not raise topics for the whole community.
    grid_committee = factories.member("committee", tree["grid"])
    assert permissions.may_raise_topic(resident, community)
    assert permissions.may_raise_topic(committee_member, community)
    for user in (outsider, grid_worker, grid_committee):
        assert not permissions.may_raise_topic(user, community), user
        with pytest.raises(PermissionDenied, match="raise topics"):
            permissions.require_raise_topic(user, community)


def test_moderation_tools_but_never_on_ones_own_contribution(tree, resident, committee_member):
    t = make_topic(tree["community"], resident)
    own = services.contribution_add(
        user=committee_member, topic=t, text="我的意见", stance="suggestion"
    )
    theirs = services.contribution_add(user=resident, topic=t, text="我反对", stance="oppose")
    assert permissions.may_moderate(committee_member, tree["community"])
    assert not permissions.may_moderate(resident, tree["community"])
    permissions.require_moderate(committee_member, theirs)
    with pytest.raises(PermissionDenied):
        permissions.require_moderate(committee_member, own)


def test_only_the_author_edits_and_only_residents_here_report(tree, resident, neighbours, outsider):
    t = make_topic(tree["community"], resident)
    c = services.contribution_add(user=neighbours[0], topic=t, text="同意", stance="support")
    permissions.require_edit_contribution(neighbours[0], c)
    with pytest.raises(PermissionDenied, match="Only the author"):
        permissions.require_edit_contribution(neighbours[1], c)
    permissions.require_report(neighbours[1], c)
    with pytest.raises(PermissionDenied, match="report"):
        permissions.require_report(outsider, c)


def test_a_registration_is_cancelled_by_its_person_or_the_committee(
    tree, resident, neighbours, committee_member
):
    s = make_session(tree["community"], committee_member)
    reg = services.registration_create(user=resident, session=s)
    permissions.require_cancel_registration(resident, reg)
    permissions.require_cancel_registration(committee_member, reg)
    with pytest.raises(PermissionDenied, match="your own registration"):
        permissions.require_cancel_registration(neighbours[0], reg)


def test_check_in_desk_and_nobody_checks_themselves_in(tree, resident, committee_member):
    community = tree["community"]
    worker = factories.member("grid_worker", tree["grid"])
    assert permissions.may_check_in(committee_member, community)
    assert permissions.may_check_in(worker, community)  # a grid's worker, inside it
    assert not permissions.may_check_in(resident, community)
    with pytest.raises(PermissionDenied) as refused:
        permissions.require_check_in(resident, community)
    assert str(refused.value) == str(permissions.CHECKIN_NOT_YOURS)
    permissions.require_check_in(worker, community, beneficiary=resident)
    with pytest.raises(PermissionDenied):
        permissions.require_check_in(worker, community, beneficiary=worker)


def test_hidden_results_show_to_the_committee_until_the_poll_closes(
    tree, resident, committee_member
):
    p = make_poll(tree["community"], committee_member, hide=True)
    assert not permissions.may_see_results(resident, p)
    assert permissions.may_see_results(committee_member, p)
    Poll.objects.filter(pk=p.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    p.refresh_from_db()
    assert permissions.may_see_results(resident, p)
