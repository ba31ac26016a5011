"""gunicorn.conf.py's sync workers close an answered connection without waiting on the client,
unless the client may still be sending (wangge.core.serving). Real gunicorn, real sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path):
    """gunicorn as gunicorn.conf.py lays it out, one sync worker, on a socket bound here: the
    connections queue until the worker takes them (no waiting for it to come up)."""
    listener = socket.create_server(("127.0.0.1", 0))
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "WANGGE_DATA_DIR": str(tmp_path),
        "WANGGE_WEB_WORKERS": "1",
        "WANGGE_WEB_THREADS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wangge.wsgi", "-b", f"fd://{listener.fileno()}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, pass_fds=[listener.fileno()],
    )  # fmt: skip
    try:
        yield listener.getsockname()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        listener.close()


def _answer(client: socket.socket) -> bytes:
    """Everything the server sends until it closes its side (bounded by the socket timeout)."""
    client.settimeout(60)
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _held_by_server(server_port: int, client_port: int) -> bool:
    """Whether a process still holds the server's end of this connection (/proc/net/tcp: an
    end closed by its process is the kernel's alone, with inode 0)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], int(fields[9])
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            return inode != 0
    return False


def test_an_answered_request_read_whole_is_closed_without_waiting_on_the_client(server):
    client = socket.create_connection(("127.0.0.1", server))
    try:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = _answer(client)
        assert answer.startswith(b"HTTP/1.1 200") and b'"status": "ok"' in answer
        # The client has not closed; the worker let go of the connection all the same and is
        # free for the next one.
        assert not _held_by_server(server, client.getsockname()[1])
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # too late: not read
        with socket.create_connection(("127.0.0.1", server)) as other:
            other.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert _answer(other).startswith(b"HTTP/1.1 200")
    finally:
        client.close()


def test_a_body_refused_unread_gets_its_answer_whole_and_the_graceful_close(server):
    """A body over the cap is refused (413) before anything reads it: the rest may still be on
    its way, so gunicorn's graceful close reads it rather than resetting the connection."""
    client = socket.create_connection(("127.0.0.1", server))
    try:
        client.sendall(
            b"POST /api/v1/cases/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n" + b" " * 32768
        )
        answer = _answer(client)
        assert answer.startswith(b"HTTP/1.1 413")
        assert b'"code": "too_large"' in answer and answer.endswith(b"\r\n0\r\n\r\n")
        # gunicorn still holds the connection, reading what the client sends (up to 2 s).
        assert _held_by_server(server, client.getsockname()[1])
    finally:
        client.close()
