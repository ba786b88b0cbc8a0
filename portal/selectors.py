"""Reads about people and places that pages share."""

from __future__ import annotations

from .models import Area, Membership, Role


def communities():
    return Area.objects.filter(kind=Area.Kind.COMMUNITY).order_by("path")


def grids_of(community: Area):
    return Area.objects.filter(kind=Area.Kind.GRID, path__startswith=community.path).order_by(
        "path"
    )


def pending_residencies_for(areas: list[Area]):
    """Residency claims waiting in any of `areas`' subtrees, oldest first."""
    from django.db.models import Q

    if not areas:
        return Membership.objects.none()
    scope = Q()
    for area in areas:
        scope |= Q(area__path__startswith=area.path)
    return (
        Membership.objects.filter(scope, role=Role.RESIDENT, status=Membership.Status.PENDING)
        .select_related("user", "area")
        .order_by("created_at")
    )
