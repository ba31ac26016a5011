"""Pictures made with Pillow on the spot, and an isolated media directory per test."""

from __future__ import annotations

import io
import random

import pytest
from django.core.cache import cache
from PIL import ExifTags, Image, ImageCms, ImageDraw

from wangge.attachments import access

GPS = {1: "N", 2: (26.0, 5.0, 30.0), 3: "E", 4: (117.0, 10.0, 5.0)}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # throttle counters
    yield
    cache.clear()


def _scene(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A picture with structure (so re-encoding has something to do)."""
    img = Image.new(mode, size, (90, 140, 200, 255)[: len(mode)] if mode != "L" else 128)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle((w // 8, h // 3, w // 2, h - h // 8), fill=(200, 60, 40, 255)[: len(mode)])
    draw.ellipse((w // 2, h // 8, w - w // 8, h // 2), fill=(240, 220, 60, 255)[: len(mode)])
    return img


def jpeg_bytes(
    size: tuple[int, int] = (800, 600), *, gps: bool = False, orientation: int | None = None
) -> bytes:
    img = _scene(size)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Model] = "Model 9"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    img.save(
        out,
        "JPEG",
        quality=92,
        exif=exif,
        icc_profile=icc,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">home address</x:xmpmeta>',
        comment=b"taken at home",
    )
    return out.getvalue()


def png_bytes(size: tuple[int, int] = (640, 480), *, transparent: bool = False) -> bytes:
    img = _scene(size, "RGBA")
    if transparent:
        img.putalpha(Image.linear_gradient("L").resize(size))
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note")
    img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (500, 400)) -> bytes:
    out = io.BytesIO()
    _scene(size).save(out, "WEBP", quality=80)
    return out.getvalue()


def gif_bytes() -> bytes:
    out = io.BytesIO()
    _scene((60, 40)).convert("P").save(out, "GIF")
    return out.getvalue()


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def garbage_bytes(n: int = 4096) -> bytes:
    return random.Random(20261123).randbytes(n)


def png_bomb_bytes(width: int = 100_000, height: int = 100_000) -> bytes:
    """A real 1×1 PNG whose header claims `width`×`height` (with a correct CRC)."""
    import struct
    import zlib

    out = io.BytesIO()
    Image.new("1", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    # Signature (8) + length (4) + b"IHDR" (4): width and height follow.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.fixture
def grid_photos(monkeypatch):
    """Let grids stand in for an owner app: a grid's photos are seen by users whose scope
    covers it (what the cases app will do for a case)."""
    from wangge.accounts.selectors import scope_for_user
    from wangge.grids.models import Grid

    def grid_visible(user, grid_id) -> bool:
        grid = Grid.objects.filter(pk=grid_id).only("path").first()
        return grid is not None and scope_for_user(user).covers_path(grid.path)

    monkeypatch.setitem(access._checks, "grids.grid", grid_visible)
    return grid_visible
