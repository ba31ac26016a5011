"""Statics are served gzip-compressed: collectstatic writes the copies, WhiteNoise serves them."""

from __future__ import annotations

import gzip

from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

ECHARTS = "vendor/echarts/echarts.min.js"


def test_echarts_is_served_compressed(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", "--noinput", verbosity=0)
        raw = (tmp_path / ECHARTS).read_bytes()
        packed = (tmp_path / f"{ECHARTS}.gz").read_bytes()
        assert gzip.decompress(packed) == raw
        assert len(packed) < len(raw) / 2
        client = Client()
        url = "/" + settings.STATIC_URL.strip("/") + "/" + ECHARTS
        r = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert r.status_code == 200
        assert r["Content-Encoding"] == "gzip"
        assert int(r["Content-Length"]) == len(packed)
        plain = client.get(url)
        assert plain.status_code == 200 and "Content-Encoding" not in plain
        assert int(plain["Content-Length"]) == len(raw)
