"""Cost of storing one phone photo through `attachment_store`, beside the bare Pillow work.

Baseline, same run: open + decode (with JPEG draft scaling) + scale to the longest-side cap +
encode JPEG q85 — the least any re-encoding pipeline must do. `attachment_store` adds the
content checks, hashing, EXIF orientation, sRGB conversion, the thumbnail, two storage writes
and the database row.

    .venv/bin/python bench/attachments.py [--rounds 7]

Uses a throw-away data directory (SQLite unless DATABASE_URL is set).
"""

from __future__ import annotations

import argparse
import io
import time

import _django

_django.setup()

from PIL import ExifTags, Image  # noqa: E402

from wangge.attachments.services import attachment_store  # noqa: E402


def phone_photo(width: int, height: int) -> bytes:
    """A JPEG with photo-like entropy and GPS EXIF, at quality 92."""
    # Sensor-like noise over smooth shapes: file sizes near a phone's (about 0.3–0.5 B/pixel).
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    scene = Image.effect_mandelbrot((width, height), (-2.2, -1.2, 1.0, 1.2), 40).convert("RGB")
    img = Image.blend(scene, noise, 0.25)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchPhone"
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (26.0, 5.0, 30.0), 3: "E", 4: (117.0, 10.0, 5.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def baseline(data: bytes, max_side: int = 2560) -> None:
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", (max_side, max_side))
    img.load()
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    img.save(io.BytesIO(), "JPEG", quality=85, optimize=True)


def timed_pair(first, second, rounds: int) -> tuple[float, float]:
    """Best-of-`rounds` milliseconds of each, run alternately so both see the same load."""
    a, b = [], []
    for _ in range(rounds):
        for fn, out in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return min(a), min(b)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    header = ("photo", "bytes", "baseline ms", "store ms", "ratio", "photos/s")
    print("{:<22}{:>10}{:>14}{:>12}{:>8}{:>10}".format(*header))
    for label, (w, h) in {
        "1080p (2 MP)": (1920, 1080),
        "phone (12 MP)": (4000, 3000),
        "phone (48 MP)": (8000, 6000),
    }.items():
        data = phone_photo(w, h)
        baseline(data)  # warm up both paths (imports, codec tables, the first query)
        attachment_store(actor=None, upload=data, filename="warm.jpg")
        base, store = timed_pair(
            lambda d=data: baseline(d),
            lambda d=data: attachment_store(actor=None, upload=d, filename="bench.jpg"),
            args.rounds,
        )
        print(
            f"{label:<22}{len(data):>10}{base:>14.1f}{store:>12.1f}"
            f"{store / base:>8.2f}{1000 / store:>10.1f}"
        )


if __name__ == "__main__":
    main()
