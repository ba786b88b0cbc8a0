"""Who may do what to which request: the rules every surface (pages, services, the
Open311 API, notifications) uses.

Triage's actions live in portal.permissions.ACTIONS (triage.report_for_resident,
triage.hotline_intake, triage.triage, triage.handle, triage.supervise,
triage.view_dashboard, triage.export, triage.draw_outlines); this module adds no action,
only the rules for one request (read, triage, handle, supervise) built on `can()` and the
memberships.

What anyone may see is `Request.objects.public()` (`triage.models.public_q`), shown
through `triage.privacy.public_text`.  The whole record (text as typed, reporter, photos,
the full timeline) is for:

- the reporter;
- whoever entered it for them (grid worker, hotline), until it is handed off by triage;
- the organisations that handled it (it was assigned or transferred to them, they
  started, resolved or answered it), through a member whose handling role covers its
  place — the same test as `can(user, "triage.handle", area, organisation=org)`;
- the organisations above those handlers (`Organisation.parent` chain), the one
  supervising it, and the supervising offices (`Organisation.supervises`: street office,
  district government) serving its place, through a member whose supervising role covers
  its place;
- while it waits for triage: the committee of its community and the organisations
  above that committee (street office, district government) — its triagers;
- site administrators.

Not an unrelated department, not the 12345 hotline after hand-off, not a resident of
another community.  `readable_q(user)` is the rule as one queryset filter; `can_read`
asks it for one request; lists filter with it.

The rules for one request, each on top of `portal.permissions.can()`:

- `can_handle` / `require_handler`: the organisation handling it (never its reporter);
- `can_supervise`: 联合督办 — the supervising offices serving its place (street office,
  district government, city: `area_supervisors`), the organisations above the handler
  (`supervising_orgs`) and the one it was escalated to (`escalation_chain`);
- `can_triage` / `require_triager`: its community's committee and the levels above it;
- `standing`: all of the above for one user and one request, worked out once per page.

And for a person: `filing_home` (where a resident's web requests are filed) and
`intake_roots` (channels and grids a grid worker or the 12345 hotline enters requests for).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal.models import Area, Organisation, Role
from portal.permissions import (
    ACTIONS,
    SELF_DEALING_MESSAGE,
    active_memberships,
    areas_for,
    can,
    home_membership,
    is_self_dealing,
    is_site_admin,
)
from portal.scoping import area_q

from .models import Event, Request

UNTRIAGED = ("submitted", "triaged")
# Timeline kinds whose `organisation` handled the request (not ESCALATED: that names the
# supervisor, who reads it as a supervisor).  REFERRED names the committee that referred a
# 私事: it and the levels above keep reading it, without handling it.
HANDLING_EVENTS = ("assigned", "transferred", "started", "resolved", "replied", "referred")
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


def _org_tree() -> tuple[dict[int, list[int]], dict[int, tuple[str, str, bool, bool]]]:
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[str, str, bool, bool]] = {}
    for pk, parent, kind, path, active, supervises in Organisation.objects.values_list(
        "pk", "parent_id", "kind", "area__path", "is_active", "supervises"
    ):
        info[pk] = (kind, path, active, supervises)
        if parent is not None:
            children.setdefault(parent, []).append(pk)
    return children, info


def _within(a: str, b: str) -> str | None:
    """The deeper of two area paths if one subtree holds the other, else None."""
    if a.startswith(b):
        return a
    if b.startswith(a):
        return b
    return None


def _office_paths(m) -> list[str]:
    """Where a member of a supervising office (联合督办) follows every request: the
    areas the office serves, within the member's own area."""
    org = m.organisation
    served = [org.area.path, *org.served_areas.values_list("path", flat=True)]
    return [p for p in (_within(s, m.area.path) for s in served) if p]


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
                if org is not None and m.organisation.supervises and m.organisation.is_active:
                    # 联合督办: a street office or district government follows every
                    # request in the areas it serves, whoever handles it.
                    supervise += [(p, org, None) for p in _office_paths(m)]
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
    return Exists(
        Event.objects.filter(
            request=OuterRef("pk"), organisation_id__in=list(org_ids), kind__in=HANDLING_EVENTS
        )
    )


