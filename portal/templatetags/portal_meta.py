"""Tags for the <head>: absolute addresses for Open Graph (link previews need them)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute(context, url: str = "") -> str:
    """`url` (a path, or already absolute) as an absolute address; the current page's
    address without its query string when `url` is empty."""
    request = context.get("request")
    if request is None:
        return url
    return request.build_absolute_uri(url or request.path)


@register.filter
def plain(value, length: int = 160) -> str:
    """Text for a meta tag: tags stripped, entities decoded (the template escapes it once
    more), whitespace collapsed, at most `length` characters."""
    import html

    from django.utils.html import strip_tags
    from django.utils.text import Truncator

    text = " ".join(html.unescape(strip_tags(str(value or ""))).split())
    return Truncator(text).chars(int(length))


@register.filter(is_safe=True)
def squash(value) -> str:
    """Whitespace collapsed to single spaces and trimmed: lets a block that fills an
    attribute (the meta description) be written on several lines of a template."""
    return " ".join(str(value).split())
