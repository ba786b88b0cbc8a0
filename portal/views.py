from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from . import notifications, permissions, selectors, services
from .dashboard import panels_for
from .forms import (
    NotificationChoicesForm,
    PreferencesForm,
    PrivacyForm,
    ResidencyDecisionForm,
    ResidencyForm,
)
from .inputs import safe_next
from .middleware import ELDER_COOKIE, TEXT_SIZE_COOKIE
from .models import Membership, NotificationOptIn, NotificationOptOut


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the static icon
    (its hashed name in production, so not a permanent redirect)."""
    return redirect(static("portal/icons/favicon.ico"))


def healthz(request):
    """Liveness through the whole middleware stack plus a database round trip."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok"})


@login_required
def dashboard(request):
    residency = selectors.residency_status(request.user)
    can_confirm = permissions.areas_for(request.user, "residency.confirm")
    return render(
        request,
        "portal/dashboard.html",
        {
            "home": residency["home"],
            "residency": residency,
            "panels": panels_for(request),
            "pending_count": selectors.pending_residencies_for(can_confirm).count()
            if can_confirm
            else 0,
        },
    )


@login_required
def residency_declare(request):
    form = ResidencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.residency_declare(
                user=request.user,
                community=form.cleaned_data["community"],
                grid=form.cleaned_data["grid"],
                address=form.cleaned_data["address"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Thank you. Your community committee will confirm your residency.")
            )
            return redirect("portal:dashboard")
    residency = selectors.residency_status(request.user)
    return render(
        request,
        "portal/residency_form.html",
        {"form": form, "home": residency["home"], "residency": residency},
    )


@login_required
def residency_queue(request):
    areas = permissions.areas_for(request.user, "residency.confirm")
    if not areas:
        permissions.require(request.user, "residency.confirm")
    posted = None
    if request.method == "POST":
        form = ResidencyDecisionForm(request.POST)
        refused = None
        if form.is_valid():
            membership = get_object_or_404(Membership, pk=form.cleaned_data["membership"])
            try:
                services.residency_decide(
                    membership=membership,
                    decided_by=request.user,
                    confirm=form.cleaned_data["decision"] == "confirm",
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                refused = " ".join(exc.messages)
            except PermissionDenied as exc:
                refused = str(exc)
        else:
            refused = _("Please check the form.")
        if refused is None:
            messages.success(request, _("Saved."))
            return redirect("portal:residency_queue")
        # The queue again, the refused claim's row bound to what was typed (and its errors).
        messages.error(request, refused)
        posted = request.POST.get("membership", "")
    claims = list(selectors.pending_residencies_for(areas)[:200])
    rows = [
        (
            claim,
            ResidencyDecisionForm.for_claim(
                claim.pk, request.POST if str(claim.pk) == posted else None
            ),
        )
        for claim in claims
    ]
    return render(request, "portal/residency_queue.html", {"claims": claims, "rows": rows})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def preferences(request):
    """The settings page (GET, signed in): privacy, language and elder mode.

    POST of the language / elder-mode / text-size switch (every page's header; the size
    buttons show in elder mode): a cookie for everyone, saved on the account if signed
    in.  Anonymous visitors post it without a CSRF token, so public pages carry no
    per-visitor token and can be cached (portal/pagecache.py); the worst a forged post
    can do to them is change a display preference.  For a signed-in user the account is
    written, so the CSRF check applies in full.  POST with `form=privacy`: the signed-in
    resident's privacy settings.
    """
    if not request.user.is_authenticated and (
        request.method == "GET" or request.POST.get("form") == "privacy"
    ):
        return redirect_to_login(reverse("portal:preferences"))
    if request.method == "GET":
        return _settings_page(request, PrivacyForm(user=request.user))
    if request.user.is_authenticated:
        return _account_preferences(request)
    return _save_preferences(request)


@csrf_protect
def _account_preferences(request):
    """The same POST for a signed-in user, under Django's full CSRF check."""
    return _save_preferences(request)


def _save_preferences(request):
    if request.POST.get("form") == "privacy":
        privacy = PrivacyForm(request.POST, user=request.user)
        if not privacy.is_valid():
            return _settings_page(request, privacy)
        services.privacy_update(
            user=request.user,
            name_style=privacy.cleaned_data["name_style"],
            leaderboard_opt_out=privacy.cleaned_data["leaderboard_opt_out"],
        )
        messages.success(request, _("Your privacy settings are saved."))
        return redirect("portal:preferences")
    form = PreferencesForm(request.POST)
    target = safe_next(request, request.POST.get("next"))
    response = HttpResponseRedirect(target)
    if not form.is_valid():
        return response
    language = form.cleaned_data["language"] or None
    elder = form.cleaned_data["elder_mode"]
    elder_mode = None if elder == "" else elder == "1"
    text_size = form.cleaned_data["text_size"] or None
    # No script reads either cookie: HttpOnly, and Secure in production.
    cookie = {
        "max_age": 365 * 86400,
        "samesite": "Lax",
        "httponly": True,
        "secure": settings.PORTAL_COOKIE_SECURE,
    }
    if language:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, **cookie)
    if elder_mode is not None:
        response.set_cookie(ELDER_COOKIE, "1" if elder_mode else "0", **cookie)
    if text_size:
        response.set_cookie(TEXT_SIZE_COOKIE, text_size, **cookie)
    if request.user.is_authenticated:
        services.preferences_update(
            user=request.user, language=language, elder_mode=elder_mode, text_size=text_size
        )
    return response


def _settings_page(request, privacy, status=200):
    return render(
        request,
        "portal/preferences.html",
        {"privacy": privacy, "preview": request.user.public_name},
        status=status,
    )


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


@login_required
def notification_list(request):
    if request.method == "POST":
        notifications.mark_read(user=request.user)
        return redirect("portal:notifications")
    items = request.user.notifications.all()[:100]
    return render(request, "portal/notifications.html", {"items": items})


@login_required
def notification_settings(request):
    channels = NotificationOptOut.Channel
    categories = list(notifications.CATEGORIES.values())
    # Text messages: a box per category only for a verified mobile number, off unless ticked.
    sms = NotificationOptIn.Channel.SMS
    choices = channels.choices + ([(sms.value, sms.label)] if request.user.phone_verified else [])
    if request.method == "POST":
        form = NotificationChoicesForm(request.POST, categories=categories, channels=choices)
        if form.is_valid():
            # A box that is ticked means "send me this"; everything unticked is switched off.
            on = set(form.cleaned_data["on"])
            off = {
                (c.key, ch)
                for c in categories
                for ch in channels.values
                if f"{c.key}:{ch}" not in on
            }
            texted = {c.key for c in categories if f"{c.key}:{sms.value}" in on}
            notifications.preferences_set(user=request.user, off=off, sms=texted)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("portal:notification_settings")
        messages.error(request, _("Please check the form."))
    off = set(request.user.notification_opt_outs.values_list("category", "channel"))
    texted = set(
        request.user.notification_opt_ins.filter(channel=sms).values_list("category", flat=True)
    )
    rows = [
        NotificationChoicesForm(
            initial={
                "on": [f"{cat.key}:{ch}" for ch in channels.values if (cat.key, ch) not in off]
                + ([f"{cat.key}:{sms.value}"] if cat.key in texted else [])
            },
            categories=[cat],
            channels=choices,
            auto_id=f"n-{cat.key}-%s",  # ids unique per category
        )
        for cat in categories
    ]
    return render(
        request,
        "portal/notification_settings.html",
        {"rows": rows, "phone_verified": request.user.phone_verified},
    )
