"""Item 7: bodies are limited before they are parsed. A request that declares a body over its
path's cap is answered at once, without the server reading it (checked over a real socket:
the client sends headers only and still gets the answer); an Open311 key given in the header
or query string is checked before the body; a body that streams past the cap is stopped."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _headers_only(live_url: str, path: str, headers: dict[str, str]) -> int:
    """Send a POST's headers and none of its declared body; return the status answered."""
    parts = urlsplit(live_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.hostname}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = sock.recv(200).decode("latin-1")
    return int(answer.split(" ", 2)[1])


@pytest.mark.parametrize(
    "path,size",
    [
        ("/api/v1/hotline/sources/any/imports/", 2 * 1024**3),
        ("/api/v1/people/imports/", 2 * 1024**3),
        ("/open311/v2/requests.json", 200 * 1024**2),
        ("/api/v1/cases/", 200 * 1024**2),
        ("/report/", 500 * 1024**2),
    ],
)
def test_declared_oversize_body_is_refused_before_reading(live_server, county, path, size):
    status = _headers_only(
        live_server.url,
        path,
        {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(size)},
    )
    assert status == 413


def test_open311_key_in_header_is_checked_before_the_body(live_server, county):
    status = _headers_only(
        live_server.url,
        "/open311/v2/requests.json",
        {
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(5 * 1024**2),
            "X-Api-Key": "not-a-key",
        },
    )
    assert status == 403


def test_multipart_streaming_past_the_cap_is_stopped(settings):
    settings.BODY_LIMITS = [("/open311/", 100 * 1024)]
    request = RequestFactory().post(
        "/open311/v2/requests.json",
        {"api_key": "k", "media": _file(300 * 1024)},
    )
    with pytest.raises(RequestDataTooBig):
        request.POST  # noqa: B018 (parsing is the point)


def _file(size: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("big.jpg", b"\xff" * size, content_type="image/jpeg")
