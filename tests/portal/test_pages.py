import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from portal.validators import validate_image_upload


def png(size=(40, 30), fmt="PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, fmt)
    return buf.getvalue()


@pytest.mark.django_db
def test_healthz_checks_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_home_page_is_chinese_by_default(client):
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in body and "社区议事厅" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lang,text", [("zh-hans", "页面不存在"), ("zh-hant", "頁面不存在"), ("en", "Page not found")]
)
def test_404_is_translated(client, lang, text):
    client.cookies["django_language"] = lang
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert text in response.content.decode()


def test_500_page_renders_without_a_stack_trace(rf):
    from portal.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "出了点问题" in body


@pytest.mark.django_db
def test_switching_language_and_elder_mode_as_visitor(client):
    response = client.post(reverse("portal:preferences"), {"language": "zh-hant", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    client.post(reverse("portal:preferences"), {"elder_mode": "1", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="zh-hant" class="elder">' in body
    assert 'class="elder"' in body and "標準版" in body


@pytest.mark.django_db
def test_preferences_are_saved_on_the_account(client, resident):
    client.force_login(resident)
    client.post(reverse("portal:preferences"), {"language": "en", "elder_mode": "1"})
    resident.refresh_from_db()
    assert resident.language == "en" and resident.elder_mode is True


@pytest.mark.django_db
def test_preferences_never_redirect_off_site(client):
    response = client.post(
        reverse("portal:preferences"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_valid_image_passes():
    validate_image_upload(SimpleUploadedFile("a.png", png(), content_type="image/png"))


def test_non_image_is_refused_even_with_an_image_name():
    with pytest.raises(ValidationError) as exc:
        validate_image_upload(
            SimpleUploadedFile("a.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
        )
    assert exc.value.code == "not_an_image"


def test_oversized_image_is_refused(settings):
    settings.PORTAL_MAX_IMAGE_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        validate_image_upload(
            SimpleUploadedFile("a.png", png((200, 200)), content_type="image/png")
        )
    assert exc.value.code == "image_too_large"


def test_disallowed_image_format_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_image_upload(SimpleUploadedFile("a.bmp", png(fmt="BMP"), content_type="image/bmp"))
    # Pillow is only allowed to try the JPEG, PNG, GIF and WebP parsers (portal.uploads).
    assert exc.value.code == "not_an_image"


@pytest.mark.django_db
def test_dashboard_needs_login_and_shows_home_community(client, resident, grid):
    assert client.get(reverse("portal:dashboard")).status_code == 302
    client.force_login(resident)
    body = client.get(reverse("portal:dashboard")).content.decode()
    assert grid.community.name in body and "已确认居民" in body


@pytest.mark.django_db
def test_browser_language_header_does_not_override_chinese_default(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in body and "长辈版" in body


@pytest.mark.django_db
def test_anonymous_pages_are_cached_and_publishing_refreshes_them(
    client, settings, django_assert_num_queries
):
    import datetime

    from django.core.cache import cache

    from cms.models import HomePage, NewsPage

    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    first = client.get("/")
    assert first.status_code == 200 and not first.cookies  # no per-visitor token: cacheable
    with django_assert_num_queries(0):
        assert client.get("/").content == first.content
    home = HomePage.objects.get()
    news = NewsPage(
        title="新通知：周六停水", slug="tingshui", date=datetime.date(2026, 11, 20), body="<p>x</p>"
    )
    home.add_child(instance=news)
    news.save_revision().publish()
    assert "新通知：周六停水" in client.get("/").content.decode()
    # Language and elder mode are part of the key; a session always bypasses the cache.
    client.cookies["django_language"] = "en"
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_signed_in_users_never_get_a_cached_page(client, settings, resident):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    client.get("/")
    client.force_login(resident)
    assert "我的" in client.get("/").content.decode() and "退出" in client.get("/").content.decode()
