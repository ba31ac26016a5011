"""Issue 15 item 6: pictures from the public have a lower pixel cap, checked from the header.

A 7000×7000 PNG (49 MP, under the 50 MP staff cap) once took 15 s and +380 MB to decode for an
anonymous report. Real pictures are generated here; the refusal happens before decoding.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from tests.attachments.conftest import jpeg_bytes
from wangge.attachments.images import ImageRefused
from wangge.attachments.models import Attachment
from wangge.attachments.services import attachment_store, upload_limits

pytestmark = pytest.mark.django_db


def big_png(width: int, height: int) -> bytes:
    """A real greyscale picture with structure, so the file stays small but decodes large."""
    img = Image.new("L", (width, height), 200)
    draw = ImageDraw.Draw(img)
    for x in range(0, width, 500):
        draw.line((x, 0, width - x, height), fill=30, width=9)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=False, compress_level=1)
    return out.getvalue()


@pytest.fixture(scope="module")
def png_49mp() -> bytes:
    return big_png(7000, 7000)


def test_anonymous_7000_square_png_is_refused_from_the_header(png_49mp, settings):
    assert settings.WANGGE_UPLOAD_MAX_PIXELS == 50_000_000  # under the general cap
    assert len(png_49mp) < settings.WANGGE_UPLOAD_MAX_BYTES  # and under the size cap
    client = APIClient()
    r = client.post(
        "/api/v1/attachments/",
        {"file": SimpleUploadedFile("wall.png", png_49mp, "image/png")},
        format="multipart",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "too_many_pixels"
    assert "7000×7000" in r.json()["detail"] and "16" in r.json()["detail"]
    assert Attachment.objects.count() == 0


def test_the_refusal_does_not_decode(png_49mp):
    """The same header over pixel data cut short: decoding would call it damaged; the
    refusal is about the size, so nothing was decoded."""
    cut = png_49mp[:4096]
    with pytest.raises(ImageRefused) as err:
        attachment_store(actor=None, upload=cut, filename="wall.png")
    assert err.value.code == "too_many_pixels"


def test_caps_by_who_uploads(resident, worker_a):
    assert upload_limits(None).max_pixels == 16_000_000
    assert upload_limits(resident).max_pixels == 16_000_000  # a resident's own account
    assert upload_limits(worker_a).max_pixels == 50_000_000


def test_staff_keep_the_higher_cap_the_public_get_the_lower(resident, worker_a):
    picture = big_png(5000, 4000)  # 20 MP
    with pytest.raises(ImageRefused) as err:
        attachment_store(actor=resident, upload=picture, filename="a.png")
    assert err.value.code == "too_many_pixels"
    stored = attachment_store(actor=worker_a, upload=picture, filename="a.png")
    assert max(stored.width, stored.height) == 2560


def test_a_full_size_phone_photo_from_the_public_is_kept():
    photo = jpeg_bytes((4000, 4000))  # 16 MP, the cap itself
    stored = attachment_store(actor=None, upload=photo, filename="phone.jpg")
    assert (stored.width, stored.height) == (2560, 2560)


def test_the_public_cap_is_configurable(settings):
    settings.WANGGE_UPLOAD_MAX_PIXELS_PUBLIC = 1_000_000
    with pytest.raises(ImageRefused):
        attachment_store(actor=None, upload=jpeg_bytes((1200, 1000)), filename="a.jpg")
    # Never above the general cap.
    settings.WANGGE_UPLOAD_MAX_PIXELS_PUBLIC = 80_000_000
    assert upload_limits(None).max_pixels == 50_000_000
