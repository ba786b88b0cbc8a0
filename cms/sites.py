"""The Wagtail Site of a request, from the cache.

Wagtail finds a request's site with a query it compiles afresh on every request
(`Site.find_for_request`: an annotated CASE over hostname, port and the default flag,
about a millisecond — a fifth of a signed-in community page).  Sites change almost
never, and saving or deleting one bumps the content version (`cms.signals`), so the
site found for (host, port) is kept in the cache under that version.

Only public API is called: `request.get_host()` / `get_port()`, and
`Site.find_for_request` on a miss.  A hit is handed to Wagtail through the per-request
slot that `Site.find_for_request` documents as its cache ("The site will be cached via
request._wagtail_site"), which is what Wagtail itself reads back on the next call.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from wagtail.models import Site

from portal.pagecache import content_version

# Paths that never render a Wagtail page or its site settings.
SKIP = ("/admin/", "/healthz", "/static/", "/media/")
SECONDS = 3600


def site_for(request) -> Site | None:
    """`Site.find_for_request(request)`, answered from the cache when it can be."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # Django refuses the request itself; nothing to cache.
    key = f"site:{content_version()}:{host}:{request.get_port()}"
    site = cache.get(key)
    if site is None:
        site = Site.find_for_request(request)
        if site is not None:
            cache.set(key, site, SECONDS)
    else:
        request._wagtail_site = site  # the slot Site.find_for_request reads first
    return site


class SiteCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SKIP):
            site_for(request)
        return self.get_response(request)
