"""gunicorn's settings for `gunicorn wangge.wsgi` (read from the working directory).

Requests are Python-bound (a case intake spends ~4 ms in Python and ~1.2 ms in PostgreSQL), so
each worker process serves one request at a time (sync workers), without threads contending
for one interpreter lock, and there are as many as there are cores for Python to use: one per
core when the database runs on this machine too (its backends take the rest; more processes
than cores only switch more), one per core plus one when it runs elsewhere (a worker waiting
on the network leaves its core to another). On two cores with PostgreSQL on the same host, at
32 clients: 2 sync workers took 342–344 intakes/s at 4.1–4.2 ms of app CPU per request, 3 took
309–314/s at 4.7–4.8 ms (docs/benchmarks.md). Sync workers take a connection only when idle,
so requests queue once for all workers instead of once per worker: earlier, 3 sync workers
took 211–222 intakes/s with a p99 of 180–237 ms, 3 gthread workers of one thread 206–222/s
with a p99 of 283–335 ms (each accepts while busy and queues behind itself), 2 gthread workers
of 8 threads 132–188/s with a p99 of 447–733 ms.

Sync workers read a request only from a client that sends it at once: they belong behind a
buffering reverse proxy (nginx), as in every deployment of this application. Without one, set
WANGGE_WEB_THREADS above 1 (gthread workers, which keep idle keep-alive connections aside).
Each setting can also be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os
from urllib.parse import urlsplit


def database_here() -> bool:
    """Whether the database shares this machine: SQLite (the embedded default), or PostgreSQL
    on loopback or a local socket."""
    url = os.environ.get("DATABASE_URL") or ""
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return True
    host = urlsplit(url).hostname or ""
    return host in ("", "localhost", "127.0.0.1", "::1") or host.startswith(("/", "%2f", "%2F"))


cores = os.cpu_count() or 1
workers = int(os.environ.get("WANGGE_WEB_WORKERS", 0)) or (cores if database_here() else cores + 1)
threads = int(os.environ.get("WANGGE_WEB_THREADS", 1))
worker_class = "sync" if threads == 1 else "gthread"
keepalive = 5  # gthread only: sync workers close each connection after the answer
# Bodies are capped by size (BODY_MAX_BYTES and BODY_LIMITS in the settings) and imports run as
# background tasks; a request that takes longer than this is cut and its worker replaced.
timeout = 60
