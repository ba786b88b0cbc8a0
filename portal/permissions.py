"""The one permission check every app calls: `can(user, action, area)`.

A user may perform `action` on something in `area` when they hold an active membership
whose role is allowed that action and whose area is `area` itself or an ancestor of it.
Some actions are restricted further to an organisation (a department acts only on what
is assigned to it).  Site administrators (role or Django superuser) may do everything.

Apps add their own actions with `register()` at import time of their `permissions`
module; the table below is the whole truth, and tests/portal/test_permissions.py checks
it as a role × action matrix (and that every action is checked somewhere).

Two rules sit on top of the table, here and nowhere else:

- no self-dealing: an action in `SELF_FORBIDDEN` is refused when the actor is also its
  beneficiary (`beneficiary=`), site administrators included: nobody fulfils their own
  redemption, checks themselves in, verifies their own hours, confirms their own
  residency, moderates their own contribution or handles their own request;
- a voice is personal: site administration does not grant the actions in `MEMBERS_ONLY`
  (supporting, voting, reporting); only a membership of that community does.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import Area, Membership, Organisation, Role
from .versions import bump_user_versions

R = Role

ACTIONS: dict[str, frozenset[str]] = {
    # portal
    "residency.confirm": frozenset({R.COMMITTEE}),
    # The Wagtail admin's people-and-places screens: a committee lists its community's
    # residents (and reads its areas and organisations) and ends a resident's membership.
    "portal.manage_memberships": frozenset({R.COMMITTEE}),
    # Granting or revoking a staff role (committee, grid worker, department, site admin,
    # volunteer): site administrators only (no role holds it), never for themselves.
    "portal.grant_role": frozenset(),
    # deliberation
    "deliberation.raise_topic": frozenset({R.RESIDENT, R.COMMITTEE}),
    "deliberation.support": frozenset({R.RESIDENT}),
    "deliberation.contribute": frozenset({R.RESIDENT, R.COMMITTEE, R.GRID_WORKER}),
    "deliberation.vote": frozenset({R.RESIDENT}),
    "deliberation.report": frozenset({R.RESIDENT, R.COMMITTEE}),
    "deliberation.register": frozenset({R.RESIDENT, R.VOLUNTEER}),
    "deliberation.moderate": frozenset({R.COMMITTEE}),
    "deliberation.manage": frozenset({R.COMMITTEE}),
    "deliberation.check_in": frozenset({R.COMMITTEE, R.GRID_WORKER}),
    # moral bank
    "credits.log_hours": frozenset({R.VOLUNTEER, R.RESIDENT}),
    "credits.verify_hours": frozenset({R.COMMITTEE}),
    "credits.redeem": frozenset({R.RESIDENT}),
    "credits.fulfil": frozenset({R.COMMITTEE}),
    "credits.manage": frozenset({R.COMMITTEE}),
    # triage
    "triage.report_for_resident": frozenset({R.GRID_WORKER, R.COMMITTEE}),
    "triage.hotline_intake": frozenset({R.DEPARTMENT}),
    "triage.triage": frozenset({R.COMMITTEE, R.DEPARTMENT}),
    "triage.handle": frozenset({R.COMMITTEE, R.DEPARTMENT, R.GRID_WORKER}),
    "triage.supervise": frozenset({R.COMMITTEE, R.DEPARTMENT}),
    "triage.view_dashboard": frozenset({R.COMMITTEE, R.DEPARTMENT, R.GRID_WORKER}),
    # The area's workbook holds every request's text: committees and departments (and,
    # above a community, the street and district supervising them), not grid workers.
    "triage.export": frozenset({R.COMMITTEE, R.DEPARTMENT}),
    # Drawing or importing the outlines of a community and its grids (the maps, and the
    # check that a reported point lies in the resident's grid).
    "triage.draw_outlines": frozenset({R.COMMITTEE}),
}

# Actions whose beneficiary may never be the one who acts (see `can(beneficiary=)`).
SELF_FORBIDDEN: frozenset[str] = frozenset(
    {
        "residency.confirm",  # confirming one's own residency
        "portal.manage_memberships",  # ending one's own membership
        "portal.grant_role",  # granting oneself a role, or revoking one's own
        "deliberation.check_in",  # checking oneself in (attendance pays coins)
        "deliberation.moderate",  # hiding, restoring or removing one's own contribution
        "credits.verify_hours",  # approving, rejecting or revoking one's own hours
        "credits.fulfil",  # handing oneself a reward (the coins leave for good)
        "triage.triage",  # classifying, and so routing, one's own request
        "triage.handle",  # starting, transferring, resolving, closing one's own request
    }
)

# Actions a site administrator may not take by virtue of being one: one voice per member.
MEMBERS_ONLY: frozenset[str] = frozenset(
    {"deliberation.support", "deliberation.vote", "deliberation.report"}
)

# Actions that only confirmed residents (not pending ones) may take are covered by the
# membership status: only ACTIVE memberships grant anything.


def register(action: str, roles: Iterable[str]) -> None:
    """Add an action (or widen one) from another app's permissions module."""
    ACTIONS[action] = frozenset(ACTIONS.get(action, frozenset()) | set(roles))


LIVE = (Membership.Status.PENDING, Membership.Status.ACTIVE)


