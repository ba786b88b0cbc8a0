"""Resolve the Wagtail Site of a request from the cache.

Wagtail looks the site up with a query it compiles afresh on every request (several
milliseconds); sites change almost never.  We keep (host, port) → Site in the cache and
hand it to Wagtail through its own per-request slot, `request._wagtail_site`.
"""

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Site

from portal.pagecache import content_version

# Paths that never render a Wagtail page or its site settings.
SKIP = ("/admin/", "/healthz", "/static/", "/media/")


class SiteCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(SKIP):
            hostname = split_domain_port(request._get_raw_host())[0]
            key = f"site:{content_version()}:{hostname}:{request.get_port()}"
            site = cache.get(key)
            if site is None:
                site = Site._find_for_request(request)
                if site is not None:
                    cache.set(key, site, 3600)
            request._wagtail_site = site
        return self.get_response(request)
