"""Issue 9, finding 11: committee A reads nothing of committee B's rewards in the admin:
not their history (with B's member's phone number), usage, or any other per-row view."""

import pytest
from wagtail.log_actions import log

from credits.models import EarningRule, Reward
from tests import factories
from tests.credits.factories import reward, rule


def staff(area, **kwargs):
    from allauth.mfa.models import Authenticator

    user = factories.member("committee", area, **kwargs)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def two_committees(tree):
    a = staff(tree["community"])
    b = staff(tree["other_community"], username="13912345678", display_name="")
    theirs = reward(tree["other_community"], name="B社区理发券")
    log(instance=theirs, action="wagtail.edit", user=b)
    their_rule = rule(tree["other_community"])
    log(instance=their_rule, action="wagtail.edit", user=b)
    return a, b, theirs, their_rule


def _per_row_urls(viewset, pk):
    names = ["history", "usage", "inspect", "edit", "delete"]
    urls = []
    for name in names:
        try:
            urls.append(viewset.get_url_name(name))
        except Exception:  # noqa: BLE001 - a view this viewset does not have
            continue
    from django.urls import NoReverseMatch, reverse

    out = []
    for url_name in urls:
        try:
            out.append(reverse(url_name, args=[pk]))
        except NoReverseMatch:
            continue
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Reward, EarningRule])
def test_committee_a_cannot_open_any_view_of_bs_rows(client, two_committees, model):
    a, _b, theirs, their_rule = two_committees
    row = theirs if model is Reward else their_rule
    client.force_login(a)
    urls = _per_row_urls(model.snippet_viewset, row.pk)
    assert any("/history/" in u for u in urls) and any("/usage/" in u for u in urls)
    for url in urls:
        response = client.get(url)
        # Wagtail's admin answers a refusal with a redirect to its dashboard.
        assert response.status_code in (403, 404) or response["Location"] == "/admin/", url
        assert "13912345678" not in response.content.decode()


@pytest.mark.django_db
def test_committee_b_reads_its_own_history_without_phone_numbers(client, tree, two_committees):
    _a, _b, theirs, _rule = two_committees
    colleague = staff(tree["other_community"])
    client.force_login(colleague)
    response = client.get(f"/admin/snippets/credits/reward/history/{theirs.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "13912345678" not in body
    assert "139****5678" in body
