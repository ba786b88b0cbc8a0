"""Issue 16: the reward catalogue and earning rules on the one scoped viewset, with
list_export: a committee exports its own community's rows only, formula-safe."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from credits.models import EarningRule, Reward
from tests import factories
from tests.credits.factories import reward, rule

pytestmark = pytest.mark.django_db

REWARDS = "wagtailsnippets_credits_reward"
RULES = "wagtailsnippets_credits_earningrule"


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


def test_the_reward_export_holds_the_committees_rows_only_and_is_formula_safe(
    client, tree, committee_member
):
    from openpyxl import load_workbook

    reward(tree["community"], name='=HYPERLINK("http://evil.example","领奖")')
    reward(tree["community"], name="理发券")
    reward(tree["other_community"], name="B社区理发券")
    client.force_login(committee_member)
    url = reverse(f"{REWARDS}:list")
    sheet = load_workbook(io.BytesIO(client.get(url + "?export=xlsx").content)).active
    header, *rows = list(sheet.values)
    assert header[0] == "名称"
    names = sorted(r[0] for r in rows)
    assert names == sorted(['\'=HYPERLINK("http://evil.example","领奖")', "理发券"])
    assert {r[header.index("类型")] for r in rows} == {"物品"}  # the kind by its label
    body = b"".join(client.get(url + "?export=csv").streaming_content).decode("utf-8-sig")
    assert "B社区理发券" not in body and "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and '"=HYPERLINK' not in body


def test_a_reward_search_finds_chinese_inside_a_name(client, tree, committee_member):
    reward(tree["community"], name="长者食堂午餐券")
    reward(tree["community"], name="理发券")
    client.force_login(committee_member)
    html = client.get(reverse(f"{REWARDS}:list") + "?q=食堂").content.decode()
    assert "长者食堂午餐券" in html and "理发券" not in html


def test_the_rule_export_holds_the_committees_rows_only(client, tree, committee_member):
    rule(tree["community"], amount="10.00")
    rule(tree["other_community"], amount="77.00")
    client.force_login(committee_member)
    body = b"".join(client.get(reverse(f"{RULES}:list") + "?export=csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert "10.00" in body and "77.00" not in body
    assert tree["other_community"].name not in body


def test_other_communitys_rows_are_not_found_on_inspect(client, tree, committee_member):
    theirs = reward(tree["other_community"], name="B社区理发券")
    their_rule = rule(tree["other_community"])
    client.force_login(committee_member)
    assert client.get(reverse(f"{REWARDS}:inspect", args=[theirs.pk])).status_code == 404
    assert client.get(reverse(f"{RULES}:inspect", args=[their_rule.pk])).status_code == 404


def test_staff_without_credits_manage_see_no_moral_bank_menu(client, tree, committee_member):
    from django.contrib.auth.models import Permission

    client.force_login(committee_member)
    assert reverse(f"{REWARDS}:list") in client.get("/admin/").content.decode()
    worker = factories.member("grid_worker", tree["grid"])
    worker.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(worker)
    assert reverse(f"{REWARDS}:list") not in client.get("/admin/").content.decode()
    assert client.get(reverse(f"{REWARDS}:list")).status_code in (302, 403)
    assert not Reward.objects.exists() and not EarningRule.objects.exists()
