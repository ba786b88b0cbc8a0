"""The public API's browsable docs in a real browser (issue 11): Swagger UI from our own
static files renders the OpenAPI document under the site's strict CSP, with no CDN and no
policy violation (the `page` fixture fails the journey on any CSP report)."""

import pytest

from tests import factories
from tests.deliberation import factories as df


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_under_the_csp(page, shot):
    tree = factories.city_tree()
    df.topic(tree["community"], title="加装电梯")
    requests_seen: list[str] = []
    page.on("request", lambda r: requests_seen.append(r.url))
    page.goto(page.base_url + "/api/v1/docs/")
    assert page.title() == "开放数据接口 · 社区议事厅"
    # Swagger UI read the document and drew every tag and operation
    page.wait_for_selector("#swagger-ui .opblock-tag", timeout=20000)
    page.get_by_text("/api/v1/topics/", exact=True).first.wait_for()
    assert page.locator("#swagger-ui .opblock").count() == 13
    shot("api-docs")
    foreign = [u for u in requests_seen if not u.startswith(page.base_url)]
    assert foreign == []  # no CDN, no font service: everything from our own origin
