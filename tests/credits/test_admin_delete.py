"""A reward or earning rule the ledger still refers to cannot be deleted from the admin:
a translated message and nothing changed, never a 500 (found by the hostile-input sweep)."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation

from credits import services
from credits.models import EarningRule, Reward
from tests import factories
from tests.credits.factories import fund, reward


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Reward, EarningRule])
def test_deleting_what_the_ledger_refers_to_is_a_translated_refusal(tree, model):
    from allauth.mfa.models import Authenticator

    community = tree["community"]
    committee = factories.member("committee", community)
    Authenticator.objects.create(user=committee, type=Authenticator.Type.TOTP, data={"secret": "x"})
    resident = factories.resident(tree["grid"])
    fund(resident, community)  # an earning under the public-welfare rule
    the_rule = EarningRule.objects.get(community=community, deed="public_welfare")
    prize = reward(community)
    services.redemption_reserve(user=resident, reward=prize, idempotency_key="admin-delete:1")
    row = prize if model is Reward else the_rule
    assert model.objects.filter(pk=row.pk).exists()

    client = Client(raise_request_exception=False)
    client.force_login(committee)
    from django.urls import reverse

    url = reverse(model.snippet_viewset.get_url_name("delete"), args=[row.pk])
    with translation.override("zh-hans"):
        response = client.post(url, HTTP_REFERER="/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, response.status_code
    assert model.objects.filter(pk=row.pk).exists()
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("无法删除" in t or "cannot be deleted" in t for t in texts), texts