def _triage_q(sc: Scope) -> Q:
    q = NOTHING
    for path, communities in sc.triage:
        where = area_q(path, "area_path")
        if communities is not None:
            where &= area_q(communities, "area_path")
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
        q |= area_q(path, "area_path") & handled
    for path, own, below in sc.supervise:
        if below is None:
            above = Q(organisation__isnull=False) | Q(supervisor__isnull=False)
        else:
            above = Q(supervisor_id=own)
            if below:
                above |= Q(organisation_id__in=below) | _handled_by(below)
        q |= area_q(path, "area_path") & above
    if sc.triage:
        q |= Q(status__in=UNTRIAGED) & _triage_q(sc)
    return q


def can_read(user, req) -> bool:
    """May `user` read the whole record of `req` (not just its public view)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if req.reporter_id == user.pk or scope(user).admin:
        return True
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


# --- one request: handle, supervise, triage ---------------------------------------------


def supervising_orgs(org: Organisation | None) -> list[Organisation]:
    """The organisations above `org` (its `parent` chain), nearest first: who supervises
    its handling when no supervising office over its place says otherwise."""
    chain, seen = [], set()
    current = org.parent if org else None
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def area_supervisors(area: Area) -> list[Organisation]:
    """The supervising offices (`Organisation.supervises`) serving `area`, nearest first:
    the levels of 联合督办 over a place (grid → community → street → district → city)."""
    offices = list(
        Organisation.serving(area)
        .filter(supervises=True)
        .select_related("area")
        .prefetch_related("served_areas")
    )
    offices.sort(key=lambda o: (-o.serving_depth(area), o.pk))
    return offices


def escalation_chain(req) -> list[Organisation]:
    """Where an overdue `req` escalates, level by level, nearest first: the supervising
    offices over its area that stand above its handler (never the handler, none below the
    handler's own level), merged with the handler's `parent` chain for organisations
    whose place has no supervising office."""
    handler = req.organisation
    limit = handler.area.depth if handler is not None else req.area.depth
    found: dict[int, tuple[int, Organisation]] = {}
    for o in area_supervisors(req.area):
        depth = o.serving_depth(req.area)
        if o.pk != req.organisation_id and depth <= limit:
            found[o.pk] = (depth, o)
    for o in supervising_orgs(handler):
        found.setdefault(o.pk, (o.area.depth, o))
    return [o for _d, o in sorted(found.values(), key=lambda t: (-t[0], t[1].pk))]


def can_handle(user, req) -> bool:
    """A member of the organisation handling `req` whose handling role covers its place;
    never its reporter."""
    if req.organisation is None:
        return False
    return can(
        user,
        "triage.handle",
        req.area,
        organisation=req.organisation,
        beneficiary=req.reporter_id,
    )


def require_handler(user, req) -> None:
    """`can_handle` (or a site administrator, never for their own request), or a
    translated refusal."""
    if is_self_dealing(user, "triage.handle", req.reporter_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not (can_handle(user, req) or is_site_admin(user)):
        raise PermissionDenied(_("Only the organisation handling this request may do this."))


def can_supervise(user, req) -> bool:
    """联合督办: a supervising member of an organisation above the handler, or of the one
    the request was escalated to, whose role covers its place."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_site_admin(user):
        return True
    if not can(user, "triage.supervise"):  # no supervising role anywhere: no queries
        return False
    if req.organisation_id is not None and _office_supervises(user, req):
        return True
    orgs = supervising_orgs(req.organisation)
    if req.supervisor_id and req.supervisor_id not in {o.pk for o in orgs}:
        orgs.append(req.supervisor)
    return any(can(user, "triage.supervise", req.area, organisation=o) for o in orgs)


def _office_supervises(user, req) -> bool:
    """联合督办: `user` is a supervising member of a supervising office that serves the
    request's place (not the office handling it), and their own area covers it."""
    offices = {
        m.organisation_id
        for m in active_memberships(user)
        if m.role in ACTIONS["triage.supervise"]
        and m.organisation_id not in (None, req.organisation_id)
        and m.organisation.supervises
        and m.organisation.is_active
        and req.area_path.startswith(m.area.path)
    }
    if not offices:  # not a supervising office's member here: no query
        return False
    return Organisation.serving(req.area).filter(pk__in=offices, supervises=True).exists()


def require_supervisor(user, req) -> None:
    if not can_supervise(user, req):
        raise PermissionDenied(_("Only the level above the handler may supervise this request."))


def require_triager(user, req) -> None:
    """`can_triage`, or a translated refusal (the self-dealing one for the reporter)."""
    if is_self_dealing(user, "triage.triage", req.reporter_id):
        raise PermissionDenied(SELF_DEALING_MESSAGE)
    if not can_triage(user, req):
        raise PermissionDenied(
            _("Only the committee of its community and the levels above it triage this request.")
        )


def require_reporter(user, req, message) -> None:
    """Only the resident who reported `req` (rating, reopening): `message` otherwise."""
    if user is None or req.reporter_id != user.pk:
        raise PermissionDenied(message)


@dataclass(frozen=True)
class Standing:
    """What one user may do with one request, worked out once (a page asks several times)."""

    handles: bool
    supervises: bool
    triages: bool
    sees_reporter: bool

    untriaged: bool = False

    @property
    def staff(self) -> bool:
        return self.handles or self.supervises or self.triages

    @property
    def reads(self) -> bool:
        """Implies `can_read` (tests check it): a shortcut for pages."""
        return self.handles or self.supervises or (self.untriaged and self.triages)


def standing(user, req) -> Standing:
    if not getattr(user, "is_authenticated", False):
        return Standing(False, False, False, False)
    handles = can_handle(user, req)
    supervises = can_supervise(user, req)
    triages = can_triage(user, req)
    # Name and contact: the reporter, handlers and supervisors, and, while the request
    # waits for triage, its triagers and whoever entered it (not after hand-off).
    untriaged = req.status in UNTRIAGED
    sees_reporter = (
        user.pk == req.reporter_id
        or handles
        or supervises
        or (untriaged and (triages or user.pk == req.entered_by_id))
    )
    return Standing(handles, supervises, triages, sees_reporter, untriaged)


# --- entering a request for a resident ----------------------------------------------------


def is_hotline(org) -> bool:
    """The 12345 hotline is the department organisation answering on 12345."""
    return bool(
        org
        and org.kind == Organisation.Kind.DEPARTMENT
        and (org.phone.strip() == "12345" or "12345" in org.name)
    )


def intake_roots(user):
    """(channels, grids, {channel: areas}): the channels a staff member may enter
    requests through, the grids they may enter them for (a lazy queryset), and the areas
    each channel covers for them.

    Hotline intake needs a department membership on the 12345 hotline organisation
    (any department may hold `triage.hotline_intake`, but only the hotline takes calls).
    """
    channels, roots, by_channel = [], [], {}
    if is_site_admin(user):
        hotline_roots = areas_for(user, "triage.hotline_intake")
    else:
        hotline_roots = [
            m.area
            for m in active_memberships(user)
            if m.role == Role.DEPARTMENT and is_hotline(m.organisation)
        ]
    if hotline_roots:
        channels.append(Request.Channel.HOTLINE)
        roots += hotline_roots
        by_channel[Request.Channel.HOTLINE] = hotline_roots
    worker_roots = areas_for(user, "triage.report_for_resident")
    if worker_roots:
        channels.append(Request.Channel.GRID_WORKER)
        roots += worker_roots
        by_channel[Request.Channel.GRID_WORKER] = worker_roots
    grids = Area.objects.filter(area_q(roots), kind=Area.Kind.GRID).order_by("path")
    return channels, grids, by_channel


# --- a 私事 referral: the resident and the volunteers they ask (issue 10) ------------------


def is_offer_volunteer(user, offer) -> bool:
    return bool(getattr(user, "is_authenticated", False) and offer.volunteer_id == user.pk)


def require_offer_volunteer(user, offer) -> None:
    """Only the volunteer who was asked sees the request and answers, logs hours."""
    if not is_offer_volunteer(user, offer):
        raise PermissionDenied(_("Only the volunteer who was asked may do this."))


def require_hours_confirmer(user, offer, req) -> None:
    """The resident who asked for the help confirms the hours; never the volunteer."""
    if is_offer_volunteer(user, offer):
        raise PermissionDenied(_("Nobody confirms their own hours."))
    require_reporter(user, req, _("Only the resident who asked for the help may confirm it."))
