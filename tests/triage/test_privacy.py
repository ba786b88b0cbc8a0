"""Finding 4 of issue 9: a request is public only once triaged, never when it is 私事 or
sensitive; public views show no name, phone, address or photo; the whole record is for
the reporter and those who handled it (and their supervisors), nobody else."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from portal.models import Notification
from tests import factories
from tests.triage.factories import png
from triage import permissions, services
from triage.models import Request, ServiceType

pytestmark = pytest.mark.django_db
O311 = "/triage/open311/v2"
PHONE = "13987654321"


@pytest.fixture
def cast(w):
    """Everyone who must not read a private request, and its requests."""
    tree, people = w["tree"], w["people"]
    people["neighbour"] = factories.resident(tree["other_grid"])  # another community
    people["other_committee"] = factories.member(
        "committee", tree["other_community"], w["orgs"]["other_committee"]
    )
    violence = ServiceType.objects.create(
        code="violence", name="家庭暴力", default_class="community", keywords="打骂", sensitive=True
    )
    w["types"]["violence"] = violence
    return w


def submit(w, text, **kw):
    kw.setdefault("channel", "web")
    kw.setdefault("area", w["tree"]["grid"])
    kw.setdefault("reporter", w["resident"])
    return services.request_submit(text=text, **kw)


def untriaged(w, settings):
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    req = submit(w, f"家里出了点事，想请社区帮帮忙，电话{PHONE}")
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 0.6
    assert req.status == "triaged" and req.request_class == ""
    return req


def triaged_as(w, req, request_class: str, **kw):
    """Confirm `req` as the committee would, when the classifier was not sure."""
    if req.status in ("submitted", "triaged"):
        services.request_confirm(
            request=req, actor=w["people"]["committee"], request_class=request_class, **kw
        )
        req.refresh_from_db()
    assert req.request_class == request_class
    return req


def private(w):
    req = triaged_as(w, submit(w, f"钥匙锁在家里了，附近有开锁的师傅吗？急，{PHONE}"), "private")
    assert req.status == "referred"
    return req


def sensitive_by_type(w):
    violence = w["types"]["violence"]
    with override_settings(TRIAGE_CONFIDENCE_THRESHOLD=1.01):  # the committee decides
        req = submit(w, f"楼里有人打骂老人，想请社区管一管，{PHONE}", service_type=violence)
    return triaged_as(w, req, "community", service_type=violence)


def sensitive_by_words(w):
    """A disclosure of domestic violence without a service type: flagged by its words,
    so never public even when a confident classifier routes it as a plain 小事."""
    req = submit(w, f"楼道里邻居家暴，昨晚又殴打老婆，物业不管，请联系{PHONE}")
    assert req.sensitive
    return req


def outsiders(w):
    p = w["people"]
    return {
        "anonymous": None,
        "resident of another community": p["neighbour"],
        "resident of the same grid": factories.resident(w["tree"]["grid"]),
        "unrelated department": p["shuiwu"],
        "12345 hotline": p["hotline"],
        "committee of another community": p["other_committee"],
    }


def seen(client, user, req) -> dict:
    """What `user` gets about `req` on every surface."""
    client.logout()
    if user is not None:
        client.force_login(user)
    detail = client.get(reverse("triage:detail", args=[req.pk]))
    listing = client.get(reverse("triage:index")).content.decode()
    ids = {row["service_request_id"] for row in client.get(f"{O311}/requests.json").json()}
    one = client.get(f"{O311}/requests/{req.pk}.json")
    by_id = client.get(f"{O311}/requests.json?service_request_id={req.pk}").json()
    return {
        "detail": detail.status_code,
        "listed": req.number in listing or req.text[:8] in listing,
        "o311_list": str(req.pk) in ids,
        "o311_one": one.status_code,
        "o311_one_row": one.json()[0],
        "o311_by_id": by_id,
    }


@pytest.mark.parametrize(
    "make", ["untriaged", "private", "sensitive_by_type", "sensitive_by_words"]
)
def test_outsiders_see_nothing_of_a_request_that_is_not_public(client, cast, settings, make):
    w = cast
    req = {
        "untriaged": lambda: untriaged(w, settings),
        "private": lambda: private(w),
        "sensitive_by_type": lambda: sensitive_by_type(w),
        "sensitive_by_words": lambda: sensitive_by_words(w),
    }[make]()
    for who, user in outsiders(w).items():
        got = seen(client, user, req)
        assert got["detail"] == 404, who
        assert not got["listed"], who
        assert not got["o311_list"], who
        # By id (requests/{id} or service_request_id), Open311 tells the state and the
        # service, so a client can follow it; text, place and media are withheld, and a
        # sensitive request does not even say its service.
        assert got["o311_one"] == 200, who
        row = got["o311_one_row"]
        assert got["o311_by_id"] == [row], who
        assert row["service_request_id"] == str(req.pk) and row["status"] in ("open", "closed")
        assert row["description"] == "" and row["address"] == "" and row["media_url"] is None
        assert row["lat"] is None and row["status_notes"] == "" and row["service_code"]
        if req.sensitive or (req.service_type and req.service_type.sensitive):
            assert row["service_code"] == "other"
        if user is not None:
            assert not permissions.can_read(user, req), who
    assert not Request.objects.public().filter(pk=req.pk).exists()
    # The reporter reads it all.
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[req.pk]))
    assert page.status_code == 200 and PHONE in page.content.decode()


def test_the_handlers_and_their_supervisors_read_a_closed_private_request(client, cast):
    w = cast
    req = private(w)  # referred by the committee: nobody handles it, they still read it
    p = w["people"]
    for who in ("committee", "street", "gov"):  # the handler, the levels above it
        client.force_login(p[who])
        page = client.get(reverse("triage:detail", args=[req.pk]))
        assert page.status_code == 200 and PHONE in page.content.decode(), who
    for who in ("chengguan", "shuiwu", "hotline", "other_committee"):
        client.force_login(p[who])
        assert client.get(reverse("triage:detail", args=[req.pk])).status_code == 404, who


def test_a_transferred_sensitive_request_stays_readable_by_every_handler(client, cast):
    w = cast
    req = sensitive_by_type(w)
    assert req.organisation == w["orgs"]["committee"]
    services.request_transfer(
        request=req,
        actor=w["people"]["committee"],
        organisation=w["orgs"]["chengguan"],
        reason="转城管",
    )
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="已处理")
    for who in ("committee", "chengguan", "gov"):
        assert permissions.can_read(w["people"][who], req), who
    for who in ("shuiwu", "hotline", "other_committee", "neighbour"):
        assert not permissions.can_read(w["people"][who], req), who


def test_hotline_reads_what_it_entered_only_until_it_is_handed_off(client, cast, settings):
    w = cast
    hotline = w["people"]["hotline"]
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    req = submit(
        w,
        "来电人反映：家里的事不知道该找谁",
        channel="hotline",
        reporter=None,
        entered_by=hotline,
        reporter_name="王秀英",
        reporter_phone=PHONE,
    )
    client.force_login(hotline)
    assert client.get(reverse("triage:detail", args=[req.pk])).status_code == 200
    # The hotline does not triage: the committee of the community does.
    assert not permissions.can_triage(hotline, req)
    assert req.number not in client.get(reverse("triage:queue")).content.decode()
    with pytest.raises(PermissionDenied):
        services.request_confirm(request=req, actor=hotline, request_class="private")
    client.force_login(w["people"]["committee"])
    assert req.number in client.get(reverse("triage:queue")).content.decode()
    services.request_confirm(request=req, actor=w["people"]["committee"], request_class="private")
    client.force_login(hotline)
    assert client.get(reverse("triage:detail", args=[req.pk])).status_code == 404
    panel = client.get(reverse("portal:dashboard")).content.decode()
    assert "不知道该找谁" not in panel


def test_unrelated_departments_neither_triage_nor_read_the_queue(cast, settings):
    w = cast
    req = untriaged(w, settings)
    for who in ("chengguan", "shuiwu", "hotline", "other_committee"):
        user = w["people"][who]
        assert not permissions.can_triage(user, req), who
        assert not permissions.can_read(user, req), who
    for who in ("committee", "street", "gov"):
        assert permissions.can_triage(w["people"][who], req), who
        assert permissions.can_read(w["people"][who], req), who


def test_public_pages_never_show_the_reporters_name_phone_address_or_photo(client, cast):
    w = cast
    reporter = factories.resident(
        w["tree"]["grid"], display_name="王秀英", username="13711112222", phone="13711112222"
    )
    req = services.request_submit(
        channel="web",
        text="王秀英反映：小区门口的井盖丢了，有事打我电话137-1111-2222 或 0532-88881234",
        area=w["tree"]["grid"],
        reporter=reporter,
        address="湛山花园3号楼2单元",
        photos=[png()],
        service_type=w["types"]["road"],
    )
    services.request_reply(
        request=req, actor=w["people"]["chengguan"], reply="已联系王秀英（13711112222）更换井盖"
    )
    assert Request.objects.public().filter(pk=req.pk).exists()
    secrets = ["王秀英", "13711112222", "137-1111-2222", "88881234", "湛山花园", "/media/"]
    client.logout()
    surfaces = {
        "list": client.get(reverse("triage:index")).content.decode(),
        "detail": client.get(reverse("triage:detail", args=[req.pk])).content.decode(),
        "open311": client.get(f"{O311}/requests.json").content.decode("utf-8"),
        "open311 xml": client.get(f"{O311}/requests/{req.pk}.xml").content.decode("utf-8"),
    }
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from triage.selectors import section_context

    rq = RequestFactory().get("/")
    rq.user = AnonymousUser()
    section = section_context(rq, w["tree"]["community"])
    surfaces["community page"] = " ".join(r.shown_text for r in section["recent"])
    for name, body in surfaces.items():
        assert "井盖丢了" in body, name
        for s in secrets:
            assert s not in body, (name, s)
    client.force_login(w["people"]["chengguan"])  # its handler reads everything
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "13711112222" in page and "湛山花园3号楼2单元" in page


def test_an_unrelated_departments_export_holds_no_private_text(client, cast, settings):
    w = cast
    private(w)
    untriaged(w, settings)
    road = submit(w, f"路口井盖丢了，我的电话{PHONE}", service_type=w["types"]["road"])
    client.force_login(w["people"]["shuiwu"])
    x = client.get(reverse("triage:export") + f"?area={w['tree']['district'].pk}")
    wb = load_workbook(io.BytesIO(x.content))
    cells = " ".join(str(c) for row in wb.worksheets[1].iter_rows(values_only=True) for c in row)
    assert road.number in cells and "井盖丢了" in cells
    assert PHONE not in cells and "开锁" not in cells and "帮帮忙" not in cells


def test_notices_reach_only_those_who_may_read_the_request(cast, settings):
    w = cast
    other_worker = factories.member("grid_worker", w["tree"]["grid2"], w["orgs"]["committee"])
    req = untriaged(w, settings)
    told = set(
        Notification.objects.filter(event_key=f"triage:{req.pk}:queue").values_list(
            "user_id", flat=True
        )
    )
    assert w["people"]["committee"].pk in told
    assert other_worker.pk not in told


def test_a_sensitive_request_cannot_become_a_public_topic(cast):
    w = cast
    req = sensitive_by_type(w)
    with pytest.raises(ValidationError):
        services.request_make_topic(request=req, actor=w["people"]["committee"])


def test_the_rule_is_one_rule_on_every_path(cast, settings):
    """can_read agrees with the queryset; what a page's standing implies it may read, it
    may; can_triage agrees with the queue's filter."""
    w = cast
    reqs = [
        untriaged(w, settings),
        private(w),
        sensitive_by_type(w),
        sensitive_by_words(w),
        submit(w, "路口井盖丢了", service_type=w["types"]["road"]),
    ]
    users = [w["resident"], *w["people"].values()]
    users.append(factories.UserFactory(is_superuser=True))
    for u in users:
        readable = set(
            Request.objects.filter(permissions.readable_q(u)).values_list("pk", flat=True)
        )
        triageable = set(
            Request.objects.filter(permissions.triage_q(u)).values_list("pk", flat=True)
        )
        for r in reqs:
            fresh = Request.objects.select_related("area", "organisation").get(pk=r.pk)
            assert permissions.can_read(u, fresh) == (r.pk in readable), (u, r)
            assert permissions.can_triage(u, fresh) == (r.pk in triageable), (u, r)
            if services.standing(u, fresh).reads:
                assert r.pk in readable, (u, r)


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("电话13912345678", "12345678"),
        ("电话 139 1234 5678 找我", "1234 5678"),
        ("电话139-1234-5678", "1234-5678"),
        ("手机＋86 １３９１２３４５６７８", "５６７８"),
        ("电话一三九一二三四五六七八", "五六七八"),
        ("身份证370202199001011234", "19900101"),
        ("身份证37020219900101123X", "123X"),
        ("座机0532-88886666", "88886666"),
        ("邮箱 wang.xy@example.cn", "wang.xy"),
    ],
)
def test_numbers_and_addresses_are_masked(text, hidden):
    from triage.privacy import mask_text

    assert hidden not in mask_text(text)


def test_masking_keeps_ordinary_text():
    from triage.privacy import mask_text

    text = "3号楼2单元的路灯坏了2天，100元押金"
    assert mask_text(text) == text
