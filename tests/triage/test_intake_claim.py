"""Finding 6 of issue 9: entering a request for a resident never reveals who owns a
phone number; a number matches only a confirmed resident of the operator's own area,
anyone else claims the request through a link texted to them."""

import re
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal import sms
from portal.models import Membership
from tests import factories
from triage.models import Request
from triage.services.claims import claim_token, request_claim
from triage.services.intake import request_submit

pytestmark = pytest.mark.django_db
NUMBER = "13955556666"


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def enter(client, operator, grid, number=NUMBER, channel="grid_worker", capture=None):
    client.force_login(operator)
    client.get(reverse("triage:intake"))  # shows (and so clears) earlier messages
    with capture(execute=True):
        r = client.post(
            reverse("triage:intake"),
            {
                "channel": channel,
                "grid": grid.pk,
                "resident_phone": number,
                "reporter_name": "",
                "text": "走访时居民反映楼道声控灯坏了两个月",
                "contact": "phone",
            },
        )
    req = Request.objects.order_by("-pk").first()
    msgs = [str(m) for m in get_messages(r.wsgi_request)]
    answer = (r.status_code, r["Location"], [m.replace(req.number, "#") for m in msgs])
    return req, answer, r


def owners(w):
    """Accounts holding NUMBER in every way the old intake matched them."""
    tree = w["tree"]
    admin = factories.UserFactory(
        username="admin", display_name="系统管理员", phone=NUMBER, is_superuser=True, is_staff=True
    )
    Membership.objects.create(user=admin, role="resident", area=tree["grid"], status="active")
    accounts = {
        "admin": admin,
        "other community": factories.resident(
            tree["other_grid"], phone=NUMBER, display_name="外社区居民"
        ),
        "pending resident": factories.UserFactory(phone=NUMBER, display_name="待确认居民"),
        "committee member": factories.member(
            "committee", tree["community"], w["orgs"]["committee"], username=NUMBER
        ),
    }
    member = accounts["committee member"]  # staff, even if also a confirmed resident here
    Membership.objects.create(user=member, role="resident", area=tree["grid"], status="active")
    return accounts


@pytest.mark.parametrize(
    "who", ["admin", "other community", "pending resident", "committee member", None]
)
def test_a_number_that_is_not_a_confirmed_resident_of_the_area_is_never_linked(
    client, w, django_capture_on_commit_callbacks, who
):
    accounts = owners(w)
    if who == "pending resident":
        Membership.objects.create(
            user=accounts[who], role="resident", area=w["tree"]["grid"], status="pending"
        )
    for name, user in accounts.items():  # one account at a time holds the number
        if name != who:
            user.phone, user.username = "", f"u{user.pk}"
            user.save()
    if who is not None:  # verified: it is the way it is placed that keeps it unlinked
        accounts[who].phone, accounts[who].phone_verified = NUMBER, True
        accounts[who].save()
    worker = w["people"]["grid_worker"]
    req, answer, r = enter(
        client, worker, w["tree"]["grid"], capture=django_capture_on_commit_callbacks
    )
    assert req.reporter is None and req.reporter_phone == NUMBER
    assert answer[:2] == (302, reverse("triage:intake")) and len(answer[2]) == 1
    page = client.get(reverse("triage:intake")).content.decode()
    for user in accounts.values():
        assert user.display_name not in page
    # The resident is texted a link to claim it, not told whose account it might be.
    assert [m.number for m in sms.outbox] == [NUMBER]
    assert "/triage/claim/" in sms.outbox[0].text


def test_the_answer_is_the_same_whether_the_number_has_an_account_or_not(
    client, w, django_capture_on_commit_callbacks
):
    worker = w["people"]["grid_worker"]
    resident = factories.resident(
        w["tree"]["grid"], phone=NUMBER, display_name="张阿姨", phone_verified=True
    )
    linked, a1, r1 = enter(
        client, worker, w["tree"]["grid"], capture=django_capture_on_commit_callbacks
    )
    unknown, a2, r2 = enter(
        client,
        worker,
        w["tree"]["grid"],
        number="13900001111",
        capture=django_capture_on_commit_callbacks,
    )
    assert linked.reporter == resident and unknown.reporter is None
    assert a1 == a2 and a1[0] == 302 and a1[1] == reverse("triage:intake")
    assert "张阿姨" not in client.get(a1[1]).content.decode()


def test_a_confirmed_resident_of_the_operators_area_is_linked(
    client, w, django_capture_on_commit_callbacks
):
    resident = factories.resident(w["tree"]["grid"], phone=NUMBER, phone_verified=True)
    req, _answer, _r = enter(
        client,
        w["people"]["grid_worker"],
        w["tree"]["grid"],
        capture=django_capture_on_commit_callbacks,
    )
    assert req.reporter == resident
    assert "/triage/claim/" not in sms.outbox[0].text and req.number in sms.outbox[0].text


