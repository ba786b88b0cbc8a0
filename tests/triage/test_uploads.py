"""Request photos: only our re-encoding is stored, under our name (issue 9, findings 1, 10)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.upload_samples import gif_with_script, jpeg_with_gps, png_bomb, stored_bytes, svg
from triage import services
from triage.models import Photo, Request

pytestmark = pytest.mark.django_db

STORED = re.compile(r"^triage/[0-9a-f]{24}\.(jpg|png)$")


def test_gif_with_script_named_html_is_stored_as_a_clean_image(client, w):
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {
            "text": "楼道里堆满了杂物，消防通道堵了",
            "contact": "site",
            "photos": [gif_with_script()],
        },
    )
    assert r.status_code == 302
    photo = Photo.objects.get()
    assert STORED.match(photo.image.name), photo.image.name
    data = stored_bytes(photo.image)
    assert b"<script" not in data and data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")


@pytest.mark.parametrize("upload", [png_bomb, svg], ids=["bomb", "svg"])
def test_bomb_and_svg_get_a_translated_form_error_and_nothing_is_saved(client, w, upload):
    client.force_login(w["resident"])
    with translation.override("zh-hans"):
        r = client.post(
            reverse("triage:new"),
            {"text": "路灯坏了好几天了", "contact": "site", "photos": [upload()]},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert r.status_code == 200 and "photos" in r.context["form"].errors
    assert "图片" in " ".join(r.context["form"].errors["photos"])
    assert not Request.objects.exists() and not Photo.objects.exists()


def test_intake_refuses_a_bomb_without_a_500(client, w):
    client.force_login(w["people"]["grid_worker"])
    r = client.post(
        reverse("triage:intake"),
        {
            "channel": "grid_worker",
            "grid": w["tree"]["grid"].pk,
            "text": "路灯坏了好几天了",
            "contact": "site",
            "photos": [png_bomb()],
        },
    )
    assert r.status_code == 200 and "photos" in r.context["form"].errors
    assert not Request.objects.exists()


def test_the_service_stores_only_clean_images_whoever_calls_it(w):
    with pytest.raises(ValidationError) as exc:
        services.request_submit(
            channel="web", text="路灯坏了", area=w["tree"]["grid"], photos=[png_bomb()]
        )
    assert "photos" in exc.value.message_dict and not Request.objects.exists()
    req = services.request_submit(
        channel="web",
        text="路灯坏了好几天了",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        photos=[gif_with_script("x.svg"), jpeg_with_gps()],
    )
    names = [p.image.name for p in req.photos.all()]
    assert len(names) == 2 and all(STORED.match(n) for n in names)
    blobs = [stored_bytes(p.image) for p in req.photos.all()]
    assert not any(b"<script" in b or b"PhoneMaker" in b or b"Exif" in b for b in blobs)
