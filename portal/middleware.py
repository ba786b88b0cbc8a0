"""Request-wide behaviour: a signed-in user's saved language and elder mode, and the
rule that staff reach no staff surface without a second factor."""

import copy
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

ELDER_COOKIE = "elder_mode"
TEXT_SIZE_COOKIE = "text_size"
TEXT_SIZES = ("standard", "large", "xlarge")


def text_size_from_cookie(request) -> str:
    """The elder view's type step a visitor chose (cookie); anything else is standard."""
    size = request.COOKIES.get(TEXT_SIZE_COOKIE)
    return size if size in TEXT_SIZES else TEXT_SIZES[0]


class UserPreferencesMiddleware:
    """Apply the saved language of a signed-in user who has not chosen one by cookie,
    and work out elder mode and its type step once for templates (`request.elder_mode`,
    `request.text_size`): from the account when signed in, else from the cookies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        if (
            signed_in
            and user.language
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language != request.LANGUAGE_CODE
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        request.elder_mode = (
            user.elder_mode if signed_in else request.COOKIES.get(ELDER_COOKIE) == "1"
        )
        request.text_size = user.text_size if signed_in else text_size_from_cookie(request)
        return self.get_response(request)


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def holds_site_wide_power(user) -> bool:
    """Superusers, Django staff and site administrators: their session is a staff
    surface wherever it is used, so they need the second factor on every path."""
    from .permissions import is_site_admin

    return bool(user.is_superuser or user.is_staff or is_site_admin(user))


# Paths a user without TOTP still reaches: signing in and out, setting up the second
# factor, static files and the health check.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/healthz", "/static/", "/favicon")


class StaffMFAMiddleware:
    """Staff reach no staff surface without TOTP.

    Who: superusers, Django staff and site administrators are sent to set up TOTP from
    every path.  Where: anyone signed in is, on the Wagtail admin (every staff desk of
    the apps lives under it: deliberation check-in, moral bank, triage catalogue).  The
    Django admin is not installed at all.

    Staff pages outside /admin/ (the residency queue, the request inbox, the phone
    check-in desk at /deliberation/desk/) follow the "who" rule only: committee members
    and grid workers reach them with a normal sign-in, as a grid worker at the door must.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def staff_surface(path: str) -> bool:
        return path.startswith(reverse("wagtailadmin_home"))

    def __call__(self, request):
        user = request.user
        path = request.path
        if (
            settings.PORTAL_REQUIRE_STAFF_MFA
            and user.is_authenticated
            and not path.startswith(MFA_EXEMPT_PREFIXES)
            and (self.staff_surface(path) or holds_site_wide_power(user))
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _("Staff must turn on two-factor authentication before using the admin."),
            )
            # After activation portal.mfa brings them back here (query string included).
            target = request.get_full_path() if request.method == "GET" else path
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': target})}")
        return self.get_response(request)


def requested_language(request) -> str:
    """The language a person chose (cookie), else 简体中文; Accept-Language is ignored."""
    from django.utils.translation import check_for_language

    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not code or code not in dict(settings.LANGUAGES) or not check_for_language(code):
        return settings.LANGUAGE_CODE
    return code


