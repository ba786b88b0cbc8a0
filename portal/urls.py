from django.conf import settings
from django.urls import include, path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.sites import page_urls

from . import mfa, pwa, signup, styleguide, views

portal_patterns = (
    [
        path("", views.dashboard, name="dashboard"),
        path("residency/", views.residency_declare, name="residency"),
        path("committee/residents/", views.residency_queue, name="residency_queue"),
        path("preferences/", views.preferences, name="preferences"),
        path("notifications/", views.notification_list, name="notifications"),
        path("notifications/settings/", views.notification_settings, name="notification_settings"),
    ],
    "portal",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("styleguide/", styleguide.styleguide, name="styleguide"),
    path("me/", include(portal_patterns)),
    # allauth's TOTP activation and recovery codes, wrapped to resume the user's journey
    # (portal.mfa); same paths, matched before allauth's own.
    path("accounts/2fa/totp/activate/", mfa.activate_totp),
    path("accounts/2fa/recovery-codes/", mfa.view_recovery_codes),
    # allauth's views that text a code, wrapped so a provider error makes nothing and
    # says "try again" (portal.signup); same paths, matched before allauth's own.
    # allauth's names, so the hostile-input walk (tests/security) covers these forms too.
    path("accounts/signup/", signup.signup, name="account_signup"),
    path("accounts/login/code/", signup.request_login_code, name="account_request_login_code"),
    path(
        "accounts/login/code/confirm/",
        signup.confirm_login_code,
        name="account_confirm_login_code",
    ),
    path("accounts/phone/verify/", signup.verify_phone, name="account_verify_phone"),
    path("accounts/phone/change/", signup.change_phone, name="account_change_phone"),
    path("accounts/", include("allauth.urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("credits/", include("credits.urls")),
    path("deliberation/", include("deliberation.urls")),
    path("triage/", include("triage.urls")),
    path("api/", include("api.urls")),
    path("", include("cms.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    from .uploads import serve_media

    urlpatterns += static(settings.MEDIA_URL, serve_media, document_root=settings.MEDIA_ROOT)

# Wagtail's pages, their routes read from the cache (cms.sites.serve).
urlpatterns.append(path("", include(page_urls())))

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
