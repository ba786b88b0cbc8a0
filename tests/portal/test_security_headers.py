"""Issue 9, finding 11 (headers): Content-Security-Policy without 'unsafe-inline',
Permissions-Policy, and Secure on every cookie in production.

The page test crawls the demo site as several roles, following every same-site link from
a set of seed pages, and checks every HTML page it reaches: the CSP header is strict, no
element carries `style=` or an `on*=` handler, no `<style>` element, no `javascript:` URL,
and every inline `<script>` carries this response's nonce.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, re_path
from django.views.static import serve

from portal.pagecache import anonymous_cacheable
from portal.security_headers import permissions_policy

pytestmark = pytest.mark.django_db

# --- a parser for the page checks ---------------------------------------------------


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.problems: list[str] = []
        self.inline_script_nonces: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and not attrs_d.get("src"):
            kind = (attrs_d.get("type") or "text/javascript").lower()
            if "json" not in kind and kind != "text/template":
                self.inline_script_nonces.append(attrs_d.get("nonce"))
        if tag == "a" and attrs_d.get("href"):
            self.links.append(attrs_d["href"])


def csp_directives(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def page_problems(response) -> list[str]:
    problems = []
    csp = csp_directives(response)
    if not csp:
        return ["no Content-Security-Policy header"]
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive)
        if not sources:
            problems.append(f"no {directive}")
        elif "'unsafe-inline'" in sources or "'unsafe-eval'" in sources:
            problems.append(f"{directive} {' '.join(sources)}")
    for directive in ("script-src-attr", "style-src-attr", "script-src-elem", "style-src-elem"):
        if "'unsafe-inline'" in csp.get(directive, []):
            problems.append(f"{directive} allows 'unsafe-inline'")
    expected = {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    for directive, sources in expected.items():
        if csp.get(directive) != sources:
            problems.append(f"{directive} is {csp.get(directive)}, not {sources}")
    if csp.get("img-src", [])[:2] != ["'self'", "data:"]:
        problems.append(f"img-src is {csp.get('img-src')}")
    nonces = [s[len("'nonce-") : -1] for s in csp["script-src"] if s.startswith("'nonce-")]
    parser = _Page()
    parser.feed(response.content.decode())
    problems += parser.problems
    for nonce in parser.inline_script_nonces:
        if nonce is None or nonce not in nonces:
            problems.append(f"inline <script> with nonce {nonce!r}, header has {nonces}")
    policy = response.get("Permissions-Policy", "")
    # The phone check-in desk alone may use the camera (its QR scanner).
    desk = re.fullmatch(r"/deliberation/s/\d+/desk/", response.request["PATH_INFO"])
    camera = "camera=(self)" if desk else "camera=()"
    for feature in (camera, "geolocation=(self)", "microphone=(self)", "payment=()", "usb=()"):
        if feature not in [f.strip() for f in policy.split(",")]:
            problems.append(f"Permissions-Policy lacks {feature}: {policy!r}")
    return problems


SKIP_PREFIXES = ("/admin/", "/django-admin/", "/static/", "/media/", "/documents/")
SKIP_SUFFIXES = (".xlsx", ".csv", ".ics", ".json", ".xml", ".png", ".jpg", ".pdf")


def crawl(client, seeds, limit=40):
    """GET the seeds and the same-site pages they link to (breadth first, `limit` pages
    beyond the seeds); return {url: [problems]} for every HTML page with a problem."""
    seen, queue, failures, visited = set(seeds), deque(seeds), {}, 0
    while queue and visited < limit + len(seeds):
        url = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (301, 302, 303, 307, 308):
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        problems = page_problems(response)
        if problems:
            failures[url] = problems
        parser = _Page()
        parser.feed(response.content.decode())
        for href in parser.links:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path.startswith(SKIP_PREFIXES) or parts.path.endswith(SKIP_SUFFIXES):
                continue
            if "/open311/" in parts.path or "logout" in parts.path:
                continue
            if href not in seen:
                seen.add(href)
                queue.append(href)
    return failures, visited


@pytest.fixture
def demo():
    from portal.models import User

    call_command("load_demo", stdout=open(os.devnull, "w"))
    return {u.username: u for u in User.objects.all()}


def test_every_page_has_a_strict_csp_and_no_inline_script_style_or_handler(client, demo):
    from cms.models import CommunityPage, NewsPage
    from deliberation.models import Session, Topic
    from triage.models import Request

    seeds = [
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
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ]
    signed_in_seeds = [
        "/me/",
        "/me/notifications/",
        "/credits/statement/",
        "/credits/hours/",
        "/credits/hours/certificate/",
        "/credits/redemptions/",
        "/credits/verify/",
        "/triage/queue/",
        "/triage/dashboard/",
        "/triage/intake/",
        "/deliberation/me/",
    ]
    # anonymous, a resident, a committee member, a grid worker, the city hotline
    roles = [None, "13900000003", "13800000001", "13800000003", "hotline01"]
    all_failures, total = {}, 0
    for username in roles:
        client.logout()
        if username:
            client.force_login(demo[username])
        failures, visited = crawl(client, seeds + (signed_in_seeds if username else []))
        total += visited
        all_failures.update({f"{username or 'anonymous'} {u}": p for u, p in failures.items()})
    assert all_failures == {}
    assert total > 150


def test_a_page_with_an_inline_handler_or_style_fails_the_check(client, tree):
    """The check itself can fail: the same page with an inline handler, a style attribute
    and a nonce-less inline script is reported."""
    response = client.get("/")
    assert page_problems(response) == []
    body = response.content.decode()
    response.content = body.replace(
        "<main", '<script>alert(1)</script><main style="color:red" onclick="x()"', 1
    ).encode()
    problems = page_problems(response)
    assert any("style=" in p for p in problems)
    assert any("onclick" in p for p in problems)
    assert any("inline <script>" in p for p in problems)


# --- the Wagtail admin: a wider policy, and only there ---------------------------------


def test_admin_policy_allows_inline_only_under_admin_and_keeps_the_rest_strict(client, tree):
    from allauth.mfa.models import Authenticator

    from tests import factories

    staff = factories.member("committee", tree["community"])
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(staff)
    response = client.get("/admin/")
    assert response.status_code == 200
    csp = csp_directives(response)
    assert "'unsafe-inline'" in csp["script-src"] and "'unsafe-inline'" in csp["style-src"]
    # A nonce would make browsers ignore 'unsafe-inline' and break the admin's scripts.
    assert not any(s.startswith("'nonce-") for s in csp["script-src"])
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"] and csp["frame-ancestors"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
    public = csp_directives(client.get("/"))
    assert "'unsafe-inline'" not in public["script-src"] + public["style-src"]


def test_checkin_desk_alone_may_use_the_camera(client, tree, settings):
    from allauth.mfa.models import Authenticator

    from tests import factories
    from tests.deliberation import factories as dfactories

    settings.PORTAL_REQUIRE_STAFF_MFA = False
    staff = factories.member("committee", tree["community"])
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    session = dfactories.session(tree["community"], staff)
    client.force_login(staff)
    response = client.get(f"/admin/deliberation/sessions/{session.pk}/checkin/")
    assert response.status_code == 200
    features = [f.strip() for f in response["Permissions-Policy"].split(",")]
    assert "camera=(self)" in features and "camera=()" not in features
    body = response.content.decode()
    assert "deliberation/checkin.js" in body and "BarcodeDetector" not in body
    assert "camera=()" in client.get("/admin/").get("Permissions-Policy", "")
    phone = client.get(f"/deliberation/s/{session.pk}/desk/")  # the phone desk
    features = [f.strip() for f in phone["Permissions-Policy"].split(",")]
    assert "camera=(self)" in features and "camera=()" not in features
    assert "camera=()" in client.get("/deliberation/desk/")["Permissions-Policy"]


# --- cookies ---------------------------------------------------------------------------


def test_production_settings_make_every_cookie_secure():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
    }
    code = (
        "from django.conf import settings as s; "
        "print([s.PORTAL_COOKIE_SECURE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.SESSION_COOKIE_HTTPONLY])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str([True] * 6)


PRODUCTION_COOKIES = {
    "PORTAL_COOKIE_SECURE": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "LANGUAGE_COOKIE_SECURE": True,
}


@override_settings(**PRODUCTION_COOKIES)
def test_language_and_elder_cookies_are_secure_httponly_lax_in_production(client):
    response = client.post(
        "/me/preferences/", {"language": "en", "elder_mode": "1", "next": "/"}, secure=True
    )
    assert response.status_code == 302
    for name in ("django_language", "elder_mode"):
        morsel = response.cookies[name]
        assert morsel["secure"] is True, name
        assert morsel["httponly"] is True, name
        assert morsel["samesite"] == "Lax", name


@override_settings(**PRODUCTION_COOKIES)
def test_sign_in_sets_only_secure_cookies_in_production(client, resident):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    jar = []
    response = client.get("/accounts/login/", secure=True)
    jar += list(response.cookies.values())
    response = client.post(
        "/accounts/login/",
        {"login": resident.username, "password": "pass-Word-2026"},
        secure=True,
    )
    assert response.status_code == 302
    jar += list(response.cookies.values())
    response = client.get(response["Location"], secure=True)
    jar += list(response.cookies.values())
    names = {m.key for m in jar}
    assert {"sessionid", "csrftoken"} <= names
    assert [m.key for m in jar if m["secure"] is not True] == []


def _sets_a_plain_cookie(request):
    response = HttpResponse("ok")
    response.set_cookie("third_party", "1")
    return response


def _nonce_page(request):
    return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')


def _camera_page(request):
    return HttpResponse("ok")


_media_root = tempfile.mkdtemp(prefix="portal-media-")

urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": _media_root}),
    path("plain-cookie/", _sets_a_plain_cookie),
    path("nonce/", anonymous_cacheable(_nonce_page)),
    path("camera/", permissions_policy({"camera": ["self"]})(_camera_page)),
]


@override_settings(ROOT_URLCONF=__name__, PORTAL_COOKIE_SECURE=True)
def test_any_cookie_any_code_sets_is_made_secure_in_production(client):
    """Whoever calls set_cookie (a view, a library) without secure=..., the cookie is
    Secure once PORTAL_COOKIE_SECURE is on, and SameSite=Lax."""
    morsel = client.get("/plain-cookie/").cookies["third_party"]
    assert morsel["secure"] is True and morsel["samesite"] == "Lax"


@override_settings(ROOT_URLCONF=__name__, PORTAL_COOKIE_SECURE=False)
def test_cookies_are_not_forced_secure_outside_production(client):
    assert client.get("/plain-cookie/").cookies["third_party"]["secure"] == ""


@override_settings(ROOT_URLCONF=__name__, PAGE_CACHE_SECONDS=60)
def test_a_page_with_a_nonce_is_never_served_from_the_page_cache(client):
    first, second = client.get("/nonce/"), client.get("/nonce/")
    nonces = []
    for response in (first, second):
        header_nonce = [
            s for s in csp_directives(response)["script-src"] if s.startswith("'nonce-")
        ]
        assert len(header_nonce) == 1
        assert f'nonce="{header_nonce[0][7:-1]}"' in response.content.decode()
        nonces.append(header_nonce[0])
    assert nonces[0] != nonces[1]


@override_settings(ROOT_URLCONF=__name__)
def test_permissions_policy_decorator_widens_one_feature_only(client):
    features = [f.strip() for f in client.get("/camera/")["Permissions-Policy"].split(",")]
    assert "camera=(self)" in features and "payment=()" in features


# --- media and static: nosniff and the CSP -----------------------------------------------


@override_settings(ROOT_URLCONF=__name__)
def test_media_served_by_django_carries_nosniff_and_a_csp(client):
    """`static()` in portal/urls.py serves media through django.views.static.serve in
    development: a stored file must not be sniffed into HTML or run scripts."""
    Path(_media_root, "x.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/x.html")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_static_files_carry_nosniff(client):
    response = client.get("/static/portal/site.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_wagtail_preview_may_be_framed_by_the_admin_and_keeps_the_public_policy(tree):
    """The editor frames the preview, which Wagtail renders through a dummy request for
    the page's public URL; it stays strict but may be framed by the site itself."""
    from wagtail.models import Page

    page = Page.objects.get(depth=2).specific
    response = page.make_preview_request()
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["frame-ancestors"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"]


def test_images_may_come_from_the_s3_bucket_and_listed_media_origins(monkeypatch):
    from portal.settings.base import media_origins

    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "media")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://oss.example.cn")
    monkeypatch.setenv("PORTAL_CSP_MEDIA_ORIGINS", "https://img.example.cn")
    assert media_origins() == [
        "https://img.example.cn",
        "https://oss.example.cn",
        "https://media.oss.example.cn",
    ]
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME")
    monkeypatch.delenv("PORTAL_CSP_MEDIA_ORIGINS")
    assert media_origins() == []
