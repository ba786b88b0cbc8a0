"""Validators shared by every app: mobile numbers, usernames, uploaded images."""

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")

validate_mobile = RegexValidator(
    MOBILE_RE, _("Enter an 11-digit mainland mobile number, for example 13812345678.")
)

# A username is either a mobile-number-style login or letters, digits, _ . -
username_validators = [
    RegexValidator(
        r"^(1[3-9]\d{9}|[A-Za-z][A-Za-z0-9_.-]{2,29})$",
        _(
            "Use an 11-digit mobile number, or 3–30 letters, digits, '_', '.' or '-' "
            "starting with a letter."
        ),
    )
]


def validate_image_upload(upload) -> None:
    """Refuse anything `portal.uploads.clean_image` would refuse (size, format, pixels).

    A check only: what gets stored must be the `clean_image` re-encoding, never `upload`.
    """
    from .uploads import clean_image

    clean_image(upload)
