"""Issue 12, "Chinese everywhere": every page each role uses, and every email the product
sends, reads in 简体中文 on a 简体中文 site.

The page test loads the demo site, signs in as each role and crawls the pages it uses
(the public site, /me/, credits, triage, deliberation, the allauth and MFA pages, and for
staff the Wagtail admin), and fails on any English word a reader would see
(`portal.testing.english.english_words`; brands and standards such as Open311 or QR are
allowed).  The email tests send each mail for real through the locmem backend.
"""

from __future__ import annotations

import os
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command

from portal.testing.english import english_words

pytestmark = pytest.mark.django_db


# --- the checker itself ---------------------------------------------------------------


def test_the_checker_finds_english_a_reader_sees_and_nothing_else():
    html = """<html><head><title>Sign in · 社区议事厅</title>
    <script nonce="x">var hidden = "Invisible words";</script>
    <style>.note { content: "Styled"; }</style></head><body>
    <p>欢迎 Hello! 请联系 admin@example.cn 或打开 https://example.cn/help/page</p>
    <a href="/accounts/login/" class="button primary">登录</a>
    <img src="/x.png" alt="Photo of the street">
    <input type="text" name="first_name" value="typed by the user" placeholder="Your name">
    <input type="submit" value="Save">
    <button aria-label="Close">×</button>
    <span>hotline01 用 Open311 接口导出 CSV 与 XLSX，扫 QR 码，绑定 TOTP</span>
    <p>English</p></body></html>"""
    assert english_words(html) == [
        "Sign",
        "Hello",
        "Photo",
        "the",
        "street",
        "Your",
        "name",
        "Save",
        "Close",
    ]


def test_the_checker_is_quiet_on_a_chinese_page_and_reads_plain_text():
    assert english_words("<p>登录后可<b>报名</b>参加议事会。</p>") == []
    assert english_words("Hello 小林,\n\n请确认您的邮箱。") == ["Hello"]


# --- pages ------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


SKIP_SUFFIXES = (".xlsx", ".csv", ".ics", ".json", ".xml", ".png", ".jpg", ".pdf", ".txt")
# Pages that change state on GET are none; these only leave the session or the language.
SKIP_PARTS = ("/open311/", "logout", "/i18n/", "/static/", "/media/", "/documents/")
# English upstream that no catalogue can translate: Wagtail 7.4 labels the columns of
# its Sites screen from field names ("Port", "Site name"); its aging-pages report prints
# "None" for a page nobody published.
SKIP_ADMIN = ("/admin/sites/", "/admin/reports/aging-pages/")


def crawl(client, seeds, *, limit, follow_admin):
    """GET the seeds and the same-site pages they link to (breadth first, `limit` pages
    beyond the seeds); return {url: [english words]} for every HTML page with some."""
    seen, queue, found, visited = set(seeds), deque(seeds), {}, 0
    while queue and visited < limit + len(seeds):
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode()
        words = english_words(body)
        if words:
            found[url] = sorted(set(words))
        parser = _Links()
        parser.feed(body)
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.endswith(SKIP_SUFFIXES) or any(p in parts.path for p in SKIP_PARTS):
                continue
            if parts.path.startswith("/admin/") and not follow_admin:
                continue
            if parts.path.startswith(SKIP_ADMIN):
                continue
            if href not in seen:
                seen.add(href)
                queue.append(href)
    return found, visited


@pytest.fixture
def demo(settings):
    from portal.models import User

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    call_command("load_demo", stdout=open(os.devnull, "w"))
    return {u.username: u for u in User.objects.all()}


def public_seeds():
    from cms.models import CommunityPage, NewsPage
    from deliberation.models import Session, Topic
    from triage.models import Request

    return [
        "/",
        CommunityPage.objects.live().first().url,
        NewsPage.objects.live().first().url,
        f"/deliberation/t/{Topic.objects.order_by('pk').first().pk}/",
        f"/deliberation/s/{Session.objects.order_by('pk').first().pk}/",
        "/deliberation/",
        "/credits/",
        "/credits/rewards/",
        "/triage/",
        "/triage/new/",
        f"/triage/r/{Request.objects.order_by('pk').first().pk}/",
        "/search/?q=%E7%A4%BE%E5%8C%BA",
        "/no-such-page/",
    ]


