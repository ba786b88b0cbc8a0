from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from deliberation import signals
from deliberation.models import Topic
from triage import services
from triage.models import Event, Request

pytestmark = pytest.mark.django_db


def road(w, **kw):
    return services.request_submit(
        channel="web",
        text="路口的井盖塌了一半，电动车差点掉进去",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        service_type=w["types"]["road"],
        **kw,
    )


def dispute(w):
    req = services.request_submit(
        channel="grid_worker",
        text="走访记录：两户邻居因楼道堆物发生争执，申请调解",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        entered_by=w["people"]["grid_worker"],
        service_type=w["types"]["dispute"],
    )
    if req.status == Request.Status.TRIAGED:  # the classifier was not sure: the committee decides
        req = services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class="community"
        )
    return req


def test_the_whole_loop_report_route_handle_reply_rate(w):
    req = road(w)
    handler = w["people"]["chengguan"]
    services.request_start(request=req, actor=handler)
    services.request_resolve(request=req, actor=handler, note="已更换井盖")
    services.request_reply(request=req, actor=handler, reply="井盖已更换，感谢反映。")
    services.request_rate(request=req, user=w["resident"], score=5, comment="很快")
    req.refresh_from_db()
    assert req.status == Request.Status.CLOSED and req.satisfaction == 5
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["started", "resolved", "replied", "rated"]


def test_the_resident_is_told_when_the_reply_comes(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        req = road(w)
        services.request_reply(request=req, actor=w["people"]["chengguan"], reply="井盖已更换")
    to_resident = [m for m in mail.outbox if w["resident"].email in m.to]
    assert [m.subject for m in to_resident] == [
        "您的诉求已转交市南区城市管理局办理",
        "您的诉求已答复",
    ]


def test_only_the_handling_organisation_may_reply(w):
    req = road(w)
    with pytest.raises(PermissionDenied):
        services.request_reply(request=req, actor=w["people"]["shuiwu"], reply="不是我们的")
    with pytest.raises(PermissionDenied):
        services.request_reply(request=req, actor=w["resident"], reply="我自己修好了")
    assert Request.objects.get(pk=req.pk).status == Request.Status.ASSIGNED


def test_transfer_needs_a_reason_and_is_on_the_timeline(w):
    req = road(w)
    with pytest.raises(ValidationError):
        services.request_transfer(
            request=req,
            actor=w["people"]["chengguan"],
            organisation=w["orgs"]["shuiwu"],
            reason=" ",
        )
    services.request_transfer(
        request=req,
        actor=w["people"]["chengguan"],
        organisation=w["orgs"]["shuiwu"],
        reason="井盖属于供水管网，转水务局",
    )
    req.refresh_from_db()
    assert req.organisation == w["orgs"]["shuiwu"]
    ev = req.events.get(kind=Event.Kind.TRANSFERRED)
    assert "转水务局" in ev.note
    # the new handler acts, the old one no longer may
    services.request_start(request=req, actor=w["people"]["shuiwu"])
    with pytest.raises(PermissionDenied):
        services.request_start(request=req, actor=w["people"]["chengguan"])


def test_supervision_is_for_the_level_above(w, django_capture_on_commit_callbacks):
    req = road(w)
    with pytest.raises(PermissionDenied):
        services.request_supervise(request=req, actor=w["people"]["shuiwu"], note="快点")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_supervise(request=req, actor=w["people"]["gov"], note="请三日内办结")
    assert req.events.filter(kind=Event.Kind.SUPERVISED).count() == 1
    assert any("Supervision" in m.subject or "督办" in m.subject for m in mail.outbox)


def test_overdue_requests_escalate_one_level_up_and_notify_once(
    w, django_capture_on_commit_callbacks
):
    req = road(w)
    later = req.deadline + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.escalate_overdue(now=later) == 1
        assert services.escalate_overdue(now=later) == 0  # fresh deadline: idempotent
    req.refresh_from_db()
    assert req.escalation_level == 1 and req.supervisor == w["orgs"]["gov"]
    assert req.deadline > later
    gov_mail = [m for m in mail.outbox if w["people"]["gov"].email in m.to]
    assert len(gov_mail) == 1
    assert services.can_supervise(w["people"]["gov"], req)


def test_rating_a_request_that_is_not_closed_is_refused(w):
    req = road(w)
    with pytest.raises(ValidationError) as exc:
        services.request_rate(request=req, user=w["resident"], score=4)
    assert exc.value.code == "not_closed"
    assert Request.objects.get(pk=req.pk).satisfaction is None


def test_rating_is_1_to_5_and_only_by_the_reporter(w):
    req = road(w)
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="已处理")
    with pytest.raises(ValidationError):
        services.request_rate(request=req, user=w["resident"], score=6)
    with pytest.raises(PermissionDenied):
        services.request_rate(request=req, user=w["people"]["chengguan"], score=5)
    assert Request.objects.get(pk=req.pk).satisfaction is None


