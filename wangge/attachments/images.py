"""Checking and re-encoding uploaded pictures. Pure functions: no database, no storage.

What goes in is untrusted bytes from a phone, a chat bridge or a scanner; what comes out is a
freshly encoded picture that carries nothing but pixels:

- the type is judged by content (Pillow decodes it), never by the file name or the client's
  Content-Type; JPEG, PNG and WebP are accepted, anything else is refused with a message that
  says what the file really is when that can be told;
- the pixel count is checked from the header before anything is decoded (decompression
  bombs), and a file that does not decode completely is refused as damaged;
- EXIF orientation is applied to the pixels, colours are converted to sRGB from an embedded
  ICC profile, and then every metadata block (EXIF with GPS, XMP, ICC, comments, PNG text) is
  left behind by encoding a new file from the pixels alone;
- the longest side is capped (phones send 4000–8000 px; 2560 px is plenty to judge a pothole);
- output is JPEG — every phone, browser, office program and the 12345 system reads it —
  except for pictures with real transparency (mostly screenshots and drawings), which stay
  lossless PNG. WebP input is therefore stored as JPEG too.
"""

from __future__ import annotations

import contextlib
import io
import struct
import warnings
from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from wangge.core.api import ServiceError

ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
# MPO is how Pillow names the multi-picture JPEGs many phones write (portrait mode, Samsung,
# iPhone): a plain JPEG first frame followed by extra frames. It is a JPEG to everyone else.

# Names for what people most often send instead of a photo, by `filetype`'s extension.
KNOWN_KINDS = {
    "pdf": "PDF 文档",
    "zip": "ZIP 压缩包",
    "rar": "RAR 压缩包",
    "7z": "7z 压缩包",
    "gz": "gzip 压缩包",
    "docx": "Word 文档",
    "doc": "Word 文档",
    "xlsx": "Excel 表格",
    "xls": "Excel 表格",
    "pptx": "PowerPoint 文档",
    "exe": "Windows 可执行程序",
    "elf": "可执行程序",
    "mp4": "MP4 视频",
    "mov": "QuickTime 视频",
    "avi": "AVI 视频",
    "3gp": "3GP 视频",
    "mp3": "MP3 音频",
    "amr": "AMR 语音",
    "m4a": "M4A 音频",
    "wav": "WAV 音频",
    "heic": "HEIC 图片",
    "avif": "AVIF 图片",
    "gif": "GIF 图片",
    "bmp": "BMP 图片",
    "tif": "TIFF 图片",
    "ico": "ICO 图标",
    "psd": "Photoshop 文件",
}
PIL_FORMAT_NAMES = {"GIF": "GIF 图片", "BMP": "BMP 图片", "TIFF": "TIFF 图片", "ICO": "ICO 图标"}

# Errors Pillow raises on damaged or truncated data (OSError covers "image file is truncated").
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


@dataclass(frozen=True)
class Limits:
    max_pixels: int = 50_000_000
    max_side: int = 2560
    thumb_side: int = 320
    jpeg_quality: int = 85
    thumb_quality: int = 75


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str  # "image/jpeg" or "image/png"
    width: int
    height: int
    thumb: bytes  # always JPEG
    source_format: str  # "JPEG", "PNG" or "WEBP" as read


class ImageRefused(ServiceError):
    """The upload is not a picture we keep. `code` says why (for clients and tests)."""


def _refuse_type(head: bytes, pil_format: str | None = None) -> ImageRefused:
    what = PIL_FORMAT_NAMES.get(pil_format or "")
    if what is None:
        kind = filetype.guess(head) if head else None
        if kind is not None:
            what = KNOWN_KINDS.get(kind.extension, f"{kind.extension.upper()} 文件")
    if what is None and head.lstrip()[:1] == b"<":
        what = _("网页或 SVG/XML 文本")
    base = _("只接受 JPEG、PNG 或 WebP 图片")
    if what is None:
        return ImageRefused(
            _("%(base)s，无法识别这个文件的内容") % {"base": base}, code="unsupported_type"
        )
    message = _("%(base)s，这个文件实际是%(what)s") % {"base": base, "what": what}
    if what == "HEIC 图片":
        message += _("（苹果手机可在“设置 › 相机 › 格式”中选择“兼容性最佳”）")
    return ImageRefused(message, code="unsupported_type")


