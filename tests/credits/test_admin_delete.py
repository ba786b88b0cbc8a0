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


@pytest.mark.django_db
@pytest.mark.parametrize("image", ["\x08", "word", "1234567890123456789012345"])
def test_a_chooser_given_something_that_is_not_an_id_is_a_form_error(tree, image):
    """Wagtail's image chooser re-rendered the refused form by looking the value up: a 500."""
    from allauth.mfa.models import Authenticator
    from django.urls import reverse

    community = tree["community"]
    committee = factories.member("committee", community)
    Authenticator.objects.create(user=committee, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client(raise_request_exception=False)
    client.force_login(committee)
    url = reverse(Reward.snippet_viewset.get_url_name("add"))
    response = client.post(
        url,
        {
            "community": community.pk,
            "name": "理发券",
            "kind": "service",
            "cost": "10",
            "stock": "5",
            "image": image,
        },
    )
    assert response.status_code == 200, response.status_code
    assert "image" in response.context["form"].errors
    assert not Reward.objects.exists()