def test_reopen_within_seven_days_goes_back_to_the_handler(w):
    req = road(w)
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="已处理")
    services.request_reopen(
        request=req,
        user=w["resident"],
        reason="井盖还是松的",
        now=timezone.now() + timedelta(days=6),
    )
    req.refresh_from_db()
    assert req.status == Request.Status.ASSIGNED and req.reopened == 1
    assert req.organisation == w["orgs"]["chengguan"]


def test_reopen_after_seven_days_is_refused(w):
    req = road(w)
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="已处理")
    with pytest.raises(ValidationError) as exc:
        services.request_reopen(
            request=req,
            user=w["resident"],
            reason="又坏了",
            now=timezone.now() + timedelta(days=8),
        )
    assert exc.value.code == "too_late"
    assert Request.objects.get(pk=req.pk).status == Request.Status.CLOSED


def test_a_neighbour_dispute_records_its_mediation_outcome(w):
    req = dispute(w)
    assert req.organisation == w["orgs"]["committee"]
    with pytest.raises(ValidationError):
        services.request_reply(request=req, actor=w["people"]["committee"], reply="已调解")
    services.request_reply(
        request=req,
        actor=w["people"]["committee"],
        reply="双方达成协议，杂物已清理",
        mediation="success",
    )
    assert Request.objects.get(pk=req.pk).mediation == "success"
    # The outcome is read from the field in each reader's language; the stored note is the
    # reply as written, never a label frozen in the language of whoever replied.
    with translation.override("en"):
        assert Request.objects.get(pk=req.pk).get_mediation_display() == "mediated successfully"
    with translation.override("zh-hans"):
        assert Request.objects.get(pk=req.pk).get_mediation_display() == "调解成功"
    note = req.events.filter(kind="replied").get().note
    assert note == "双方达成协议，杂物已清理"


def test_events_are_append_only(w):
    req = road(w)
    ev = req.events.first()
    ev.note = "changed"
    with pytest.raises(ValidationError):
        ev.save()
    with pytest.raises(ValidationError):
        ev.delete()


def test_community_matter_becomes_a_round_table_topic_and_its_decision_closes_it(w):
    req = services.request_submit(
        channel="web",
        text="小区里的停车位太少了，能不能把那块空地规划成车位，大家商量一下",
        area=w["tree"]["grid"],
        reporter=w["resident"],
    )
    assert req.request_class == "community"
    services.request_make_topic(request=req, actor=w["people"]["committee"])
    req.refresh_from_db()
    topic = Topic.objects.get(pk=req.topic_id)
    assert req.status == Request.Status.IN_PROGRESS
    signals.topic_decided.send(sender=Topic, topic=topic, decision="空地改建20个车位，按楼栋轮换")
    req.refresh_from_db()
    assert req.status == Request.Status.CLOSED
    assert "空地改建20个车位" in req.reply
