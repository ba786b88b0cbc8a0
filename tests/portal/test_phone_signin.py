"""Sign-up and sign-in with a mainland mobile number and a texted 6-digit code (issue 13),
as a resident sees them: codes read from the SMS outbox, translated refusals, nothing
revealed about which numbers have accounts, nothing made when a text cannot be sent."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal import sms
from portal.models import User
from tests import factories

NUMBER = "13912340001"
PASSWORD = "Qingdao-2026-strong"


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def zh_client() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    return client


def last_code(number: str) -> str:
    texts = [m for m in sms.outbox if m.number == number]
    assert texts, f"no text to {number}"
    match = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1].text)
    assert match, texts[-1].text
    return match.group(1)


def same_page(html: str, *numbers: str) -> str:
    """A page with the masked numbers and the per-visitor CSRF token taken out."""
    for number in numbers:
        html = html.replace(number, "N")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def signup(client, **fields):
    data = {
        "phone": NUMBER,
        "email": "",
        "username": "xiaoli2026",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post(reverse("account_signup"), data)


def verified_resident(number=NUMBER, **kwargs):
    user = factories.UserFactory(email=None, **kwargs)
    user.phone, user.phone_verified = number, True
    user.save()
    return user


def signed_in(client) -> bool:
    return client.get(reverse("portal:dashboard")).status_code == 200


@pytest.mark.django_db
def test_signup_with_a_number_texts_a_six_digit_code_that_signs_the_resident_in():
    client = zh_client()
    response = signup(client, phone="139 1234 0001")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    user = User.objects.get(username="xiaoli2026")
    assert (user.phone, user.phone_verified, user.email) == (NUMBER, False, None)
    [text] = sms.outbox
    assert text.number == NUMBER and text.template == "code"
    code = last_code(NUMBER)
    assert text.params == {"code": code} and code in text.text and "验证码" in text.text
    assert not signed_in(client)

    page = client.get(reverse("account_verify_phone"))
    assert page.status_code == 200 and "139****0001" in page.content.decode()
    response = client.post(reverse("account_verify_phone"), {"code": code})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified
    assert signed_in(client)  # no email address, no email verification asked for
    assert not mail.outbox


@pytest.mark.django_db
def test_two_phone_only_accounts_do_not_collide_on_an_empty_email():
    signup(zh_client(), phone="13912340001", username="first2026")
    signup(zh_client(), phone="13912340002", username="second2026")
    assert list(User.objects.order_by("username").values_list("email", flat=True)) == [None, None]


@pytest.mark.django_db
def test_signup_with_number_and_email_verifies_the_number_and_mails_the_address():
    client = zh_client()
    signup(client, email="xiaoli@example.cn")
    client.post(reverse("account_verify_phone"), {"code": last_code(NUMBER)})
    assert signed_in(client)
    address = EmailAddress.objects.get(email="xiaoli@example.cn")
    assert not address.verified and len(mail.outbox) == 1  # verified later, from the mail


@pytest.mark.django_db
def test_signup_needs_a_number_or_an_address():
    client = zh_client()
    response = signup(client, phone="", email="")
    assert response.status_code == 200
    assert "请填写手机号或电子邮件地址" in response.content.decode()
    assert not User.objects.exists() and not sms.outbox


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number,message",
    [
        ("0532-88881234", "固定电话"),  # a Qingdao landline
        ("+1 202 555 0123", "中国大陆手机号"),  # a US number
        ("+852 6123 4567", "中国大陆手机号"),  # Hong Kong is not mainland
        ("1391234", "11位"),
        ("一三九", "11位"),
    ],
)
def test_landline_foreign_and_malformed_numbers_are_refused_and_make_nothing(number, message):
    response = signup(zh_client(), phone=number)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists() and not sms.outbox


@pytest.mark.django_db
def test_a_wrong_code_is_refused_three_times_then_the_code_is_spent():
    client = zh_client()
    signup(client)
    code = last_code(NUMBER)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("account_verify_phone"), {"code": wrong})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    client.post(reverse("account_verify_phone"), {"code": wrong})
    client.post(reverse("account_verify_phone"), {"code": wrong})
    # Three wrong tries: the process is over; the right code no longer works.
    client.post(reverse("account_verify_phone"), {"code": code})
    assert not User.objects.get(username="xiaoli2026").phone_verified
    assert not signed_in(client)


@pytest.mark.django_db
def test_an_expired_code_does_not_verify(settings, monkeypatch):
    client = zh_client()
    signup(client)
    code = last_code(NUMBER)
    later = time.time() + settings.ACCOUNT_PHONE_VERIFICATION_TIMEOUT + 1
    monkeypatch.setattr(time, "time", lambda: later)
    client.post(reverse("account_verify_phone"), {"code": code})
    assert not User.objects.get(username="xiaoli2026").phone_verified
    assert not signed_in(client)


@pytest.mark.django_db
def test_sign_in_by_number_with_a_texted_code_that_works_once():
    user = verified_resident()
    client = zh_client()
    response = client.post(reverse("account_request_login_code"), {"phone": "+86 139-1234-0001"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_confirm_login_code"))
    code = last_code(NUMBER)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("portal:dashboard")).context["user"] == user

    # The same code again, from another browser: spent.
    other = zh_client()
    other.post(reverse("account_request_login_code"), {"phone": NUMBER})
    if last_code(NUMBER) != code:  # (a fresh code equal to the old one: 1 in a million)
        other.post(reverse("account_confirm_login_code"), {"code": code})
        assert not signed_in(other)


@pytest.mark.django_db
def test_sign_in_by_number_and_password_and_old_username_logins_still_work():
    user = verified_resident(username="laozhang")
    user.set_password(PASSWORD)
    user.save()
    for login in (NUMBER, "laozhang"):
        client = zh_client()
        client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assert signed_in(client), login


@pytest.mark.django_db
def test_an_unverified_number_does_not_sign_in():
    user = factories.UserFactory(email=None, phone=NUMBER, phone_verified=False)
    user.set_password(PASSWORD)
    user.save()
    client = zh_client()
    client.post(reverse("account_login"), {"login": NUMBER, "password": PASSWORD})
    assert not signed_in(client)
    client.post(reverse("account_request_login_code"), {"phone": NUMBER})
    assert not [m for m in sms.outbox if m.template == "code"]  # no code: not its number


@pytest.mark.django_db
def test_sign_in_code_requests_are_limited_per_number():
    verified_resident()
    for _ in range(3):
        zh_client().post(reverse("account_request_login_code"), {"phone": NUMBER})
    assert len(sms.outbox) == 3
    response = zh_client().post(reverse("account_request_login_code"), {"phone": NUMBER})
    assert response.status_code == 200
    assert "过多" in response.content.decode() or "太多" in response.content.decode()
    assert len(sms.outbox) == 3


@pytest.mark.django_db
def test_sign_in_code_requests_are_limited_per_address():
    numbers = [f"1391234{n:04d}" for n in range(12)]
    answers = [
        zh_client().post(reverse("account_request_login_code"), {"phone": n}).status_code
        for n in numbers
    ]
    assert answers[:10] == [302] * 10
    assert all(a in (200, 429) for a in answers[10:])
    assert len(sms.outbox) == 10


@pytest.mark.django_db
def test_sign_in_code_for_a_used_and_a_new_number_gets_the_same_answer():
    verified_resident()
    used, new = zh_client(), zh_client()
    a = used.post(reverse("account_request_login_code"), {"phone": NUMBER})
    b = new.post(reverse("account_request_login_code"), {"phone": "13912349999"})
    assert a.status_code == b.status_code == 302 and a["Location"] == b["Location"]
    page_a = same_page(used.get(a["Location"]).content.decode(), "139****0001")
    page_b = same_page(new.get(b["Location"]).content.decode(), "139****9999")
    assert page_a == page_b
    # The unknown number is told how to sign up (no code).
    [told] = [m for m in sms.outbox if m.number == "13912349999"]
    assert told.template == "notice" and "/accounts/signup/" in told.text


@pytest.mark.django_db
def test_signup_with_a_used_number_answers_as_with_a_new_one():
    owner = verified_resident()
    before = User.objects.count()
    zh_client().get(reverse("account_signup"))  # warm shared fragments, as on a live site
    used, new = zh_client(), zh_client()
    a = signup(used, username="someone2026")
    b = signup(new, phone="13912340002", username="other2026")
    assert a.status_code == b.status_code == 302 and a["Location"] == b["Location"]
    page_a = used.get(a["Location"])
    page_b = new.get(b["Location"])
    assert [t.name for t in page_a.templates] == [t.name for t in page_b.templates]
    assert same_page(page_a.content.decode(), "139****0001") == same_page(
        page_b.content.decode(), "139****0002"
    )
    # No second account with the number; its holder is told by text, with no code.
    assert User.objects.count() == before + 1
    assert User.objects.get(phone=NUMBER, phone_verified=True) == owner
    told = [m for m in sms.outbox if m.number == NUMBER]
    assert len(told) == 1 and told[0].template == "notice"


@pytest.mark.django_db
def test_signup_with_a_used_username_and_a_number_answers_as_with_a_new_one():
    factories.UserFactory(username="laozhang", email="owner@example.cn")
    a = signup(zh_client(), username="laozhang")
    b = signup(zh_client(), phone="13912340002", username="laoli2026")
    assert a.status_code == b.status_code == 302 and a["Location"] == b["Location"]
    assert not User.objects.filter(phone=NUMBER).exists()
    assert [m.to for m in mail.outbox] == [["owner@example.cn"]]  # the owner is told


@pytest.mark.django_db
def test_existing_account_adds_and_verifies_a_number(resident):
    client = zh_client()
    client.force_login(resident)
    page = client.get(reverse("account_change_phone"))
    assert page.status_code == 200
    response = client.post(reverse("account_change_phone"), {"phone": "0532 8888 1234"})
    assert response.status_code == 200 and "固定电话" in response.content.decode()
    response = client.post(reverse("account_change_phone"), {"phone": NUMBER})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert not resident.phone_verified
    client.post(reverse("account_verify_phone"), {"code": last_code(NUMBER)})
    resident.refresh_from_db()
    assert (resident.phone, resident.phone_verified) == (NUMBER, True)


@pytest.mark.django_db
def test_adding_a_number_another_account_holds_is_refused_only_after_the_code(resident):
    verified_resident()
    client = zh_client()
    client.force_login(resident)
    response = client.post(reverse("account_change_phone"), {"phone": NUMBER})
    assert response.status_code == 302  # the same answer as for a free number
    response = client.post(reverse("account_verify_phone"), {"code": last_code(NUMBER)})
    assert "已" in response.content.decode()  # whoever holds the phone may learn it is used
    resident.refresh_from_db()
    assert not resident.phone_verified


@pytest.mark.django_db
def test_verifying_a_number_releases_it_from_accounts_that_only_typed_it():
    squatter = factories.UserFactory(phone=NUMBER, phone_verified=False)
    client = zh_client()
    signup(client)
    client.post(reverse("account_verify_phone"), {"code": last_code(NUMBER)})
    squatter.refresh_from_db()
    assert squatter.phone == ""


@pytest.mark.django_db
def test_a_provider_error_at_signup_makes_nothing_and_says_try_again(settings):
    settings.SMS_BACKEND = "tests.portal.test_phone_signin.FailingBackend"
    client = zh_client()
    response = signup(client)
    assert response.status_code == 200
    body = response.content.decode()
    assert "短信" in body and "请稍后再试" in body
    assert 'value="xiaoli2026"' in body  # what was typed is kept
    assert not User.objects.exists()
    settings.SMS_BACKEND = "portal.sms.LocmemBackend"
    assert signup(client).status_code == 302  # and the retry works
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_a_provider_error_at_sign_in_says_try_again(settings):
    verified_resident()
    settings.SMS_BACKEND = "tests.portal.test_phone_signin.FailingBackend"
    client = zh_client()
    response = client.post(reverse("account_request_login_code"), {"phone": NUMBER}, follow=True)
    assert response.status_code == 200
    assert "请稍后再试" in response.content.decode()
    assert not signed_in(client)


class FailingBackend(sms.BaseBackend):
    def send(self, message):
        raise sms.SMSDeliveryError("provider down")


@pytest.fixture
def news():
    from django.utils.translation import gettext_lazy as _

    from portal import notifications

    notifications.register_category("test.phone", _("News"))
    yield "test.phone"
    notifications.CATEGORIES.pop("test.phone", None)


@pytest.mark.django_db
def test_notices_go_by_text_only_to_those_who_opted_in_with_a_verified_number(
    news, django_capture_on_commit_callbacks
):
    from portal import notifications
    from portal.models import Notification

    opted = verified_resident()
    unverified = factories.UserFactory(phone="13912340002", phone_verified=False)
    silent = verified_resident(number="13912340003")
    notifications.preferences_set(user=opted, off=set(), sms={news})
    notifications.preferences_set(user=unverified, off=set(), sms={news})
    assert not unverified.notification_opt_ins.exists()  # no verified number, no texts
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # a repeated event texts once
            notifications.notify(
                users=[opted, unverified, silent], category=news, event_key="n1", title="明天停水"
            )
    assert [(m.number, m.text) for m in sms.outbox] == [(NUMBER, "明天停水")]
    assert Notification.objects.get(user=opted).texted


@pytest.mark.django_db
def test_the_settings_page_offers_texts_only_with_a_verified_number(client, news):
    user = factories.UserFactory()
    client.force_login(user)
    url = reverse("portal:notification_settings")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"{news}:sms" not in page and reverse("account_change_phone") in page
    client.post(url, {"on": [f"{news}:sms"]})  # a box that is not offered is refused
    assert not user.notification_opt_ins.exists()

    user.phone, user.phone_verified = NUMBER, True
    user.save()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'value="{news}:sms"' in page and "短信" in page
    client.post(url, {"on": [f"{news}:sms", f"{news}:in_app"]})
    assert list(user.notification_opt_ins.values_list("category", "channel")) == [(news, "sms")]


@pytest.mark.django_db
def test_an_unverified_number_added_later_does_not_lock_the_owner_out():
    user = factories.UserFactory(username="laowang", phone="13912340009", phone_verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = zh_client()
    client.post(reverse("account_login"), {"login": "laowang", "password": "pass-Word-2026"})
    assert signed_in(client)
    assert not sms.outbox


@pytest.mark.django_db
def test_a_resident_who_leaves_the_signup_code_page_signs_in_later_by_email():
    client = zh_client()
    signup(client, email="xiaoli@example.cn")
    client.post(reverse("account_logout"))  # "cancel" on the code page
    address = EmailAddress.objects.get(email="xiaoli@example.cn")
    address.verified = True
    address.save()
    other = zh_client()
    other.post(reverse("account_login"), {"login": "xiaoli2026", "password": PASSWORD})
    assert signed_in(other)
    assert not User.objects.get(username="xiaoli2026").phone_verified
