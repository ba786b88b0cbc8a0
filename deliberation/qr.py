"""QR codes as inline SVG (no image files, no external service)."""

import qrcode
import qrcode.image.svg


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # Scale with the page rather than a fixed size in millimetres.  The template names the
    # code on its wrapper (role="img" + aria-label); the drawing itself is hidden.
    return (
        svg.replace('width="', 'data-w="', 1)
        .replace('height="', 'data-h="', 1)
        .replace("<svg ", '<svg aria-hidden="true" focusable="false" class="qr" ', 1)
    )
