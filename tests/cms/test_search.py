import datetime

import pytest
from django.urls import reverse

from cms.cjk import index_text, query_text
from cms.models import HomePage, NewsPage
from cms.selectors import search_pages


def test_bigrams_cover_every_adjacent_pair():
    assert index_text("家中漏水") == "家 中 漏 水 家中 中漏 漏水"
    assert query_text("漏水 wifi") == "漏水 wifi"
    assert query_text("家中漏水") == "家中 中漏 漏水"


def add_news(title, body, **kw):
    home = HomePage.objects.get()
    page = NewsPage(
        title=title,
        slug=f"n{NewsPage.objects.count()}",
        date=datetime.date(2026, 5, 1),
        body=body,
        **kw,
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.mark.django_db
def test_search_finds_chinese_word_inside_chinese_text():
    leak = add_news("居民求助", "<p>家中漏水该找谁？物业和社区一起来。</p>")
    add_news("化粪池", "<p>化粪池堵塞谁来管</p>")
    titles = {p.title for p in search_pages("漏水")}
    assert titles == {leak.title}
    assert {p.title for p in search_pages("化粪池堵塞")} == {"化粪池"}
    assert list(search_pages("漏电")) == []


@pytest.mark.django_db
def test_search_page_shows_results(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_news("家中漏水该找谁", "<p>答复</p>")
    response = client.get(reverse("cms:search"), {"q": "漏水"})
    assert response.status_code == 200
    assert "家中<mark>漏水</mark>该找谁" in response.content.decode()
