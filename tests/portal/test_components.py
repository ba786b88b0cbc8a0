"""Templates as components (#16): one form renderer and field template, one pagination
include, one status-badge tag, design tokens and components in two style sheets, and a
styleguide drawn from all of them."""

import re
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from portal.templatetags.portal_ui import TONES, tone_of

ROOT = Path(settings.BASE_DIR)
APPS = ("portal", "cms", "credits", "deliberation", "triage", "api")
# Screens another engineer is moving to Wagtail viewsets (issue #16 leaves them alone).
NOT_OURS = ("deliberation/templates/deliberation/admin/", "portal/templates/wagtailadmin/")


def our_templates():
    for app in APPS:
        for path in sorted((ROOT / app / "templates").rglob("*.html")):
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith(NOT_OURS):
                yield rel, path.read_text(encoding="utf-8")


# A catalogue string cannot be broken over lines without changing its msgid (only
# `blocktranslate trimmed` joins lines): its own length does not count against the line.
CATALOGUE_TEXT = re.compile(
    r"(\{% (?:translate|trans) )(\"[^\"]*\"|'[^']*')"
    r"|(\{% blocktranslate[^%]*%\})(.*?)(\{% endblocktranslate %\})"
)


def _without_catalogue_text(line: str) -> str:
    return CATALOGUE_TEXT.sub(
        lambda m: (m.group(1) + '""') if m.group(1) else (m.group(3) + m.group(5)), line
    )


def test_no_template_line_is_wider_than_a_screen():
    wide = [
        f"{rel}:{n}"
        for rel, text in our_templates()
        for n, line in enumerate(text.splitlines(), 1)
        if len(_without_catalogue_text(line)) > 120
    ]
    assert wide == []
    assert len(_without_catalogue_text("<p>{% translate '" + "x" * 200 + "' %}</p>")) < 40


def test_no_inline_styles_or_hand_built_status_colours():
    found = []
    for rel, text in our_templates():
        if re.search(r"\sstyle=", text):
            found.append(f"{rel}: style=")
        if re.search(r'class="badge \{% if', text):
            found.append(f"{rel}: badge colour chosen in the template")
        if re.search(r"has_next|has_previous|next_page_number", text) and not rel.endswith(
            "portal/includes/pagination.html"
        ):
            found.append(f"{rel}: hand-built pagination")
        if "label_tag" in text or ".as_p" in text or "_form_fields" in text:
            found.append(f"{rel}: hand-written field markup")
    assert found == []


def test_the_site_uses_the_portal_form_renderer():
    from django.forms.renderers import get_default_renderer

    renderer = get_default_renderer()
    assert renderer.field_template_name == "portal/forms/field.html"
    assert renderer.form_template_name == "portal/forms/form.html"


