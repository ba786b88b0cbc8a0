"""Reads for a 私事 referral (issue 10): the matter a request was read as, the services
and public channel it is referred to, and the volunteers who offer that help.

Writes are `triage.services.referrals`; who may do what is `triage.permissions`."""

from __future__ import annotations

from .models import HelpOffer, MatterType, Referral, Request, RequestClass, ServiceDirectoryEntry
from .selectors import directory_matches

MAX_VOLUNTEERS = 5


def matter_for(req: Request) -> MatterType | None:
    """The matter type of a 私事: `Request.matter` as classification set it, else the
    active private line of the 清单 whose keywords the text uses most."""
    if req.matter_id and req.matter.request_class == RequestClass.PRIVATE:
        return req.matter
    best, best_score = None, 0
    for m in MatterType.objects.filter(is_active=True, request_class=RequestClass.PRIVATE):
        score = sum(len(k) for k in m.keyword_list() if k in req.text)
        if score > best_score:
            best, best_score = m, score
    return best


def referral_services(req: Request) -> list[ServiceDirectoryEntry]:
    """Directory entries with a public number that serve the request's place and offer
    what it asks for (market and public services; volunteers are contacted through the
    portal instead: `referral_volunteers`)."""
    return [e for e in directory_matches(req.text, req.area) if e.kind != e.Kind.VOLUNTEER]


def referral_volunteers(req: Request, matter: MatterType | None = None) -> list:
    """Active volunteer entries linked to an account, serving the request's place, that
    offer what the text (or its matter type) asks for, best match first.  Never the
    resident themself."""
    entries = (
        ServiceDirectoryEntry.objects.filter(
            is_active=True,
            kind=ServiceDirectoryEntry.Kind.VOLUNTEER,
            volunteer__isnull=False,
            volunteer__is_active=True,
            area__path__in=req.area.ancestor_paths(),
        )
        .exclude(volunteer_id=req.reporter_id)
        .select_related("volunteer")
        .order_by("pk")
    )
    words = set(matter.keyword_list()) if matter else set()
    scored = []
    for e in entries:
        offered = [k for k in e.services.replace(",", " ").replace("，", " ").split() if k]
        score = sum(len(k) for k in offered if k in req.text) + sum(
            1 for k in offered if k in words
        )
        if score:
            scored.append((-score, e.pk, e))
    scored.sort(key=lambda t: t[:2])
    return [e for *_k, e in scored[:MAX_VOLUNTEERS]]


def referral_of(req: Request) -> Referral | None:
    if req.request_class != RequestClass.PRIVATE:
        return None
    return Referral.objects.select_related("matter").filter(request=req).first()


def offers_of(referral: Referral) -> list[HelpOffer]:
    return list(referral.offers.select_related("volunteer", "entry", "payment"))


def offers_for_volunteer(user):
    """The help a volunteer was asked for, newest first (their list page)."""
    return (
        HelpOffer.objects.filter(volunteer=user)
        .select_related("referral__request__reporter", "referral__matter")
        .order_by("-created_at", "-pk")
    )
