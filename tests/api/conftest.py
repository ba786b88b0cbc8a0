import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from credits import services as credits_services
from credits.models import ServiceLog
from deliberation import services as deliberation_services
from tests import factories
from tests.credits import factories as cf
from tests.deliberation import factories as df
from triage.models import Request

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def make_request(area, *, at, channel="web", klass="community", status="closed", **fields):
    """A request row as the triage services leave it (written directly: the API only reads)."""
    return Request.objects.create(
        channel=channel,
        text=fields.pop("text", "楼道灯坏了"),
        area=area,
        area_path=area.path,
        request_class=klass,
        status=status,
        created_at=at,
        **fields,
    )


@pytest.fixture
def deliberation_data(tree):
    """Two topics, a held session, an outcome with two follow-ups, in 新湛社区."""
    community = tree["community"]
    committee_org = factories.organisation(community)
    committee = factories.member("committee", community, committee_org)
    raiser = factories.resident(tree["grid"], display_name="王小明", phone="13911112222")
    decided = df.topic(community, raiser, title="加装电梯", tags=["电梯"])
    open_topic = df.topic(community, raiser, title="停车难", body="晚上车位不够。")
    session = df.held_session(community, committee, decided)
    outcome = deliberation_services.outcome_publish(
        user=committee,
        topic=decided,
        decision="一楼住户不分摊，其余按楼层分摊。",
        session=session,
        votes_for=20,
        votes_against=3,
        votes_abstain=1,
        followups=[
            {
                "action": "申请加装电梯补贴",
                "responsible": "新湛社区居委会",
                "due_date": timezone.localdate() + datetime.timedelta(days=30),
            },
            {
                "action": "公示分摊方案",
                "responsible": "业主委员会",
                "due_date": timezone.localdate() + datetime.timedelta(days=7),
            },
        ],
    )
    return {
        "community": community,
        "committee": committee,
        "raiser": raiser,
        "decided": decided,
        "open_topic": open_topic,
        "session": session,
        "outcome": outcome,
    }


@pytest.fixture
def moral_bank_data(tree):
    """新湛社区: 100 coins paid to one resident, 20 of them redeemed; 2 verified hours."""
    community = tree["community"]
    resident = factories.resident(tree["grid"], display_name="陈阿姨", phone="13900009999")
    cf.fund(resident, community, "100.00")
    reward = cf.reward(community, cost="20.00")
    redemption = credits_services.redemption_reserve(
        user=resident, reward=reward, idempotency_key="api-test-redeem"
    )
    fulfiller = factories.member("committee", community, factories.organisation(community))
    credits_services.redemption_fulfil(actor=fulfiller, community=community, code=redemption.code)
    volunteer = factories.resident(tree["grid"])
    log = cf.log(volunteer, community)
    ServiceLog.objects.filter(pk=log.pk).update(status=ServiceLog.Status.APPROVED)
    return {"community": community, "resident": resident, "hours": Decimal("2.00")}
