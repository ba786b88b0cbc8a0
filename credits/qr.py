"""Inline SVG QR codes for pickup codes (no image files, no external service)."""

import qrcode
import qrcode.image.svg


def svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    text = image.to_string(encoding="unicode")
    # Drop the XML declaration so the markup can sit inside HTML.
    return text.split("?>", 1)[-1].strip() if text.startswith("<?xml") else text


def data_uri(data: str) -> str:
    """The QR code as an `<img src>` value (CSP allows data: images), so it can carry alt."""
    import base64

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()
