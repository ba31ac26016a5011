"""gunicorn's settings for `gunicorn wangge.wsgi` (read from the working directory).

Requests are Python-bound (a case intake spends ~6 ms in Python and ~2.5 ms in PostgreSQL), so
one process per core plus one, each serving one request at a time, keeps every core busy
without threads fighting over one interpreter lock: on two cores, 3 workers × 1 thread took
187–199 intakes/s at 32 clients with a p99 of 274–339 ms, 2 workers × 8 threads 132–188/s
with a p99 of 447–733 ms (docs/benchmarks.md). The gthread worker keeps idle keep-alive
connections in its poller, so a slow client does not hold a worker.

Each setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os

workers = int(os.environ.get("WANGGE_WEB_WORKERS", 0)) or (os.cpu_count() or 1) + 1
worker_class = "gthread"
threads = int(os.environ.get("WANGGE_WEB_THREADS", 1))
keepalive = 5
# Bodies are capped by size (BODY_MAX_BYTES and BODY_LIMITS in the settings) and imports run as
# background tasks; a request that takes longer than this is cut and its worker replaced.
timeout = 60
