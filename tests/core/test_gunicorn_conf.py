"""gunicorn.conf.py: one sync process per core (plus one when the database runs elsewhere),
unless told otherwise."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.mark.parametrize(
    ("database", "workers"),
    [
        ("", 2),  # SQLite, the embedded default
        ("postgres://postgres@127.0.0.1:5432/wangge", 2),
        ("postgres://wangge@localhost/wangge", 2),
        ("postgres://%2Fvar%2Frun%2Fpostgresql/wangge", 2),
        ("postgres://wangge@db.internal:5432/wangge", 3),
        ("postgresql://wangge@10.0.0.5/wangge", 3),
    ],
)
def test_one_process_per_core_or_one_more_when_the_database_is_elsewhere(
    monkeypatch, database, workers
):
    monkeypatch.delenv("WANGGE_WEB_WORKERS", raising=False)
    monkeypatch.delenv("WANGGE_WEB_THREADS", raising=False)
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (workers, 1, "sync")


def test_the_layout_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("WANGGE_WEB_WORKERS", "6")
    monkeypatch.setenv("WANGGE_WEB_THREADS", "4")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (6, 4, "gthread")
    assert conf["keepalive"] > 0


def _parsed(parser: str, raw: bytes) -> tuple:
    from gunicorn.config import Config
    from gunicorn.http.parser import RequestParser

    cfg = Config()
    cfg.set("http_parser", parser)
    request = next(RequestParser(cfg, iter([raw]), ("10.0.0.9", 50000)))
    return request.method, request.uri, request.headers, request.body.read()


def test_the_c_http_parser_reads_an_intake_as_the_python_one_does():
    """Where `gunicorn[fast]` is installed (`make setup` builds it where it can) gunicorn parses
    with C; an intake as apps post it (Chinese JSON, a token, an Idempotency-Key, the proxy's
    X-Forwarded-For) reads the same either way."""
    pytest.importorskip("gunicorn_h1c")
    body = '{"description": "16号楼楼下一地碎玻璃", "lat": 26.41, "lng": 117.78}'.encode()
    raw = (
        b"POST /api/v1/cases/?source=app HTTP/1.1\r\nHost: wangge.example.gov.cn\r\n"
        b"Content-Type: application/json\r\nAuthorization: Token abc\r\n"
        b"Idempotency-Key: k-1\r\nX-Forwarded-For: 10.0.3.7\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    fast = _parsed("fast", raw)
    assert fast == _parsed("python", raw)
    assert fast[0] == "POST" and fast[3] == body
    assert ("IDEMPOTENCY-KEY", "k-1") in fast[2]
