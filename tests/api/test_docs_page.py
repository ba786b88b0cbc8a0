"""The browsable docs page: translated, served from our own static files, no inline code
(the site's CSP); tests/e2e/test_api_docs.py checks it in a real browser."""

import re

import pytest

from portal.testing.english import english_words

pytestmark = pytest.mark.django_db


def test_the_docs_page_reads_in_chinese_and_loads_swagger_from_our_static_files(client, tree):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # The title as a browser shows it (whitespace collapsed).
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert " ".join(title.split()) == "开放数据接口 · 社区议事厅"
    assert english_words(html) == []
    scripts = re.findall(r"<script[^>]*>", html)
    assert all('src="/static/' in s for s in scripts), scripts  # no inline script, no CDN
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<style" not in html and "cdn." not in html
    assert 'data-schema-url="/api/v1/schema/"' in html


def test_the_docs_page_in_traditional_chinese_and_english(client, tree, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    hant = client.get("/api/v1/docs/")
    assert "開放資料介面" in hant.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get("/api/v1/docs/")
    assert "<h1>Open data API</h1>" in en.content.decode()


def test_the_static_files_exist(client, tree):
    for path in [
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "/static/api/docs.js",
        "/static/api/docs.css",
    ]:
        assert client.get(path).status_code == 200, path
