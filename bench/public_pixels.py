"""An anonymous 7000×7000 PNG (49 MP) under the old public cap (50 MP, decoded) and the new one
(16 MP, refused from the header): time and peak memory, each case in a fresh process.

    .venv/bin/python bench/public_pixels.py
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time


def picture() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (7000, 7000), (200, 200, 200))
    draw = ImageDraw.Draw(img)
    for x in range(0, 7000, 350):
        draw.line((x, 0, 7000 - x, 7000), fill=(30, 60, 90), width=15)
    out = io.BytesIO()
    img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def one(cap: int, path: str) -> None:
    import _django

    _django.setup()
    from django.test import override_settings

    from wangge.attachments.services import attachment_store
    from wangge.core.api import ServiceError

    with open(path, "rb") as fh:
        data = fh.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with override_settings(WANGGE_UPLOAD_MAX_PIXELS_PUBLIC=cap):
        try:
            attachment_store(actor=None, upload=data, filename="wall.png")
            outcome = "stored"
        except ServiceError as exc:
            outcome = f"refused ({exc.code})"
    ms = (time.perf_counter() - start) * 1000
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"ms": round(ms), "peak_mb": round(grown), "outcome": outcome}))


def main() -> None:
    import tempfile

    path = tempfile.mktemp(suffix=".png")
    with open(path, "wb") as fh:
        fh.write(picture())
    print("| public cap | outcome | ms | peak RSS growth MB |")
    print("|---|---|---|---|")
    for cap in (50_000_000, 16_000_000):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(cap), path],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        label = "50 MP (before)" if cap == 50_000_000 else "16 MP (now)"
        print(f"| {label} | {r['outcome']} | {r['ms']} | {r['peak_mb']} |")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        one(int(sys.argv[2]), sys.argv[3])
    else:
        main()
