"""三事分流's first step: which class (大事, 小事, 私事), service type and department a
request's text suggests, and how sure the classifier is.  Confident enough
(`confidence_threshold`), the request is routed at once; otherwise it waits in its
committee's triage queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from .. import classifier
from ..models import CSV_LABELS, Event, Request, RequestClass, ServiceType
from ..selectors import committee_for
from ._base import S, add_event, in_site_language
from ._notify import tell_handlers
from .routing import route
from .training import model_ensure_default

KEYWORD_BOOST = 0.25


def confidence_threshold() -> float:
    return float(getattr(settings, "TRIAGE_CONFIDENCE_THRESHOLD", 0.6))


def _keyword_match(text: str, service_types: Sequence[ServiceType]) -> ServiceType | None:
    best, best_len = None, 0
    for st in service_types:
        for kw in st.keyword_list():
            if kw in text and len(kw) > best_len:
                best, best_len = st, len(kw)
    return best


def classify(text: str, *, service_type: ServiceType | None = None) -> dict:
    """Suggested class, service type, department and confidence for `text`.

    The active class model gives probabilities; a service type picked by the resident or
    matched by keyword adds `KEYWORD_BOOST` to its default class, then we renormalise.
    """
    text = classifier.normalise(text)
    types = list(ServiceType.objects.filter(is_active=True))
    matched = service_type or _keyword_match(text, types)
    record, pipe = classifier.active("class")
    if pipe is None:  # a flushed database (or a fresh one without migrations' data)
        model_ensure_default("class")
        record, pipe = classifier.active("class")
    if pipe is not None:
        probs = {CSV_LABELS.get(k, k): v for k, v in classifier.predict_with(pipe, text).items()}
        version = f"class-v{record.version}"
    else:
        probs = {c: 1 / 3 for c in RequestClass.values}
        version = "rules"
    if matched is not None:
        probs[matched.default_class] = probs.get(matched.default_class, 0) + KEYWORD_BOOST
        total = sum(probs.values())
        probs = {k: v / total for k, v in probs.items()}
    label = max(probs, key=probs.get)
    department = ""
    if label == RequestClass.GOVERNMENT:
        if matched is not None and matched.line and matched.default_class == label:
            department = matched.line  # a line: routing finds its department in the area
        else:
            drec, dpipe = classifier.active("department")
            if dpipe is None:
                model_ensure_default("department")
                drec, dpipe = classifier.active("department")
            if dpipe is not None:
                dprobs = classifier.predict_with(dpipe, text)
                department = max(dprobs, key=dprobs.get)
                version += f"+dept-v{drec.version}"
    if matched is not None and matched.default_class != label:
        matched = None
    return {
        "request_class": label,
        "confidence": round(float(probs[label]), 4),
        "probabilities": probs,
        "service_type": matched,
        "department": department,
        "version": version,
    }


@transaction.atomic
@in_site_language
def request_classify(*, request: Request, now: datetime | None = None) -> Request:
    """Suggest a class; route at once when confident, else wait in the triage queue."""
    req = Request.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if req.status != S.SUBMITTED:
        return req  # already classified: a retried task changes nothing
    result = classify(req.text, service_type=req.service_type)
    req.suggested_class = result["request_class"]
    req.confidence = result["confidence"]
    req.model_version = result["version"]
    req.suggested_department = result["department"]
    if req.service_type is None and result["service_type"] is not None:
        req.service_type = result["service_type"]
    req.status = S.TRIAGED
    req.save()
    add_event(
        req,
        Event.Kind.CLASSIFIED,
        public=False,
        at=now,
        note=f"{req.get_suggested_class_display()} · {req.confidence:.0%} · {req.model_version}",
    )
    if req.confidence >= confidence_threshold():
        route(req, req.suggested_class, actor=None, now=now)
    else:
        committee = committee_for(req.area)
        tell_handlers(req, committee, "queue", _("A request awaits triage"), req.text[:200])
    return req
