"""Mainland mobile numbers, as residents type them: `139 1234 5678`, `+86 139…`, `0086…`.

One reading for sign-up, sign-in, adding a number and sending texts: Google's
libphonenumber (`phonenumbers`) decides whether the number is a valid mainland China
*mobile* number; a landline, a foreign number or nonsense is refused with a message
that says which, in the reader's language.  Numbers are kept as their 11 national
digits (`13912345678`), the form `User.phone` and `portal.sms` already use.
"""

from __future__ import annotations

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}

MESSAGES = {
    "invalid": _("Enter an 11-digit mainland mobile number, for example 13812345678."),
    "landline": _(
        "This looks like a landline number. Text messages reach mobile phones only: "
        "enter an 11-digit mainland mobile number."
    ),
    "foreign": _(
        "Only mainland China mobile numbers can receive our text messages. Enter an "
        "11-digit number starting with 1, for example 13812345678."
    ),
}


def mainland_mobile(raw: str | None) -> str:
    """The 11 national digits of a mainland mobile number, or a ValidationError saying
    why not (code "invalid", "landline" or "foreign")."""
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationError(MESSAGES["invalid"], code="invalid")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(MESSAGES["invalid"], code="invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(MESSAGES["invalid"], code="invalid")
    if phonenumbers.region_code_for_number(number) != "CN":
        raise ValidationError(MESSAGES["foreign"], code="foreign")
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise ValidationError(MESSAGES["landline"], code="landline")
    return str(number.national_number)


def normalise_or_none(raw: str | None) -> str | None:
    try:
        return mainland_mobile(raw)
    except ValidationError:
        return None


def masked(number: str) -> str:
    """`139****5678`: how a number is shown back on pages and in messages."""
    return f"{number[:3]}****{number[-4:]}" if len(number) == 11 else number


class MobileField(forms.CharField):
    """The mobile-number input of every account form (allauth's `phone_form_field`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "help_text", _("An 11-digit mainland mobile number; we text a 6-digit code to it.")
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return mainland_mobile(value)