ANONYMOUS_SEEDS = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/login/code/",
]
SIGNED_IN_SEEDS = [
    "/me/",
    "/me/notifications/",
    "/me/notifications/settings/",
    "/me/preferences/",
    "/me/residency/",
    "/credits/statement/",
    "/credits/hours/",
    "/credits/hours/certificate/",
    "/credits/redemptions/",
    "/deliberation/me/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/phone/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
]
STAFF_SEEDS = [
    "/me/committee/residents/",
    "/credits/verify/",
    "/triage/queue/",
    "/triage/dashboard/",
    "/credits/dashboard/",
    "/triage/intake/",
    "/admin/",
    "/admin/pages/",
    "/admin/deliberation/",
    # The staff screens on Wagtail viewsets (issue 16): lists, their add forms.
    "/admin/snippets/deliberation/session/",
    "/admin/snippets/deliberation/session/add/",
    "/admin/snippets/deliberation/poll/",
    "/admin/snippets/deliberation/poll/add/",
    "/admin/snippets/deliberation/format/",
    "/admin/snippets/deliberation/format/add/",
    "/admin/snippets/credits/reward/",
    "/admin/snippets/credits/earningrule/",
    "/admin/snippets/triage/servicedirectoryentry/",
    "/admin/snippets/triage/servicedirectoryentry/add/",
    "/admin/snippets/",
    "/admin/images/",
    "/admin/documents/",
    "/admin/account/",
]
# The site administrator's screens beyond what committees use (not SKIP_ADMIN).
SITE_ADMIN_SEEDS = [
    "/admin/snippets/triage/servicetype/",
    "/admin/snippets/triage/servicetype/add/",
    "/admin/snippets/triage/gridboundary/",
    "/admin/users/",
    "/admin/groups/",
    "/admin/workflows/list/",
    "/admin/workflows/tasks/index/",
    "/admin/redirects/",
    "/admin/forms/",
    "/admin/reports/locked/",
    "/admin/reports/site-history/",
]

# anonymous, a resident, a committee member, a grid worker, the city hotline, site admin
ROLES = [None, "13900000003", "13800000001", "13800000003", "hotline01", "admin"]


@pytest.mark.parametrize("username", ROLES, ids=lambda u: u or "anonymous")
def test_every_page_a_role_uses_reads_in_simplified_chinese(client, demo, username):
    seeds = public_seeds()
    if username is None:
        seeds += ANONYMOUS_SEEDS
    else:
        client.force_login(demo[username])
        seeds += SIGNED_IN_SEEDS
        user = demo[username]
        staff = username != "13900000003"
        if staff:
            seeds += STAFF_SEEDS
            from wagtail.models import Page

            page = Page.objects.live().filter(depth__gte=3).order_by("path").first()
            seeds += [f"/admin/pages/{page.pk}/", f"/admin/pages/{page.pk}/edit/"]
        if username == "admin":
            seeds += SITE_ADMIN_SEEDS
        assert user.is_active
    found, visited = crawl(client, seeds, limit=80, follow_admin=username is not None)
    # Usernames and area codes are identifiers, shown as typed ("您已以 admin 的身份登录",
    # the committee group "新湛社区两委 (xinzhan)"); so are the codes of formats and
    # service types in their admin lists ("speakup", "personal-data").
    import re

    from deliberation.models import Format
    from portal.models import Area
    from triage.models import ServiceType

    codes = [*Format.objects.values_list("code", flat=True)]
    codes += ServiceType.objects.values_list("code", flat=True)
    names = set(demo) | set(Area.objects.values_list("code", flat=True))
    names |= {part for code in codes for part in re.split(r"[-_]", code)}
    found = {url: [w for w in words if w not in names] for url, words in found.items()}
    found = {url: words for url, words in found.items() if words}
    assert visited > len(seeds)

    assert found == {}, "\n".join(f"{url}: {' '.join(words)}" for url, words in found.items())


# --- emails -----------------------------------------------------------------------------

SIGNUP = {
    "email": "xiaowang@example.cn",
    "username": "13912345678",
    "password1": "Qingdao-2026-strong",
    "password2": "Qingdao-2026-strong",
}


