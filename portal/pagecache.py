"""A short-lived full-page cache for anonymous visitors.

Public pages (Wagtail pages, and views that opt in with `anonymous_cacheable`) are
stored for PAGE_CACHE_SECONDS per (path, language, elder mode, elder text size).  Publishing or
unpublishing any page bumps a content version, so edits show at once; sections that
other apps render into pages may be up to PAGE_CACHE_SECONDS old for anonymous
visitors, as behind a CDN.  Anyone with a session cookie (signed in, or holding a
flash message) always gets a fresh page.
"""

from __future__ import annotations

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.template.context import make_context
from django.template.loader import get_template

from .versions import bump_after_write, bump_named_version, named_version, named_versions

__all__ = ["bump_after_write", "bump_named_version", "named_version", "named_versions"]


def content_version() -> int:
    return named_version("content")


def bump_content_version(**kwargs) -> None:
    bump_named_version("content")


def mark_cacheable(request) -> None:
    request._anonymous_cacheable = True


def anonymous_cacheable(view):
    """Decorator for a public view whose anonymous response is the same for everyone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        mark_cacheable(request)
        return view(request, *args, **kwargs)

    return wrapped


def _key(request) -> str:
    from .middleware import ELDER_COOKIE, requested_language, text_size_from_cookie

    lang = requested_language(request)
    elder = request.COOKIES.get(ELDER_COOKIE) == "1"
    # The elder view (its own home page, its type step) differs from the standard one.
    size = text_size_from_cookie(request) if elder else ""
    raw = f"{request.get_host()}|{request.get_full_path()}|{lang}|{elder}|{size}"
    return f"page:{content_version()}:{hashlib.sha1(raw.encode()).hexdigest()}"


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        eligible = (
            seconds > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
        )
        if not eligible:
            return self.get_response(request)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if (
            getattr(request, "_anonymous_cacheable", False)
            and response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
            # A page whose inline script carries this response's CSP nonce must not be
            # replayed to others: the nonce would stop being a secret.
            and not getattr(request, "_csp_nonce", None)
        ):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            cache.set(key, response, seconds)
        return response


# --- Fragments shared by signed-in people -----------------------------------------------
#
# The parts of a signed-in page that are the same for everyone who may see them (a list of
# topics, a page of contributions) are drawn once and kept under the named versions of the
# content they show: a write bumps the version (on commit) and the next reader draws them
# again.  The personal parts (my vote, my registration, my own rows) are filled in per
# request, in a constant number of queries.
#
# A shared fragment must never hold a CSRF token: it is drawn with a placeholder input in
# place of `{% csrf_token %}` and `fill_csrf()` swaps each for the reader's own token.  The
# placeholder is a whole <input> element, which no escaped text of a resident can spell.
# `user` in a shared fragment is a stand-in that is signed in or not and has no pk, so
# a template cannot compare a row with the reader by mistake; rows that differ by reader
# carry markers (`own_marker`) that `keep_own()` resolves per request.

SHARED_SECONDS = 3600
_CSRF_STANDIN = "portal-shared-fragment-csrf"
CSRF_PLACEHOLDER = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF_STANDIN}">'


class SharedViewer:
    """What `user` is inside a shared fragment: signed in or not, nobody in particular."""

    pk = id = None
    is_anonymous = property(lambda self: not self.is_authenticated)

    def __init__(self, is_authenticated: bool):
        self.is_authenticated = is_authenticated

    def __str__(self) -> str:
        return ""


def _fragment_key(name: str, versions: tuple[str, ...], parts) -> str:
    from django.utils import translation

    raw = "|".join(str(p) for p in (translation.get_language(), *parts))
    stamp = ".".join(str(v) for v in named_versions(*versions))
    return f"frag:{name}:{stamp}:{hashlib.sha1(raw.encode()).hexdigest()}"


def shared_data(name: str, compute, *, parts=(), versions=("content",), seconds=SHARED_SECONDS):
    """What `compute()` returns (rows the same for everyone in `parts`), kept until one of
    `versions` is bumped, for a page that draws them with personal bits per reader.  A
    value with `fragment_expires` (see `shared_fragment`) is kept no longer than that."""
    from django.utils import timezone

    key = _fragment_key(f"data:{name}", tuple(versions), parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        expires = value.get("fragment_expires") if isinstance(value, dict) else None
        if expires is not None:
            seconds = min(seconds, int((expires - timezone.now()).total_seconds()))
        if seconds > 0:
            cache.set(key, value, seconds)
    return value


def render_shared(template_name: str, context: dict, request) -> str:
    """Draw a template for a shared fragment: the request's context processors run (the
    language, `content_lang`), but `user` is a `SharedViewer` and `{% csrf_token %}` draws
    the placeholder."""
    template = get_template(template_name).template
    ctx = make_context(context, request)
    with ctx.render_context.push_state(template), ctx.bind_template(template):
        ctx.template_name = template.name
        signed_in = bool(request.user.is_authenticated)
        with ctx.push(csrf_token=_CSRF_STANDIN, user=SharedViewer(signed_in), perms=None):
            html = template._render(ctx)
    return html


def render_personal(template_name: str, context: dict, request) -> str:
    """Draw a template for one person's cached fragment (a home panel, kept under their
    own key): the request's context processors run and `user` is the reader, but each
    `{% csrf_token %}` draws the placeholder, which `fill_csrf` swaps for the token of
    the request that shows it (a token changes at sign-in; a cached one must not)."""
    template = get_template(template_name).template
    ctx = make_context(context, request)
    with ctx.render_context.push_state(template), ctx.bind_template(template):
        ctx.template_name = template.name
        with ctx.push(csrf_token=_CSRF_STANDIN):
            html = template._render(ctx)
    token = request.META.get("CSRF_COOKIE")
    if token and token in html:  # never: the fragment was drawn with a stand-in
        raise AssertionError(f"personal fragment {template_name} holds a CSRF token")
    return html


def shared_fragment(
    request,
    name: str,
    template_name: str,
    context,
    *,
    parts=(),
    versions=("content",),
    seconds: int = SHARED_SECONDS,
    store: bool = True,
) -> str:
    """The HTML of a fragment that is the same for everyone in `parts` (the language is
    always part of the key), kept until one of `versions` is bumped.  `context` is a
    callable that returns the template's context: it runs (and queries) only when the
    fragment is drawn.  `store=False` draws it without keeping it (a page carrying what
    one person typed).  A context holding `fragment_expires` (an aware datetime: the
    moment a listed session ends, say) keeps the fragment no longer than that, since
    time passing changes it without any write.  The result still holds CSRF
    placeholders: see `fill_csrf`."""
    from django.utils import timezone
    from django.utils.safestring import mark_safe

    key = _fragment_key(name, tuple(versions), parts)
    html = cache.get(key) if store else None
    if html is None:
        values = context()
        html = render_shared(template_name, values, request)
        token = request.META.get("CSRF_COOKIE")
        if token and token in html:  # never: the fragment was drawn with a stand-in
            raise AssertionError(f"shared fragment {name} holds a CSRF token")
        expires = values.get("fragment_expires")
        if expires is not None:
            seconds = min(seconds, int((expires - timezone.now()).total_seconds()))
        if store and seconds > 0:
            cache.set(key, str(html), seconds)
    return mark_safe(html)  # noqa: S308 - drawn by our own templates


def fill_csrf(html: str, request) -> str:
    """A shared fragment with the reader's own CSRF token in each of its forms."""
    from django.middleware.csrf import get_token
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    if CSRF_PLACEHOLDER not in html:
        return html
    real = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    return mark_safe(html.replace(CSRF_PLACEHOLDER, real))  # noqa: S308 - our own markup


# Rows that differ by reader: `<!--own:AUTHOR_PK-->…<!--/own-->` is kept only for that
# author, `<!--other:AUTHOR_PK-->…<!--/other-->` for everyone else.  A resident's escaped
# text can never open an HTML comment, so only our templates write these.
_OWN = re.compile(r"<!--(own|other):(\d+)-->(.*?)<!--/\1-->", re.S)


def keep_own(html: str, user) -> str:
    """A shared fragment as `user` sees it: their own rows' parts kept, others' dropped."""
    from django.utils.safestring import mark_safe

    me = str(user.pk) if getattr(user, "is_authenticated", False) else None

    def pick(match) -> str:
        mine = match.group(2) == me
        keep = mine if match.group(1) == "own" else not mine
        return match.group(3) if keep else ""

    return mark_safe(_OWN.sub(pick, html))  # noqa: S308 - our own markup, markers removed
