"""A meta description on every page; Open Graph tags on news, topics and sessions (#12)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from cms.models import HomePage, NewsPage
from tests.deliberation import factories as df
from tests.triage.factories import png

pytestmark = pytest.mark.django_db

DEFAULT = "社区议事厅：居民提出并商量身边的议题"


def meta(html: str) -> dict[str, str]:
    """name= and property= of every <meta> with its content (one each, else a failure)."""
    out: dict[str, str] = {}
    for tag in re.findall(r"<meta [^>]*>", html):
        key = re.search(r'(?:name|property)="([^"]+)"', tag)
        content = re.search(r'content="([^"]*)"', tag)
        if key and content:
            assert key.group(1) not in out, f"two {key.group(1)} tags"
            out[key.group(1)] = content.group(1)
    return out


def get(client, url) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    return meta(response.content.decode())


def news(parent, **kw) -> NewsPage:
    page = NewsPage(
        title=kw.pop("title", "湛山花园加装电梯完工"),
        slug=kw.pop("slug", "lift"),
        date=datetime.date(2026, 5, 1),
        body=kw.pop("body", "<p>三号楼的电梯今天通过验收，下周投入使用。</p>"),
        **kw,
    )
    parent.add_child(instance=page)
    return page


@pytest.mark.parametrize(
    "url", ["/deliberation/", "/credits/", "/triage/", "/search/?q=x", "/accounts/login/"]
)
def test_every_page_has_a_meta_description(client, tree, url):
    tags = get(client, url)
    assert tags["description"].startswith(DEFAULT)  # pages without their own: the site's
    assert "og:title" not in tags  # Open Graph only where there is something to share


def test_home_page_uses_its_search_description_else_the_site_default(client, tree):
    home = HomePage.objects.get()
    assert (
        get(client, "/")["description"] == "民事民议民决：议事、道德银行、诉求办理，一站办。"
    )  # intro
    home.intro = ""
    home.save_revision().publish()
    assert get(client, "/")["description"].startswith(DEFAULT)
    home.save_revision().publish()
    home.search_description = "青岛市社区居民议事、积分和诉求的平台"
    home.save_revision().publish()
    assert get(client, "/")["description"] == "青岛市社区居民议事、积分和诉求的平台"


def test_news_page_has_its_summary_and_open_graph_tags(client, tree):
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="新电梯", file=png("lift.png"))
    page = news(HomePage.objects.get(), intro="三号楼电梯通过验收 & 下周启用", image=image)
    tags = get(client, page.url)
    assert tags["description"] == "三号楼电梯通过验收 &amp; 下周启用"  # escaped once
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "湛山花园加装电梯完工"
    assert tags["og:description"] == tags["description"]
    assert tags["og:url"] == f"http://testserver{page.url}"
    assert tags["og:image"].startswith("http://testserver/") and ".png" in tags["og:image"]


def test_news_without_summary_describes_itself_with_its_body(client, tree):
    page = news(HomePage.objects.get(), slug="plain")
    tags = get(client, page.url)
    assert tags["description"] == "三号楼的电梯今天通过验收，下周投入使用。"
    assert "og:image" not in tags  # no image, no tag


def test_topic_has_its_body_as_description_and_open_graph(client, community):
    topic = df.topic(
        community, title="停车难", body='晚上回来找不到车位，"共享车位"可行吗？<b>急</b>'
    )
    url = reverse("deliberation:topic", args=[topic.pk])
    tags = get(client, url)
    assert tags["description"] == "晚上回来找不到车位，&quot;共享车位&quot;可行吗？急"
    assert tags["og:title"] == "停车难" and tags["og:type"] == "article"
    assert tags["og:url"] == f"http://testserver{url}"


def test_session_is_described_by_its_format_time_and_place(client, community, committee_member):
    session = df.session(community, committee_member, title="有话大声说：停车难怎么办")
    url = reverse("deliberation:session", args=[session.pk])
    tags = get(client, url)
    assert tags["og:title"] == "有话大声说：停车难怎么办"
    assert session.format.name in tags["description"]
    assert tags["og:description"] == tags["description"]
    assert tags["og:url"] == f"http://testserver{url}"
