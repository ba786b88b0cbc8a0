"""民事民议: a 小事 the committee takes to a round table.  The request becomes a
deliberation topic (`request_make_topic`), and the topic's published decision closes the
request with that decision as its reply (`on_topic_decided`, connected in `apps.py`)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from deliberation import services as deliberation_services

from ..models import MAX_TEXT, Event, Request, RequestClass
from ..permissions import require_handler
from ..privacy import public_text
from ._base import OPEN_HANDLING, S, add_event, in_site_language, lock_handled
from .followup import request_reply

log = logging.getLogger(__name__)


def topic_draft(req: Request) -> dict:
    """What the committee starts from when it makes a topic of a request: the public text
    (no name or number of the reporter) and a short title proposed from its first sentence."""
    text = public_text(req)
    return {"title": deliberation_services.default_title(text), "body": text}


def check_make_topic(req: Request, actor) -> None:
    """Refuse (translated) unless `actor` may turn `req` into a topic now."""
    require_handler(actor, req)
    if req.request_class != RequestClass.COMMUNITY:
        raise ValidationError(_("Only community matters (小事) go to a round table."))
    if req.topic_id:
        raise ValidationError(_("This request is already a round-table topic."), code="done")
    if req.status not in OPEN_HANDLING:
        raise ValidationError(_("Only an open, assigned request can become a topic."))
    if not Request.objects.public().filter(pk=req.pk).exists():
        raise ValidationError(
            _("A sensitive request stays private: it cannot become a public topic."),
            code="sensitive",
        )


@transaction.atomic
def request_make_topic(
    *, request: Request, actor, title: str | None = None, body: str | None = None
):
    """Turn a 小事 into a round-table topic; its published outcome will close it.

    The committee gives the topic its title and description (by default the first sentence
    of the request, at most 30 characters, and the request's public text).
    """
    req = lock_handled(request, actor)
    if req.topic_id and req.request_class == RequestClass.COMMUNITY:
        return req  # a second click (or a retry) makes no second topic
    check_make_topic(req, actor)
    draft = topic_draft(req)
    title = draft["title"] if title is None else title
    body = draft["body"] if body is None else body
    topic = deliberation_services.topic_create(
        community=req.area.community,
        title=title,
        body=body,
        raised_by=actor,
        format_code="roundtable",
        source_label=_("Request %(n)s") % {"n": req.number},
    )
    req.topic = topic
    req.status = S.IN_PROGRESS
    req.save(update_fields=["topic", "status", "updated_at"])
    add_event(req, Event.Kind.TOPIC, actor=actor, note=topic.title)
    return req


@in_site_language
def on_topic_decided(sender, topic=None, decision: str = "", outcome=None, **kwargs) -> None:
    """deliberation.signals.topic_decided → close every request turned into that topic,
    with the decision as the closing reply (the resident is told and can rate it)."""
    if topic is None:
        return
    for req in Request.objects.filter(topic=topic, status__in=OPEN_HANDLING):
        reply = _("Decided at the round table on “%(t)s”: %(d)s") % {
            "t": topic.title,
            "d": decision or "-",
        }
        try:
            with transaction.atomic():
                request_reply(
                    request=req,
                    actor=None,
                    reply=reply[:MAX_TEXT],
                    mediation=Request.Mediation.SUCCESS if _is_mediation(req) else "",
                )
        except ValidationError:  # pragma: no cover - a request that cannot close stays open
            log.warning("request %s stays open after topic %s was decided", req.pk, topic.pk)


def _is_mediation(req: Request) -> bool:
    return bool(req.service_type_id and req.service_type.is_mediation)