def live_memberships(user) -> list[Membership]:
    """Pending and active memberships (with area and organisation), fetched once per user
    object, so once per request: both the roles (`active_memberships`) and the residency
    (`home_membership`) are read from this one query."""
    cached = getattr(user, "_portal_memberships", None)
    if cached is None:
        cached = _shared_memberships(user)
        user._portal_memberships = cached
    return cached


# A signed-in page reads its reader's memberships on nearly every request: outside a
# transaction (a page, not a service deciding a write) they come from the cache, which a
# membership's save or delete drops for its user (portal.signals), and an area's or an
# organisation's change drops for everyone (the "areas" version).  Inside a transaction
# they are always read from the database: a write must never decide on a cached role,
# nor cache what it has not committed.
MEMBERSHIP_CACHE_SECONDS = 300


def memberships_cache_key(user_pk) -> str:
    from .versions import named_version

    return f"portal:memberships:{user_pk}:{named_version('areas')}"


def _shared_memberships(user) -> list[Membership]:
    from django.core.cache import cache
    from django.db import connection

    shareable = user.pk is not None and not connection.in_atomic_block
    key = memberships_cache_key(user.pk) if shareable else ""
    if shareable:
        found = cache.get(key)
        if found is not None:
            return found
    rows = list(
        Membership.objects.filter(user=user, status__in=LIVE).select_related("area", "organisation")
    )
    if shareable:
        cache.set(key, rows, MEMBERSHIP_CACHE_SECONDS)
    return rows


def forget_shared_memberships(user_pk) -> None:
    """Drop a user's cached memberships now and once the write commits."""
    from django.core.cache import cache
    from django.db import transaction

    def drop():
        cache.delete(memberships_cache_key(user_pk))

    drop()
    transaction.on_commit(drop)
    bump_user_versions("memberships", user_pk)  # their home panels show by their roles


def active_memberships(user) -> list[Membership]:
    """Active memberships: the only ones that grant anything.  Other apps read a user's
    roles through this, not the database."""
    return [m for m in live_memberships(user) if m.status == Membership.Status.ACTIVE]


def forget(user) -> None:
    """Drop the per-request membership cache after a membership changes."""
    if hasattr(user, "_portal_memberships"):
        del user._portal_memberships


def is_site_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or any(m.role == R.SITE_ADMIN for m in active_memberships(user))


def _pk(who) -> int | None:
    return who if isinstance(who, int) else getattr(who, "pk", None)


def is_self_dealing(user, action: str, beneficiary) -> bool:
    """Would `user` taking `action` for `beneficiary` (a user or a user id) be self-dealing?"""
    if action not in ACTIONS:
        raise KeyError(f"Unknown action {action!r}; register it in portal.permissions")
    if beneficiary is None or action not in SELF_FORBIDDEN:
        return False
    mine = _pk(user)
    return mine is not None and mine == _pk(beneficiary)


def can(
    user,
    action: str,
    area: Area | None = None,
    *,
    organisation: Organisation | None = None,
    beneficiary=None,
    within: bool = False,
) -> bool:
    """May `user` perform `action` on something in `area` (for `organisation`)?

    `area=None` asks "anywhere": used to decide whether to show a menu entry.
    `beneficiary` is the person the action is for (whose redemption, registration, hours,
    residency, contribution or request): actions in `SELF_FORBIDDEN` are refused when it
    is `user`.  `within=True` also counts a membership inside `area` (a resident of one of
    a community's grids takes part in the community's deliberation).
    """
    if is_self_dealing(user, action, beneficiary):
        return False
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action not in MEMBERS_ONLY and is_site_admin(user):
        return True
    roles = ACTIONS[action]
    for m in active_memberships(user):
        if m.role not in roles:
            continue
        if area is not None and not (
            area.path.startswith(m.area.path) or (within and m.area.path.startswith(area.path))
        ):
            continue
        if organisation is not None and m.organisation_id not in (None, organisation.pk):
            continue
        if organisation is not None and m.role == R.DEPARTMENT and m.organisation_id is None:
            continue
        return True
    return False


def require(user, action: str, area: Area | None = None, *, message=None, **kwargs) -> None:
    """`can()` or raise PermissionDenied with a translated message (`message` if given)."""
    if is_self_dealing(user, action, kwargs.get("beneficiary")):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not can(user, action, area, **kwargs):
        raise PermissionDenied(message or _("You do not have permission to do this here."))


SELF_DEALING_MESSAGE = _("Nobody may do this for themselves: ask a colleague.")


def areas_for(user, action: str) -> list[Area]:
    """The roots of the subtrees in which `user` may perform `action`."""
    if not getattr(user, "is_authenticated", False):
        return []
    if action not in MEMBERS_ONLY and is_site_admin(user):
        return list(Area.get_root_nodes())
    roles = ACTIONS[action]
    return [m.area for m in active_memberships(user) if m.role in roles]


def home_membership(user) -> Membership | None:
    """The user's live residency (pending or active), if any: at most one
    (`membership_one_live_residency`)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return next((m for m in live_memberships(user) if m.role == R.RESIDENT), None)


def acts_in(user, action: str, community: Area, **kwargs) -> bool:
    """`can()` over `community`, or a membership for `action` inside it: a resident of
    one of a community's grids takes part in the community's deliberation and bank."""
    return can(user, action, community, within=True, **kwargs)


def require_in(user, action: str, community: Area, *, message=None, **kwargs) -> None:
    require(user, action, community, within=True, message=message, **kwargs)