def _too_many_pixels(width: int, height: int, limits: Limits) -> ImageRefused:
    return ImageRefused(
        _("图片尺寸过大（%(w)d×%(h)d 像素），最多 %(mp)d 百万像素")
        % {"w": width, "h": height, "mp": limits.max_pixels // 1_000_000},
        code="too_many_pixels",
    )


def _corrupt() -> ImageRefused:
    return ImageRefused(_("图片已损坏或不完整，无法读取，请重新拍摄或选择"), code="corrupt")


def _to_srgb(img: Image.Image) -> Image.Image:
    """Convert to sRGB using the embedded ICC profile, so that dropping it keeps the colours.

    A profile Pillow cannot use (damaged, exotic) is ignored: a slight colour shift is better
    than refusing a resident's photo.
    """
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return img
    out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(
            img,
            ImageCms.ImageCmsProfile(io.BytesIO(icc)),
            ImageCms.createProfile("sRGB"),
            outputMode=out_mode,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img
    return converted if converted is not None else img


def _has_transparency(img: Image.Image) -> bool:
    if img.mode not in ("RGBA", "LA", "PA") and not (
        img.mode in ("P", "L", "RGB") and "transparency" in img.info
    ):
        return False
    low, _high = img.convert("RGBA").getchannel("A").getextrema()
    # One band: the extrema are two numbers (lowest and highest alpha).
    return isinstance(low, int | float) and low < 255


def process_image(fp: IO[bytes], *, limits: Limits | None = None) -> ProcessedImage:
    """Check and re-encode one uploaded picture; raises ImageRefused with a Chinese message."""
    limits = limits or Limits()
    head = fp.read(262)  # enough for every signature `filetype` knows
    fp.seek(0)
    if not head:
        raise ImageRefused(_("文件是空的"), code="empty")

    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit, raises) on huge images; make both refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img: Image.Image = Image.open(fp)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageRefused(
                _("图片尺寸过大，疑似恶意构造的文件，已拒绝"), code="too_many_pixels"
            ) from exc
        except UnidentifiedImageError as exc:
            raise _refuse_type(head) from exc
        except DECODE_ERRORS as exc:
            raise _corrupt() from exc

        source_format = img.format or ""
        if source_format not in ACCEPTED_FORMATS:
            raise _refuse_type(head, source_format)
        if source_format == "MPO":
            source_format = "JPEG"
        width, height = img.size
        # Checked from the header, before a single pixel is decoded.
        if width <= 0 or height <= 0:
            raise _corrupt()
        if width * height > limits.max_pixels:
            raise _too_many_pixels(width, height, limits)

        try:
            if source_format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the result is still at
                # least max_side: a 48-megapixel photo then costs a quarter of the memory.
                img.draft("RGB", (limits.max_side, limits.max_side))
            img.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise _too_many_pixels(width, height, limits) from exc
        except DECODE_ERRORS as exc:
            raise _corrupt() from exc

    # A broken EXIF block must not cost the resident the photo: orientation is cosmetic.
    with contextlib.suppress(Exception):
        img = ImageOps.exif_transpose(img) or img
    img = _to_srgb(img)

    keep_alpha = _has_transparency(img)
    if keep_alpha:
        img = img.convert("RGBA")
    elif img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    # Nothing from the source file may ride along: the encoders read ICC profiles, EXIF and
    # XMP from `info`, so it is emptied and a new file is written from the pixels alone.
    img.info = {}

    out = io.BytesIO()
    if keep_alpha:
        img.save(out, "PNG", compress_level=6)
        content_type = "image/png"
    else:
        img.save(out, "JPEG", quality=limits.jpeg_quality, optimize=True)
        content_type = "image/jpeg"

    thumb = img.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side), Image.Resampling.LANCZOS)
    if thumb.mode == "RGBA":
        # Lists show thumbnails on white; flatten so the thumbnail can always be a JPEG.
        flat = Image.new("RGB", thumb.size, (255, 255, 255))
        flat.paste(thumb, mask=thumb.getchannel("A"))
        thumb = flat
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=limits.thumb_quality, optimize=True)

    return ProcessedImage(
        data=out.getvalue(),
        content_type=content_type,
        width=img.width,
        height=img.height,
        thumb=thumb_out.getvalue(),
        source_format=source_format,
    )
