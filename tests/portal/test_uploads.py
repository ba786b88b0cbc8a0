"""portal.uploads: every uploaded image is decoded, bounded and re-encoded (issue 9, 1 + 10)."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation
from PIL import Image

from portal.uploads import clean_image, serve_media
from tests.upload_samples import SCRIPT, gif_with_script, jpeg_with_gps, png, png_bomb, svg

NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png)$")


def test_gif_with_a_script_named_html_becomes_a_clean_image_under_our_name():
    clean = clean_image(gif_with_script("photo.html"))
    assert NAME.match(clean.name) and "photo" not in clean.name
    data = clean.read()
    assert b"<script" not in data and SCRIPT not in data
    with Image.open(io.BytesIO(data)) as im:
        assert im.format in ("PNG", "JPEG") and im.size == (16, 16)
        assert clean.name.endswith(".png" if im.format == "PNG" else ".jpg")


def test_a_48kb_png_declaring_20000_by_20000_pixels_is_refused_before_decoding():
    bomb = png_bomb()
    assert bomb.size < 64 * 1024
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        clean_image(bomb)
    assert exc.value.code == "image_pixels"
    assert "像素" in exc.value.messages[0]


def test_pixel_limit_comes_from_settings(settings):
    settings.PORTAL_MAX_IMAGE_PIXELS = 50
    with pytest.raises(ValidationError) as exc:
        clean_image(png(size=(10, 10)))
    assert exc.value.code == "image_pixels"
    assert clean_image(png(size=(5, 10)))


@pytest.mark.parametrize("upload", [svg(), svg("logo.png")], ids=["svg", "svg-named-png"])
def test_svg_is_refused(upload):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        clean_image(upload)
    assert exc.value.code == "not_an_image" and "JPEG" in exc.value.messages[0]


def test_other_formats_and_broken_files_are_refused():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "BMP")
    good = io.BytesIO()
    Image.new("RGB", (64, 64)).save(good, "JPEG")
    from django.core.files.uploadedfile import SimpleUploadedFile as F

    for upload in [
        F("a.bmp", buf.getvalue()),
        F("a.jpg", b"%PDF-1.4 not an image"),
        F("a.jpg", good.getvalue()[:200]),  # truncated
        F("a.png", b""),
    ]:
        with pytest.raises(ValidationError) as exc:
            clean_image(upload)
        assert exc.value.code == "not_an_image"


def test_exif_is_applied_then_stripped():
    clean = clean_image(jpeg_with_gps())
    with Image.open(clean) as im:
        assert im.format == "JPEG" and clean.name.endswith(".jpg")
        assert im.size == (10, 30)  # orientation 6 applied: upright
        assert not im.getexif() and "exif" not in im.info and "comment" not in im.info
    clean.seek(0)
    data = clean.read()
    assert b"PhoneMaker" not in data and b"taken at home" not in data


def test_transparency_is_kept_as_png_and_everything_else_is_jpeg():
    assert clean_image(png(mode="RGBA")).name.endswith(".png")
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "WEBP")
    from django.core.files.uploadedfile import SimpleUploadedFile as F

    assert clean_image(F("x.webp", buf.getvalue())).name.endswith(".jpg")


def test_a_clean_image_is_not_encoded_twice():
    clean = clean_image(png())
    assert clean_image(clean) is clean


# --- Wagtail images --------------------------------------------------------------------


@pytest.fixture
def admin_user(db):
    from portal.models import User

    return User.objects.create_superuser("root", "root@example.cn", "x-Pass-2026")


def _wagtail_form(user, upload):
    from wagtail.images import get_image_model
    from wagtail.images.forms import get_image_form
    from wagtail.models import Collection

    form_class = get_image_form(get_image_model())
    return form_class(
        {"title": "t", "collection": Collection.get_first_root_node().pk},
        {"file": upload},
        user=user,
    )


def test_wagtail_image_form_stores_our_reencoding(admin_user):
    form = _wagtail_form(admin_user, gif_with_script("photo.gif"))
    assert form.is_valid(), form.errors
    image = form.save()
    assert re.match(r"^original_images/[0-9a-f]{32}\.(jpg|png)$", image.file.name)
    image.file.open("rb")
    assert b"<script" not in image.file.read()
    assert (image.width, image.height) == (16, 16)


@pytest.mark.parametrize("upload", [png_bomb(), svg()], ids=["bomb", "svg"])
def test_wagtail_image_form_refuses_bombs_and_svg(admin_user, upload):
    from wagtail.images import get_image_model

    form = _wagtail_form(admin_user, upload)
    assert not form.is_valid() and "file" in form.errors
    assert not get_image_model().objects.exists()


def test_an_image_saved_without_the_form_is_reencoded_too(db):
    from wagtail.images import get_image_model

    image = get_image_model().objects.create(title="x", file=gif_with_script("x.gif"))
    assert re.match(r"^original_images/[0-9a-f]{32}\.(jpg|png)$", image.file.name)
    image.file.open("rb")
    assert b"<script" not in image.file.read()


# --- serving media --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, body, inline",
    [("triage/a.html", b"<script>alert(1)</script>", False), ("triage/a.png", None, True)],
)
def test_media_responses_are_never_sniffed_or_scripted(tmp_path, name, body, inline):
    target = tmp_path / name
    target.parent.mkdir(parents=True)
    target.write_bytes(body if body is not None else png().read())
    response = serve_media(RequestFactory().get("/media/" + name), name, document_root=tmp_path)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.get("Content-Disposition", "").startswith("attachment") is not inline


def test_dev_media_urls_use_the_guarded_view(settings):
    import importlib

    from django.urls import clear_url_caches, resolve

    import portal.urls

    settings.DEBUG = True
    try:
        importlib.reload(portal.urls)
        clear_url_caches()
        assert resolve("/media/triage/a.html", urlconf=portal.urls).func is serve_media
    finally:
        settings.DEBUG = False
        importlib.reload(portal.urls)
        clear_url_caches()
