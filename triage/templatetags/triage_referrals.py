"""`{% referral_for r user as ref %}`: what the request page shows of a 私事 referral
(the include `triage/referral_panel.html`); nothing, and no query, for other requests."""

from __future__ import annotations

from django import template

from .. import selectors_referrals as reads
from ..forms_referrals import AskHelpForm, CloseReferralForm

register = template.Library()


@register.simple_tag
def referral_for(req, user):
    referral = reads.referral_of(req)
    if referral is None:
        return None
    offers = reads.offers_of(referral)
    asked = {o.volunteer_id: o for o in offers}
    volunteers = [
        {"entry": e, "offer": asked.get(e.volunteer_id)}
        for e in reads.referral_volunteers(req, referral.matter)
    ]
    is_reporter = bool(getattr(user, "is_authenticated", False) and req.reporter_id == user.pk)
    return {
        "referral": referral,
        "matter": referral.matter,
        "services": reads.referral_services(req),
        "volunteers": volunteers,
        "offers": offers,
        "is_reporter": is_reporter,
        "open": req.status == req.Status.REFERRED,
        "ask_form": AskHelpForm(),
        "close_form": CloseReferralForm(),
    }
