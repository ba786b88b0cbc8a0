"""The styleguide (/styleguide/): every design token and component, drawn by the same
templates, tags and CSS the site uses, so it cannot drift from them.  Public: designers
and staff read it, and it shows no data."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache

from django import forms
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from .templatetags.portal_ui import TONES

TOKEN = re.compile(r"--([a-z0-9-]+):\s*([^;]+);(?:[ \t]*/\*\s*(.*?)\s*\*/)?")


@lru_cache(maxsize=1)
def tokens() -> dict[str, list[dict]]:
    """The custom properties of tokens.css (the :root block, not elder mode's overrides),
    grouped: colours, spacing, type, other."""
    path = finders.find("portal/tokens.css")
    with open(path, encoding="utf-8") as f:
        root = f.read().split("html.elder", 1)[0]
    groups: dict[str, list[dict]] = {"colour": [], "space": [], "text": [], "other": []}
    for name, value, note in TOKEN.findall(root):
        if name.startswith("color-") or name == "focus-color":
            group = "colour"
        elif name.startswith("space-"):
            group = "space"
        elif name.startswith("text-"):
            group = "text"
        else:
            group = "other"
        groups[group].append({"name": name, "value": " ".join(value.split()), "note": note})
    return groups


def status_examples() -> list[dict]:
    """An unsaved object for every value of every status field the badge tag knows."""
    rows = []
    for (label, field), tones in TONES.items():
        model = apps.get_model(label)
        objects = [model(**{field: value}) for value in tones]
        rows.append({"model": model._meta.verbose_name, "field": field, "objects": objects})
    return rows


def overdue_request():
    """An open request past its deadline: red, and its label says it is overdue."""
    model = apps.get_model("triage.request")
    return model(status="assigned", deadline=timezone.now() - timedelta(hours=2))


class SampleForm(forms.Form):
    """A form with each kind of field, shown bound with one error, as after a refused post."""

    name = forms.CharField(
        label=pgettext_lazy("styleguide", "Your name"),
        max_length=40,
        help_text=pgettext_lazy("styleguide", "As your neighbours know you."),
    )
    story = forms.CharField(
        label=pgettext_lazy("styleguide", "What happened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
    )
    kind = forms.ChoiceField(
        label=pgettext_lazy("styleguide", "Kind"),
        choices=[
            ("", pgettext_lazy("styleguide", "Choose one")),
            ("a", pgettext_lazy("styleguide", "Repair")),
            ("b", pgettext_lazy("styleguide", "Noise")),
        ],
        required=False,
    )
    when = forms.ChoiceField(
        label=pgettext_lazy("styleguide", "When?"),
        widget=forms.RadioSelect,
        choices=[
            ("day", pgettext_lazy("styleguide", "In the day")),
            ("night", pgettext_lazy("styleguide", "At night")),
        ],
    )
    agree = forms.BooleanField(
        label=pgettext_lazy("styleguide", "Tell me when it is answered"),
        required=False,
        help_text=pgettext_lazy("styleguide", "By text message."),
    )


@require_GET
def styleguide(request):
    form = SampleForm(data={"name": "陈阿姨", "story": "", "when": "day"})
    form.is_valid()  # shows "this field is required" on the story, keeps the rest as typed
    page = Paginator(range(50), 10).get_page(2)
    now = timezone.now()
    return render(
        request,
        "portal/styleguide.html",
        {
            "tokens": tokens(),
            "statuses": status_examples(),
            "overdue_request": overdue_request(),
            "sample_form": form,
            "empty_form": SampleForm(auto_id="sg_%s"),
            "sample_page": page,
            "soon": now + timedelta(hours=3),
            "past": now - timedelta(hours=3),
            "now": now,
        },
    )
