"""The check-in desk for phones (/deliberation/desk/), as the people at the door see it:
who may open it, what a typed code does, and what every refusal tells them to do."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from deliberation import services
from deliberation.desk import masked_name
from deliberation.models import Registration
from tests import factories
from tests.deliberation.factories import session as make_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    """The desk is read in 简体中文: assert on what the person at the door reads."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def zhang(tree):
    return factories.resident(tree["grid"], username="13912345678", display_name="张桂兰")


@pytest.fixture
def session(community, committee_member):
    return make_session(community, committee_member, title="院议说：楼道堆物")


def _desk(session):
    return reverse("deliberation:desk_session", args=[session.pk])


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def _post(client, session, code, **extra):
    return client.post(_desk(session), {"code": code, **extra}, follow=True)


def test_the_desk_lists_todays_sessions_of_the_user_s_communities(
    client, tree, community, committee_member, session
):
    later = make_session(
        community, committee_member, title="吐槽大会：停车", starts_in=datetime.timedelta(days=3)
    )
    elsewhere_chair = factories.member("committee", tree["other_community"])
    elsewhere = make_session(tree["other_community"], elsewhere_chair, title="延安三路议事")
    worker = factories.member("grid_worker", tree["grid2"])
    client.force_login(worker)
    html = client.get(reverse("deliberation:desk")).content.decode()
    assert "院议说：楼道堆物" in html and _desk(session) in html
    assert later.title not in html  # not today
    assert elsewhere.title not in html  # another community
    assert "已签到 0 人，共 0 人报名" in html


def test_the_desk_list_is_refused_to_residents_with_what_to_do(client, zhang):
    client.force_login(zhang)
    response = client.get(reverse("deliberation:desk"))
    assert response.status_code == 403
    assert "请社区居委会把你加入" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, session):
    response = client.get(_desk(session))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["resident", "other_committee", "other_grid_worker"])
def test_people_without_check_in_rights_here_are_refused(client, tree, session, zhang, who):
    user = {
        "resident": lambda: zhang,
        "other_committee": lambda: factories.member("committee", tree["other_community"]),
        "other_grid_worker": lambda: factories.member("grid_worker", tree["other_grid"]),
    }[who]()
    reg = services.registration_create(user=zhang, session=session)
    client.force_login(user)
    assert client.get(_desk(session)).status_code == 403
    response = client.post(_desk(session), {"code": reg.code})
    assert response.status_code == 403
    assert "请联系该社区居委会" in response.content.decode()
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None


def test_a_grid_worker_of_the_community_checks_a_resident_in(
    client, tree, session, zhang, django_capture_on_commit_callbacks
):
    worker = factories.member("grid_worker", tree["grid2"])
    reg = services.registration_create(user=zhang, session=session)
    client.force_login(worker)
    page = client.get(_desk(session))
    assert page.status_code == 200
    assert page["Permissions-Policy"].count("camera=(self)") == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, session, f" {reg.code.lower()} ")
    assert response.redirect_chain == [(_desk(session), 302)]
    assert "已签到：张** · 尾号5678" in _messages(response)
    html = response.content.decode()
    assert "张** · 尾号5678" in html and "已签到 1 人，共 1 人报名" in html
    assert "13912345678" not in html and "张桂兰" not in html
    reg.refresh_from_db()
    assert reg.checked_in_by == worker and reg.checked_in_at


def test_a_second_scan_says_already_checked_in_and_changes_nothing(
    client, session, committee_member, zhang
):
    reg = services.registration_create(user=zhang, session=session)
    client.force_login(committee_member)
    _post(client, session, reg.code)
    first = Registration.objects.get(pk=reg.pk).checked_in_at
    response = _post(client, session, reg.code, via="camera")
    assert response.redirect_chain == [(_desk(session) + "?scan=1", 302)]
    text = _messages(response)
    assert "张** · 尾号5678 已签到过" in text and "无需重复签到" in text
    assert Registration.objects.get(pk=reg.pk).checked_in_at == first


def test_nobody_checks_themselves_in_at_the_desk(client, tree, session):
    helper = factories.member("committee", tree["community"])
    from portal.models import Membership

    Membership.objects.create(user=helper, role="resident", area=tree["grid"], status="active")
    reg = services.registration_create(user=helper, session=session)
    client.force_login(helper)
    response = _post(client, session, reg.code)
    assert response.status_code == 200
    assert "请由其他同事办理" in _messages(response)
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None


