"""The role × action matrix of portal.permissions.can(), and its scoping rules."""

import pytest

from portal import permissions
from portal.models import Membership, Role
from portal.permissions import ACTIONS, can
from tests import factories

ROLES = [r.value for r in Role if r != Role.SITE_ADMIN]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_its_actions_inside_its_area(tree, role):
    scope = tree["community"]
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=role, area=scope, status="active")
    for action, roles in ACTIONS.items():
        expected = role in roles
        assert can(user, action, tree["grid"]) is expected, (role, action)
        # Never outside the subtree of the membership's area.
        assert can(user, action, tree["other_grid"]) is False, (role, action)
        assert can(user, action, tree["street"]) is False, (role, action)


@pytest.mark.django_db
def test_site_admin_may_do_everything_everywhere(tree):
    admin = factories.member(Role.SITE_ADMIN, tree["city"])
    assert all(can(admin, a, tree["other_grid"]) for a in ACTIONS)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "rejected", "ended"])
def test_only_active_memberships_grant_anything(tree, status):
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=Role.RESIDENT, area=tree["grid"], status=status)
    assert not any(can(user, a, tree["grid"]) for a in ACTIONS)


@pytest.mark.django_db
def test_anonymous_and_inactive_users_may_do_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    user = factories.member(Role.COMMITTEE, tree["community"])
    user.is_active = False
    assert not can(AnonymousUser(), "deliberation.raise_topic", tree["grid"])
    assert not can(user, "deliberation.raise_topic", tree["grid"])


@pytest.mark.django_db
def test_department_staff_act_only_for_their_own_organisation(tree):
    mine = factories.organisation(tree["district"], "department", "城管局")
    other = factories.organisation(tree["district"], "department", "住建局")
    staff = factories.member(Role.DEPARTMENT, tree["district"], organisation=mine)
    assert can(staff, "triage.handle", tree["grid"], organisation=mine)
    assert not can(staff, "triage.handle", tree["grid"], organisation=other)


@pytest.mark.django_db
def test_a_higher_area_covers_its_whole_subtree(tree):
    street_staff = factories.member(Role.COMMITTEE, tree["street"])
    assert can(street_staff, "residency.confirm", tree["grid"])
    assert can(street_staff, "residency.confirm", tree["other_grid"])
    assert not can(street_staff, "residency.confirm", tree["district"])


def test_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        can(None, "no.such.action")


@pytest.mark.django_db
def test_membership_lookups_are_cached_per_user_object(tree, django_assert_num_queries):
    user = factories.member(Role.COMMITTEE, tree["community"])
    permissions.forget(user)
    with django_assert_num_queries(1):
        for action in ACTIONS:
            can(user, action, tree["grid"])
