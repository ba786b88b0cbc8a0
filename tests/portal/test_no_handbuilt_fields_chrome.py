"""The site's own chrome (the header's language switch, the search boxes) draws its fields
through the one field template too, with the label only screen readers need."""

import re

import pytest

from tests.portal.test_components import ROOT

TEMPLATES = [
    "portal/templates/base.html",
    "cms/templates/cms/home_page.html",
    "cms/templates/cms/search.html",
]
HANDBUILT = re.compile(r"<(select|textarea)\b|<input\b(?![^>]*type=\"(hidden|submit)\")")


@pytest.mark.parametrize("rel", TEMPLATES)
def test_no_hand_built_field(rel):
    assert not HANDBUILT.search((ROOT / rel).read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_the_search_box_and_language_switch_keep_their_ids_and_hidden_labels(client, tree):
    html = client.get("/search/", {"q": "漏水"}).content.decode()
    assert re.search(r'<label for="q" class="skip">', html)
    assert re.search(r'<input type="search" name="q" value="漏水"[^>]*id="q"', html)
    assert re.search(r'<label for="lang-switch" class="skip">', html)
    assert re.search(r'<option value="zh-hans" selected lang="zh-hans">简体中文</option>', html)
    assert '<option value="en" lang="en">English</option>' in html
    switch = html[html.index('for="lang-switch"') : html.index("</select>")]
    assert "required" not in switch  # a switch, not a question
    assert "data-autosubmit" in html