def test_a_code_of_another_session_says_to_check_the_session_and_keeps_the_code(
    client, community, committee_member, session, zhang
):
    other = make_session(community, committee_member, title="有话大声说：加装电梯")
    reg = services.registration_create(user=zhang, session=other)
    client.force_login(committee_member)
    response = _post(client, session, reg.code)
    assert response.redirect_chain == []  # refused: the page is shown again
    assert "这个签到码不属于本场活动，请核对" in _messages(response)
    assert f'value="{reg.code}"' in response.content.decode()
    assert Registration.objects.get(pk=reg.pk).checked_in_at is None


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("ZZZZ2222", "请核对居民手机上的 8 位字母和数字后重新输入"),
        ("   ", "请输入居民二维码下方的签到码，或扫描二维码"),
    ],
)
def test_a_wrong_or_empty_code_says_what_to_do(client, session, committee_member, code, says):
    client.force_login(committee_member)
    response = _post(client, session, code)
    assert response.status_code == 200
    text = _messages(response)
    assert says in text and "错误代码" not in text


def test_a_waiting_or_early_registration_says_what_to_do(
    client, community, committee_member, zhang, tree
):
    full = make_session(community, committee_member, capacity=1, title="圆桌：垃圾分类")
    services.registration_create(user=factories.resident(tree["grid"]), session=full)
    waiting = services.registration_create(user=zhang, session=full)
    client.force_login(committee_member)
    assert "可以在活动页面报名后再签到" in _messages(_post(client, full, waiting.code))
    later = make_session(community, committee_member, starts_in=datetime.timedelta(days=3))
    early = services.registration_create(user=zhang, session=later)
    assert "请核对活动日期" in _messages(_post(client, later, early.code))


def test_the_desk_session_page_offers_the_camera_and_the_typed_code(
    client, session, committee_member, zhang, django_assert_num_queries
):
    for _ in range(3):
        reg = services.registration_create(
            user=factories.resident(session.community), session=session
        )
        services.checkin(by=committee_member, session=session, code=reg.code)
    client.force_login(committee_member)
    client.get(_desk(session))
    with django_assert_num_queries(4):  # the user is read from the cache
        html = client.get(_desk(session)).content.decode()
    assert "portal/vendor/jsQR" in html and "deliberation/desk" in html
    assert 'data-testid="desk-scan"' in html and 'name="code"' in html
    assert "style=" not in html.split("<main", 1)[1]


def test_the_desk_list_has_constant_queries(
    client, community, committee_member, django_assert_num_queries
):
    client.force_login(committee_member)
    client.get(reverse("deliberation:desk"))
    with django_assert_num_queries(3):  # the user is read from the cache
        client.get(reverse("deliberation:desk"))
    for i in range(3):
        make_session(community, committee_member, title=f"议事 {i}")
    with django_assert_num_queries(3):
        html = client.get(reverse("deliberation:desk")).content.decode()
    assert html.count("议事 ") >= 3


def test_staff_lists_show_masked_names(client, session, committee_member, zhang):
    reg = services.registration_create(user=zhang, session=session)
    services.checkin(by=committee_member, session=session, code=reg.code)
    client.force_login(committee_member)
    html = client.get(reverse("deliberation_admin:checkin", args=[session.pk])).content.decode()
    assert "张** · 尾号5678" in html and "张桂兰" not in html and "13912345678" not in html


def test_masked_name_shows_at_most_a_surname_and_a_phone_tail():
    from portal.models import User

    assert masked_name(User(username="13912345678", display_name="")) == "尾号5678"
    assert masked_name(User(username="lilei", display_name="李雷")) == "李**"
    assert masked_name(User(username="lilei", display_name="")) == "l**"
    assert masked_name(User(username="13912345678", display_name="13912345678")) == "尾号5678"


def test_the_desk_is_outside_the_admin_so_grid_workers_need_no_totp(client, tree, settings):
    """Same rule as the other staff pages outside /admin/: a normal sign-in reaches the
    desk; site-wide power (superusers, site administrators) needs TOTP everywhere."""
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    worker = factories.member("grid_worker", tree["grid"])
    client.force_login(worker)
    assert client.get(reverse("deliberation:desk")).status_code == 200
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get(reverse("deliberation:desk"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert "next=%2Fdeliberation%2Fdesk%2F" in response["Location"]


def test_the_code_field_is_drawn_by_the_field_template_and_a_too_long_code_is_refused_and_kept(
    client, session, committee_member
):
    client.force_login(committee_member)
    html = client.get(_desk(session)).content.decode()
    assert '<label for="desk-code">' in html and 'id="desk-code_helptext"' in html
    assert 'aria-describedby="desk-code_helptext"' in html and 'class="desk-code"' in html
    too_long = "A" * 201
    response = client.post(_desk(session), {"code": too_long})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="desk-code_error"' in html
    assert f'value="{too_long}"' in html
