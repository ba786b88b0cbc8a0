import pytest
from celery import current_app
from django.conf import settings
from wagtail.snippets.models import get_snippet_models

from credits.models import EarningRule, Reward
from portal.notifications import CATEGORIES


def test_rules_and_catalogue_are_wagtail_snippets():
    models = get_snippet_models()
    assert EarningRule in models and Reward in models


def test_beat_runs_expiry_and_nightly_reconcile():
    import credits.tasks  # noqa: F401  (registers the tasks)

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"credits.expire_redemptions", "credits.reconcile"} <= tasks
    assert {"credits.expire_redemptions", "credits.reconcile"} <= set(current_app.tasks)


def test_notification_categories_registered():
    assert {"credits.hours", "credits.redemption", "credits.reconcile"} <= set(CATEGORIES)


@pytest.mark.django_db
def test_admin_lists_and_edits_rewards(client, community, settings):
    from tests.credits.factories import reward
    from tests.factories import UserFactory

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    admin = UserFactory(is_superuser=True, is_staff=True)
    reward(community, name="长者食堂午餐券")
    client.force_login(admin)
    listing = client.get("/admin/snippets/credits/reward/")
    assert listing.status_code == 200 and "长者食堂午餐券" in listing.content.decode()
    assert client.get("/admin/snippets/credits/reward/add/").status_code == 200
    assert client.get("/admin/snippets/credits/earningrule/add/").status_code == 200


@pytest.mark.django_db
def test_admin_rows_scoped_to_the_committees_community(tree, committee_member, rf):
    from tests.credits.factories import reward

    mine = reward(tree["community"])
    reward(tree["other_community"])
    request = rf.get("/")
    request.user = committee_member
    assert list(Reward.snippet_viewset.get_queryset(request)) == [mine]


@pytest.mark.django_db
def test_admin_form_offers_only_the_committees_communities(tree, committee_member):
    form_class = Reward.snippet_viewset.get_form_class()
    form = form_class(for_user=committee_member)
    assert list(form.fields["community"].queryset) == [tree["community"]]


@pytest.mark.django_db
def test_committee_edits_its_own_rewards_in_the_admin_but_not_another_communitys(
    client, tree, committee_member, settings
):
    from tests.credits.factories import reward

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    mine = reward(tree["community"], name="我们社区的奖品")
    theirs = reward(tree["other_community"], name="别的社区的奖品")
    client.force_login(committee_member)
    listing = client.get("/admin/snippets/credits/reward/").content.decode()
    assert "我们社区的奖品" in listing and "别的社区的奖品" not in listing
    assert client.get(f"/admin/snippets/credits/reward/edit/{mine.pk}/").status_code == 200
    assert client.get("/admin/snippets/credits/earningrule/add/").status_code == 200
    # Another community's row: not found by URL either, and a forged post changes nothing.
    assert client.get(f"/admin/snippets/credits/reward/edit/{theirs.pk}/").status_code == 404
    client.post(f"/admin/snippets/credits/reward/delete/{theirs.pk}/")
    assert Reward.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
def test_residents_get_no_moral_bank_admin(client, resident, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    client.force_login(resident)
    assert client.get("/admin/snippets/credits/reward/").status_code in (302, 403)
