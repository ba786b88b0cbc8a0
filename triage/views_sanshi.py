"""The public page that explains 三事分流, drawn from the 三事分流清单 (`MatterType`).

What each class means comes from `shared/SANSHI.md` in plain words; the matter types of
each class, their examples, who handles them and the public channel come from the list that
city staff edit in the Wagtail admin.  The list part is cached per language and dropped
whenever a matter type is saved or deleted (`drop_cached_page`, connected in apps.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import MatterType, RequestClass

CACHE_KEY = "triage.sanshi.v1.{lang}"
CACHE_SECONDS = 24 * 3600

MEANINGS = {
    RequestClass.GOVERNMENT: gettext_lazy(
        "A public power or a public service must act: enforcement, licences, regulated prices, "
        "social insurance, roads, lights and water, gas and power supply on public land, school "
        "places, pollution, food safety, policy. The government department of that line serving "
        "your area handles it, within a deadline."
    ),
    RequestClass.COMMUNITY: gettext_lazy(
        "The residents of one compound or community settle it together, through the community "
        "committee, the property company, the owners' committee or a social organisation, with "
        "no public power needed: parking and sanitation inside the compound, shared facilities, "
        "the owners' committee, community activities."
    ),
    RequestClass.PRIVATE: gettext_lazy(
        "Your own affair with a private party (a shop, a company, a landlord, a contractor) or "
        "a service you buy. You settle it yourself; we point you to services that can help and "
        "to public channels such as 12315, people's mediation or legal aid."
    ),
}


def _handler(m: MatterType) -> str:
    if m.handler_line:
        return m.handler_line
    if m.handler_kind:
        return str(m.get_handler_kind_display())
    return _("You, with a referral")


def sanshi_context() -> list[dict]:
    """The three classes with their matter types, as plain data (what the cache keeps)."""
    groups = {value: [] for value in RequestClass.values}
    for m in MatterType.objects.filter(is_active=True).order_by("order", "pk"):
        if m.request_class in groups:
            groups[m.request_class].append(
                {
                    "name": m.name,
                    "examples": m.example_list()[:2],
                    "handler": _handler(m),
                    "channel": m.public_channel,
                    "sensitive": m.sensitive,
                }
            )
    return [
        {
            "value": value,
            "label": str(RequestClass(value).label),
            "meaning": str(MEANINGS[value]),
            "matters": groups[value],
        }
        for value in RequestClass.values
    ]


def cached_classes() -> list[dict]:
    key = CACHE_KEY.format(lang=translation.get_language() or settings.LANGUAGE_CODE)
    classes = cache.get(key)
    if classes is None:
        classes = sanshi_context()
        cache.set(key, classes, CACHE_SECONDS)
    return classes


def drop_cached_page(**kwargs) -> None:
    """Receiver of MatterType's post_save / post_delete: the page of every language."""
    cache.delete_many([CACHE_KEY.format(lang=code) for code, _name in settings.LANGUAGES])


def sanshi(request):
    return render(request, "triage/sanshi.html", {"classes": cached_classes()})
