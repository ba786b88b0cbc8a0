"""`{{ number|masked_phone }}`: a mobile number as pages and messages show it (139****5678),
so a number on a shared or borrowed screen is not read off by whoever stands behind."""

from django import template

from portal.phones import masked

register = template.Library()


@register.filter
def masked_phone(value) -> str:
    return masked(str(value or ""))
