"""The resident's link: a request posted through Open311 with the email or mobile number
of a verified account is offered to that account, never attached silently.

- By mobile number: the account `services.intake_match` finds (a confirmed resident of
  the request's community, not a staff account) gets the existing claim link
  (`services.claim_token`, the `triage:claim` page, `services.request_claim`) by text
  message and as a notice.
- By email: the one active, non-staff account with that address verified gets a notice
  (and so an email) with a signed link to `email_claim` below, the email variant of the
  same mechanism (same lifetime, same once-only rule).

The request joins the resident's requests only when they open the link signed in and
confirm.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal import sms as portal_sms
from portal.models import Area, Membership, Role, User
from portal.notifications import notify
from portal.tasks import enqueue, send_sms_task

from ..models import Event, Open311Submission, Request
from ..services import claims

EMAIL_SALT = "triage.open311.claim-email"


def _absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _not_staff(user) -> bool:
    if user.is_staff or user.is_superuser:
        return False
    return not (
        Membership.objects.active()
        .filter(user=user)
        .exclude(role__in=[Role.RESIDENT, Role.VOLUNTEER])
        .exists()
    )


def account_for_email(email: str):
    """The one active, non-staff account that verified `email`, else None."""
    if not email:
        return None
    owners = list(
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .values_list("user_id", flat=True)
        .distinct()[:2]
    )
    if len(owners) != 1:
        return None
    user = User.objects.filter(pk=owners[0], is_active=True).first()
    return user if user is not None and _not_staff(user) else None


def account_for_phone(number: str, grid: Area):
    roots = list(Area.get_root_nodes())
    return claims.intake_match(number=number, grid=grid, roots=roots)


def email_claim_token(req: Request, email: str) -> str:
    return signing.dumps({"r": req.pk, "e": email.strip().lower()}, salt=EMAIL_SALT)


def email_claim_payload(token: str) -> dict:
    data = claims.read_link(token, salt=EMAIL_SALT)
    if not isinstance(data.get("e"), str) or not data["e"]:
        raise ValidationError(_("This link is not valid."), code="invalid")
    return data


def _owns_email(user, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def request_claim_by_email(*, token: str, user) -> Request:
    """`services.request_claim` for a link sent to a verified email address."""
    invalid = ValidationError(_("This link is not valid."), code="invalid")
    data = email_claim_payload(token)
    req = Request.objects.select_for_update(of=("self",)).filter(pk=data["r"]).first()
    sub = Open311Submission.objects.filter(request_id=data["r"]).first()
    if req is None or sub is None or sub.email.strip().lower() != data["e"]:
        raise invalid
    if not getattr(user, "is_authenticated", False) or not _owns_email(user, data["e"]):
        raise PermissionDenied(_("This link is for the account of the address it was sent to."))
    if req.reporter_id == user.pk:
        return req
    if req.reporter_id is not None:
        raise ValidationError(_("This request has already been claimed."), code="claimed")
    req.reporter = user
    req.save(update_fields=["reporter", "updated_at"])
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Claimed by the resident")
    Event.objects.create(
        request=req,
        kind=Event.Kind.NOTE,
        actor=user,
        note=note,
        public=False,
        created_at=req.updated_at,
    )
    return req


def _tell(user, req: Request, url: str) -> None:
    number = req.number
    notify(
        users=[user],
        category="triage.update",
        event_key=f"triage:{req.pk}:open311-claim",
        title=lambda: _("Is request %(n)s yours?") % {"n": number},
        body=lambda: (
            _(
                "An app sent request %(n)s with your contact details. If it is yours, open the "
                "link and confirm to follow it, rate the answer or reopen it."
            )
            % {"n": number}
        ),
        url=url,
    )


def offer(req: Request, sub: Open311Submission) -> str | None:
    """Offer the request to the account its email or phone belongs to.  Returns how
    ("email", "phone") or None when no verified account matches."""
    user = account_for_email(sub.email) if sub.email else None
    if user is not None:
        _tell(user, req, reverse("triage:o311_claim", args=[email_claim_token(req, sub.email)]))
        return "email"
    number = portal_sms.normalise_number(req.reporter_phone)
    user = account_for_phone(number, req.area) if number else None
    if user is None:
        return None
    path = reverse("triage:claim", args=[claims.claim_token(req)])
    _tell(user, req, path)
    if portal_sms.is_mobile(number):
        with translation.override(settings.LANGUAGE_CODE):
            text = _(
                "Your request %(n)s has been recorded. To follow it on the community portal, "
                "sign in with this mobile number and open %(url)s"
            ) % {"n": req.number, "url": _absolute(path)}
        enqueue(send_sms_task, number, text)
    return "phone"


def email_claim(request, token: str):
    """The page an emailed link opens: confirm, signed in as the address's account."""
    if not request.user.is_authenticated:  # sign in first, as for the SMS claim link
        return redirect_to_login(request.get_full_path())
    try:
        email_claim_payload(token)  # a forged or expired link says so at once
        if request.method != "POST":
            return render(request, "triage/open311_claim.html", {"errors": []})
        req = request_claim_by_email(token=token, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        return render(request, "triage/open311_claim.html", {"errors": msgs}, status=status)
    messages.success(request, _("The request %(n)s is now on your account.") % {"n": req.number})
    return redirect("triage:detail", req.pk)
