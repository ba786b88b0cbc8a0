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
from functools import wraps

from django.conf import settings
from django.core.cache import cache


def named_version(name: str) -> int:
    """The version of one kind of shared content ("content": any published page;
    "deliberation": any topic): what is cached under it is dropped by
    `bump_named_version(name)` when that content changes."""
    key = f"portal:version:{name}"
    version = cache.get(key)
    if version is None:
        cache.add(key, 1, None)
        version = cache.get(key, 1)
    return version


def bump_named_version(name: str) -> None:
    try:
        cache.incr(f"portal:version:{name}")
    except ValueError:
        cache.set(f"portal:version:{name}", 2, None)


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
