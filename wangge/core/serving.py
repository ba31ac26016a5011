"""gunicorn's hooks for this application (gunicorn.conf.py installs them).

A sync worker closes each connection after its answer (`Connection: close`), and gunicorn
closes it gracefully (RFC 9112 §9.6): it sends its FIN, then waits until the client closes
too, reading what the client may still send, for up to two seconds. Bytes left unread in the
socket when it closes would make the kernel answer with a reset, and a reset can cut the last
of the answer before the client has read it. The worker serves nobody while it waits: on two
busy cores the client's close comes a scheduling turn later, 7 % of a worker's time under a
load of case intakes (docs/benchmarks.md).

`close_when_answered` closes at once when nothing can be left unread: the request's body was
read to its declared length and nothing more waits in the socket. Whatever else (a body the
application refused before reading it, a chunked one, a client that pipelined another
request) is left to gunicorn's graceful close. A connection kept alive is not touched.
"""

from __future__ import annotations

import socket
from typing import Any

from gunicorn.http.body import LengthReader


def close_when_answered(worker: Any, req: Any, environ: dict, resp: Any) -> None:
    """gunicorn's `post_request` hook: the answer's connection closed without lingering when
    the request was read whole and the client has sent nothing since."""
    if resp is None or req is None or not resp.should_close():
        return
    reader = getattr(req.body, "reader", None)
    if not isinstance(reader, LengthReader) or reader.length:
        return  # a body not (or not provably) read to its end: it may still be arriving
    sock = resp.sock
    try:
        if sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT):
            return  # more from the client: gunicorn reads it before closing
    except BlockingIOError:
        pass  # nothing waiting: the usual case
    except OSError:
        return  # the connection is already gone; gunicorn cleans up
    # The answer is in the kernel's send buffer; closing sends it, then the FIN. gunicorn's
    # own close then finds the socket closed and returns at once.
    sock.close()
