"""Staff sent to set up TOTP come back to where they were going (portal.mfa), and a wrong
code says what to do instead of "错误代码。"."""

import time
from urllib.parse import parse_qs, urlparse

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def _sign_in(client, user):
    """Through the form, as a person signs in."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": "pass-Word-2026"}
    )
    assert response.status_code == 302, response.content.decode()[:500]


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _activation(client, wanted: str):
    sent = client.get(wanted)
    assert sent.status_code == 302
    location = sent["Location"]
    assert urlparse(location).path == reverse("mfa_activate_totp")
    assert parse_qs(urlparse(location).query)["next"] == [wanted]
    reauthenticate = client.get(location)  # allauth asks for the password again first
    assert urlparse(reauthenticate["Location"]).path == reverse("account_reauthenticate")
    page = client.post(reauthenticate["Location"], {"password": "pass-Word-2026"}, follow=True)
    assert page.status_code == 200
    assert page.request["PATH_INFO"] == reverse("mfa_activate_totp")
    return page.context["form"].secret


def test_after_totp_setup_the_recovery_codes_page_leads_back(client, tree):
    staff = factories.member("committee", tree["community"])
    _sign_in(client, staff)
    wanted = "/admin/pages/?ordering=title"
    secret = _activation(client, wanted)
    done = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert done.status_code == 302 and done["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(done["Location"])
    html = codes.content.decode()
    assert codes.status_code == 200
    assert 'href="/admin/pages/?ordering=title"' in html
    assert "我已保存恢复码，继续" in html
    assert client.get("/admin/").status_code == 200  # TOTP is on: the admin opens


def test_a_next_to_another_site_is_not_followed(client, tree):
    staff = factories.member("committee", tree["community"])
    _sign_in(client, staff)
    page = client.get(reverse("mfa_activate_totp") + "?next=https://evil.example/")
    page = client.post(page["Location"], {"password": "pass-Word-2026"}, follow=True)
    secret = page.context["form"].secret
    done = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    html = client.get(done["Location"]).content.decode()
    assert "evil.example" not in html and "我已保存恢复码，继续" not in html


def test_a_wrong_totp_code_says_what_to_do(client, tree):
    staff = factories.member("committee", tree["community"])
    _sign_in(client, staff)
    _activation(client, "/admin/")
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "错误代码" not in html
    assert "验证器应用当前显示的 6 位数字" in html
