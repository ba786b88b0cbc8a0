import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.celery import app
from tests.triage.factories import png
from triage import beat, jobs, services
from triage.models import Event, Label, Photo, Request

pytestmark = pytest.mark.django_db


def submit(w, text, **kw):
    kw.setdefault("channel", Request.Channel.WEB)
    kw.setdefault("area", w["tree"]["grid"])
    kw.setdefault("reporter", w["resident"])
    return services.request_submit(text=text, **kw)


def test_government_matter_goes_to_its_department_with_a_deadline(w):
    req = submit(w, "小区门口马路上的井盖丢了，晚上很危险，请城管尽快处理", photos=[png()])
    assert req.suggested_class == "government"
    assert req.status == Request.Status.ASSIGNED
    assert req.organisation == w["orgs"]["chengguan"]
    assert req.deadline is not None and req.deadline > req.created_at
    assert req.photos.count() == 1
    kinds = list(req.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "classified", "assigned"]


def test_community_matter_goes_to_the_committee_queue(w):
    req = submit(w, "楼道里堆满了邻居的纸箱和旧家具，消防通道都堵了，物业不管")
    assert req.request_class == "community"
    assert req.organisation == w["orgs"]["committee"]


def test_private_matter_is_referred_not_closed(w):
    """Issue 10: a 私事 stays open with a referral, and nobody claims to have handled it
    (the whole path: tests/triage/test_private_referral.py)."""
    req = submit(w, "钥匙锁在家里了，附近有开锁的师傅吗？急")
    assert req.request_class == "private"
    assert req.status == Request.Status.REFERRED and req.deadline is None
    assert req.organisation is None and req.referral.referred_by == w["orgs"]["committee"]
    assert req.events.filter(kind=Event.Kind.REFERRED).exists()
    assert not req.events.filter(kind=Event.Kind.REPLIED).exists()


def test_low_confidence_waits_for_triage_and_correction_is_a_label(w, settings):
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01  # nothing is sure enough
    req = submit(w, "那个事情还是没有人管，麻烦看一下")
    assert req.status == Request.Status.TRIAGED and req.organisation is None
    from tests import factories

    outsider = factories.member("committee", w["tree"]["other_community"])
    with pytest.raises(PermissionDenied):
        services.request_confirm(request=req, actor=outsider, request_class="community")
    services.request_confirm(request=req, actor=w["people"]["committee"], request_class="community")
    req.refresh_from_db()
    assert req.status == Request.Status.ASSIGNED
    assert req.organisation == w["orgs"]["committee"]
    assert Label.objects.get(request=req, target="class").label == "小事"


@pytest.mark.parametrize("text", ["", "   ", "<b></b>", "字" * 2001])
def test_empty_or_overlong_text_is_refused_and_nothing_is_written(w, text):
    with pytest.raises(ValidationError) as exc:
        submit(w, text)
    assert "text" in exc.value.message_dict
    assert Request.objects.count() == 0


def test_more_than_nine_photos_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        submit(w, "路灯坏了", photos=[png(f"{i}.png") for i in range(10)])
    assert "photos" in exc.value.message_dict
    assert Request.objects.count() == 0 and Photo.objects.count() == 0


def test_a_file_that_is_not_an_image_is_refused(w):
    fake = SimpleUploadedFile("x.jpg", b"not really a jpeg", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        submit(w, "路灯坏了", photos=[png(), fake])
    assert "photos" in exc.value.message_dict
    assert Request.objects.count() == 0


def test_a_point_outside_the_grid_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        submit(w, "路灯坏了", lat="36.20", lon="120.50")
    assert "lat" in exc.value.message_dict
    assert Request.objects.count() == 0


def test_a_point_inside_the_grid_is_kept(w):
    req = submit(w, "路灯坏了好几天了", lat="36.06", lon="120.39")
    assert float(req.lat) == 36.06


def test_markup_is_stored_as_typed_and_shown_escaped(w, client):
    typed = "<script>alert(1)</script>井盖丢了 & 室温<10度"
    req = submit(w, typed, address="<b>香港中路</b>8号")
    assert req.text == typed
    assert req.address == "<b>香港中路</b>8号"
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;井盖丢了 &amp; 室温&lt;10度" in page


def test_hotline_intake_keeps_callers_details(w):
    req = submit(
        w,
        "来电人反映：小区外市政供水管爆管，马路上全是水",
        channel="hotline",
        reporter=None,
        entered_by=w["people"]["hotline"],
        reporter_name="王女士",
        reporter_phone="13700000000",
        service_type=w["types"]["water"],
    )
    assert req.channel == "hotline" and req.organisation == w["orgs"]["shuiwu"]
    assert req.reporter_name == "王女士"


def test_every_nth_correction_retrains_the_model(w, settings, django_capture_on_commit_callbacks):
    from triage.models import ClassifierModel

    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    settings.TRIAGE_RETRAIN_EVERY = 2
    reqs = [submit(w, f"那件事{i}还是没人管") for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        services.request_confirm(
            request=reqs[0], actor=w["people"]["committee"], request_class="community"
        )
    assert ClassifierModel.objects.filter(target="class").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.request_confirm(
            request=reqs[1], actor=w["people"]["committee"], request_class="private"
        )
    active = ClassifierModel.objects.get(target="class", is_active=True)
    assert active.version == 2 and active.source == "seed+2 labels"


def test_a_bulk_import_is_classified_by_the_task_once_committed(
    w, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        text = "楼道里堆满了邻居的纸箱和旧家具，消防通道都堵了，物业不管"
        req = submit(w, text, classify_now=False)
    # Nothing classified before the commit; at the commit `triage.jobs` sends
    # `triage.classify` (eager in tests), beside the site search's refresh of the row.
    assert req.status == Request.Status.SUBMITTED and callbacks
    for callback in callbacks:
        callback()
    req.refresh_from_db()
    assert req.status == Request.Status.ASSIGNED and req.request_class == "community"


def test_every_task_the_services_and_the_beat_send_is_registered_by_that_name():
    sent = {jobs.CLASSIFY, jobs.RETRAIN, jobs.ESCALATE_OVERDUE}
    scheduled = {entry["task"] for entry in beat.SCHEDULE.values()}
    assert sent | scheduled <= set(app.tasks)
