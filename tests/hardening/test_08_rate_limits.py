"""Item 8: rate limits that hold. Behind a real (loopback) reverse proxy a client that rotates
X-Forwarded-For is still one client; counters live in the shared database cache, not in one
process's memory; /track/<code>/ and the anonymous pages are limited."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import caches
from django.db import connection

from .conftest import set_rate

pytestmark = pytest.mark.django_db(transaction=True)


class _Proxy(BaseHTTPRequestHandler):
    """A minimal nginx stand-in: forwards GETs, appends the peer address to X-Forwarded-For."""

    upstream = ""

    def do_GET(self):
        peer = self.client_address[0]
        forwarded = self.headers.get("X-Forwarded-For")
        headers = {"X-Forwarded-For": f"{forwarded}, {peer}" if forwarded else peer}
        request = urllib.request.Request(self.upstream + self.path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as upstream:
                status, body = upstream.status, upstream.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(live_server):
    handler = type("Proxy", (_Proxy,), {"upstream": live_server.url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _get(url: str, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_rotating_forwarded_for_behind_the_proxy_does_not_reset_the_count(proxy, settings, county):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    set_rate(settings, "track", "5/minute")
    statuses = [_get(f"{proxy}/track/ABCDEFG{i}/", forwarded=f"10.1.2.{i}") for i in range(8)]
    assert statuses[:5] == [404] * 5  # unknown codes: looked up, not found
    assert statuses[5:] == [429] * 3


def test_without_a_proxy_the_header_is_ignored(live_server, settings, county):
    set_rate(settings, "anon", "4/minute")
    url = f"{live_server.url}/api/v1/case-categories/"
    statuses = [_get(url, forwarded=f"203.0.113.{i}") for i in range(6)]
    assert statuses == [200] * 4 + [429] * 2


def test_tracking_lookups_are_limited(client, settings, county):
    set_rate(settings, "track", "3/minute")
    codes = [client.get(f"/track/ZZZZZZZ{i}/").status_code for i in range(4)]
    assert codes == [404, 404, 404, 429]
    answer = client.get("/track/ZZZZZZZ9/")
    assert answer.status_code == 429 and answer["Retry-After"].isdigit()


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/open311/v2/services.json"),
        ("get", "/report/grids.geojson"),
        ("post", "/report/"),
        ("get", "/api/v1/case-categories/"),
    ],
)
def test_anonymous_endpoints_are_limited(client, settings, county, method, path):
    for scope in ("anon", "intake"):
        set_rate(settings, scope, "2/minute")
    codes = [getattr(client, method)(path).status_code for _ in range(3)]
    assert codes[2] == 429, codes


def test_counters_are_shared_through_the_database_cache(client, settings, county):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    set_rate(settings, "track", "2/minute")
    client.get("/track/AAAAAAAA/")
    client.get("/track/AAAAAAAA/")
    # A second, fresh cache connection (as another worker process has) sees the same count.
    other_worker = caches.create_connection("default")
    keys = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM wangge_cache")
        keys = [row[0] for row in cursor.fetchall()]
    throttle_keys = [k.split(":", 2)[-1] for k in keys if "throttle_track" in k]
    assert throttle_keys and len(other_worker.get(throttle_keys[0])) == 2
    assert client.get("/track/AAAAAAAA/").status_code == 429
