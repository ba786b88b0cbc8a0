from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import get_language

from .forms import LanguageSwitchForm, SiteSearchForm
from .pagecache import content_version


def portal(request):
    return {
        "elder_mode": getattr(request, "elder_mode", False),
        "text_size": getattr(request, "text_size", "standard"),
        "elder_class": elder_class(request),
        "LANGUAGES": settings.LANGUAGES,
        # Key for fragment caches of public content; bumped on every publish.
        "content_version": SimpleLazyObject(content_version),
        # ` lang="zh-Hans"` on residents' and committees' text (written in 简体中文) when
        # the page itself is in another language, so screen readers read it as Chinese.
        "content_lang": SimpleLazyObject(content_lang),
        "language_form": SimpleLazyObject(language_form),
        "site_search_form": SimpleLazyObject(SiteSearchForm),
    }


def elder_class(request) -> str:
    """The <html> class of the elder view: `elder`, plus its type step when not standard."""
    size = getattr(request, "text_size", "standard")
    return "elder" if size == "standard" else f"elder text-{size}"


def language_form():
    return LanguageSwitchForm(initial={"language": get_language() or settings.LANGUAGE_CODE})


def content_lang():
    if (get_language() or "zh-hans").lower() == "zh-hans":
        return ""
    return format_html(' lang="{}"', "zh-Hans")
