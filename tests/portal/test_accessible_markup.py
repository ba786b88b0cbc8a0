"""Markup a screen reader depends on (WCAG 2.1 AA), checked on the HTML the server sends.
The browser journeys run axe-core and the Nu Html Checker over every page they visit
(tests/e2e/conftest.py); these pin the specific defects found there, fast and without a
browser."""

import re

import pytest
from django.core.management import call_command

from cms.models import NewsPage
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic
from triage import services as triage_services

pytestmark = pytest.mark.django_db


def html(client, url, language=None, **kw):
    if language:
        client.cookies["django_language"] = language
    response = client.get(url, **kw)
    assert response.status_code == 200, url
    return response.content.decode()


def test_simplified_chinese_content_is_marked_on_english_and_traditional_pages(client, tree):
    t = make_topic(tree["community"], title="三号楼加装电梯")
    body = html(client, t.get_absolute_url(), "en")
    assert '<html lang="en"' in body
    assert '<h1 lang="zh-Hans">三号楼加装电梯</h1>' in body
    assert re.search(r'<p lang="zh-Hans">老楼没有电梯', body)
    assert '<h1 lang="zh-Hans">' in html(client, t.get_absolute_url(), "zh-hant")
    # On a 简体中文 page the content is already in the page's language: no extra lang.
    assert "<h1>三号楼加装电梯</h1>" in html(client, t.get_absolute_url(), "zh-hans")


def test_news_images_are_described_by_their_title_and_news_is_marked_chinese(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    news = NewsPage.objects.live().exclude(image=None).first()
    body = html(client, news.url, "en")
    imgs = re.findall(r"<img [^>]*>", body.split('<main id="main">', 1)[1])
    assert imgs
    assert f'alt="{news.image.title}"' in imgs[0]
    assert not any('alt=""' in img for img in imgs)
    assert '<article class="card" lang="zh-Hans">' in body


def test_check_in_qr_code_has_a_name_and_no_prohibited_label(client, tree):
    community = tree["community"]
    committee = factories.member("committee", community)
    resident = factories.resident(tree["grid"])
    s = make_session(community, committee)
    client.force_login(resident)
    client.post(f"/deliberation/s/{s.pk}/register/")
    body = html(client, s.get_absolute_url(), "zh-hans")
    assert re.search(
        r'<div class="qr" role="img" aria-label="入场时出示的二维码"><svg aria-hidden', body
    )


def test_rating_radios_are_a_fieldset_with_a_legend_and_every_label_names_a_control(client, tree):
    from tests.triage.factories import world

    w = world(tree)
    resident = factories.resident(tree["grid"])
    req = triage_services.request_submit(
        channel="web",
        text="路灯不亮好多天了",
        area=tree["grid"],
        reporter=resident,
        service_type=w["types"]["road"],
    )
    triage_services.request_reply(request=req, actor=w["people"]["chengguan"], reply="路灯已修复")
    client.force_login(resident)
    body = html(client, f"/triage/r/{req.pk}/", "zh-hans")
    form = body.split('data-testid="rate-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r"<fieldset class=\"field\">\s*<legend>", form)
    assert 'for=""' not in body


def test_password_rules_are_not_a_list_inside_a_paragraph(client):
    body = html(client, "/accounts/signup/", "zh-hans")
    assert '<div class="helptext" id="id_password1_helptext"><ul>' in body
    assert not re.search(r"<p>(?:(?!</p>).)*<ul>", body, re.S)


def test_aria_describedby_points_at_elements_that_exist(client, tree):
    resident = factories.resident(tree["grid"])
    client.force_login(resident)
    for url in ["/triage/new/", "/credits/hours/", "/me/residency/"]:
        response = client.post(url, {})
        body = response.content.decode()
        for refs in re.findall(r'aria-describedby="([^"]+)"', body):
            for ref in refs.split():
                assert f'id="{ref}"' in body, (url, ref)
