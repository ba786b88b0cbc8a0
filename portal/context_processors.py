from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .pagecache import content_version


def portal(request):
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "LANGUAGES": settings.LANGUAGES,
        # Key for fragment caches of public content; bumped on every publish.
        "content_version": SimpleLazyObject(content_version),
    }
