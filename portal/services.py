"""Writes about people and places: declaring and confirming residency, granting roles."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .models import Area, Membership, Organisation, Role, User


@transaction.atomic
def area_create(*, parent: Area | None, name: str, kind: str, code: str, **fields) -> Area:
    """Add a node to the area tree, keeping the city→…→grid shape."""
    if parent is None:
        if kind != Area.Kind.CITY:
            raise ValidationError(_("Only a city can be the top of the area tree."))
        return Area.add_root(name=name, kind=kind, code=code, **fields)
    if Area.CHILD_KIND.get(parent.kind) != kind:
        raise ValidationError(
            _("A %(child)s cannot be placed directly under a %(parent)s.")
            % {"child": Area.Kind(kind).label, "parent": Area.Kind(parent.kind).label}
        )
    parent.refresh_from_db()  # treebeard needs the current numchild
    return parent.add_child(name=name, kind=kind, code=code, **fields)


def area_references(area: Area) -> bool:
    """Does anything (a child area, a membership, a request, a page...) point at `area`?"""
    if area.get_children_count():
        return True
    for rel in Area._meta.related_objects:
        if rel.many_to_many or rel.one_to_many or rel.one_to_one:
            manager = rel.related_model._base_manager
            if manager.filter(**{rel.field.name: area}).exists():
                return True
    return False


AREA_IN_USE = _(
    "This area is still in use (sub-areas, members, organisations, requests or pages refer "
    "to it), so it cannot be deleted."
)


@transaction.atomic
def area_delete(*, area: Area, deleted_by: User) -> None:
    """Delete an area nothing refers to.  A used area is refused, never cascaded."""
    if not permissions.is_site_admin(deleted_by):
        raise PermissionDenied(_("Only site administrators change the area tree."))
    area = Area.objects.select_for_update().get(pk=area.pk)
    if area_references(area):
        raise ValidationError(AREA_IN_USE)
    from wagtail.log_actions import log

    try:
        with transaction.atomic():
            log(instance=area, action="wagtail.delete", user=deleted_by, deleted=True)
            area.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(AREA_IN_USE) from exc


ORGANISATION_IN_USE = _(
    "This organisation is still in use (members, requests or services refer to it), so it "
    "cannot be deleted. Mark it inactive instead."
)


@transaction.atomic
def organisation_delete(*, organisation: Organisation, deleted_by: User) -> None:
    """Delete an organisation nothing refers to; a used one is refused, never cascaded."""
    if not permissions.is_site_admin(deleted_by):
        raise PermissionDenied(_("Only site administrators manage organisations."))
    from wagtail.log_actions import log

    try:
        with transaction.atomic():
            log(instance=organisation, action="wagtail.delete", user=deleted_by, deleted=True)
            organisation.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise ValidationError(ORGANISATION_IN_USE) from exc


@transaction.atomic
def residency_declare(*, user: User, grid: Area, community: Area, address: str = "") -> Membership:
    """A resident says where they live.  It waits for the community committee to confirm.

    Declaring again replaces a pending claim; a confirmed resident who moves starts a new
    pending claim and keeps nothing from the old one.
    """
    if community.kind != Area.Kind.COMMUNITY:
        raise ValidationError(_("Choose a community."))
    if grid.kind != Area.Kind.GRID or not community.contains(grid):
        raise ValidationError(_("The grid you chose is not in that community."))
    Membership.objects.filter(
        user=user,
        role=Role.RESIDENT,
        status__in=[Membership.Status.PENDING, Membership.Status.ACTIVE],
    ).update(status=Membership.Status.ENDED)
    membership = Membership.objects.create(
        user=user,
        role=Role.RESIDENT,
        area=grid,
        status=Membership.Status.PENDING,
        address=address.strip(),
    )
    permissions.forget(user)
    return membership


@transaction.atomic
def residency_decide(
    *, membership: Membership, decided_by: User, confirm: bool, note: str = ""
) -> Membership:
    """A committee member of the grid's community confirms or rejects a residency claim."""
    membership = Membership.objects.select_for_update().select_related("area").get(pk=membership.pk)
    if membership.role != Role.RESIDENT:
        raise ValidationError(_("Only residency claims are confirmed here."))
    permissions.require(
        decided_by, "residency.confirm", membership.area, beneficiary=membership.user_id
    )
    if membership.status != Membership.Status.PENDING:
        raise ValidationError(_("This claim has already been decided."))
    if not confirm and not note.strip():
        raise ValidationError(_("Give a reason when rejecting a claim."))
    membership.status = Membership.Status.ACTIVE if confirm else Membership.Status.REJECTED
    membership.decided_by = decided_by
    membership.decided_at = timezone.now()
    membership.decision_note = note.strip()
    membership.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    permissions.forget(membership.user)
    _log(
        membership, "portal.residency_confirm" if confirm else "portal.residency_reject", decided_by
    )
    residency_notify(membership=membership, event="confirmed" if confirm else "rejected")
    return membership


RESIDENCY_CATEGORY = "portal.residency"


