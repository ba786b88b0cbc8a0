"""Residents' text, one way for every app: stored as typed, escaped on output.

A resident who writes "室温<10度" or "温度<a很低" means exactly that, so nothing that looks
like markup is removed on input: Django's autoescaping (and the exports' own escaping)
makes it safe where it is shown.  What is removed is what no person types on purpose:
control characters (NUL included), a byte-order mark, and the whitespace around the text.
Line breaks are kept and normalised to "\\n".

A text that shows nothing once its markup is taken away ("<b></b>") counts as empty:
the form asks for the matter again rather than storing an invisible one.
"""

from __future__ import annotations

import html
import re
import unicodedata

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 controls except tab and line feed, plus the BOM and the line/paragraph
# separators that some phone keyboards emit.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029]")

EMPTY_MESSAGE = _("Please write something here.")
TOO_LONG_MESSAGE = _("Please keep it under %(limit)s characters (you wrote %(n)s).")


def visible_text(text: str) -> str:
    """What a reader would see of `text` if it were rendered as HTML (for emptiness only)."""
    return html.unescape(nh3.clean(text, tags=set(), attributes={})).strip()


def clean_text(
    text: str | None,
    *,
    field: str | None = None,
    limit: int | None = None,
    required: bool = False,
    empty_message=None,
) -> str:
    """`text` as the resident typed it, without control characters and outer whitespace.

    `required` refuses a text that shows nothing; `limit` refuses (never truncates) a longer
    one.  Refusals are `ValidationError`s keyed by `field` when given, so a form shows them
    beside the field.
    """
    cleaned = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    cleaned = unicodedata.normalize("NFC", _CONTROLS.sub("", cleaned)).strip()
    if required and not visible_text(cleaned):
        _refuse(field, empty_message or EMPTY_MESSAGE, "empty")
    if limit is not None and len(cleaned) > limit:
        _refuse(field, TOO_LONG_MESSAGE % {"limit": limit, "n": len(cleaned)}, "too_long")
    return cleaned


def _refuse(field: str | None, message, code: str):
    if field:
        raise ValidationError({field: message}, code=code)
    raise ValidationError(message, code=code)
