"""Journey: a resident supports a topic, registers for its session, is checked in by a
committee member at the door, and later reads the published outcome."""

import datetime

import pytest

from deliberation import services
from deliberation.models import Registration
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.deliberation.factories import topic as make_topic
from tests.e2e.conftest import sign_in


@pytest.mark.django_db(transaction=True)
def test_support_register_check_in_see_outcome(page, shot, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False  # the committee desk is in the Wagtail admin
    tree = factories.city_tree()
    community = tree["community"]
    committee = factories.member("committee", community)
    raiser = factories.resident(tree["grid"])
    resident = factories.resident(tree["grid"])
    topic = make_topic(community, raiser, title="3号楼加装电梯", body="老人上下楼难，想加装电梯。")
    session = make_session(community, committee, title="圆桌话题：加装电梯", topics=[topic])

    # 1. the resident supports the topic
    sign_in(page, resident)
    page.goto(page.base_url + topic.get_absolute_url())
    page.get_by_test_id("support").click()
    assert page.get_by_test_id("support-count").inner_text() == "1"
    shot("deliberation-1-supported")

    # 2. registers for the session and sees a code and QR
    page.goto(page.base_url + session.get_absolute_url())
    page.get_by_test_id("register").click()
    code = page.get_by_test_id("my-code").inner_text().strip()
    assert code == Registration.objects.get(user=resident).code
    assert page.locator("svg.qr").count() == 1
    shot("deliberation-2-registered")

    # 3. the committee member types the code at the check-in desk
    sign_in(page, committee)
    page.goto(page.base_url + f"/admin/deliberation/sessions/{session.pk}/checkin/")
    page.fill("#code", code.lower())
    page.locator("[data-testid=checkin-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert Registration.objects.get(user=resident).checked_in_at is not None
    shot("deliberation-3-checked-in")

    # 4. the committee publishes the outcome; the resident reads it with its follow-up
    services.outcome_publish(
        user=committee,
        topic=topic,
        decision="同意加装电梯，费用按楼层分摊",
        now=session.ends_at,  # after the session: a decision needs a held session
        votes_for=12,
        votes_against=2,
        votes_abstain=1,
        followups=[
            {
                "action": "提交加梯申请",
                "responsible": "社区居委会",
                "due_date": datetime.date(2026, 12, 31),
            }
        ],
    )
    sign_in(page, resident)
    page.goto(page.base_url + session.get_absolute_url())
    assert page.get_by_test_id("checked-in").count() == 1
    page.goto(page.base_url + topic.get_absolute_url())
    outcome = page.get_by_test_id("outcome")
    assert "同意加装电梯，费用按楼层分摊" in outcome.inner_text()
    assert "提交加梯申请" in page.get_by_test_id("followup").inner_text()
    shot("deliberation-4-outcome")
