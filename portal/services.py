"""Writes about people and places: declaring and confirming residency, granting roles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
    *, user: User, language: str | None = None, elder_mode: bool | None = None
) -> User:
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if elder_mode is not None:
        user.elder_mode = elder_mode
        fields.append("elder_mode")
    if fields:
        user.save(update_fields=fields)
    return user
