"""robots.txt, sitemap.xml and icons: what browsers and search engines ask every site for."""

import pytest


@pytest.mark.django_db
def test_robots_keeps_personal_and_staff_areas_out_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for path in ("/admin/", "/me/", "/accounts/"):
        assert f"Disallow: {path}" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body


@pytest.mark.django_db
def test_sitemap_lists_the_published_pages(client):
    from wagtail.models import Page

    from tests.factories import city_tree

    city_tree()  # each community gets its page
    live = Page.objects.live().public().filter(depth__gte=2)
    assert live.exists()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<urlset" in body
    assert body.count("<loc>") == live.count()
    for page in live:
        assert f"<loc>{page.full_url}</loc>" in body


@pytest.mark.django_db
def test_favicon_and_app_icons(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith("portal/icons/favicon.ico")
    home = client.get("/").content.decode()
    assert 'rel="icon"' in home and 'rel="apple-touch-icon"' in home