class ChineseFirstLocaleMiddleware:
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is ignored.

    Many residents' phones send English headers while they read Chinese; the portal
    speaks 简体中文 until a person picks another language (cookie, or their account).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(requested_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class HostileInputMiddleware:
    """Refuse a NUL byte anywhere in the path, the query string or the posted form (400).

    PostgreSQL cannot store or even compare text holding NUL (a DataError, so a 500 that
    mails the admins), and no person types one.  Checked once, early, for every view,
    including those that read `request.GET` directly.  A view can answer in its own format
    (the Open311 API answers with an Open311 error) by carrying `bad_input_response`.
    Cookies holding NUL are dropped, as if the browser had not sent them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [k for k, v in request.COOKIES.items() if "\x00" in k or "\x00" in v]:
            del request.COOKIES[name]
        if self._has_nul(request):
            return self.refuse(request)
        return self.get_response(request)

    @staticmethod
    def _in_querydict(data) -> bool:
        return any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in data.lists()
        )

    def _has_nul(self, request) -> bool:
        if "\x00" in request.path or self._in_querydict(request.GET):
            return True
        if request.method == "POST":
            if self._in_querydict(request.POST):
                return True
            return any("\x00" in (f.name or "") for f in request.FILES.values())
        return False

    def refuse(self, request):
        from django.shortcuts import render
        from django.urls import Resolver404, resolve

        with translation.override(requested_language(request)):
            message = _("The request contains characters that are not allowed.")
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            responder = getattr(match.func, "bad_input_response", None) if match else None
            if responder is not None:
                return responder(request, str(message), **match.kwargs)
            return render(request, "400.html", {"message": message}, status=400)


class ProtectedDeleteMiddleware:
    """A delete that the database's PROTECT/RESTRICT keys refuse is a translated message,
    not a 500, on every staff screen.

    Wagtail's delete views only know about references in its own reference index; ledger
    transactions, requests and memberships that point at a reward, a rule, a service type
    or an area are not in it, so `Model.delete()` raises `ProtectedError`.  The delete ran
    in a transaction, so nothing changed; the staff member is sent back to where they were.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db.models import ProtectedError, RestrictedError

        from .inputs import safe_next

        if not isinstance(exception, ProtectedError | RestrictedError):
            return None
        messages.error(
            request,
            _(
                "This cannot be deleted: other records still refer to it. "
                "Switch it off instead, or remove what refers to it first."
            ),
        )
        return redirect(safe_next(request, request.META.get("HTTP_REFERER"), default="/admin/"))


# --- The signed-in user, from the cache -------------------------------------------------
#
# Every signed-in request loaded its user row: on SQLite a fresh connection per request,
# which parses the schema before the first query (about as much as the rest of a cached
# page).  The row is kept in the cache for USER_CACHE_SECONDS and dropped whenever the
# user is saved or deleted (portal.signals); the session is verified against the cached
# row's session hash exactly as Django verifies it against a fresh row, and anything
# unusual (another hash, an inactive account) takes Django's own path through the
# database.  The cached row holds no password hash.

USER_CACHE_SECONDS = 300


def user_cache_key(pk) -> str:
    # "2": (row, session hash) pairs; a deploy must not read the rows cached before.
    return f"portal:user2:{pk}"


def cached_user(request):
    from django.contrib import auth
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
    from django.core.cache import cache
    from django.utils.crypto import constant_time_compare

    try:
        pk = auth._get_user_session_key(request)
        backend = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)  # anonymous: no query either way
    key = user_cache_key(pk)
    entry = cache.get(key)
    if entry is not None and backend in settings.AUTHENTICATION_BACKENDS:
        user, auth_hash = entry
        session_hash = request.session.get(HASH_SESSION_KEY)
        if user.is_active and session_hash and constant_time_compare(session_hash, auth_hash):
            user.backend = backend
            return user
    user = auth.get_user(request)
    if user.is_authenticated:
        fresh = copy.copy(user)
        fresh.__dict__.pop("backend", None)
        # The password hash stays in the database: the cache keeps the session hash made
        # from it (what every session holds anyway), and a caller that reads the password
        # (a password change, `has_usable_password`) loads the deferred field.
        fresh.__dict__.pop("password", None)
        cache.set(key, (fresh, user.get_session_auth_hash()), USER_CACHE_SECONDS)
    return user


def forget_cached_user(pk) -> None:
    """Drop a user's cached row now and again once the write commits (a request in
    between may have cached the old one)."""
    from django.core.cache import cache
    from django.db import transaction

    cache.delete(user_cache_key(pk))
    transaction.on_commit(lambda: cache.delete(user_cache_key(pk)))


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """django.contrib.auth's middleware, reading the user through `cached_user`."""

    def process_request(self, request):
        super().process_request(request)

        def load():
            if not hasattr(request, "_cached_user"):
                request._cached_user = cached_user(request)
            return request._cached_user

        request.user = SimpleLazyObject(load)
