"""Rate limit per client address, kept in the default cache (LocMem or Redis alike)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PublicAddressThrottle(SimpleRateThrottle):
    """`PUBLIC_API_RATE` requests per client address (e.g. "120/min").

    The address is REMOTE_ADDR, or the X-Forwarded-For hop that DRF's NUM_PROXIES names
    when the site runs behind that many trusted proxies.  The rate is read on every
    request, so a setting overridden in a test or at runtime takes effect at once.
    """

    scope = "public_api"

    def get_rate(self):
        return getattr(settings, "PUBLIC_API_RATE", "120/min")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
