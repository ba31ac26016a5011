"""gunicorn's settings for `gunicorn wangge.wsgi` (read from the working directory).

Requests are Python-bound (a case intake spends ~5 ms in Python and ~1.4 ms in PostgreSQL), so
one process per core plus one, each serving one request at a time, keeps every core busy
without threads contending for one interpreter lock. Sync workers take a connection only when
idle, so requests queue once for all workers instead of once per worker: on two cores at 32
clients, 3 sync workers took 211–222 intakes/s with a p99 of 180–237 ms, 3 gthread workers of
one thread 206–222/s with a p99 of 283–335 ms (each accepts while busy and queues behind
itself), 2 gthread workers of 8 threads 132–188/s with a p99 of 447–733 ms (docs/benchmarks.md).

Sync workers read a request only from a client that sends it at once: they belong behind a
buffering reverse proxy (nginx), as in every deployment of this application. Without one, set
WANGGE_WEB_THREADS above 1 (gthread workers, which keep idle keep-alive connections aside).
Each setting can also be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os

workers = int(os.environ.get("WANGGE_WEB_WORKERS", 0)) or (os.cpu_count() or 1) + 1
threads = int(os.environ.get("WANGGE_WEB_THREADS", 1))
worker_class = "sync" if threads == 1 else "gthread"
keepalive = 5  # gthread only: sync workers close each connection after the answer
# Bodies are capped by size (BODY_MAX_BYTES and BODY_LIMITS in the settings) and imports run as
# background tasks; a request that takes longer than this is cut and its worker replaced.
timeout = 60
