"""Service-log photos: only our re-encoding is stored, under our name (issue 9, 1 + 10)."""

import re

import pytest
from django.urls import reverse

from credits.models import ServiceLog
from tests.upload_samples import gif_with_script, png_bomb, stored_bytes, svg

from .factories import yesterday

pytestmark = pytest.mark.django_db

STORED = re.compile(r"^credits/logs/\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png)$")


def _post(client, community, photo):
    return client.post(
        reverse("credits:hours"),
        {
            "community": community.pk,
            "date": yesterday().isoformat(),
            "start": "09:00",
            "end": "11:00",
            "activity": "敬老院陪伴",
            "place": "幸福里长者食堂",
            "photo": photo,
        },
    )


def test_photo_named_html_is_stored_as_a_clean_image(client, volunteer, community):
    client.force_login(volunteer)
    assert _post(client, community, gif_with_script("photo.html")).status_code == 302
    log = ServiceLog.objects.get()
    assert STORED.match(log.photo.name), log.photo.name
    assert b"<script" not in stored_bytes(log.photo)


@pytest.mark.parametrize("upload", [png_bomb, svg], ids=["bomb", "svg"])
def test_bomb_and_svg_are_refused_on_the_form(client, volunteer, community, upload):
    client.force_login(volunteer)
    r = _post(client, community, upload())
    assert r.status_code == 200 and "photo" in r.context["form"].errors
    assert not ServiceLog.objects.exists()
