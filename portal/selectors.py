"""Reads about people and places that pages share."""

from __future__ import annotations

from .models import Area, Membership, Organisation, Role
from .permissions import home_membership
from .scoping import area_q


def communities():
    return Area.objects.filter(kind=Area.Kind.COMMUNITY).order_by("path")


def grids_of(community: Area):
    return Area.objects.filter(kind=Area.Kind.GRID, path__startswith=community.path).order_by(
        "path"
    )


def pending_residencies_for(areas: list[Area]):
    """Residency claims waiting in any of `areas`' subtrees, oldest first."""
    return (
        Membership.objects.filter(
            area_q(areas, "area__path"), role=Role.RESIDENT, status=Membership.Status.PENDING
        )
        .select_related("user", "area")
        .order_by("created_at")
    )


def deciding_committee(area: Area) -> str:
    """Who confirms a residency in `area`: its community's committee by name (one query),
    else the community's name with "community committee"."""
    from django.utils.translation import gettext

    paths = area.ancestor_paths()
    committee = (
        Organisation.objects.filter(
            kind=Organisation.Kind.COMMITTEE,
            is_active=True,
            area__path__in=paths,
            area__kind=Area.Kind.COMMUNITY,
        )
        .order_by("pk")
        .first()
    )
    if committee is not None:
        return committee.name
    community = Area.objects.filter(path__in=paths, kind=Area.Kind.COMMUNITY).first()
    return gettext("the committee of %(community)s") % {
        "community": community.name if community else area.name
    }


def residency_status(user) -> dict:
    """Where the user's residency stands, for their dashboard and the residency page:
    the live claim (pending or confirmed) with who decides it, or else the last decision
    that ended one (rejected or ended, with its reason)."""
    home = home_membership(user)
    status = {"home": home, "committee": "", "last": None}
    if home is not None:
        if home.status == Membership.Status.PENDING:
            status["committee"] = deciding_committee(home.area)
        return status
    status["last"] = (
        Membership.objects.filter(
            user=user,
            role=Role.RESIDENT,
            status__in=[Membership.Status.REJECTED, Membership.Status.ENDED],
            decided_at__isnull=False,
        )
        .select_related("area")
        .order_by("-decided_at", "-pk")
        .first()
    )
    return status
