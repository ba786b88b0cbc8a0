"""Login throttling never locks out the owner who types the right password (issue 9,
finding 11): failures count per (account, IP) and per IP, not per account alone."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests import factories

PASSWORD = "pass-Word-2026"  # tests.factories.UserFactory's password
PRODUCTION_RATES = {"login": "30/m/ip", "login_failed": "10/m/ip,5/5m/key"}


@pytest.fixture(autouse=True)
def _production_rates(settings):
    settings.ACCOUNT_RATE_LIMITS = PRODUCTION_RATES
    cache.clear()
    yield
    cache.clear()


def _login(ip, login, password):
    client = Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    return client, response


@pytest.mark.django_db
def test_wrong_passwords_from_one_ip_do_not_lock_out_the_owner_elsewhere():
    owner = factories.UserFactory(username="13800001111", email="owner@example.cn")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)

    for _ in range(10):
        _client, response = _login("203.0.113.7", "13800001111", "wrong-guess-2026")
        assert response.status_code == 200

    # The attacker's address is throttled, with a translated message, even for the
    # right password.
    _client, response = _login("203.0.113.7", "13800001111", PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in _client.session
    assert "登录失败次数过多" in response.content.decode()

    # The owner, from another address, logs in.
    client, response = _login("198.51.100.20", "13800001111", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("portal:dashboard")).status_code == 200
    client, response = _login("198.51.100.20", "owner@example.cn", PASSWORD)
    assert response.status_code == 302
