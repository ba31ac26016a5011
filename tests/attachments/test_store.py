"""attachment_store: what is kept, what is refused, and that a refusal leaves nothing behind."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.attachments.conftest import (
    PDF_BYTES,
    garbage_bytes,
    gif_bytes,
    jpeg_bytes,
    png_bomb_bytes,
    png_bytes,
    webp_bytes,
)
from wangge.attachments.images import ImageRefused
from wangge.attachments.models import Attachment
from wangge.attachments.services import PayloadTooLarge, attachment_store
from wangge.core.api import ServiceError

pytestmark = pytest.mark.django_db


def stored_image(attachment: Attachment, *, thumb: bool = False) -> Image.Image:
    name = attachment.thumb_name if thumb else attachment.storage_name
    with default_storage.open(name, "rb") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.load()
    return img


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_jpeg_with_gps_is_stored_without_any_metadata(resident):
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_bytes(gps=True), "image/jpeg")
    source = Image.open(io.BytesIO(jpeg_bytes(gps=True)))
    assert source.getexif().get_ifd(0x8825), "the fixture must carry GPS"

    attachment = attachment_store(actor=resident, upload=upload)

    img = stored_image(attachment)
    assert img.format == "JPEG"
    assert len(img.getexif()) == 0
    for key in ("exif", "xmp", "icc_profile", "comment"):
        assert key not in img.info, key
    with default_storage.open(attachment.storage_name, "rb") as fh:
        raw = fh.read()
    for marker in (b"Exif\x00", b"TestPhone", b"home address", b"taken at home", b"ICC_PROFILE"):
        assert marker not in raw
    assert attachment.content_type == "image/jpeg"
    assert (attachment.width, attachment.height) == img.size == (800, 600)
    assert attachment.uploaded_by == resident
    assert attachment.original_name == "IMG_0001.jpg"
    assert attachment.original_format == "JPEG"
    assert len(attachment.sha256) == 64 and attachment.sha256 != attachment.original_sha256
    assert attachment.size == len(raw)
    assert not attachment.is_linked


def test_exif_orientation_is_applied_to_the_pixels(resident):
    # Orientation 6: the camera was turned; viewers rotate 90° clockwise.
    attachment = attachment_store(
        actor=resident, upload=jpeg_bytes((800, 600), orientation=6), filename="turned.jpg"
    )
    img = stored_image(attachment)
    assert img.size == (600, 800)
    assert (attachment.width, attachment.height) == (600, 800)
    assert len(img.getexif()) == 0


def test_large_photo_is_scaled_to_the_longest_side_cap(resident, settings):
    settings.WANGGE_UPLOAD_MAX_SIDE = 1000
    attachment = attachment_store(actor=resident, upload=jpeg_bytes((4000, 3000)), filename="a.jpg")
    assert (attachment.width, attachment.height) == (1000, 750)
    thumb = stored_image(attachment, thumb=True)
    assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_opaque_png_becomes_jpeg_and_loses_its_text(resident):
    attachment = attachment_store(actor=resident, upload=png_bytes(), filename="screen.png")
    img = stored_image(attachment)
    assert img.format == "JPEG" and attachment.content_type == "image/jpeg"
    assert attachment.original_format == "PNG"
    assert "Comment" not in img.info


def test_transparent_png_stays_png(resident):
    attachment = attachment_store(
        actor=resident, upload=png_bytes(transparent=True), filename="sketch.png"
    )
    img = stored_image(attachment)
    assert img.format == "PNG" and img.mode == "RGBA"
    assert attachment.content_type == "image/png"
    assert "Comment" not in img.info and "icc_profile" not in img.info
    assert stored_image(attachment, thumb=True).format == "JPEG"


def test_webp_is_stored_as_jpeg(resident):
    attachment = attachment_store(actor=None, upload=webp_bytes(), filename="x.webp")
    assert stored_image(attachment).format == "JPEG"
    assert attachment.original_format == "WEBP"
    assert attachment.uploaded_by is None


def test_file_name_is_sanitised(resident):
    attachment = attachment_store(
        actor=resident, upload=jpeg_bytes((50, 40)), filename="../../etc/小区 门口\x00.jpg"
    )
    assert attachment.original_name == "小区_门口.jpg"


@pytest.mark.parametrize(
    ("payload", "name", "code", "words"),
    [
        (PDF_BYTES, "photo.jpg", "unsupported_type", "PDF"),
        (garbage_bytes(), "photo.jpg", "unsupported_type", "无法识别"),
        (gif_bytes(), "anim.jpg", "unsupported_type", "GIF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.png", "unsupported_type", "SVG"),
        (b"PK\x03\x04" + b"\x00" * 100, "x.jpg", "unsupported_type", "ZIP"),
        (png_bomb_bytes(), "bomb.png", "too_many_pixels", "过大"),
        (jpeg_bytes()[:1500], "cut.jpg", "corrupt", "损坏"),
    ],
)
def test_refusals_say_why_and_leave_nothing(resident, settings, payload, name, code, words):
    with pytest.raises(ImageRefused) as err:
        attachment_store(actor=resident, upload=SimpleUploadedFile(name, payload))
    assert err.value.code == code
    assert words in err.value.message
    assert "只接受 JPEG、PNG 或 WebP 图片" in err.value.message or code != "unsupported_type"
    assert Attachment.objects.count() == 0
    assert media_files(settings) == []


def test_pixel_cap_is_checked_from_the_header(resident, settings):
    settings.WANGGE_UPLOAD_MAX_PIXELS = 1_000_000
    with pytest.raises(ImageRefused) as err:
        attachment_store(actor=resident, upload=png_bytes((1200, 1000)), filename="big.png")
    assert err.value.code == "too_many_pixels"
    assert "1200×1000" in err.value.message


def test_empty_file_is_refused(resident):
    with pytest.raises(ServiceError, match="空"):
        attachment_store(actor=resident, upload=SimpleUploadedFile("a.jpg", b""))


def test_size_cap_for_uploads_and_channel_bytes(resident, settings):
    settings.WANGGE_UPLOAD_MAX_BYTES = 50_000
    big = jpeg_bytes((100, 100)) + b"\x00" * 60_000
    with pytest.raises(PayloadTooLarge, match="图片超过 48 KB 上限"):
        attachment_store(actor=resident, upload=big, filename="big.jpg")
    with pytest.raises(PayloadTooLarge) as err:
        attachment_store(actor=resident, upload=SimpleUploadedFile("big.jpg", big))
    assert err.value.status_code == 413
    assert Attachment.objects.count() == 0


def test_size_message_names_the_limit(resident):
    with pytest.raises(PayloadTooLarge) as err:
        attachment_store(actor=resident, upload=b"\xff" * (10 * 1024 * 1024 + 1), filename="x")
    assert err.value.message == "图片超过 10 MB 上限"


def test_unknown_purpose_is_refused(resident):
    with pytest.raises(ServiceError, match="用途"):
        attachment_store(actor=resident, upload=jpeg_bytes(), filename="a.jpg", purpose="avatar")
    assert Attachment.objects.count() == 0


def test_purposes_are_kept(worker_a):
    attachment = attachment_store(
        actor=worker_a, upload=jpeg_bytes((64, 48)), filename="after.jpg", purpose="after"
    )
    assert attachment.purpose == Attachment.Purpose.AFTER


def _encode(img: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


@pytest.mark.parametrize(
    ("payload", "stored_type", "stored_mode"),
    [
        # Multi-picture JPEG as phones write it (portrait mode): the first frame is kept.
        (
            _encode(
                Image.new("RGB", (60, 40), (10, 20, 30)),
                "MPO",
                save_all=True,
                append_images=[Image.new("RGB", (60, 40), (200, 200, 200))],
            ),
            "image/jpeg",
            "RGB",
        ),
        (_encode(Image.new("CMYK", (60, 40), (0, 128, 255, 0)), "JPEG"), "image/jpeg", "RGB"),
        (_encode(Image.new("L", (60, 40), 90), "PNG"), "image/jpeg", "L"),
        (_encode(Image.new("I;16", (60, 40), 3000), "PNG"), "image/jpeg", "RGB"),
        (_encode(Image.new("LA", (60, 40), (90, 40)), "PNG"), "image/png", "RGBA"),
        (_encode(Image.new("RGBA", (60, 40), (1, 2, 3, 100)), "WEBP"), "image/png", "RGBA"),
    ],
    ids=["mpo", "cmyk-jpeg", "grey-png", "16bit-png", "grey-alpha-png", "webp-alpha"],
)
def test_odd_but_valid_pictures_are_kept(resident, payload, stored_type, stored_mode):
    attachment = attachment_store(actor=resident, upload=payload, filename="x")
    assert attachment.content_type == stored_type
    img = stored_image(attachment)
    assert img.mode == stored_mode and img.size == (60, 40)


def test_iphone_heic_gets_a_hint(resident):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    with pytest.raises(ImageRefused) as err:
        attachment_store(actor=resident, upload=heic, filename="IMG_0001.HEIC")
    assert "HEIC 图片" in err.value.message and "兼容性最佳" in err.value.message