class Sample(forms.Form):
    name = forms.CharField(label="Name", help_text="As people know you.")
    note = forms.CharField(label="Note", required=False)
    when = forms.ChoiceField(
        label="When", widget=forms.RadioSelect, choices=[("d", "Day"), ("n", "Night")]
    )
    agree = forms.BooleanField(label="Agree", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def test_the_field_template_links_help_and_errors_and_keeps_what_was_typed():
    form = Sample(data={"name": "", "note": "<b>as typed</b>", "when": "n"})
    assert not form.is_valid()
    html = str(form)
    # label, required marker, help and error, both named by the control's aria-describedby
    assert '<label for="id_name">' in html
    assert '<span class="required" aria-hidden="true">*</span>' in html
    assert '<div class="helptext" id="id_name_helptext">As people know you.</div>' in html
    assert '<ul class="errorlist" id="id_name_error">' in html
    control = re.search(r"<input [^>]*name=\"name\"[^>]*>", html).group(0)
    assert 'aria-describedby="id_name_helptext id_name_error"' in control
    assert 'aria-invalid="true"' in control and "required" in control
    # typed text kept, escaped once
    assert 'value="&lt;b&gt;as typed&lt;/b&gt;"' in html
    # radios: a fieldset whose legend reads like a label, the choice kept
    assert re.search(r'<fieldset class="field">\s*<legend>\s*When', html)
    assert re.search(r'<input type="radio" name="when" value="n"[^>]*checked', html)
    # a single checkbox sits before its label; the hidden field is there, unlabelled
    assert re.search(r'<div class="field field-check">\s*<input type="checkbox"', html)
    assert '<input type="hidden" name="token" id="id_token">' in html
    assert "must be filled in" in html or "必须填写" in html
    # every aria-describedby points at something on the page
    for refs in re.findall(r'aria-describedby="([^"]+)"', html):
        for ref in refs.split():
            assert f'id="{ref}"' in html


def test_errors_that_belong_to_no_field_are_announced():
    class Pair(forms.Form):
        a = forms.CharField(required=False)

        def clean(self):
            raise forms.ValidationError("Not both.")

    form = Pair(data={"a": "x"})
    form.is_valid()
    assert re.search(
        r'<div class="form-errors" role="alert">\s*<ul class="errorlist nonfield">', str(form)
    )


def render(source: str, **context) -> str:
    request = RequestFactory().get("/list/", {"q": "漏水", "area": "7", "junk": "x", "page": "3"})
    return Template("{% load portal_ui %}" + source).render(
        Context({"request": request, **context})
    )


def test_pagination_keeps_only_the_filters_it_is_told_to():
    page = Paginator(range(100), 10).get_page(3)
    html = render(
        '{% include "portal/includes/pagination.html" with page=page keep="q area" %}', page=page
    )
    assert 'href="?q=%E6%BC%8F%E6%B0%B4&amp;area=7&amp;page=2" rel="prev"' in html
    assert 'href="?q=%E6%BC%8F%E6%B0%B4&amp;area=7&amp;page=4" rel="next"' in html
    assert "junk" not in html
    assert "3" in re.search(r'class="pagination-count">([^<]+)<', html).group(1)
    single = Paginator(range(5), 10).get_page(1)
    assert "pagination" not in render(
        '{% include "portal/includes/pagination.html" with page=page %}', page=single
    )


def test_every_status_of_every_model_has_a_tone():
    """A status added to a model without a colour here fails: the badge would be grey."""
    for (label, field), tones in TONES.items():
        model = apps.get_model(label)
        values = {v for v, _ in model._meta.get_field(field).choices if v != ""}
        assert values == set(tones), (label, field)
    status_fields = {
        (m._meta.label_lower, f.name)
        for m in apps.get_models()
        if m._meta.app_label in APPS
        for f in m._meta.get_fields()
        if f.name in ("status", "stance", "mediation") and getattr(f, "choices", None)
    }
    assert status_fields <= set(TONES)


def test_a_badge_always_says_its_status_in_words():
    topic_model = apps.get_model("deliberation.topic")
    request_model = apps.get_model("triage.request")
    topic = topic_model(status="declined")
    html = render("{% status_badge t testid='topic-status' %}", t=topic)
    assert html == (
        f'<span class="badge red" data-testid="topic-status">{topic.get_status_display()}</span>'
    )
    late = request_model(status="assigned", deadline=timezone.now() - timezone.timedelta(hours=1))
    assert tone_of(late) == "red"
    html = render("{% status_badge r %}", r=late)
    assert late.get_status_display() in html and ("overdue" in html or "超期" in html)
    closed = request_model(status="closed", deadline=timezone.now() - timezone.timedelta(hours=1))
    assert render("{% status_badge r %}", r=closed).startswith('<span class="badge ok">')


def test_deadline_badge_says_whether_it_is_late():
    now = timezone.now()
    later = render("{% deadline_badge d now %}", d=now + timezone.timedelta(hours=1), now=now)
    sooner = render("{% deadline_badge d now %}", d=now - timezone.timedelta(hours=1), now=now)
    assert 'class="badge ok"' in later and 'class="badge red"' in sooner
    assert later.split(">")[1] != sooner.split(">")[1]  # different words, not only colour


def test_style_sheets_are_tokens_and_components():
    css = ROOT / "portal" / "static" / "portal"
    tokens = (css / "tokens.css").read_text(encoding="utf-8")
    components = (css / "components.css").read_text(encoding="utf-8")
    assert not (css / "site.css").exists()
    # components choose no colour of their own (print styles aside)
    screen = components.split("@media print", 1)[0]
    assert re.findall(r"#[0-9a-fA-F]{3,6}\b", screen) == []
    # every colour token has its styleguide swatch class, and elder mode still overrides
    for name in re.findall(r"--(color-[a-z-]+):", tokens.split("html.elder", 1)[0]):
        assert f".sg-{name} " in components, name
    assert "html.elder {" in tokens and "--fs: 21px" in tokens


@pytest.mark.django_db
def test_styleguide_shows_every_token_badge_and_the_real_field_template(
    client, django_assert_max_num_queries
):
    client.cookies["django_language"] = "zh-hans"
    client.get("/search/")  # the first page of a site makes its Site and settings rows
    # no more than any page: the site and its settings; tokens, badges and form cost none
    with django_assert_max_num_queries(2):
        response = client.get("/styleguide/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>样式指南</h1>" in html
    tokens = (ROOT / "portal/static/portal/tokens.css").read_text(encoding="utf-8")
    for name in re.findall(r"--([a-z0-9-]+):", tokens.split("html.elder", 1)[0]):
        assert f"--{name}" in html, name
    for (label, field), tones in TONES.items():
        model = apps.get_model(label)
        for value in tones:
            display = dict(model._meta.get_field(field).choices)[value]
            tone = f"badge {tones[value]}" if tones[value] else "badge"
            assert f'<span class="{tone}">{display}</span>' in html, (label, value)
    # the sample form went through portal/forms/field.html, error and typed text included
    form = html.split('data-testid="sample-form"', 1)[1].split("</form>", 1)[0]
    assert 'aria-invalid="true"' in form and 'id="id_story_error"' in form
    assert 'value="陈阿姨"' in form
    assert 'class="pagination"' in html
    assert 'href="/styleguide/"' in html  # linked from the footer
