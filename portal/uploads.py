"""Every image a user uploads passes through here before it is stored.

`clean_image(upload)` decodes the upload with Pillow and returns a new `CleanImage`
(a `ContentFile`) holding a fresh re-encoding of its pixels, under a random name whose
extension comes from the format we wrote. The client's bytes, file name, extension,
metadata (EXIF, GPS, XMP, ICC, text chunks) and anything appended after the image data
(a script behind a GIF) are never stored, so nothing the client sent can be served back
as HTML or leak where a photo was taken.

Refusals are `ValidationError`s with a translated message and a stable code:

- ``image_too_large``: more bytes than ``PORTAL_MAX_IMAGE_BYTES``;
- ``not_an_image``: not a JPEG, PNG, GIF or WebP Pillow can decode (SVG, BMP, PDF, HTML,
  truncated or corrupt files);
- ``image_pixels``: the declared size exceeds ``PORTAL_MAX_IMAGE_PIXELS``. The declared
  size is read from the header and checked before a single pixel is decoded, so a 48 KB
  PNG declaring 20000×20000 pixels costs nothing.
"""

from __future__ import annotations

import io
import secrets
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

# Pillow's own names for the formats we accept; nothing else is even tried.
ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
DEFAULT_MAX_PIXELS = 40_000_000
JPEG_QUALITY = 85


class CleanImage(ContentFile):
    """Bytes this module encoded itself; `clean_image` passes it through unchanged."""

    content_type = "image/jpeg"


def max_pixels() -> int:
    return int(getattr(settings, "PORTAL_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF."),
        code="not_an_image",
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels; the limit is %(limit)s million pixels."),
        params={"limit": max_pixels() // 1_000_000},
        code="image_pixels",
    )


def _check_size(size: int) -> None:
    limit = settings.PORTAL_MAX_IMAGE_BYTES
    if size > limit:
        raise ValidationError(
            _("The image is too large (%(size)s MB); the limit is %(limit)s MB."),
            params={"size": round(size / 1048576, 1), "limit": limit // 1048576},
            code="image_too_large",
        )


def _read(upload) -> bytes:
    limit = settings.PORTAL_MAX_IMAGE_BYTES
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if hasattr(upload, "seek"):
        upload.seek(0)
    if isinstance(data, str):
        raise _not_an_image()
    _check_size(len(data))  # whatever `size` claimed
    return data


def _open(data: bytes):
    """Open with Pillow, refusing bombs from the header alone (before decoding)."""
    from PIL import Image

    im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    width, height = im.size
    if width < 1 or height < 1:
        raise _not_an_image()
    if width * height > max_pixels():
        raise _too_many_pixels()
    return im


def _has_alpha(im) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _decode(data: bytes):
    """Verify, then fully decode the first frame, upright; returns a metadata-free image."""
    from PIL import Image, ImageOps

    with _open(data) as im:
        im.verify()
    with _open(data) as im:
        im.seek(0)
        im.load()
        keep_alpha = _has_alpha(im)
        lossless = im.format in ("PNG", "GIF")
        upright = ImageOps.exif_transpose(im) or im
        pixels = upright.convert("RGBA" if keep_alpha else "RGB")
    # A brand-new image carries no `info` (EXIF, XMP, ICC profile, comments, text chunks).
    fresh = Image.new(pixels.mode, pixels.size)
    fresh.paste(pixels)
    return fresh, lossless or keep_alpha


def clean_image(upload) -> CleanImage:
    """Decode `upload` and return a fresh re-encoded image file with a random name.

    Raises ValidationError (translated, with a code) for anything we will not store.
    An already clean image (a `CleanImage`) is returned as it is.
    """
    from PIL import Image

    if isinstance(upload, CleanImage):
        return upload
    _check_size(getattr(upload, "size", None) or 0)
    data = _read(upload)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image, as_png = _decode(data)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, MemoryError):
        # UnidentifiedImageError is an OSError; truncated data, bad chunks, broken
        # palettes and unsupported modes surface as one of the others.
        raise _not_an_image() from None
    out = io.BytesIO()
    if as_png:
        image.save(out, format="PNG", optimize=False)
        ext, content_type = "png", "image/png"
    else:
        image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        ext, content_type = "jpg", "image/jpeg"
    clean = CleanImage(out.getvalue(), name=f"{secrets.token_hex(16)}.{ext}")
    clean.content_type = content_type
    return clean


def clean_images(uploads) -> list[CleanImage]:
    return [clean_image(u) for u in uploads or ()]


# --- serving -----------------------------------------------------------------------

INLINE_MEDIA_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def media_headers(response):
    """Headers every media response carries (and a production proxy must set too):
    never sniffed, never scripted, anything but an image downloaded, not displayed."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cross-Origin-Resource-Policy"] = "same-site"
    content_type = (response.get("Content-Type") or "").split(";")[0].strip().lower()
    if response.status_code == 200 and content_type not in INLINE_MEDIA_TYPES:
        response["Content-Disposition"] = "attachment"
    return response


def serve_media(request, path, document_root=None):
    """`django.views.static.serve` for MEDIA_URL under DEBUG, with `media_headers`."""
    from django.views.static import serve

    return media_headers(serve(request, path, document_root=document_root))
