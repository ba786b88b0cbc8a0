"""Offline reporting (issue 13): a report form carries a key made on the device, and the
server honours it as an idempotency key.  A draft kept offline and sent again when the
signal returns (or a second tap) finds the request its first sending made; another
person's same key is another request; a key that is not a UUID is refused, and nothing is
written."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal import sms
from tests import factories
from tests.triage.factories import png
from triage.models import Photo, Request
from triage.services.intake import request_submit

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def report(client, user, key, text="楼道灯坏了三天，晚上上下楼看不见", **extra):
    client.force_login(user)
    data = {"text": text, "contact": "site", "address": "", "client_key": key}
    data.update(extra)
    return client.post(reverse("triage:new"), data)


def test_the_same_key_twice_makes_one_request_and_answers_with_the_first(client, w):
    key = str(uuid.uuid4())
    first = report(client, w["resident"], key, photos=[png("a.png")])
    req = Request.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("triage:detail", args=[req.pk])
    again = report(client, w["resident"], key, text="同一份草稿又发了一次", photos=[png("b.png")])
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Request.objects.count() == 1 and Photo.objects.count() == 1
    req.refresh_from_db()
    assert req.client_key == uuid.UUID(key) and req.text.startswith("楼道灯")


def test_a_draft_sent_by_the_device_is_answered_in_json_once(client, w):
    key = str(uuid.uuid4())
    client.force_login(w["resident"])
    data = {"text": "小区门口垃圾桶满了没人清", "contact": "site", "client_key": key}
    answers = [client.post(reverse("triage:new"), data, **JSON) for _ in range(2)]
    req = Request.objects.get()
    for r in answers:
        assert r.status_code == 200
        body = r.json()
        assert body["ok"] is True and body["number"] == req.number
        assert body["url"] == reverse("triage:detail", args=[req.pk])


def test_another_person_with_the_same_key_makes_their_own_request(client, w):
    key = str(uuid.uuid4())
    neighbour = factories.resident(w["tree"]["grid"])
    report(client, w["resident"], key)
    report(client, neighbour, key)
    assert Request.objects.count() == 2
    assert {r.reporter for r in Request.objects.all()} == {w["resident"], neighbour}


def test_a_key_that_is_not_a_uuid_is_refused_and_nothing_is_written(client, w):
    r = report(client, w["resident"], "not-a-uuid')--")
    assert r.status_code == 200 and "client_key" in r.context["form"].errors
    assert "请重新加载页面" in r.content.decode()
    r = client.post(
        reverse("triage:new"),
        {"text": "路灯坏了", "contact": "site", "client_key": "x" * 300},
        **JSON,
    )
    assert r.status_code == 400 and r.json()["ok"] is False
    assert any("请重新加载页面" in reason for reason in r.json()["reasons"])
    assert Request.objects.count() == 0


def test_a_refused_draft_says_why_field_by_field(client, w):
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {"text": "", "contact": "site", "client_key": str(uuid.uuid4())},
        **JSON,
    )
    assert r.status_code == 400
    reasons = r.json()["reasons"]
    assert reasons and all("：" in reason for reason in reasons)
    assert Request.objects.count() == 0


def test_a_form_without_a_key_still_works_and_makes_one_request_each_time(client, w):
    client.force_login(w["resident"])
    for _ in range(2):
        client.post(reverse("triage:new"), {"text": "电梯坏了", "contact": "site"})
    assert Request.objects.count() == 2
    assert not Request.objects.filter(client_key__isnull=False).exists()


def test_a_grid_workers_intake_sent_twice_makes_one_request_and_one_text(client, w):
    sms.outbox.clear()
    worker = w["people"]["grid_worker"]
    client.force_login(worker)
    key = str(uuid.uuid4())
    data = {
        "channel": "grid_worker",
        "grid": w["tree"]["grid"].pk,
        "resident_phone": "13955557777",
        "reporter_name": "",
        "text": "地下室积水，居民反映排水泵坏了",
        "contact": "phone",
        "client_key": key,
    }
    first = client.post(reverse("triage:intake"), data, **JSON)
    second = client.post(reverse("triage:intake"), data, **JSON)
    req = Request.objects.get()
    assert first.json()["number"] == second.json()["number"] == req.number
    assert req.entered_by == worker and req.client_key == uuid.UUID(key)
    assert len([m for m in sms.outbox if m.number == "13955557777"]) <= 1
    sms.outbox.clear()


def test_the_database_holds_one_key_per_submitter(w):
    key = uuid.uuid4()
    fields = {"channel": "web", "text": "井盖丢了", "area": w["tree"]["grid"]}
    request_submit(reporter=w["resident"], client_key=key, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.create(
            reporter=w["resident"],
            client_key=key,
            area_path=w["tree"]["grid"].path,
            created_at=Request.objects.get().created_at,
            **fields,
        )
    # the service finds the first instead of writing a second
    assert request_submit(reporter=w["resident"], client_key=key, **fields).pk == (
        Request.objects.get().pk
    )
