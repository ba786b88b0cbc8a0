"""Who may read a request, and who may triage it: the rules every surface uses.

Triage's actions live in portal.permissions.ACTIONS (triage.report_for_resident,
triage.hotline_intake, triage.triage, triage.handle, triage.supervise,
triage.view_dashboard, triage.export); this module adds no action, only the reading and
triaging rules built on their memberships.

What anyone may see is `Request.objects.public()` (`triage.models.public_q`), shown
through `triage.privacy.public_text`.  The whole record (text as typed, reporter, photos,
the full timeline) is for:

- the reporter;
- whoever entered it for them (grid worker, hotline), until it is handed off by triage;
- the organisations that handled it (it was assigned or transferred to them, they
  started, resolved or answered it), through a member whose handling role covers its
  place — the same test as `can(user, "triage.handle", area, organisation=org)`;
- the organisations above those handlers (`Organisation.parent` chain) and the one
  supervising it, through a member whose supervising role covers its place;
- while it waits for triage: the committee of its community and the organisations
  above that committee (street office, district government) — its triagers;
- site administrators.

Not an unrelated department, not the 12345 hotline after hand-off, not a resident of
another community.  `readable_q(user)` is the rule as one queryset filter; `can_read`
asks it for one request; lists filter with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from portal.models import Organisation, Role
from portal.permissions import (
    ACTIONS,
    active_memberships,
    home_membership,
    is_self_dealing,
    is_site_admin,
)

UNTRIAGED = ("submitted", "triaged")
# Timeline kinds whose `organisation` handled the request (not ESCALATED: that names the
# supervisor, who reads it as a supervisor).
HANDLING_EVENTS = ("assigned", "transferred", "started", "resolved", "replied")
NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    """A user's triage powers, worked out once per request cycle from their memberships
    and the organisation tree (one query)."""

    admin: bool
    # (area path, organisation id or None for "any handling organisation")
    handle: tuple[tuple[str, int | None], ...]
    # (area path, own organisation id, ids of the organisations below it; None = any)
    supervise: tuple[tuple[str, int | None, frozenset[int] | None], ...]
    # (area path, paths of the communities whose committee is it or below it; None = any)
    triage: tuple[tuple[str, tuple[str, ...] | None], ...]


EMPTY = Scope(False, (), (), ())


def _org_tree() -> tuple[dict[int, list[int]], dict[int, tuple[str, str, bool]]]:
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[str, str, bool]] = {}
    for pk, parent, kind, path, active in Organisation.objects.values_list(
        "pk", "parent_id", "kind", "area__path", "is_active"
    ):
        info[pk] = (kind, path, active)
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    return children, info


def _below(org_id: int, children: dict[int, list[int]]) -> set[int]:
    out, todo = set(), list(children.get(org_id, ()))
    while todo:
        pk = todo.pop()
        if pk not in out:
            out.add(pk)
            todo.extend(children.get(pk, ()))
    return out


def scope(user) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    memberships = active_memberships(user)
    cached = getattr(user, "_triage_scope", None)
    if cached is not None and cached[0] is memberships:
        return cached[1]
    if is_site_admin(user):
        result = Scope(True, (), (), ())
    else:
        handle, supervise, triage = [], [], []
        tree = None
        for m in memberships:
            roles = {
                a
                for a in ("triage.handle", "triage.supervise", "triage.triage")
                if m.role in ACTIONS[a]
            }
            if not roles:
                continue
            if m.organisation_id is None and m.role == Role.DEPARTMENT:
                continue  # as in can(): department staff act only for their organisation
            org = m.organisation_id
            if org is not None and tree is None and roles - {"triage.handle"}:
                tree = _org_tree()
            if "triage.handle" in roles:
                handle.append((m.area.path, org))
            if "triage.supervise" in roles:
                below = None if org is None else frozenset(_below(org, tree[0]))
                supervise.append((m.area.path, org, below))
            if "triage.triage" in roles:
                if org is None:
                    communities = None
                else:
                    children, info = tree
                    communities = tuple(
                        sorted(
                            {
                                info[pk][1]
                                for pk in _below(org, children) | {org}
                                if pk in info and info[pk][0] == "committee" and info[pk][2]
                            }
                        )
                    )
                triage.append((m.area.path, communities))
        result = Scope(False, tuple(handle), tuple(supervise), tuple(triage))
    user._triage_scope = (memberships, result)
    return result


def _handled_by(org_ids) -> Exists:
    from .models import Event

    return Exists(
        Event.objects.filter(
            request=OuterRef("pk"), organisation_id__in=list(org_ids), kind__in=HANDLING_EVENTS
        )
    )


def _triage_q(sc: Scope) -> Q:
    q = NOTHING
    for path, communities in sc.triage:
        where = Q(area_path__startswith=path)
        if communities is not None:
            inside = NOTHING
            for c in communities:
                inside |= Q(area_path__startswith=c)
            where &= inside
        q |= where
    return q


def triage_q(user) -> Q:
    """Requests `user` may triage (whatever their status)."""
    sc = scope(user)
    if sc.admin:
        return Q(pk__isnull=False)
    return _triage_q(sc)


def readable_q(user) -> Q:
    """The whole rule as one filter on `Request`."""
    sc = scope(user)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if sc.admin:
        return Q(pk__isnull=False)
    q = Q(reporter_id=user.pk) | Q(entered_by_id=user.pk, status__in=UNTRIAGED)
    for path, org in sc.handle:
        handled = (
            Q(organisation__isnull=False)
            if org is None
            else Q(organisation_id=org) | _handled_by([org])
        )
        q |= Q(area_path__startswith=path) & handled
    for path, own, below in sc.supervise:
        if below is None:
            above = Q(organisation__isnull=False) | Q(supervisor__isnull=False)
        else:
            above = Q(supervisor_id=own)
            if below:
                above |= Q(organisation_id__in=below) | _handled_by(below)
        q |= Q(area_path__startswith=path) & above
    if sc.triage:
        q |= Q(status__in=UNTRIAGED) & _triage_q(sc)
    return q


def can_read(user, req) -> bool:
    """May `user` read the whole record of `req` (not just its public view)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if req.reporter_id == user.pk or scope(user).admin:
        return True
    from .models import Request

    return Request.objects.filter(readable_q(user), pk=req.pk).exists()


def can_triage(user, req) -> bool:
    """May `user` confirm the class of `req`: its community's committee and the
    organisations above that committee, never an unrelated department or the hotline, and
    never the reporter (portal.permissions' self-dealing rule)."""
    if is_self_dealing(user, "triage.triage", req.reporter_id):
        return False
    sc = scope(user)
    if sc.admin:
        return True
    return any(
        req.area_path.startswith(path)
        and (communities is None or any(req.area_path.startswith(c) for c in communities))
        for path, communities in sc.triage
    )


def filing_home(user):
    """The residency a signed-in resident's web requests are filed under, or None.

    The one rule for the web form (我要反映): a live residency, confirmed OR still waiting
    for the committee.  The 12345 hotline takes a call from anyone, so the web form does
    not turn away a resident whose claim is pending: the request is filed for the grid
    they declared, and triage (by that community's committee) works as for anyone else.
    """
    return home_membership(user)
