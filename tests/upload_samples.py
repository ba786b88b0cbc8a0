"""Hostile and ordinary image uploads shared by the upload tests."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

SCRIPT = b"<script>fetch('/credits/fulfil/',{method:'POST'})</script>"


def gif_with_script(name: str = "photo.html") -> SimpleUploadedFile:
    """A valid GIF with a script appended: it decodes fine and sniffs as HTML."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buf, "GIF")
    return SimpleUploadedFile(name, buf.getvalue() + SCRIPT, content_type="text/html")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bomb(width: int = 20000, height: int = 20000) -> SimpleUploadedFile:
    """A real 1-bit PNG of 20000×20000 pixels in about 48 KB (decodes to 400 M pixels)."""
    z = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    data = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    body = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("bomb.png", body, content_type="image/png")


def svg(name: str = "logo.svg") -> SimpleUploadedFile:
    body = (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
    )
    return SimpleUploadedFile(name, body, content_type="image/svg+xml")


def jpeg_with_gps(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    """30×10 pixels, EXIF orientation 6 (rotate 90° to show upright), GPS in 青岛."""
    im = Image.new("RGB", (30, 10), (250, 10, 10))
    exif = im.getexif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (36.0, 4.0, 0.0), "E", (120.0, 23.0, 0.0)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def png(name: str = "p.png", size=(8, 8), mode: str = "RGB") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def stored_bytes(field_file) -> bytes:
    field_file.open("rb")
    try:
        return field_file.read()
    finally:
        field_file.close()
