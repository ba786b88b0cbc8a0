"""A request entered for a resident (by a grid worker or the 12345 hotline) finds its way
to the resident's account: at once when the typed number is theirs (`intake_match`), or
later through the signed link texted to that number (`claim_token`, `request_claim`)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import sms as portal_sms
from portal.models import Area, Membership, Role, User
from portal.scoping import area_q

from ..models import Event, Request
from ._base import add_event, in_site_language, site_str
from ._notify import detail_url

CLAIM_SALT = "triage.claim"


def claim_max_age() -> int:
    return int(getattr(settings, "TRIAGE_CLAIM_DAYS", 30)) * 86400


def _staff_account(user) -> bool:
    return bool(
        user.is_staff
        or user.is_superuser
        or Membership.objects.active()
        .filter(user=user)
        .exclude(role__in=[Role.RESIDENT, Role.VOLUNTEER])
        .exists()
    )


def intake_match(*, number: str, grid: Area, roots: Sequence[Area]):
    """The account a typed number belongs to, or None.

    Only a CONFIRMED resident (active residency) whose home grid lies both in the
    request's community and in the operator's own area (`roots`: a grid worker's grids;
    for the city hotline the whole city, so in effect the community the request is placed
    in) — and never an administrator's or a staff member's account.  The number matches
    the account's verified mobile number (proved by a texted code); two candidates match none.
    """
    if not number or grid is None:
        return None
    community = grid.community or grid
    homes = (
        Membership.objects.active()
        .filter(area_q(roots, "area__path"), area_q(community, "area__path"), role=Role.RESIDENT)
        .values("user_id")
    )
    users = list(
        User.objects.filter(
            phone=number,
            phone_verified=True,
            pk__in=homes,
            is_active=True,
            is_staff=False,
            is_superuser=False,
        )[:2]
    )
    if len(users) != 1 or _staff_account(users[0]):
        return None
    return users[0]


def claim_token(req: Request) -> str:
    return signing.dumps(
        {"r": req.pk, "p": portal_sms.normalise_number(req.reporter_phone)}, salt=CLAIM_SALT
    )


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


@in_site_language
def intake_sms(req: Request) -> str:
    """The text message telling the resident their request was entered: a link to follow
    it, or (no account matched) a link to claim it."""
    if req.reporter_id:
        return _("Your request %(n)s has been recorded. Follow it at %(url)s") % {
            "n": req.number,
            "url": _absolute(detail_url(req)),
        }
    url = _absolute(reverse("triage:claim", args=[claim_token(req)]))
    return _(
        "Your request %(n)s has been recorded. To follow it on the community portal, "
        "sign in with this mobile number and open %(url)s"
    ) % {"n": req.number, "url": url}


def _owns_number(user, number: str) -> bool:
    """Only a number the account proved it receives (a texted code): a number typed at
    sign-up, or a username that looks like one, proves nothing."""
    return bool(
        number and user.phone_verified and portal_sms.normalise_number(user.phone) == number
    )


def read_link(token: str, *, salt: str) -> dict:
    """What a signed claim link carries (a dict with the request id "r"), or a translated
    refusal when it was forged, mangled or has expired.  Texted and emailed links alike."""
    invalid = ValidationError(_("This link is not valid."), code="invalid")
    try:
        data = signing.loads(token, salt=salt, max_age=claim_max_age())
    except signing.SignatureExpired:
        raise ValidationError(
            _("This link has expired. Ask the community committee to send a new one."),
            code="expired",
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise invalid
    return data


def claim_payload(token: str) -> dict:
    """What a texted claim link carries ({"r": request id, "p": number}).  The link's page
    asks this before it offers the claim, and `request_claim` again when it makes it."""
    return read_link(token, salt=CLAIM_SALT)


@transaction.atomic
def request_claim(*, token: str, user) -> Request:
    """Attach a request entered for a resident to their account, from the link sent to
    their number.  Once: a claimed request stays with whoever claimed it (opening the
    link again as them changes nothing); only an account holding that number may claim."""
    invalid = ValidationError(_("This link is not valid."), code="invalid")
    data = claim_payload(token)
    req = Request.objects.select_for_update(of=("self",)).filter(pk=data["r"]).first()
    number = data.get("p") or ""
    if req is None or portal_sms.normalise_number(req.reporter_phone) != number:
        raise invalid
    if not getattr(user, "is_authenticated", False) or not _owns_number(user, number):
        raise PermissionDenied(
            _("This link is for the account of the mobile number it was sent to.")
        )
    if req.reporter_id == user.pk:
        return req
    if req.reporter_id is not None:
        raise ValidationError(_("This request has already been claimed."), code="claimed")
    req.reporter = user
    req.save(update_fields=["reporter", "updated_at"])
    add_event(
        req,
        Event.Kind.NOTE,
        actor=user,
        note=site_str(_("Claimed by the resident")),
        public=False,
    )
    return req
