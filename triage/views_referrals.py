"""Pages of a 私事 referral (issue 10): the resident asks a volunteer for help, closes the
request and confirms the hours; the volunteer answers and logs them.  Thin: forms in,
`triage.services.referrals` does the writing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.refusals import show_as_message

from . import selectors_referrals
from .forms_referrals import AskHelpForm, CloseReferralForm, HelpHoursForm
from .models import HelpOffer, Request, ServiceDirectoryEntry
from .permissions import require_offer_volunteer
from .privacy import public_text
from .services import referrals

# Once a volunteer accepted, they read the request as it was written.
HELPING = (HelpOffer.Status.ACCEPTED, HelpOffer.Status.LOGGED, HelpOffer.Status.CONFIRMED)


def _post(request, write, success: str, back: tuple, form=None):
    """One POST of a referral page: the form's refusals or the service's, else `success`;
    back to `back` (a URL name and its argument) either way."""
    try:
        if form is not None and not form.is_valid():
            raise ValidationError(form.errors)
        write(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        show_as_message(request, exc)
    else:
        messages.success(request, success)
    return redirect(*back)


@require_POST
@login_required
def ask_help(request, pk: int, entry_pk: int):
    req = get_object_or_404(Request, pk=pk)
    entry = get_object_or_404(ServiceDirectoryEntry, pk=entry_pk)
    return _post(
        request,
        lambda d: referrals.help_ask(
            request=req, user=request.user, entry=entry, share_contact=d["share_contact"]
        ),
        _("%(name)s has been asked; you will hear when they answer.") % {"name": entry},
        ("triage:detail", pk),
        AskHelpForm(request.POST),
    )


@require_POST
@login_required
def close_referral(request, pk: int):
    req = get_object_or_404(Request, pk=pk)
    return _post(
        request,
        lambda d: referrals.referral_close(request=req, user=request.user, **d),
        _("Closed. You may rate it, or reopen it within 7 days."),
        ("triage:detail", pk),
        CloseReferralForm(request.POST),
    )


@require_POST
@login_required
def help_confirm(request, offer_pk: int):
    offer = get_object_or_404(HelpOffer.objects.select_related("referral"), pk=offer_pk)
    return _post(
        request,
        lambda d: referrals.help_confirm(offer=offer, user=request.user),
        _("Thank you: the hours are confirmed."),
        ("triage:detail", offer.referral.request_id),
    )


@login_required
def help_list(request):
    """The help a volunteer was asked for."""
    page = Paginator(selectors_referrals.offers_for_volunteer(request.user), 20).get_page(
        request.GET.get("page")
    )
    for offer in page.object_list:
        req = offer.referral.request
        offer.shown_text = req.text if offer.status in HELPING else public_text(req)
    return render(request, "triage/referral_help_list.html", {"page": page})


@login_required
def help_detail(request, offer_pk: int):
    """What the volunteer who was asked sees: the masked text until they accept; then the
    text and the resident's name, and their phone and address only if shared."""
    offer = get_object_or_404(
        HelpOffer.objects.select_related(
            "referral__request__area", "referral__request__reporter", "referral__matter", "payment"
        ),
        pk=offer_pk,
    )
    require_offer_volunteer(request.user, offer)
    req = offer.referral.request
    helping = offer.status in HELPING
    reporter = req.reporter
    ctx = {
        "offer": offer,
        "r": req,
        "matter": offer.referral.matter,
        "helping": helping,
        "text": req.text if helping else public_text(req),
        "resident": (reporter.own_name if reporter else req.reporter_name) if helping else "",
        "phone": (req.reporter_phone or (reporter.phone if reporter else ""))
        if helping and offer.share_contact
        else "",
        "address": req.address if helping and offer.share_contact else "",
        "hours_form": HelpHoursForm(
            initial={
                "hours": offer.hours,
                "service_date": offer.service_date,
                "note": offer.hours_note,
            }
        ),
    }
    return render(request, "triage/referral_help.html", ctx)


def _answer(request, offer_pk: int, accept: bool, success: str):
    offer = get_object_or_404(HelpOffer, pk=offer_pk)
    return _post(
        request,
        lambda d: referrals.help_answer(offer=offer, user=request.user, accept=accept),
        success,
        ("triage:help", offer_pk),
    )


@require_POST
@login_required
def help_accept(request, offer_pk: int):
    return _answer(request, offer_pk, True, _("Thank you for helping."))


@require_POST
@login_required
def help_decline(request, offer_pk: int):
    return _answer(request, offer_pk, False, _("The resident has been told."))


@require_POST
@login_required
def help_hours(request, offer_pk: int):
    offer = get_object_or_404(HelpOffer, pk=offer_pk)
    form = HelpHoursForm(request.POST)
    if not form.is_valid():
        require_offer_volunteer(request.user, offer)  # a stranger learns nothing of the form
    return _post(
        request,
        lambda d: referrals.help_log_hours(offer=offer, user=request.user, **d),
        _("Hours logged; the resident is asked to confirm them."),
        ("triage:help", offer_pk),
        form,
    )
