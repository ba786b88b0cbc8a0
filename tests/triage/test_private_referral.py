"""Issue 10: a 私事 is not a dead end.  It is referred, not closed: the resident sees the
services near them, the public channel of its matter type and the volunteers who offer
that help; asks a volunteer through the portal (no phone shown either way); the volunteer
accepts and logs the hours, the resident confirms, the moral bank pays once; the resident
closes it as solved or not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from credits.models import Account, Deed, EarningRule, Transaction
from portal.models import Notification
from tests import factories
from triage import selectors
from triage.models import Event, HelpOffer, Referral, Request, ServiceDirectoryEntry
from triage.services import followup, referrals

TEXT = "家里水龙头坏了一直滴水，装修公司装的，想找个师傅上门修一下"
VOLUNTEER_PHONE = "13700001111"
RESIDENT_PHONE = "13912345678"  # the `w` fixture's resident


@pytest.fixture
def cast(w):
    tree = w["tree"]
    w["volunteer"] = factories.resident(tree["grid2"], display_name="周建国", phone=VOLUNTEER_PHONE)
    w["resident"].display_name = "李秀兰"
    w["resident"].save(update_fields=["display_name"])
    w["entry"] = ServiceDirectoryEntry.objects.create(
        name="老周（志愿者）修理",
        kind="volunteer",
        area=tree["community"],
        volunteer=w["volunteer"],
        services="水龙头 换灯泡 小修",
        hours="周末",
    )
    ServiceDirectoryEntry.objects.create(
        name="邻里通家电维修",
        kind="provider",
        area=tree["district"],
        services="水龙头 维修 热水器",
        phone="0532-88887777",
        hours="9:00–19:00",
    )
    EarningRule.objects.create(
        community=tree["community"], deed=Deed.VOLUNTEER_HOUR, amount=Decimal("10.00")
    )
    return w


def submit_through_the_form(client, w) -> Request:
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"), {"text": TEXT, "contact": "site", "address": "3号楼2单元"}
    )
    assert r.status_code == 302
    return Request.objects.get(text=TEXT)


def refused(response, words: str) -> bool:
    return response.status_code == 403 and words in response.content.decode()


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def balance(user) -> Decimal:
    acc = Account.objects.filter(user=user, kind="resident").first()
    return acc.balance if acc else Decimal("0")


def test_the_private_path_from_report_to_paid_hours(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    # Referred, not closed: open, no deadline, nobody claims to have handled it.
    assert req.request_class == "private"
    assert req.status == Request.Status.REFERRED and req.is_open
    assert req.deadline is None and req.organisation is None and req.reply == ""
    assert not req.events.filter(kind=Event.Kind.REPLIED).exists()
    assert Referral.objects.get(request=req).matter.public_channel == "人民调解"

    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    panel = page.split('data-testid="referral"', 1)[1]
    assert "邻里通家电维修" in panel and "0532-88887777" in panel and "9:00–19:00" in panel
    assert "人民调解" in panel
    assert "老周（志愿者）修理" in panel and VOLUNTEER_PHONE not in page
    assert 'data-testid="ask-help"' in panel

    # Ask for help: the volunteer is told through the portal, without the resident's phone.
    url = reverse("triage:ask_help", args=[req.pk, w["entry"].pk])
    assert client.post(url, {}).status_code == 302
    assert client.post(url, {}).status_code == 302  # a retried click asks once
    offer = HelpOffer.objects.get()
    assert offer.status == "asked" and offer.volunteer == w["volunteer"]
    notes = Notification.objects.filter(user=w["volunteer"], category="triage.help")
    assert notes.count() == 1
    assert RESIDENT_PHONE not in notes.get().body and "3号楼" not in notes.get().body

    # Before accepting, the volunteer reads the masked text, no name, no phone, no address.
    client.force_login(w["volunteer"])
    help_url = reverse("triage:help", args=[offer.pk])
    page = client.get(help_url).content.decode()
    assert "水龙头" in page
    assert "李秀兰" not in page and RESIDENT_PHONE not in page and "3号楼" not in page
    assert 'data-testid="accept-help"' in page

    # The resident cannot confirm hours for a volunteer who did not accept.
    client.force_login(w["resident"])
    r = client.post(reverse("triage:help_confirm", args=[offer.pk]), follow=True)
    assert "接受" in messages_of(r) or "accepted" in messages_of(r)
    offer.refresh_from_db()
    assert offer.status == "asked" and not Transaction.objects.exists()

    # The volunteer accepts: now the text and the resident's name, still no phone.
    client.force_login(w["volunteer"])
    client.post(reverse("triage:help_accept", args=[offer.pk]))
    offer.refresh_from_db()
    assert offer.status == "accepted"
    page = client.get(help_url).content.decode()
    assert "李秀兰" in page and RESIDENT_PHONE not in page and "3号楼" not in page

    # Logs two hours.
    r = client.post(
        reverse("triage:help_hours", args=[offer.pk]), {"hours": "2", "note": "换了阀芯"}
    )
    assert r.status_code == 302
    offer.refresh_from_db()
    assert offer.status == "logged" and offer.hours == Decimal("2.00")

    # The resident confirms: the moral bank pays once, under the request's key.
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert 'data-testid="confirm-hours"' in page
    confirm = reverse("triage:help_confirm", args=[offer.pk])
    assert client.post(confirm).status_code == 302
    assert client.post(confirm).status_code == 302  # double confirm
    tx = Transaction.objects.get()
    assert tx.idempotency_key == f"triage-private-help:{req.pk}:{w['volunteer'].pk}"
    assert tx.quantity == Decimal("2.00")
    assert balance(w["volunteer"]) == Decimal("20.00")
    # Even the service called again, past the view, pays nothing more.
    referrals.help_confirm(offer=offer, user=w["resident"])
    assert Transaction.objects.count() == 1 and balance(w["volunteer"]) == Decimal("20.00")
    offer.refresh_from_db()
    assert offer.status == "confirmed" and offer.payment == tx

    # The resident closes it as solved, and may rate it.
    r = client.post(reverse("triage:close_referral", args=[req.pk]), {"outcome": "solved"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.CLOSED and req.closed_at is not None
    assert req.referral.outcome == "solved"
    client.post(reverse("triage:rate", args=[req.pk]), {"score": "5"})
    req.refresh_from_db()
    assert req.satisfaction == 5
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds.count("help") == 4 and "closed" in kinds and "rated" in kinds


def test_a_resident_closes_it_as_not_solved_and_may_reopen_it(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    r = client.post(
        reverse("triage:close_referral", args=[req.pk]),
        {"outcome": "not_solved", "comment": "师傅都没空"},
    )
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "closed" and req.referral.outcome == "not_solved"
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert 'data-testid="close-referral"' not in page and 'data-testid="ask-help"' not in page
    # A retried close changes nothing; an unknown outcome is refused with a message.
    client.post(reverse("triage:close_referral", args=[req.pk]), {"outcome": "not_solved"})
    assert req.events.filter(kind="closed").count() == 1
    # Not solved: the resident may hand it to the committee (a reopened request).
    followup.request_reopen(request=req, user=w["resident"], reason="还是没人能修")
    req.refresh_from_db()
    assert req.status == "assigned" and req.organisation == w["orgs"]["committee"]


def test_bad_outcome_and_bad_hours_are_refused_with_nothing_changed(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    r = client.post(reverse("triage:close_referral", args=[req.pk]), {"outcome": "maybe"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "referred"
    offer = referrals.help_ask(request=req, user=w["resident"], entry=w["entry"])
    referrals.help_answer(offer=offer, user=w["volunteer"], accept=True)
    client.force_login(w["volunteer"])
    for hours in ["0", "-1", "25", "abc", "NaN"]:
        r = client.post(
            reverse("triage:help_hours", args=[offer.pk]), {"hours": hours}, follow=True
        )
        assert r.status_code == 200 and messages_of(r)
        offer.refresh_from_db()
        assert offer.status == "accepted" and offer.hours is None
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    r = client.post(
        reverse("triage:help_hours", args=[offer.pk]),
        {"hours": "1", "service_date": future},
        follow=True,
    )
    offer.refresh_from_db()
    assert offer.hours is None and messages_of(r)


def test_strangers_are_refused_with_a_translated_message_and_nothing_changes(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    offer = referrals.help_ask(request=req, user=w["resident"], entry=w["entry"])
    other_resident = factories.resident(w["tree"]["grid"])
    other_volunteer = factories.resident(w["tree"]["grid"], display_name="王志愿")

    client.force_login(other_resident)
    assert client.get(reverse("triage:detail", args=[req.pk])).status_code == 404
    assert refused(client.post(reverse("triage:ask_help", args=[req.pk, w["entry"].pk])), "只有")
    assert refused(
        client.post(reverse("triage:close_referral", args=[req.pk]), {"outcome": "solved"}),
        "只有",
    )
    assert refused(client.get(reverse("triage:help", args=[offer.pk])), "只有")

    client.force_login(other_volunteer)
    assert refused(client.get(reverse("triage:help", args=[offer.pk])), "只有被邀请的志愿者")
    assert refused(client.post(reverse("triage:help_accept", args=[offer.pk])), "只有")
    assert refused(
        client.post(reverse("triage:help_hours", args=[offer.pk]), {"hours": "3"}), "只有"
    )

    # The volunteer accepts and logs; confirming his own hours is refused.
    referrals.help_answer(offer=offer, user=w["volunteer"], accept=True)
    referrals.help_log_hours(offer=offer, user=w["volunteer"], hours="2")
    client.force_login(w["volunteer"])
    assert refused(
        client.post(reverse("triage:help_confirm", args=[offer.pk])), "任何人都不能确认自己的时长"
    )
    client.force_login(other_resident)
    assert refused(client.post(reverse("triage:help_confirm", args=[offer.pk])), "只有")

    offer.refresh_from_db()
    req.refresh_from_db()
    assert offer.status == "logged" and offer.payment is None
    assert not Transaction.objects.exists()
    assert req.status == "referred" and req.referral.outcome == ""
    assert HelpOffer.objects.count() == 1


def test_only_volunteers_who_offer_that_help_can_be_asked(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    elsewhere = ServiceDirectoryEntry.objects.create(
        name="延安三路的志愿者",
        kind="volunteer",
        area=w["tree"]["other_community"],
        volunteer=factories.resident(w["tree"]["other_grid"]),
        services="水龙头",
    )
    r = client.post(reverse("triage:ask_help", args=[req.pk, elsewhere.pk]), follow=True)
    assert messages_of(r) and not HelpOffer.objects.exists()
    assert (
        "延安三路的志愿者"
        not in client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    )


def test_a_referred_request_is_nobody_s_overdue_work(client, cast):
    w = cast
    req = submit_through_the_form(client, w)
    later = timezone.now() + timedelta(days=30)
    assert followup.escalate_overdue(now=later) == 0
    req.refresh_from_db()
    assert req.escalation_level == 0 and not req.is_overdue
    assert selectors.dashboard_stats(w["tree"]["community"])["overdue"] == 0
    assert req not in selectors.inbox(w["orgs"]["committee"])
    client.force_login(w["people"]["committee"])
    inbox = client.get(reverse("triage:inbox", args=[w["orgs"]["committee"].pk]))
    assert inbox.status_code == 200 and inbox.context["rows"] == []


def test_the_volunteer_s_list_of_help_asked(client, cast, django_assert_num_queries):
    w = cast
    client.force_login(w["volunteer"])
    counts = []
    for n in (1, 3):
        while HelpOffer.objects.count() < n:
            req = submit_through_the_form(client, w)
            Request.objects.filter(pk=req.pk).update(text=f"{TEXT}（第{req.pk}次）")
            req.refresh_from_db()
            referrals.help_ask(request=req, user=w["resident"], entry=w["entry"])
        client.force_login(w["volunteer"])
        client.get(reverse("triage:help_list"))
        with django_assert_num_queries(3) as captured:  # the user row: from the cache
            page = client.get(reverse("triage:help_list")).content.decode()
        counts.append(len(captured))
        assert page.count('href="/triage/help/') == n
    assert counts[0] == counts[1]
    # Not yet accepted: the masked text; the resident's name is nowhere.
    assert "李秀兰" not in page
