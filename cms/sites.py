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

from portal.pagecache import content_version, named_versions

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


# --- A page's route, from the cache -----------------------------------------------------
#
# Wagtail finds the page for a path with one query per level below the site's root and
# then reads its view restrictions (two more) on every request: a signed-in community
# page paid five queries before drawing anything.  The route (page, args, kwargs) and the
# restrictions are kept per (site, path) under the content version, which publishing,
# unpublishing, moving or deleting a page and changing a view restriction bump
# (cms.signals), and a community page's area with them (the "areas" version, bumped by
# any change of an area).  Wagtail is handed the route through the per-request slot that
# `Page.route_for_request` documents as its cache (``request._wagtail_route_for_request``).

ROUTE_SECONDS = 600


class Restrictions(list):
    """A page's view restrictions, read once: what the serving hooks ask of the queryset
    (iterating, truth, `exists()`)."""

    def exists(self) -> bool:
        return bool(self)


def serve(request, path):
    """Wagtail's page view (wagtail.views.serve), with the route from the cache."""
    from wagtail import views as wagtail_views
    from wagtail.models import Page

    site = getattr(request, "_wagtail_site", None)
    if request.method in ("GET", "HEAD") and site is not None:
        versions = ".".join(str(v) for v in named_versions("content", "areas"))
        key = f"route:{versions}:{site.pk}:{path}"
        cached = cache.get(key)
        if cached is not None:
            request._wagtail_route_for_request = cached
        else:
            result = Page.route_for_request(request, path)
            if result is not None:
                page = result[0]
                page._cached_view_restrictions = Restrictions(page.get_view_restrictions())
                getattr(page, "area", None)  # a community page's area, read by its context
                cache.set(key, result, ROUTE_SECONDS)
    return wagtail_views.serve(request, path)


def page_urls():
    """Wagtail's front-end URL patterns, its page view replaced by `serve`."""
    from django.urls import re_path
    from wagtail import urls as wagtail_urls

    kept = [p for p in wagtail_urls.urlpatterns if p.name != "wagtail_serve"]
    # The same pattern with its group named, so it reverses with args (Wagtail) or kwargs.
    pattern = wagtail_urls.serve_pattern.replace("^(", "^(?P<path>", 1)
    return [*kept, re_path(pattern, serve, name="wagtail_serve")]
