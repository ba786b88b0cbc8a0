"""Sign-up does not reveal which mobile numbers have accounts (issue 9, finding 11)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import User
from tests import factories


def _signup(username, email):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    data = {
        "email": email,
        "username": username,
        "password1": "Qingdao-2026-strong",
        "password2": "Qingdao-2026-strong",
    }
    response = client.post(reverse("account_signup"), data)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    return response, page


@pytest.mark.django_db
def test_signup_with_a_used_number_answers_as_with_a_new_one():
    owner = factories.UserFactory(username="13800001111", email="owner@example.cn")
    before = User.objects.count()
    # Warm the fragments cached for everyone (the header's language switch), as on a live
    # site: what a page is drawn from must not differ by whose number was typed.
    Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("account_signup"))

    used, used_page = _signup("13800001111", "someone@example.cn")
    new, new_page = _signup("13800002222", "other@example.cn")

    assert used.status_code == new.status_code == 302
    assert used["Location"] == new["Location"]
    assert [t.name for t in used_page.templates] == [t.name for t in new_page.templates]
    used_text = used_page.content.decode().replace("someone@example.cn", "@")
    assert used_text == new_page.content.decode().replace("other@example.cn", "@")
    assert "已存在" not in used_text and "already exists" not in used_text

    # No second account; the owner is told, the address typed is asked to pick another.
    assert User.objects.count() == before + 1
    assert not User.objects.filter(email="someone@example.cn").exists()
    assert User.objects.get(username="13800001111") == owner
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["other@example.cn", "owner@example.cn", "someone@example.cn"]
