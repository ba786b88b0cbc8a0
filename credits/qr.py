"""Inline SVG QR codes for pickup codes (no image files, no external service)."""

import qrcode
import qrcode.image.svg


def svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    text = image.to_string(encoding="unicode")
    # Drop the XML declaration so the markup can sit inside HTML.
    return text.split("?>", 1)[-1].strip() if text.startswith("<?xml") else text
