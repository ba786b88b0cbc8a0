"""Response headers every page carries: Content-Security-Policy, Permissions-Policy, and
the Secure flag on every cookie in production.

- `PortalCSPMiddleware` is django-csp's middleware (policy: CONTENT_SECURITY_POLICY in
  settings) with one difference: under PORTAL_CSP_ADMIN_PREFIXES (the Wagtail admin) the
  directives in PORTAL_CSP_ADMIN replace the site's.  Wagtail 7.4's admin writes inline
  `<script>` elements (InlinePanel, date/time widgets, chooser modals) and inline styles
  (its React editors) without nonces, so the admin allows 'unsafe-inline' for scripts and
  styles; every other directive (object-src, base-uri, form-action, connect-src...) stays
  as strict as the public site's.  The public site has no inline script, style or event
  handler at all.  The map tile hosts (`MAP_TILES`, portal/maps.py) join img-src.
- `SecurityHeadersMiddleware` writes Permissions-Policy from PERMISSIONS_POLICY (a view
  widens it for its own response with `@permissions_policy({...})`), and when
  PORTAL_COOKIE_SECURE is on marks every cookie Secure, whoever set it (our views, Django,
  allauth, Wagtail), and SameSite=Lax where it says nothing.
"""

from __future__ import annotations

from functools import wraps

from csp.constants import SELF
from csp.middleware import CSPMiddleware
from django.conf import settings

from .maps import tile_origins

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        prefixes = tuple(getattr(settings, "PORTAL_CSP_ADMIN_PREFIXES", ()))
        if not report_only and prefixes and request.path_info.startswith(prefixes):
            parts.replace = {**settings.PORTAL_CSP_ADMIN, **(parts.replace or {})}
        elif getattr(request, "is_preview", False):
            # Wagtail renders a preview through a dummy request for the page's public URL,
            # and the editor shows it in a frame: the public policy, framed by the admin.
            parts.replace = {"frame-ancestors": [SELF], **(parts.replace or {})}
        tiles = tile_origins()
        if tiles:  # the map tile hosts (MAP_TILES), on the public site and the admin alike
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), *tiles]
            parts.update = update
        return parts


def _allowlist(origins) -> str:
    items = []
    for origin in origins:
        if origin in ("self", "*", "src"):
            items.append(origin)
        else:
            items.append(f'"{origin}"')
    return "(" + " ".join(items) + ")" if items != ["*"] else "*"


def permissions_policy_value(extra: dict | None = None) -> str:
    features = {**getattr(settings, "PERMISSIONS_POLICY", {}), **(extra or {})}
    return ", ".join(f"{name}={_allowlist(origins)}" for name, origins in features.items())


def permissions_policy(features: dict):
    """Widen (or narrow) Permissions-Policy for one view's response, e.g.
    `@permissions_policy({"camera": ["self"]})` for the check-in desk's QR scanner."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response._permissions_policy = {
                **getattr(response, "_permissions_policy", {}),
                **features,
            }
            return response

        return wrapped

    return decorator


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if PERMISSIONS_POLICY_HEADER not in response:
            value = permissions_policy_value(getattr(response, "_permissions_policy", None))
            if value:
                response[PERMISSIONS_POLICY_HEADER] = value
        if getattr(settings, "PORTAL_COOKIE_SECURE", False):
            for morsel in response.cookies.values():
                morsel["secure"] = True
        for morsel in response.cookies.values():
            if not morsel["samesite"]:
                morsel["samesite"] = "Lax"
        return response
