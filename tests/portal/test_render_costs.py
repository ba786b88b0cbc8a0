"""The shortcuts that keep signed-in pages cheap draw exactly what Django would draw, and
change when what they draw changes (issue #16: the page figures must not fall)."""

import re

import pytest
from django import forms
from django.core.cache import cache
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import Site

from cms.models import CommunityPage
from deliberation.models import Contribution, Topic
from portal.models import Membership
from portal.templatetags.portal_ui import html_attrs, status_badge
from triage.models import Request

SPACE = re.compile(r"\s+")


def squash(html: str) -> str:
    return SPACE.sub(" ", html).replace("> <", "><").replace(" >", ">").strip()


class Choice(forms.Form):
    colour = forms.ChoiceField(
        choices=[("", "全部"), ("red", "红色"), ("blue", "蓝 & 绿"), ("Group", [("g1", "一")])]
    )
    many = forms.MultipleChoiceField(choices=[("a", "甲"), ("b", "乙")])


def test_select_draws_the_markup_django_draws():
    form = Choice({"colour": "blue", "many": ["a", "b"]})
    ours = str(form["colour"]) + str(form["many"])
    django_form = Choice({"colour": "blue", "many": ["a", "b"]}, renderer=DjangoTemplates())
    theirs = str(django_form["colour"]) + str(django_form["many"])
    assert squash(ours) == squash(theirs)
    assert '<option value="blue" selected>蓝 &amp; 绿</option>' in squash(ours)
    assert '<optgroup label="Group">' in ours


def test_html_attrs_follow_attrs_html():
    attrs = {"selected": True, "disabled": False, "lang": 'zh"hans', "data-n": 3}
    rendered = DjangoTemplates().render(
        "django/forms/widgets/attrs.html", {"widget": {"attrs": attrs}}
    )
    # (the renderer strips the leading space of a template's output)
    assert html_attrs(attrs) == " " + rendered == ' selected lang="zh&quot;hans" data-n="3"'


@pytest.mark.django_db
def test_status_labels_match_get_display_in_every_language():
    objects = [
        (Topic, "status"),
        (Contribution, "status"),
        (Contribution, "stance"),
        (Membership, "status"),
        (Request, "status"),
        (Request, "mediation"),
    ]
    for lang in ("zh-hans", "zh-hant", "en"):
        with translation.override(lang):
            for model, field in objects:
                for value, _label in model._meta.get_field(field).choices:
                    obj = model(**{field: value})
                    expected = getattr(obj, f"get_{field}_display")()
                    assert f">{expected}<" in status_badge(obj, field)
    # An unknown value shows as itself, as get_FOO_display does.
    assert ">odd<" in status_badge(Topic(status="odd"))


class Filter(forms.Form):
    q = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", "全部"), ("a", "甲")])


def draw(form) -> str:
    return Template("{% load portal_ui %}{% field_groups form %}").render(Context({"form": form}))


def test_field_groups_draw_what_the_field_template_draws_and_vary_with_what_shapes_them():
    cache.clear()
    plain = "".join(str(bf.as_field_group()) for bf in Filter({"q": "停车"}).visible_fields())
    assert draw(Filter({"q": "停车"})) == plain
    assert draw(Filter({"q": "停车"})) == plain  # from the cache, unchanged
    assert 'value="加装电梯"' in draw(Filter({"q": "加装电梯"}))
    assert '<option value="a" selected>' in draw(Filter({"kind": "a"}))
    renamed = Filter()
    renamed.fields["kind"].choices = [("", "全部"), ("a", "乙")]
    assert ">乙<" in draw(renamed)
    wrong = Filter({"kind": "zzz"})
    assert "errorlist" in draw(wrong) and "errorlist" not in draw(Filter({"kind": "a"}))
    with translation.override("en"):
        english = Filter()
        english.fields["q"].label = "Search"
        assert ">Search" in SPACE.sub("", draw(english)).replace("Search", ">Search", 1)


@pytest.mark.django_db
def test_a_community_page_finds_its_site_without_a_query_once_cached(client, tree, resident):
    page = CommunityPage.objects.get(area=tree["community"])
    client.force_login(resident)
    assert client.get(page.url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(page.url).status_code == 200
    assert not [q for q in ctx if "wagtailcore_site" in q["sql"]]
    # A changed site is seen at once: saving it bumps the content version.
    site = Site.objects.get(is_default_site=True)
    site.site_name = "新站名"
    site.save()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(page.url).status_code == 200
    assert [q for q in ctx if "wagtailcore_site" in q["sql"]]


@pytest.mark.django_db
def test_a_host_django_refuses_is_refused_not_cached(client, tree, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    page = CommunityPage.objects.get(area=tree["community"])
    response = client.get(page.url, HTTP_HOST="evil.example")
    assert response.status_code == 400
