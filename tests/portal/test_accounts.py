"""Sign-up, email verification, log-in, rate limits, CSRF, staff MFA — as a visitor sees them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import User
from tests import factories

SIGNUP = {
    "email": "xiaowang@example.cn",
    "username": "13912345678",
    "password1": "Qingdao-2026-strong",
    "password2": "Qingdao-2026-strong",
}


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.django_db
def test_signup_sends_a_verification_mail_and_the_link_verifies(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(username="13912345678")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body).group(
        1
    )
    assert client.get(link).status_code == 200  # a page with a button: GET changes nothing
    assert not EmailAddress.objects.get(user=user).verified
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
def test_unverified_user_cannot_log_in(client):
    client.post(reverse("account_signup"), SIGNUP)
    other = Client()
    other.post(reverse("account_login"), {"login": "13912345678", "password": SIGNUP["password1"]})
    assert other.get(reverse("portal:dashboard")).status_code == 302


@pytest.mark.django_db
def test_login_by_email_or_mobile_username(client):
    user = factories.UserFactory(username="13800001111", email="a@example.cn")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for login in ("13800001111", "a@example.cn"):
        c = Client()
        response = c.post(reverse("account_login"), {"login": login, "password": "pass-Word-2026"})
        assert response.status_code == 302, login
        assert c.get(reverse("portal:dashboard")).status_code == 200


@pytest.mark.django_db
def test_duplicate_email_is_refused_with_a_translated_message(client):
    factories.UserFactory(email="xiaowang@example.cn")
    before = User.objects.count()
    response = client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="zh-hans")
    # Enumeration is prevented: allauth says the same as for a new address but makes
    # no second account, and mails the owner instead.
    assert User.objects.count() == before
    assert response.status_code in (200, 302)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value,message",
    [
        ("username", "ab", "用户名"),
        ("username", "12345", "11位手机号"),
        ("email", "not-an-email", "电子邮件"),
        ("password2", "different-2026", "密码"),
    ],
)
def test_invalid_signup_gets_a_translated_error_and_creates_nothing(client, field, value, message):
    data = {**SIGNUP, field: value}
    response = client.post(reverse("account_signup"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not mail.outbox


@pytest.mark.django_db
def test_failed_logins_are_rate_limited(client):
    user = factories.UserFactory(username="13800002222")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "13800002222", "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": "13800002222", "password": "pass-Word-2026"}
    )
    assert response.status_code in (200, 429)
    assert client.get(reverse("portal:dashboard")).status_code == 302  # still not signed in


@pytest.mark.django_db
def test_forged_post_without_csrf_token_is_refused_and_changes_nothing(resident):
    c = Client(enforce_csrf_checks=True)
    c.force_login(resident)
    response = c.post(
        reverse("portal:preferences"), {"elder_mode": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 403
    assert "为了您的安全" in response.content.decode()
    resident.refresh_from_db()
    assert resident.elder_mode is False


@pytest.mark.django_db
def test_staff_must_enable_totp_before_reaching_the_wagtail_admin(client, tree):
    staff = factories.member("committee", tree["community"])
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
def test_staff_with_totp_reach_the_wagtail_admin_in_chinese(client, tree):
    from allauth.mfa.models import Authenticator

    staff = factories.member("committee", tree["community"])
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans"' in body and "跳到主要内容" in body  # Wagtail's own catalogue


@pytest.mark.django_db
def test_wagtail_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lang,text",
    [("zh-hans", "忘记密码"), ("zh-hant", "忘記您的密碼"), ("en", "Forgot your password")],
)
def test_account_pages_are_translated(client, lang, text):
    client.cookies["django_language"] = lang
    body = client.get(reverse("account_login")).content.decode()
    assert text in body
    assert "components.css" in body  # styled like the rest of the site
