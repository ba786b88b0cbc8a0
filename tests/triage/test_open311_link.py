"""The resident's link: a request posted through Open311 with the email or mobile number
of a verified account joins that resident's requests only once they confirm it."""

import pytest
from allauth.account.models import EmailAddress

from portal import sms
from portal.models import Notification
from tests import factories
from triage.models import ApiKey, Request
from triage.selectors import requests_for_reporter

pytestmark = pytest.mark.django_db
BASE = "/triage/open311/v2"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _post(client, **fields):
    raw = ApiKey.issue("city app")[1]
    data = {
        "api_key": raw,
        "service_code": "road",
        "description": "路口井盖丢了，很危险",
        "lat": "36.06",
        "long": "120.39",
        **fields,
    }
    r = client.post(f"{BASE}/requests.json", data)
    assert r.status_code == 201, r.content
    return Request.objects.get(pk=r.json()[0]["service_request_id"])


def _link(user) -> str:
    n = Notification.objects.get(user=user, event_key__endswith=":open311-claim")
    return n.url


def test_verified_email_gets_a_link_and_the_request_joins_only_on_confirmation(client, w):
    resident = w["resident"]
    EmailAddress.objects.create(user=resident, email="me@example.cn", verified=True, primary=True)
    req = _post(client, email="ME@example.cn")
    req.refresh_from_db()
    assert req.reporter_id is None  # never silently
    assert not requests_for_reporter(resident).exists()
    url = _link(resident)
    assert url.startswith("/triage/claim/email/")

    # Someone else signed in cannot take it; anonymous visitors are sent to sign in.
    assert client.get(url).status_code == 302
    other = factories.resident(w["tree"]["grid"])
    client.force_login(other)
    assert client.post(url).status_code == 403
    req.refresh_from_db()
    assert req.reporter_id is None

    client.force_login(resident)
    page = client.get(url)
    assert page.status_code == 200 and b'data-testid="claim-confirm"' in page.content
    req.refresh_from_db()
    assert req.reporter_id is None  # opening the link is not confirming
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == f"/triage/r/{req.pk}/"
    req.refresh_from_db()
    assert req.reporter == resident
    assert list(requests_for_reporter(resident)) == [req]
    assert req.events.filter(kind="note", actor=resident, public=False).exists()
    assert client.post(url).status_code == 302  # again: nothing changes


def test_a_forged_link_is_refused(client, w):
    client.force_login(w["resident"])
    r = client.get("/triage/claim/email/not-a-token/")
    assert r.status_code == 400 and b"claim-errors" in r.content


def test_unverified_or_staff_email_gets_nothing(client, w):
    EmailAddress.objects.create(user=w["resident"], email="me@example.cn", verified=False)
    staff = w["people"]["committee"]
    EmailAddress.objects.create(user=staff, email="staff@example.cn", verified=True)
    _post(client, email="me@example.cn")
    _post(client, email="staff@example.cn")
    assert not Notification.objects.filter(event_key__endswith=":open311-claim").exists()


def test_phone_of_a_confirmed_resident_gets_the_claim_link_by_sms(
    client, w, django_capture_on_commit_callbacks
):
    resident = w["resident"]  # phone 13912345678, confirmed resident of the grid
    with django_capture_on_commit_callbacks(execute=True):
        req = _post(client, phone="139 1234 5678")
    req.refresh_from_db()
    assert req.reporter_id is None
    url = _link(resident)
    assert url.startswith("/triage/claim/")
    assert [m.number for m in sms.outbox] == ["13912345678"]
    assert url in sms.outbox[0].text
    client.force_login(resident)
    assert client.post(url).status_code == 302
    req.refresh_from_db()
    assert req.reporter == resident


def test_an_unknown_phone_gets_nothing(client, w):
    _post(client, phone="13700000000")
    assert not Notification.objects.filter(event_key__endswith=":open311-claim").exists()
    assert sms.outbox == []
