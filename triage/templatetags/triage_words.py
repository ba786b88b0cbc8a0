"""Plain words for residents on lists of their own requests."""

from django import template

from ..permissions import UNTRIAGED
from ..workhours import assign_by, in_words

register = template.Library()


@register.simple_tag
def assign_by_words(req) -> str:
    """When a request waiting for triage is due to be assigned, in words; "" otherwise."""
    if getattr(req, "status", None) not in UNTRIAGED:
        return ""
    return in_words(assign_by(req.created_at))
