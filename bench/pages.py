"""Requests per second and latency of the busiest pages, served by gunicorn on loopback.

What 20,000 worker phones do all day is poll their queue: `/grid-work/queue/` (the htmx
fragment, every 4 s per open workbench) and open `/grid-work/`; the centre keeps `/console/`
open. Each page is hit by C concurrent keep-alive clients for D seconds, signed in as a demo
persona; the baseline, measured the same way in the same run, is `/healthz` (one database
round trip, no template): the ratio says how much of the server's capacity a page costs
beyond answering at all.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge .venv/bin/python manage.py demo_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge .venv/bin/python bench/pages.py \\
        [--clients 8] [--seconds 10] [--workers 4] [--fill 5000]

Without DATABASE_URL it uses the default SQLite database (run `make demo` first). `--fill N`
first files N reports through `case_submit` across the county's micro-grids (deterministic),
a third of them claimed and resolved, when the database holds fewer cases than that.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
os.environ.setdefault("WANGGE_LOG_LEVEL", "WARNING")
# The server runs with DEBUG off, as in production; sessions made here must verify there.
os.environ.setdefault("WANGGE_SECRET_KEY", "bench-only-not-secret")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402

from wangge.accounts.models import RoleAssignment, User  # noqa: E402


def session_cookie(username: str) -> str:
    """A signed-in session for a demo persona, made the way the login view makes one."""
    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def fill(n: int) -> None:
    """File reports across the county through the real intake until `n` cases exist."""
    import random

    from shapely.geometry import shape

    from wangge.cases.models import Case
    from wangge.cases.services import case_submit, case_transition
    from wangge.grids.models import Grid, GridLevel

    have = Case.objects.count()
    if have >= n:
        return
    rng = random.Random(20261123)
    grids = list(Grid.objects.filter(level=GridLevel.MICRO, is_active=True).order_by("code"))
    points = {g.pk: shape(g.geometry).representative_point() for g in grids}
    workers = {
        a.grid_id: a.user
        for a in RoleAssignment.objects.filter(role="grid_worker").select_related("user")
    }
    resident = User.objects.get(username="resident")
    texts = ["楼下有一地碎玻璃", "路面有油污很滑", "垃圾桶满了没人清", "路边堆了装修垃圾"]
    t0 = time.perf_counter()
    for i in range(have, n):
        g = rng.choice(grids)
        p = points[g.pk]
        case = case_submit(
            actor=resident, channel="h5", description=f"{rng.choice(texts)}（{i}）",
            lat=p.y, lng=p.x, category_code="E0104",
        )  # fmt: skip
        worker = workers.get(g.pk)
        if worker is not None and i % 3 == 0:
            case_transition(case=case, actor=worker, action="claim")
            case_transition(case=case, actor=worker, action="resolve", reason="已处理")
    print(f"filed {n - have:,} cases in {time.perf_counter() - t0:.0f} s")


def query_counts(pages: list[tuple[str, str, str]]) -> dict[str, int]:
    """SQL queries per page, counted in this process through the test client."""
    from django.db import connection as conn
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    out: dict[str, int] = {}
    for path, cookie, _label in pages:
        client = Client()
        name, _eq, value = cookie.partition("=")
        client.cookies[name] = value
        client.get(path)  # warm caches (locator, categories) once
        with CaptureQueriesContext(conn) as ctx:
            status = client.get(path).status_code
        out[path] = len(ctx.captured_queries) if status == 200 else -status
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "WANGGE_DEBUG": "0"}
    env.setdefault("WANGGE_CHAIN_KEY", "bench-chain-" + "x" * 40)
    env["WANGGE_SECURE_COOKIES"] = "0"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wangge.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not answer on loopback")


def hammer(port: int, path: str, cookie: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        headers = {"Cookie": cookie, "HX-Request": "true"} if "queue" in path else {}
        if cookie and "Cookie" not in headers:
            headers["Cookie"] = cookie
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "path": path,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "errors": errors[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--fill", type=int, default=0, help="file reports until N cases exist")
    args = parser.parse_args()
    if args.fill:
        fill(args.fill)

    from wangge.cases.models import Case

    worker = session_cookie("worker_a")
    operator = session_cookie("operator")
    community = session_cookie("community")
    workspace_pages = [
        ("/people/residents/", community, "residents, community staff"),
        ("/people/residents/?tag=" + quote("独居老人"), community, "residents, 独居老人"),
        ("/people/buildings/", community, "buildings"),
        ("/people/organisations/", community, "organisations"),
        ("/people/care/", worker, "care ledger due (worker)"),
        ("/people/journal/", worker, "民情日志 (worker)"),
        ("/console/?tab=all&channel=hotline&page=3", operator, "console, filtered, page 3"),
        ("/grid-work/history/", worker, "worker history"),
    ]
    counts = query_counts(workspace_pages)
    print(
        f"database: {connection.vendor}, cases: {Case.objects.count():,}, "
        f"gunicorn workers: {args.workers}, clients: {args.clients}, {args.seconds:g} s each"
    )
    connection.close()
    proc, port = start_server(args.workers)
    try:
        pages = [
            ("/healthz", "", "baseline: one query, no template"),
            ("/grid-work/queue/", worker, "worker queue fragment (htmx poll)"),
            ("/grid-work/", worker, "worker workbench"),
            ("/console/", operator, "centre console, triage tab"),
            ("/console/?tab=supervision", operator, "centre console, supervision tab"),
            *workspace_pages,
        ]
        hammer(port, "/healthz", "", args.clients, 1.0)  # warm the workers
        results = [(hammer(port, p, c, args.clients, args.seconds), label) for p, c, label in pages]
    finally:
        proc.terminate()  # graceful: gunicorn lets the workers finish, then exits
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
    base = results[0][0]["rps"]
    print("\n| page | requests/s | p50 ms | p95 ms | ratio to /healthz | queries | errors |")
    print("|---|---|---|---|---|---|---|")
    for r, label in results:
        print(
            f"| `{r['path']}` ({label}) | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} "
            f"| {r['rps'] / base:.2f} | {counts.get(r['path'], '')} | {r['errors']} |"
        )
    return 0 if all(r["errors"] == 0 for r, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
