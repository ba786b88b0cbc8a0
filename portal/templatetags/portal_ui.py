"""Components for templates: the status badge, page links that keep a list's filters, and
the form helpers of portal/templates/portal/forms/.

    {% load portal_ui %}
    {% status_badge topic %}                      status, its label and colour
    {% status_badge contribution "stance" %}      another choice field of the object
    {% status_badge r testid="status" %}          with data-testid
    {% deadline_badge r.deadline now %}           "due …" / "overdue since …"
    {% include "portal/includes/pagination.html" with page=page keep="q area" %}

The colour of a badge never carries meaning alone: the label is always the text of the
status (or says "overdue"), the class only adds colour.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django import template
from django.core.cache import cache as django_cache
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()

OK, WARN, BAD, NEUTRAL = "ok", "warn", "red", ""

# Tone of every value of every status-like choice field, by model (app_label.model_name) and
# field.  portal imports no other app, so models are named, not imported;
# tests/portal/test_components.py checks every choice of these fields has a tone here.
TONES: dict[tuple[str, str], dict[str, str]] = {
    ("portal.membership", "status"): {
        "pending": WARN,
        "active": OK,
        "rejected": BAD,
        "ended": NEUTRAL,
    },
    ("deliberation.topic", "status"): {
        "proposed": WARN,
        "discussion": WARN,
        "agenda": WARN,
        "decided": OK,
        "done": OK,
        "declined": BAD,
    },
    ("deliberation.contribution", "status"): {"visible": OK, "hidden": WARN, "removed": BAD},
    ("deliberation.contribution", "stance"): {"support": OK, "oppose": BAD, "suggestion": WARN},
    ("deliberation.registration", "status"): {
        "registered": OK,
        "waiting": WARN,
        "cancelled": NEUTRAL,
    },
    ("deliberation.followup", "status"): {"planned": WARN, "in_progress": WARN, "done": OK},
    ("credits.servicelog", "status"): {
        "pending": WARN,
        "approved": OK,
        "rejected": BAD,
        "revoked": BAD,
    },
    ("credits.redemption", "status"): {
        "reserved": WARN,
        "fulfilled": OK,
        "cancelled": NEUTRAL,
        "expired": NEUTRAL,
    },
    ("triage.request", "status"): {
        "submitted": WARN,
        "triaged": WARN,
        "assigned": WARN,
        "in_progress": WARN,
        "resolved": WARN,
        "closed": OK,
        "referred": WARN,
    },
    ("triage.helpoffer", "status"): {
        "asked": WARN,
        "accepted": WARN,
        "declined": NEUTRAL,
        "logged": WARN,
        "confirmed": OK,
    },
    ("triage.request", "mediation"): {"success": OK, "failed": BAD},
}


def tone_of(obj, field: str = "status") -> str:
    value = getattr(obj, field, "")
    tone = TONES.get((obj._meta.label_lower, field), {}).get(value, NEUTRAL)
    if field == "status" and tone != OK and getattr(obj, "is_overdue", False):
        return BAD
    return tone


def badge_html(label, tone: str = NEUTRAL, testid: str = ""):
    css = f"badge {tone}" if tone else "badge"
    if testid:
        return format_html('<span class="{}" data-testid="{}">{}</span>', css, testid, label)
    return format_html('<span class="{}">{}</span>', css, label)


@cache
def _labels(model, field: str) -> dict:
    """value → label of a choice field, built once per model and field (Django's
    get_FOO_display rebuilds a hashable copy of the choices on every call)."""
    return {value: label for value, label in model._meta.get_field(field).flatchoices}


def _label(obj, field: str) -> str:
    value = getattr(obj, field)
    return str(_labels(type(obj)._meta.concrete_model, field).get(value, value))


@register.filter
def html_attrs(attrs) -> str:
    """A widget's attrs as Django's attrs.html draws them, in their order (True: the bare
    name, False: left out)."""
    return mark_safe(
        "".join(
            format_html(" {}", k) if v is True else format_html(' {}="{}"', k, str(v))
            for k, v in attrs.items()
            if v is not False
        )
    )


@register.simple_tag
def status_badge(obj, field: str = "status", testid: str = ""):
    """A badge with the object's `field` as shown to people (get_FOO_display) and the
    colour of its tone. An open request past its deadline is red and says so."""
    if obj is None:
        return ""
    label = _label(obj, field)
    if field == "status" and tone_of(obj, field) == BAD and getattr(obj, "is_overdue", False):
        label = gettext("%(status)s, overdue") % {"status": label}
    return badge_html(label, tone_of(obj, field), testid)


@register.simple_tag
def deadline_badge(deadline, now=None, fmt: str = "m-d H:i"):
    """When something is due: green while there is time, red and saying so once past."""
    if not deadline:
        return ""
    from django.template.defaultfilters import date

    when = date(timezone.localtime(deadline), fmt)
    if deadline < (now or timezone.now()):
        return badge_html(gettext("overdue since %(when)s") % {"when": when}, BAD)
    return badge_html(gettext("due %(when)s") % {"when": when}, OK)


@register.simple_tag(takes_context=True)
def page_url(context, number, keep: str = "") -> str:
    """`?page=<number>` plus the current values of the query parameters named in `keep`
    (space-separated): a list's filters survive paging, nothing else is copied."""
    request = context.get("request")
    params = []
    if request is not None:
        for name in keep.split():
            params += [(name, v) for v in request.GET.getlist(name) if v != ""]
    params.append(("page", number))
    return "?" + urlencode(params)


@register.filter
def any_required(fields) -> bool:
    """For the form template: does any of these (bound field, errors) pairs need a value?"""
    return any(bf.field.required for bf, _errors in fields)


@register.simple_tag
def field_groups(form, seconds: int = 3600):
    """The visible fields of a form, each through the one field template, kept in the cache
    under everything that shapes them: the form, language, names, values, choices, labels,
    errors.  For the GET filter forms above lists, drawn alike for everyone who filters
    alike; what is cached is what would be drawn, so nothing needs dropping on change."""
    fields = form.visible_fields()
    shape = [type(form).__qualname__, get_language() or "", str(form.auto_id)]
    for bf in fields:
        widget = bf.field.widget
        shape.append(
            repr(
                (
                    bf.html_name,
                    bf.value(),
                    [str(e) for e in bf.errors],
                    [(v, str(label)) for v, label in getattr(widget, "choices", ())],
                    sorted(widget.attrs.items()),
                    str(bf.label),
                    str(bf.help_text),
                    bf.field.required,
                    getattr(bf.field, "hide_label", False),
                )
            )
        )
    key = "field-groups:" + hashlib.sha1("\x1f".join(shape).encode()).hexdigest()
    html = django_cache.get(key)
    if html is None:
        html = mark_safe("".join(str(bf.as_field_group()) for bf in fields))
        django_cache.set(key, html, seconds)
    return html
