"""QR codes drawn as SVG by `qrcode`, for every app: no image files, no external service.

`svg()` is markup to place inside a page; `data_uri()` is an `<img src>` value (the CSP
allows data: images), for a code that must carry its own alt text.
"""

import base64

import qrcode
import qrcode.image.svg


def _drawing(data: str, box_size: int) -> qrcode.image.svg.SvgPathImage:
    return qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=2
    )


def svg(data: str, *, box_size: int = 8, scalable: bool = False) -> str:
    """Inline SVG markup.  `scalable`: sized by the page instead of in millimetres and hidden
    from screen readers, for a wrapper that names the code (role="img" + aria-label)."""
    markup = _drawing(data, box_size).to_string(encoding="unicode")
    if not scalable:
        return markup
    return (
        markup.replace('width="', 'data-w="', 1)
        .replace('height="', 'data-h="', 1)
        .replace("<svg ", '<svg aria-hidden="true" focusable="false" class="qr" ', 1)
    )


def data_uri(data: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(_drawing(data, 8).to_string()).decode()
