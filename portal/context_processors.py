from django.conf import settings


def portal(request):
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "LANGUAGES": settings.LANGUAGES,
    }