def residency_notify(*, membership: Membership, event: str) -> None:
    """Tell the resident their claim was confirmed, rejected or their residency ended:
    on the site and by email, in their own language, with the reason if one was given."""
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation

    from . import notifications, selectors

    user = membership.user
    with translation.override(user.language or "zh-hans"):
        place = membership.area.full_name
        titles = {
            "confirmed": _("Your residency in %(place)s is confirmed"),
            "rejected": _("Your residency claim for %(place)s was not confirmed"),
            "ended": _("Your residency in %(place)s has ended"),
        }
        title = titles[event] % {"place": place}
        body = render_to_string(
            "portal/email/residency_decision.txt",
            {
                "event": event,
                "place": place,
                "committee": selectors.deciding_committee(membership.area),
                "note": membership.decision_note,
            },
        ).strip()
    url = reverse("portal:dashboard") if event == "confirmed" else reverse("portal:residency")
    notifications.notify(
        users=[user],
        category=RESIDENCY_CATEGORY,
        event_key=f"portal-residency-{event}:{membership.pk}",
        title=title,
        body=body,
        url=url,
    )


def _log(membership: Membership, action: str, user: User) -> None:
    """Who granted, confirmed, rejected or ended a membership, and when (Wagtail's log)."""
    from wagtail.log_actions import log

    log(
        instance=membership,
        action=action,
        user=user,
        data={"role": membership.role, "area": membership.area_id, "user": membership.user_id},
    )


STAFF_ROLES = frozenset(r for r in Role.values if r != Role.RESIDENT)


@transaction.atomic
def role_grant(
    *,
    granted_by: User,
    user: User,
    role: str,
    area: Area,
    organisation: Organisation | None = None,
) -> Membership:
    """A site administrator gives someone else a staff or volunteer role, recorded."""
    if role not in STAFF_ROLES:
        raise ValidationError(_("Residency is declared by the resident and confirmed."))
    permissions.require(
        granted_by,
        "portal.grant_role",
        area,
        beneficiary=user,
        message=_("Only site administrators grant staff roles."),
    )
    if (
        organisation is not None
        and not organisation.area.contains(area)
        and not area.contains(organisation.area)
    ):
        raise ValidationError(_("The organisation does not serve that area."))
    if Membership.objects.filter(
        user=user, role=role, area=area, organisation=organisation, status=Membership.Status.ACTIVE
    ).exists():
        raise ValidationError(_("This person already holds that role there."))
    membership = membership_grant(user=user, role=role, area=area, organisation=organisation)
    membership.decided_by = granted_by
    membership.decided_at = timezone.now()
    membership.save(update_fields=["decided_by", "decided_at"])
    _log(membership, "portal.role_grant", granted_by)
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, ended_by: User, note: str = "") -> Membership:
    """End a live membership, recorded.  A staff role: site administrators only; a
    residency: the community's committee too.  Nobody ends their own."""
    membership = Membership.objects.select_for_update().select_related("area").get(pk=membership.pk)
    if membership.role == Role.RESIDENT:
        permissions.require(
            ended_by, "portal.manage_memberships", membership.area, beneficiary=membership.user_id
        )
    else:
        permissions.require(
            ended_by,
            "portal.grant_role",
            membership.area,
            beneficiary=membership.user_id,
            message=_("Only site administrators grant staff roles."),
        )
    if membership.status not in (Membership.Status.ACTIVE, Membership.Status.PENDING):
        raise ValidationError(_("This membership has already ended."))
    membership.status = Membership.Status.ENDED
    membership.decided_by = ended_by
    membership.decided_at = timezone.now()
    membership.decision_note = note.strip()
    membership.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    permissions.forget(membership.user)
    _log(membership, "portal.role_revoke", ended_by)
    if membership.role == Role.RESIDENT:
        residency_notify(membership=membership, event="ended")
    return membership


@transaction.atomic
def membership_grant(
    *, user: User, role: str, area: Area, organisation: Organisation | None = None
) -> Membership:
    """Give a staff or volunteer role.  Idempotent: granting twice returns the same row."""
    if role == Role.RESIDENT:
        raise ValidationError(_("Residency is declared by the resident and confirmed."))
    existing = Membership.objects.filter(
        user=user,
        role=role,
        area=area,
        organisation=organisation,
        status=Membership.Status.ACTIVE,
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user,
                role=role,
                area=area,
                organisation=organisation,
                status=Membership.Status.ACTIVE,
            )
    except IntegrityError:
        membership = Membership.objects.get(
            user=user,
            role=role,
            area=area,
            organisation=organisation,
            status=Membership.Status.ACTIVE,
        )
    permissions.forget(user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership) -> Membership:
    membership.status = Membership.Status.ENDED
    membership.save(update_fields=["status"])
    permissions.forget(membership.user)
    return membership


@transaction.atomic
def preferences_update(
    *,
    user: User,
    language: str | None = None,
    elder_mode: bool | None = None,
    text_size: str | None = None,
) -> User:
    fields = []
    if text_size is not None:
        user.text_size = text_size
        fields.append("text_size")
    if language is not None:
        user.language = language
        fields.append("language")
    if elder_mode is not None:
        user.elder_mode = elder_mode
        fields.append("elder_mode")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def privacy_update(*, user: User, name_style: str, leaderboard_opt_out: bool) -> User:
    """The resident's public-name style and leaderboard opt-out.  Cached public pages
    (anonymous page cache, page sections) are dropped, so the change shows at once."""
    if name_style not in User.NameStyle.values:
        raise ValidationError(_("Choose how your name shows."))
    user.name_style = name_style
    user.leaderboard_opt_out = bool(leaderboard_opt_out)
    user.save(update_fields=["name_style", "leaderboard_opt_out"])
    from .pagecache import bump_content_version

    transaction.on_commit(bump_content_version)
    return user
