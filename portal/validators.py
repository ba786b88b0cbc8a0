"""Validators shared by every app: mobile numbers, usernames, uploaded images."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
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

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image_upload(upload) -> None:
    """Reject oversized files and anything Pillow cannot open as a real image.

    Called on every user upload; the content type sent by the browser is not trusted.
    """
    from PIL import Image, UnidentifiedImageError

    limit = settings.PORTAL_MAX_IMAGE_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("The image is too large (%(size)s MB); the limit is %(limit)s MB."),
            params={"size": round(upload.size / 1048576, 1), "limit": limit // 1048576},
            code="image_too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            img.verify()
        upload.seek(0)
        with Image.open(upload) as img:
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF."),
            code="not_an_image",
        ) from None
    finally:
        upload.seek(0)
    if fmt not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Images must be JPEG, PNG, WebP or GIF."), code="image_format")
    if width * height > 40_000_000:
        raise ValidationError(_("The image has too many pixels."), code="image_pixels")
