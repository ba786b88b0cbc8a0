"""The role × action matrix of portal.permissions.can(), and its scoping rules."""

import pathlib
import re

import pytest
from django.conf import settings

from portal import permissions
from portal.models import Membership, Role
from portal.permissions import ACTIONS, MEMBERS_ONLY, SELF_FORBIDDEN, can
from tests import factories

ROLES = [r.value for r in Role if r != Role.SITE_ADMIN]

RES, VOL, GRID, COM, DEP = "resident", "volunteer", "grid_worker", "committee", "department"

# The whole table, written out: a new action (or a widened one) must be added here.
MATRIX: dict[str, set[str]] = {
    "residency.confirm": {COM},
    "portal.manage_memberships": {COM},
    "portal.grant_role": set(),
    "deliberation.raise_topic": {RES, COM},
    "deliberation.support": {RES},
    "deliberation.contribute": {RES, COM, GRID},
    "deliberation.vote": {RES},
    "deliberation.report": {RES, COM},
    "deliberation.register": {RES, VOL},
    "deliberation.moderate": {COM},
    "deliberation.manage": {COM},
    "deliberation.check_in": {COM, GRID},
    "credits.log_hours": {VOL, RES},
    "credits.verify_hours": {COM},
    "credits.redeem": {RES},
    "credits.fulfil": {COM},
    "credits.manage": {COM},
    "triage.report_for_resident": {GRID, COM},
    "triage.hotline_intake": {DEP},
    "triage.triage": {COM, DEP},
    "triage.handle": {COM, DEP, GRID},
    "triage.supervise": {COM, DEP},
    "triage.view_dashboard": {COM, DEP, GRID},
    "triage.export": {COM, DEP},
    "triage.draw_outlines": {COM},
}


def test_the_matrix_lists_every_registered_action_and_no_other():
    assert set(MATRIX) == set(ACTIONS)
    assert {a: set(r) for a, r in ACTIONS.items()} == MATRIX


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_its_actions_inside_its_area(tree, role):
    scope = tree["community"]
    user = factories.UserFactory()
    Membership.objects.create(user=user, role=role, area=scope, status="active")
    for action, roles in MATRIX.items():
        expected = role in roles
        assert can(user, action, tree["grid"]) is expected, (role, action)
        # Never outside the subtree of the membership's area.
        assert can(user, action, tree["other_grid"]) is False, (role, action)
        assert can(user, action, tree["street"]) is False, (role, action)


@pytest.mark.django_db
def test_site_admin_may_do_everything_everywhere_but_speak_for_members(tree):
    admin = factories.member(Role.SITE_ADMIN, tree["city"])
    for action in ACTIONS:
        assert can(admin, action, tree["other_grid"]) is (action not in MEMBERS_ONLY), action
    assert MEMBERS_ONLY == {"deliberation.support", "deliberation.vote", "deliberation.report"}


# --- one permission truth: every action is checked, every checked action is known -------

_SOURCE_DIRS = ("portal", "cms", "credits", "deliberation", "triage")
_ACTION_LITERAL = re.compile(r"""["']([a-z_]+\.[a-z_]+)["']""")
_CHECKS = re.compile(
    r"""(?:can|require|areas_for|acts_in|require_in|_require_in|is_self_dealing)\(\s*"""
    r"""[\w.]+,\s*["']([a-z_]+\.[a-z_]+)["']"""
)


def _sources():
    root = pathlib.Path(settings.BASE_DIR)
    for folder in _SOURCE_DIRS:
        for path in (root / folder).rglob("*"):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            if path == root / "portal" / "permissions.py":
                continue
            yield path, path.read_text(encoding="utf-8")


def test_every_registered_action_is_checked_somewhere_outside_the_table():
    used = set()
    for _path, text in _sources():
        used |= set(_ACTION_LITERAL.findall(text))
    never = sorted(set(ACTIONS) - used)
    assert never == [], (
        f"registered but never checked (check it where it belongs or remove it): {never}"
    )


def test_every_checked_action_is_registered_and_in_the_matrix():
    checked = {}
    for path, text in _sources():
        for action in _CHECKS.findall(text):
            checked.setdefault(action, path)
    assert checked, "the scan found no permission checks at all"
    unknown = {a: str(p) for a, p in checked.items() if a not in ACTIONS or a not in MATRIX}
    assert unknown == {}


# --- no self-dealing ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(SELF_FORBIDDEN))
def test_nobody_acts_for_themselves_not_even_a_site_admin(tree, action):
    staff = factories.UserFactory()
    for role in (COM, DEP, GRID):
        Membership.objects.create(user=staff, role=role, area=tree["community"], status="active")
    admin = factories.member(Role.SITE_ADMIN, tree["city"])
    other = factories.resident(tree["grid"])
    for user in (staff, admin):
        if can(user, action, tree["grid"]):  # the role may act here at all
            assert can(user, action, tree["grid"], beneficiary=other)
            assert can(user, action, tree["grid"], beneficiary=other.pk)
            assert not can(user, action, tree["grid"], beneficiary=user)
            assert not can(user, action, tree["grid"], beneficiary=user.pk)
            with pytest.raises(permissions.PermissionDenied) as exc:
                permissions.require(user, action, tree["grid"], beneficiary=user)
            assert str(exc.value) == str(permissions.SELF_DEALING_MESSAGE)
    assert can(admin, action, tree["grid"])


@pytest.mark.django_db
def test_a_membership_inside_the_area_counts_only_when_asked(tree):
    resident = factories.resident(tree["grid"])
    assert not can(resident, "deliberation.vote", tree["community"])
    assert can(resident, "deliberation.vote", tree["community"], within=True)
    assert not can(resident, "deliberation.vote", tree["other_community"], within=True)


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