def english_in_mail(message) -> list[str]:
    words = english_words(message.subject) + english_words(message.body)
    for content, mimetype in getattr(message, "alternatives", []):
        if "html" in mimetype:
            words += english_words(content)
    return words


def verified_user(username, email, **kwargs):
    from allauth.account.models import EmailAddress

    from tests import factories

    user = factories.UserFactory(username=username, email=email, **kwargs)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def test_allauth_mails_read_in_simplified_chinese(tree, settings):
    """Sign-up confirmation, password reset, reset for an unknown address, a sign-up
    with a taken username (to both addresses): subject and body without English; they
    greet from the product's name, not the server's host name."""
    from django.test import Client

    settings.ALLOWED_HOSTS = ["shequ.example.cn"]
    client = Client(HTTP_HOST="shequ.example.cn")
    owner = verified_user("13800009999", "owner@example.cn")
    client.post("/accounts/signup/", SIGNUP)
    client.post("/accounts/password/reset/", {"email": owner.email})
    client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    client.post(
        "/accounts/signup/", {**SIGNUP, "email": "other@example.cn", "username": owner.username}
    )
    assert {tuple(m.to) for m in mail.outbox} >= {
        ("xiaowang@example.cn",),
        ("owner@example.cn",),
        ("nobody@example.cn",),
        ("other@example.cn",),
    }
    assert len(mail.outbox) >= 5
    found = {m.subject: english_in_mail(m) for m in mail.outbox if english_in_mail(m)}
    assert found == {}
    bodies = "\n".join(m.body for m in mail.outbox)
    assert "Hello" not in bodies and "您好，这里是社区议事厅！" in bodies


@pytest.mark.parametrize(
    "language,expected,unexpected",
    [("en", "Password Reset", "密码"), ("zh-hant", "密碼", "密码"), ("", "密码", "Password")],
)
def test_a_password_reset_mail_is_in_the_recipients_language(
    client, tree, language, expected, unexpected
):
    """Asked for from a 简体中文 page, the mail follows the account's chosen language."""
    user = verified_user("13800008888", "lin@example.cn", language=language)
    client.post("/accounts/password/reset/", {"email": user.email})
    (message,) = mail.outbox
    assert expected in message.subject + message.body
    assert unexpected not in message.subject


def test_notification_mails_read_in_the_recipients_language(tree):
    from portal.emails import email_for
    from portal.tasks import send_notification_email
    from tests import factories

    resident = factories.resident(tree["grid"], email="xiaolin@example.cn")
    english = factories.resident(tree["grid"], email="tom@example.cn", language="en")
    notices = []
    for user in (resident, english):
        notices.append(notice(user, title="志愿服务时长已审核", body="您登记的 3 小时已通过审核。"))
    subject, body = email_for(notices[0])
    assert english_words(subject + "\n" + body) == []
    assert "您好" in body
    _, body_en = email_for(notices[1])
    assert "Hello" in body_en
    send_notification_email(notices[0].pk)
    (message,) = mail.outbox
    assert english_in_mail(message) == []


def notice(user, *, title, body):
    from portal.models import Notification

    return Notification.objects.create(
        user=user,
        category="system",
        event_key=f"test:{user.pk}",
        title=title,
        body=body,
        url="/me/",
    )


def test_a_notice_is_written_in_each_recipients_language(tree):
    """Whoever triggers it (a committee member reading English), a notice given as a lazy
    string or a callable reaches each resident in their own language."""
    from django.utils import translation
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy

    from portal.notifications import notify
    from tests import factories

    hans = factories.resident(tree["grid"], language="")
    hant = factories.resident(tree["grid"], language="zh-hant")
    english = factories.resident(tree["grid"], language="en")
    with translation.override("en"):
        notices = notify(
            users=[hans, hant, english],
            category="triage.update",
            event_key="test:language",
            title=lambda: _("Sign in"),
            body=gettext_lazy("Sign in"),
        )
    by_user = {n.user_id: (n.title, n.body) for n in notices}
    assert by_user[hans.pk] == ("登录", "登录")
    assert "登入" in by_user[hant.pk][0] and "登入" in by_user[hant.pk][1]
    assert by_user[english.pk] == ("Sign in", "Sign in")