def test_the_hotline_links_only_residents_of_the_community_the_request_is_in(
    client, w, django_capture_on_commit_callbacks
):
    neighbour = factories.resident(w["tree"]["other_grid"], phone=NUMBER, phone_verified=True)
    hotline = w["people"]["hotline"]
    here, _a, _r = enter(
        client,
        hotline,
        w["tree"]["grid"],
        channel="hotline",
        capture=django_capture_on_commit_callbacks,
    )
    there, _a, _r = enter(
        client,
        hotline,
        w["tree"]["other_grid"],
        channel="hotline",
        capture=django_capture_on_commit_callbacks,
    )
    assert here.reporter is None and there.reporter == neighbour


def claim_link() -> str:
    return re.search(r"/triage/claim/[^/\s]+/", sms.outbox[-1].text).group(0)


def test_the_claim_link_works_once_for_the_right_person_only(
    client, w, django_capture_on_commit_callbacks
):
    req, _a, _r = enter(
        client,
        w["people"]["grid_worker"],
        w["tree"]["grid"],
        capture=django_capture_on_commit_callbacks,
    )
    url = claim_link()
    stranger = factories.UserFactory()
    client.force_login(stranger)
    r = client.post(url)
    assert r.status_code == 403 and Request.objects.get(pk=req.pk).reporter is None
    owner = factories.UserFactory(phone=NUMBER, phone_verified=True)
    client.force_login(owner)
    assert client.get(url).status_code == 200
    r = client.post(url)
    assert r.status_code == 302 and Request.objects.get(pk=req.pk).reporter == owner
    assert client.post(url).status_code == 302  # again: nothing changes
    assert Request.objects.get(pk=req.pk).reporter == owner
    assert req.events.filter(kind="note").count() == 1
    # Another account that typed the same number (never verified) cannot take it over.
    twin = factories.UserFactory(phone=NUMBER)
    client.force_login(twin)
    r = client.post(url)
    assert r.status_code == 403 and Request.objects.get(pk=req.pk).reporter == owner
    # Tampered or expired links are refused with a message.
    client.force_login(owner)
    assert client.post(url[:-3] + "x/").status_code == 400
    import time

    later = time.time() + 31 * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        r = client.post(url)
    assert r.status_code == 400 and "过期" in r.content.decode()
    assert Request.objects.get(pk=req.pk).reporter == owner


def test_the_claim_link_needs_a_signed_in_user(client, w, django_capture_on_commit_callbacks):
    enter(
        client,
        w["people"]["grid_worker"],
        w["tree"]["grid"],
        capture=django_capture_on_commit_callbacks,
    )
    url = claim_link()
    client.logout()
    r = client.post(url)
    assert r.status_code == 302 and "login" in r["Location"]


def test_sms_file_backend_writes_one_file_per_message(tmp_path, settings):
    settings.SMS_BACKEND = "portal.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path
    sms.send_sms("+86 139 5555 6666", "测试")
    sms.send_sms("13955556666", "再测")
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and "13955556666" in files[0].read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        sms.send_sms("12345", "x")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_is_all_or_nothing(w, monkeypatch):
    """Outside a test's wrapping transaction: the row lock (select_for_update) needs one
    on PostgreSQL, and a claim whose timeline step fails leaves the request unclaimed."""
    req = request_submit(
        channel="grid_worker",
        text="走访时居民反映楼道声控灯坏了两个月",
        area=w["tree"]["grid"],
        entered_by=w["people"]["grid_worker"],
        reporter_phone=NUMBER,
    )
    owner = factories.UserFactory(phone=NUMBER, phone_verified=True)

    def timeline_down(*args, **kwargs):
        raise RuntimeError("timeline down")

    monkeypatch.setattr("triage.services.claims.add_event", timeline_down)
    with pytest.raises(RuntimeError):
        request_claim(token=claim_token(req), user=owner)
    assert Request.objects.get(pk=req.pk).reporter is None


def test_a_number_never_verified_links_and_claims_nothing(w, client):
    """Typing someone's number at sign-up, or taking it as a username, proves nothing: only
    a number the account received a code on is matched at intake or may claim."""
    typed = factories.resident(w["tree"]["grid"], phone=NUMBER, display_name="填了号码")
    named = factories.resident(w["tree"]["grid"], username=NUMBER, display_name="号码用户名")
    req = request_submit(
        channel="grid_worker",
        text="走访时居民反映楼道声控灯坏了两个月",
        area=w["tree"]["grid"],
        entered_by=w["people"]["grid_worker"],
        reporter_phone=NUMBER,
    )
    assert req.reporter is None
    url = reverse("triage:claim", args=[claim_token(req)])
    for user in (typed, named):
        client.force_login(user)
        assert client.post(url).status_code == 403
    assert Request.objects.get(pk=req.pk).reporter is None
