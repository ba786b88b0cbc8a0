"""The verifiable service-hours certificate (issue 12): issuer, serial, date, public check."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from credits import services
from credits.models import HoursCertificate

from .factories import log, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified(volunteer, community, committee_member):
    rule(community, amount="10.00")
    a = services.service_log_approve(
        actor=committee_member, log=log(volunteer, community, activity="义务理发")
    )
    return a


def serial_of(html: str) -> str:
    return re.search(r'data-testid="serial">([A-Z2-7-]+)<', html).group(1)


def test_certificate_shows_issuer_serial_date_and_qr(client, volunteer, community, verified):
    client.force_login(volunteer)
    with translation.override("zh-hans"):
        html = client.get(reverse("credits:certificate")).content.decode()
    serial = serial_of(html)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", serial)
    assert "新湛社区居民委员会" in html or f"{community.name}居民委员会" in html
    cert = HoursCertificate.objects.get(serial=serial)
    assert cert.issued_at.date().isoformat()[:4] in html and cert.hours == Decimal("2.00")
    check_url = reverse("credits:certificate_check", args=[serial])
    assert check_url in html
    # The QR code is an image with a name (alt), not an unnamed inline SVG.
    img = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,[^"]+"[^>]*>', html)
    assert img and 'alt="' in img.group(0) and serial in img.group(0)
    # Stable: the same verified hours give the same certificate, however often it is opened.
    again = client.get(reverse("credits:certificate")).content.decode()
    assert serial_of(again) == serial and HoursCertificate.objects.count() == 1


def test_new_hours_make_a_new_certificate_the_old_one_stays_valid(
    client, volunteer, community, committee_member, verified
):
    first = services.certificate_issue(volunteer=volunteer, community=community)
    services.service_log_approve(
        actor=committee_member, log=log(volunteer, community, start="13:00", end="14:00")
    )
    second = services.certificate_issue(volunteer=volunteer, community=community)
    assert second.serial != first.serial and second.hours == Decimal("3.00")
    with translation.override("zh-hans"):
        html = client.get(reverse("credits:certificate_check", args=[first.serial])).content
    assert "有效证书" in html.decode() and "已失效" not in html.decode()


def test_anyone_can_check_a_certificate(client, volunteer, community, verified):
    cert = services.certificate_issue(volunteer=volunteer, community=community)
    with translation.override("zh-hans"):
        resp = client.get(reverse("credits:certificate_check", args=[cert.serial.lower()]))
    html = resp.content.decode()
    assert resp.status_code == 200  # anonymous
    assert volunteer.public_name in html and "2.00" in html
    assert f"{community.name}居民委员会" in html and cert.serial in html
    assert "有效证书" in html
    # Nothing beyond what the certificate shows: no phone number, no email, no activities.
    assert volunteer.username not in html or volunteer.username in volunteer.public_name
    if volunteer.email:
        assert volunteer.email not in html
    assert "义务理发" not in html


def test_revoked_hours_make_the_certificate_say_so(
    client, volunteer, community, committee_member, verified
):
    cert = services.certificate_issue(volunteer=volunteer, community=community)
    services.service_log_revoke(actor=committee_member, log=verified, reason="活动未实际举行")
    with translation.override("zh-hans"):
        html = client.get(reverse("credits:certificate_check", args=[cert.serial])).content
    html = html.decode()
    assert "已失效" in html and "有效证书" not in html
    assert "0.00" in html


def test_unknown_or_guessed_serial_is_a_404_with_a_message(client, volunteer, verified):
    with translation.override("zh-hans"):
        resp = client.get(reverse("credits:certificate_check", args=["AAAA-AAAA-AAAA-AAAA"]))
    assert resp.status_code == 404 and "没有编号为" in resp.content.decode()
    resp = client.get("/credits/certificates/%3Cscript%3Ex%3C%2Fscript%3E/")
    assert resp.status_code == 404 and b"<script>x</script>" not in resp.content


def test_certificate_check_page_query_count(
    client, volunteer, community, verified, django_assert_num_queries
):
    cert = services.certificate_issue(volunteer=volunteer, community=community)
    url = reverse("credits:certificate_check", args=[cert.serial])
    client.get(url)
    with django_assert_num_queries(2):
        client.get(url)


def test_no_hours_no_certificate(client, volunteer, community):
    assert services.certificate_issue(volunteer=volunteer, community=community) is None
    client.force_login(volunteer)
    resp = client.get(reverse("credits:certificate"))
    assert resp.status_code == 200 and not HoursCertificate.objects.exists()
