"""The installable web app: its manifest, its service worker and the page it shows offline.

- `/manifest.webmanifest`: name, language, colours and icons (a maskable one for Android's
  round and squircle masks), and a shortcut to the report form.
- `/sw.js`: served from the site's root so its scope is the whole site (no
  Service-Worker-Allowed header needed).  It is a template: the shell it keeps (the offline
  page and the static files every page loads) is written into it with their URLs, which
  carry a content hash in production (ManifestStaticFilesStorage), and a version made of
  those URLs and the files' bytes.  A deploy that changes any of them changes the script,
  so browsers install the new worker and it drops the old caches.  The worker never stores
  a page (pages may be personal) nor anything but a GET: pages go to the network, and only
  when it fails does the offline page answer.
- `/offline/`: the page the worker shows for a page it cannot fetch.  The same for every
  visitor (the worker fetches it without cookies), so it holds nothing personal: it counts
  the drafts waiting on this device (portal/static/portal/offline.js) and says where to
  send them.

The CSP needs nothing more: worker-src and manifest-src fall back to 'self'.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

THEME_COLOUR = "#b3261e"  # --color-brand in tokens.css
BACKGROUND_COLOUR = "#faf7f2"  # --color-bg
# What every page loads, kept by the worker when it installs.
SHELL_STATIC = (
    "portal/tokens.css",
    "portal/components.css",
    "portal/site.js",
    "portal/pwa.js",
    "portal/offline.js",
    "portal/icons/icon-192.png",
    "portal/icons/favicon.ico",
)
# BCP 47 for the manifest's `lang` (Django's codes are lower case).
BCP47 = {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant", "en": "en"}


@require_safe
@cache_control(max_age=3600, public=True)
def manifest(request):
    def icon(name, size, purpose="any"):
        return {
            "src": static(f"portal/icons/{name}"),
            "sizes": size,
            "type": "image/png",
            "purpose": purpose,
        }

    data = {
        "id": "/",
        "name": _("Community Hall"),
        "short_name": _("Community Hall"),
        "description": _(
            "Neighbours raise and discuss local topics, earn moral-bank coins by "
            "volunteering, and report problems and follow them to a reply."
        ),
        "lang": BCP47.get((translation.get_language() or "").lower(), "zh-Hans"),
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": BACKGROUND_COLOUR,
        "theme_color": THEME_COLOUR,
        "icons": [
            icon("icon-192.png", "192x192"),
            icon("icon-512.png", "512x512"),
            icon("icon-maskable-512.png", "512x512", "maskable"),
        ],
        "shortcuts": [
            {
                "name": _("Report a matter"),
                "url": reverse("triage:new"),
                "icons": [icon("icon-192.png", "192x192")],
            }
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )


def _file_bytes(name: str) -> bytes:
    path = finders.find(name)
    if path:
        with open(path, "rb") as f:
            return f.read()
    if staticfiles_storage.exists(name):  # collected, with no app folder to find it in
        with staticfiles_storage.open(name) as f:
            return f.read()
    return b""


def _worker_config() -> dict:
    shell_static = [static(name) for name in SHELL_STATIC]
    digest = hashlib.sha256()
    for name, url in zip(SHELL_STATIC, shell_static, strict=True):
        digest.update(url.encode() + b"\0" + _file_bytes(name) + b"\0")
    # Versioned URLs (hashed names) never change their bytes: the worker keeps them as
    # they are; plain names are refreshed in the background each time they are used.
    hashed = isinstance(staticfiles_storage, ManifestFilesMixin)
    return {
        "version": digest.hexdigest()[:16],
        "offline": reverse("offline"),
        "shell": [reverse("offline"), *shell_static],
        "static": settings.STATIC_URL,
        "hashed": hashed,
    }


_cached_config = cache(_worker_config)


@require_safe
def service_worker(request):
    config = _worker_config() if settings.DEBUG else _cached_config()
    body = render_to_string("portal/pwa/sw.js", {"config": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on every navigation; never let a cache answer them.
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request):
    return render(request, "portal/pwa/offline.html")
