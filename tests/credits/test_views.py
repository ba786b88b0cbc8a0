import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credits import selectors, services
from credits.models import Redemption, ServiceLog
from tests import factories as base

from .factories import fund, log, reward, rule, yesterday

pytestmark = pytest.mark.django_db


def test_index_public_and_signed_in(client, resident, community):
    assert client.get(reverse("credits:index")).status_code == 200
    fund(resident, community, "12.50")
    client.force_login(resident)
    html = client.get(reverse("credits:index")).content.decode()
    assert "12.50" in html


def test_statement_keyset_pages_and_csv(
    client, resident, community, django_assert_num_queries, django_assert_max_num_queries
):
    for i in range(30):
        fund(resident, community, "1.00", key=f"f{i}")
    client.force_login(resident)
    url = reverse("credits:statement")
    first = client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 25 and rows[0].balance_after == Decimal("30.00")
    nxt = first.context["next_before"]
    second = client.get(url, {"before": nxt})
    assert len(second.context["rows"]) == 5 and second.context["next_before"] is None
    assert second.context["rows"][-1].balance_after == Decimal("1.00")
    # One query per page however many rows (keyset on (account, id), transaction joined).
    account = resident.credit_accounts.get()
    with django_assert_num_queries(1):
        rows, _next = selectors.statement_page(account, before=nxt)
        assert [r.transaction.get_kind_display() for r in rows]
    with django_assert_max_num_queries(6):
        client.get(url, {"before": nxt})
    csv = b"".join(client.get(reverse("credits:statement_csv")).streaming_content).decode("utf-8")
    lines = csv.strip().splitlines()
    assert len(lines) == 31 and lines[-1].endswith("30.00")


def test_statement_of_someone_else_is_404(client, resident, community, tree):
    fund(resident, community, "5")
    other = base.resident(tree["grid"])
    client.force_login(other)
    acc = resident.credit_accounts.get()
    assert client.get(reverse("credits:statement"), {"account": acc.pk}).status_code == 404
    assert client.get(reverse("credits:statement_csv"), {"account": acc.pk}).status_code == 404


def test_redeem_flow_shows_code_and_qr(client, resident, community):
    fund(resident, community, "50")
    item = reward(community, cost="20", name="环保购物袋")
    client.force_login(resident)
    page = client.get(reverse("credits:rewards"))
    assert "环保购物袋" in page.content.decode()
    resp = client.post(reverse("credits:redeem", args=[item.pk]), {"key": "abc"})
    r = Redemption.objects.get()
    assert resp.status_code == 302 and resp.url == reverse("credits:redemption", args=[r.pk])
    # A double submit of the same form is the same reservation.
    client.post(reverse("credits:redeem", args=[item.pk]), {"key": "abc"})
    assert Redemption.objects.count() == 1
    detail = client.get(resp.url).content.decode()
    assert r.code in detail and "<svg" in detail


def test_redeem_beyond_balance_shows_error(client, resident, community):
    fund(resident, community, "5")
    item = reward(community, cost="20")
    client.force_login(resident)
    resp = client.post(reverse("credits:redeem", args=[item.pk]), {"key": "k"}, follow=True)
    assert "不足" in resp.content.decode() or "Not enough" in resp.content.decode()
    assert not Redemption.objects.exists()


def test_strangers_redemption_is_hidden(client, resident, community, tree):
    fund(resident, community, "50")
    r = services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="x")
    client.force_login(base.resident(tree["grid"]))
    assert client.get(reverse("credits:redemption", args=[r.pk])).status_code == 404
    assert client.post(reverse("credits:redemption_cancel", args=[r.pk])).status_code == 404
    assert Redemption.objects.get(pk=r.pk).status == "reserved"


