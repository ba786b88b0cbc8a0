"""A 私事 is not a dead end (issue 10): it is referred, not closed.

`refer_private` (called by `routing.route`) keeps the request open as REFERRED, with no
deadline and no handling organisation: nobody is overdue on a resident's own matter.  The
referral lists the directory's services near them (public numbers), the public channel of
its matter type (12315, 人民调解, 法律援助 — `MatterType.public_channel`) and the volunteers
who offer that help.  Then:

- the resident asks a volunteer for help (`help_ask`): the volunteer is told through the
  portal and sees the request's masked text only;
- the volunteer accepts or declines (`help_answer`); once accepted they read the text and
  the resident's name, and the phone and address only if the resident shared them;
- the volunteer logs the hours (`help_log_hours`), the resident confirms them
  (`help_confirm`), and the moral bank pays them once under the key
  `triage-private-help:<request>:<volunteer>` (`credits.services.deed_award`);
- the resident closes the request as solved or not (`referral_close`), and may then rate
  it or reopen it for the committee as any closed request.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import Deed
from credits.services import deed_award
from portal.models import Organisation
from portal.notifications import notify
from portal.text import clean_text

from ..models import Event, HelpOffer, Referral, Request, ServiceDirectoryEntry
from ..permissions import require_hours_confirmer, require_offer_volunteer, require_reporter
from ..privacy import public_text
from ..selectors import committee_for
from ..selectors_referrals import matter_for, referral_volunteers
from ._base import S, add_event, in_site_language, site_str
from ._notify import tell_reporter

H = HelpOffer.Status
MAX_HOURS = Decimal("24")


def help_key(req: Request, volunteer_id: int) -> str:
    """The moral bank's idempotency key for one volunteer's help with one request."""
    return f"triage-private-help:{req.pk}:{volunteer_id}"


def help_url(offer: HelpOffer) -> str:
    return reverse("triage:help", args=[offer.pk])


@in_site_language
def refer_private(
    req: Request,
    *,
    actor,
    organisation: Organisation | None = None,
    now: datetime | None = None,
) -> Request:
    """Refer `req` (already locked, classed 私事): open, no deadline, nobody handling it."""
    now = now or timezone.now()
    referred_by = organisation if organisation is not None else committee_for(req.area)
    matter = matter_for(req)
    req.organisation = None
    req.status = S.REFERRED
    req.deadline = None
    req.assigned_at = now
    req.closed_at = None
    req.save()
    Referral.objects.update_or_create(
        request=req,
        defaults={
            "matter": matter,
            "referred_by": referred_by,
            "outcome": "",
            "created_at": now,
            "closed_at": None,
        },
    )
    note = _(
        "A private matter (私事): yours to arrange. The services, public channel and "
        "volunteers that can help are listed on this request."
    )
    if matter is not None and matter.public_channel:
        note += " " + _("Public channel: %(channel)s.") % {"channel": matter.public_channel}
    add_event(req, Event.Kind.REFERRED, actor=actor, organisation=referred_by, note=note, at=now)
    tell_reporter(req, f"referred:{req.reopened}", _("Where to turn for your request"), note)
    return req


def _lock_referral(request: Request) -> tuple[Request, Referral]:
    req = (
        Request.objects.select_for_update(of=("self",))
        .select_related("area", "reporter", "matter")
        .get(pk=request.pk)
    )
    referral = Referral.objects.filter(request=req).select_related("matter").first()
    if referral is None:
        raise ValidationError(_("This request was not referred."), code="not_referred")
    return req, referral


def _lock_offer(offer: HelpOffer) -> tuple[HelpOffer, Request]:
    offer = (
        HelpOffer.objects.select_for_update(of=("self",))
        .select_related("referral__request__area", "referral__request__reporter", "volunteer")
        .get(pk=offer.pk)
    )
    return offer, offer.referral.request


@transaction.atomic
def help_ask(
    *,
    request: Request,
    user,
    entry: ServiceDirectoryEntry,
    share_contact: bool = False,
    now: datetime | None = None,
) -> HelpOffer:
    """The resident asks a volunteer of the referral for help.  Asking again is the same
    request (no second notice)."""
    req, referral = _lock_referral(request)
    require_reporter(user, req, _("Only the resident who reported it may ask for help."))
    if req.status != S.REFERRED:
        raise ValidationError(_("This request is closed."), code="closed")
    if entry.pk not in {e.pk for e in referral_volunteers(req, referral.matter)}:
        raise ValidationError(
            _("This volunteer does not offer help with this request."), code="not_offered"
        )
    now = now or timezone.now()
    offer, created = HelpOffer.objects.get_or_create(
        referral=referral,
        volunteer=entry.volunteer,
        defaults={"entry": entry, "share_contact": bool(share_contact), "created_at": now},
    )
    if not created:
        if offer.share_contact != bool(share_contact) and offer.status in (H.ASKED, H.ACCEPTED):
            offer.share_contact = bool(share_contact)
            offer.save(update_fields=["share_contact"])
        return offer
    add_event(
        req,
        Event.Kind.HELP,
        actor=user,
        note=site_str(gettext_lazy("Asked %(name)s (volunteer) for help.")) % {"name": entry.name},
        at=now,
    )
    notify(
        users=[entry.volunteer],
        category="triage.help",
        event_key=f"triage-help:{offer.pk}:asked",
        title=gettext_lazy("A neighbour asks for your help"),
        # Masked: names, numbers and the address stay out until they accept.
        body=public_text(req)[:200],
        url=help_url(offer),
    )
    return offer


@transaction.atomic
def help_answer(*, offer: HelpOffer, user, accept: bool) -> HelpOffer:
    """The volunteer accepts or declines; answering twice the same way changes nothing."""
    offer, req = _lock_offer(offer)
    require_offer_volunteer(user, offer)
    wanted = H.ACCEPTED if accept else H.DECLINED
    if offer.status == wanted:
        return offer
    if offer.status != H.ASKED:
        raise ValidationError(_("You have already answered."), code="answered")
    if req.status != S.REFERRED:
        raise ValidationError(_("The resident has closed this request."), code="closed")
    offer.status = wanted
    offer.accepted_at = timezone.now() if accept else None
    offer.save(update_fields=["status", "accepted_at"])
    name = offer.entry.name if offer.entry_id else user.own_name
    if accept:
        note = site_str(gettext_lazy("%(name)s (volunteer) will help.")) % {"name": name}
        title = gettext_lazy("A volunteer will help you")
    else:
        note = site_str(gettext_lazy("%(name)s (volunteer) cannot help this time.")) % {
            "name": name
        }
        title = gettext_lazy("A volunteer cannot help this time")
    add_event(req, Event.Kind.HELP, actor=user, note=note)
    tell_reporter(req, f"help:{offer.pk}:{wanted}", title, note)
    return offer


def _clean_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError):
        value = Decimal("0")
    if not value.is_finite() or value <= 0 or value > MAX_HOURS:
        raise ValidationError(
            {"hours": _("Enter the hours you helped: more than 0, at most 24.")}, code="hours"
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def help_log_hours(
    *, offer: HelpOffer, user, hours, note: str = "", service_date: dt.date | None = None
) -> HelpOffer:
    """The volunteer who accepted records the hours they helped; they may correct them
    until the resident confirms."""
    offer, req = _lock_offer(offer)
    require_offer_volunteer(user, offer)
    if offer.status == H.CONFIRMED:
        raise ValidationError(_("The resident has already confirmed these hours."), code="done")
    if offer.status not in (H.ACCEPTED, H.LOGGED):
        raise ValidationError(_("Accept the request before logging hours."), code="not_accepted")
    value = _clean_hours(hours)
    today = timezone.localdate()
    day = service_date or today
    if day > today or day < timezone.localdate(req.created_at):
        raise ValidationError(
            {"service_date": _("The day of the help is between the request and today.")},
            code="date",
        )
    note = clean_text(note, field="note", limit=200)
    if offer.status == H.LOGGED and (offer.hours, offer.service_date, offer.hours_note) == (
        value,
        day,
        note,
    ):
        return offer
    offer.status, offer.hours, offer.service_date, offer.hours_note = H.LOGGED, value, day, note
    offer.save(update_fields=["status", "hours", "service_date", "hours_note"])
    name = offer.entry.name if offer.entry_id else user.own_name
    text = site_str(
        gettext_lazy("%(name)s (volunteer) logged %(hours)s hours; please confirm them.")
    ) % {"name": name, "hours": value}
    add_event(req, Event.Kind.HELP, actor=user, note=f"{text} {note}".strip())
    tell_reporter(
        req, f"help:{offer.pk}:logged:{value}:{day}", gettext_lazy("Please confirm the hours"), text
    )
    return offer


@transaction.atomic
def help_confirm(*, offer: HelpOffer, user) -> HelpOffer:
    """The resident confirms a volunteer's logged hours: the moral bank pays them once
    (a retried confirm finds the offer confirmed and the payment already made)."""
    offer, req = _lock_offer(offer)
    require_hours_confirmer(user, offer, req)
    if offer.status == H.CONFIRMED:
        return offer
    if offer.status != H.LOGGED:
        raise ValidationError(
            _("Only hours a volunteer who accepted has logged can be confirmed."),
            code="not_logged",
        )
    payment = deed_award(
        user=offer.volunteer,
        community=req.area,
        deed=Deed.VOLUNTEER_HOUR,
        idempotency_key=help_key(req, offer.volunteer_id),
        quantity=offer.hours,
        source=f"triage:{req.pk}",
        note=site_str(gettext_lazy("Helped a neighbour: request %(n)s")) % {"n": req.number},
        service_date=offer.service_date,
    )
    offer.status, offer.payment, offer.confirmed_at = H.CONFIRMED, payment, timezone.now()
    offer.save(update_fields=["status", "payment", "confirmed_at"])
    add_event(
        req,
        Event.Kind.HELP,
        actor=user,
        note=site_str(gettext_lazy("The resident confirmed %(hours)s hours of help."))
        % {"hours": offer.hours},
    )
    hours, number = offer.hours, req.number
    if payment is not None:

        def body():
            return _("%(hours)s hours confirmed for request %(n)s.") % {"hours": hours, "n": number}
    else:

        def body():
            return _("%(hours)s hours confirmed. This community pays no coins for them.") % {
                "hours": hours
            }

    notify(
        users=[offer.volunteer],
        category="triage.help",
        event_key=f"triage-help:{offer.pk}:confirmed",
        title=gettext_lazy("The resident confirmed your hours"),
        body=body,
        url=help_url(offer),
    )
    return offer


@transaction.atomic
def referral_close(
    *, request: Request, user, outcome: str, comment: str = "", now: datetime | None = None
) -> Request:
    """The resident closes their 私事 as solved or not solved."""
    req, referral = _lock_referral(request)
    require_reporter(user, req, _("Only the resident who reported it may close it."))
    if outcome not in Referral.Outcome.values:
        raise ValidationError({"outcome": _("Say whether it was solved.")}, code="outcome")
    if req.status == S.CLOSED and referral.outcome == outcome:
        return req
    if req.status != S.REFERRED:
        raise ValidationError(_("Only a referred request can be closed here."), code="state")
    comment = clean_text(comment, field="comment", limit=300)
    now = now or timezone.now()
    referral.outcome, referral.closed_at = outcome, now
    referral.save(update_fields=["outcome", "closed_at"])
    req.status, req.closed_at = S.CLOSED, now
    req.save(update_fields=["status", "closed_at", "updated_at"])
    label = site_str(Referral.Outcome(outcome).label)
    add_event(req, Event.Kind.CLOSED, actor=user, note=f"{label} {comment}".strip(), at=now)
    return req