def test_log_hours_form(client, volunteer, community):
    client.force_login(volunteer)
    url = reverse("credits:hours")
    data = {
        "community": community.pk,
        "date": yesterday().isoformat(),
        "start": "09:00",
        "end": "08:00",
        "activity": "敬老院陪伴",
        "place": "幸福里长者食堂",
    }
    bad = client.post(url, data)
    assert bad.status_code == 200 and not ServiceLog.objects.exists()
    assert bad.context["form"].errors
    data["end"] = "11:00"
    assert client.post(url, data).status_code == 302
    assert ServiceLog.objects.get().hours == Decimal("2.00")
    future = {**data, "date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    assert client.post(url, future).status_code == 200
    assert ServiceLog.objects.count() == 1


def test_verify_queue_permissions_and_bulk(
    client, volunteer, community, committee_member, resident
):
    rule(community, amount="5")
    a = log(volunteer, community, start="08:00", end="09:00")
    b = log(volunteer, community, start="10:00", end="12:00")
    client.force_login(resident)
    assert client.get(reverse("credits:verify")).status_code == 403
    client.force_login(committee_member)
    page = client.get(reverse("credits:verify"))
    assert list(page.context["queue"]) == [a, b]
    resp = client.post(reverse("credits:verify"), {"log": [a.pk], "action": "reject"}, follow=True)
    assert ServiceLog.objects.get(pk=a.pk).status == "pending"  # no reason given
    client.post(reverse("credits:verify"), {"log": [a.pk, b.pk], "action": "approve"})
    assert set(ServiceLog.objects.values_list("status", flat=True)) == {"approved"}
    assert volunteer.credit_accounts.get().balance == Decimal("15.00")
    resp = client.post(reverse("credits:revoke", args=[b.pk]), {"reason": "时间登记错误"})
    assert resp.status_code == 302
    assert volunteer.credit_accounts.get().balance == Decimal("5.00")


def test_fulfil_page(client, resident, community, committee_member):
    fund(resident, community, "50")
    r = services.redemption_reserve(user=resident, reward=reward(community), idempotency_key="f")
    client.force_login(resident)
    assert client.get(reverse("credits:fulfil")).status_code == 403
    client.force_login(committee_member)
    page = client.get(reverse("credits:fulfil"), {"code": r.code, "community": community.code})
    assert page.status_code == 200 and list(page.context["open"]) == [r]
    wrong = client.post(reverse("credits:fulfil"), {"community": community.pk, "code": "000000"})
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    ok = client.post(reverse("credits:fulfil"), {"community": community.pk, "code": r.code})
    assert ok.status_code == 302
    assert Redemption.objects.get(pk=r.pk).status == "fulfilled"


def test_record_bulk_page(client, volunteer, community, committee_member):
    rule(community, amount="1")
    client.force_login(committee_member)
    page = client.get(reverse("credits:record"))
    assert volunteer in page.context["form"].fields["attendees"].queryset
    resp = client.post(
        reverse("credits:record"),
        {
            "community": community.pk,
            "attendees": [volunteer.pk],
            "date": yesterday().isoformat(),
            "start": "14:00",
            "end": "16:00",
            "activity": "楼道清理",
            "place": "5号楼",
        },
    )
    assert resp.status_code == 302
    assert ServiceLog.objects.get().status == "approved"


def test_public_community_page_respects_leaderboard_opt_out(
    client, community, committee_member, tree
):
    rule(community, amount="1")
    shown = base.resident(tree["grid"], display_name="陈阿姨")
    hidden = base.resident(tree["grid"], display_name="不愿露面", leaderboard_opt_out=True)
    for user in (shown, hidden):
        services.service_log_approve(actor=committee_member, log=log(user, community))
    html = client.get(reverse("credits:community", args=[community.code])).content.decode()
    assert "陈阿姨" in html and "不愿露面" not in html
    assert client.get(reverse("credits:community", args=[community.code])).context[
        "hours"
    ] == Decimal("4.00")


def test_certificate_lists_verified_hours(client, volunteer, community, committee_member):
    services.service_log_approve(
        actor=committee_member, log=log(volunteer, community, activity="义务理发")
    )
    log(volunteer, community, start="13:00", end="14:00", activity="未审核的活动")
    client.force_login(volunteer)
    html = client.get(reverse("credits:certificate")).content.decode()
    assert "义务理发" in html and "未审核的活动" not in html


def test_dashboard_panel_and_section(client, resident, community, committee_member, rf):
    from credits import panels

    fund(resident, community, "8")
    client.force_login(resident)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert 'data-testid="panel-available"' in html and "8.00" in html
    request = rf.get("/")
    request.user = resident
    section = panels.community_section(request, community)
    assert section["outstanding"] == Decimal("8.00") and section["issued"] == Decimal("8.00")
    assert panels.community_section(request, community.get_children().first()) is None


def test_verify_queue_fields_come_from_forms_and_a_refusal_keeps_ticks_and_reason(
    client, volunteer, community, committee_member
):
    a = log(volunteer, community, start="08:00", end="09:00")
    b = log(volunteer, community, start="10:00", end="12:00")
    client.force_login(committee_member)
    html = client.get(reverse("credits:verify")).content.decode()
    for entry in (a, b):
        box = re.search(rf'<input type="checkbox" name="log"[^>]*id="log-{entry.pk}"[^>]*>', html)
        assert box and f'value="{entry.pk}"' in box.group(0) and "checked" not in box.group(0)
        assert f'<label for="log-{entry.pk}">' in html
    assert '<label for="id_reason">' in html
    reason = "理由" * 101  # over the 200 characters a reason may have
    response = client.post(
        reverse("credits:verify"), {"log": [b.pk], "action": "reject", "reason": reason}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="id_reason_error"' in html
    assert f'value="{reason}"' in html
    assert re.search(rf'id="log-{b.pk}"[^>]*checked', html)
    assert not re.search(rf'id="log-{a.pk}"[^>]*checked', html)
    assert ServiceLog.objects.get(pk=b.pk).status == "pending"
