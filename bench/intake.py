"""Case intake behind a real WSGI server, beside PostgreSQL alone; and the SLA sweep's cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench_intake \\
        .venv/bin/python bench/intake.py --seconds 10 --closed 1000000 --open 10000

1. Starts gunicorn (one worker per CPU × 8 threads) on loopback against the database, and drives
   `POST /api/v1/cases/` from 1, 8 and 32 client threads (keep-alive HTTP/1.1, a token user)
   for `--seconds` each: sustained rate and p50/p95/p99 latency. Every request runs the whole
   intake (validate, locate, suggest, duplicates, route, deadlines, two chained events, an inbox
   row for the grid's worker) in one transaction.
2. Beside it, the same client counts commit the same rows straight through psycopg (a case, its
   two events, one inbox row per transaction): what PostgreSQL alone does with this schema.
3. Adds `--closed` closed cases and `--open` open ones (INSERT … SELECT), then times the sweep:
   idle (nothing due) before and after the closed history, and with 1% of the open ones due.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import setup

PORT = int(os.environ.get("BENCH_PORT", "8101"))
SEQUENCE = itertools.count(1)  # tracking codes of the psycopg rows, unique across rounds


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def prepare() -> tuple[str, list[tuple[float, float]]]:
    from django.contrib.auth.hashers import make_password
    from rest_framework.authtoken.models import Token
    from shapely.geometry import shape

    from wangge.accounts.models import Role, RoleAssignment, User
    from wangge.cases.categories import category_seed
    from wangge.grids.models import Grid, GridLevel
    from wangge.grids.services import grid_tree_import
    from wangge.grids.synth import generate_county

    if not Grid.objects.filter(code="350427").exists():
        result = grid_tree_import(actor=None, collection=generate_county(code="350427"))
        assert result.ok, result.rejects[:3]
    category_seed()
    micro = list(Grid.objects.filter(level=GridLevel.MICRO))
    users = []
    for g in micro:
        users.append(User(username=f"bw{g.code}", password=make_password(None)))
    User.objects.bulk_create(users, ignore_conflicts=True)
    by_name = {u.username: u for u in User.objects.filter(username__startswith="bw")}
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=by_name[f"bw{g.code}"], role=Role.GRID_WORKER, grid=g) for g in micro],
        ignore_conflicts=True,
    )
    reporter, _ = User.objects.get_or_create(username="bench_resident")
    token, _ = Token.objects.get_or_create(user=reporter)
    points = []
    rng = random.Random(7)
    for g in micro:
        geom = shape(g.geometry)
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(20):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if geom.contains(shape({"type": "Point", "coordinates": [x, y]})):
                points.append((y, x))
    return token.key, points


TEXTS = ["楼下掉了一地的碎玻璃渣", "路面有大片油污", "门口路面很脏", "人行道上碎玻璃"]


def http_clients(n: int, seconds: float, token: str, points) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        mine, bad = [], 0
        i = 0
        while time.perf_counter() < stop:
            lat, lng = rng.choice(points)
            body = json.dumps(
                {
                    "description": f"{rng.choice(TEXTS)}（{k}-{i}）",
                    "lat": lat,
                    "lng": lng,
                    "category_code": "E0104",
                }
            )
            t0 = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/cases/",
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Token {token}",
                    "Idempotency-Key": f"bench-{n}-{k}-{i}-{time.time_ns()}",
                },
            )
            resp = conn.getresponse()
            resp.read()
            if resp.status == 201:
                mine.append(time.perf_counter() - t0)
            else:
                bad += 1
            i += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors[0]


def pg_clients(n: int, seconds: float, templates: dict) -> tuple[int, list[float]]:
    """The same rows per transaction, straight through psycopg."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST']} port={db['PORT'] or 5432} dbname={db['NAME']} user={db['USER']}"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    case_cols, case_vals = templates["case"]
    ev_cols, ev_vals = templates["event"]
    inbox_cols, inbox_vals = templates["inbox"]

    def insert_sql(table, cols, returning=False):
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
        return sql + (" RETURNING id" if returning else "")

    case_sql = insert_sql("cases_case", case_cols, True)
    ev_sql = insert_sql("cases_caseevent", ev_cols)
    inbox_sql = insert_sql("notify_inboxitem", inbox_cols)

    def run(k: int) -> None:
        mine = []
        i = 0
        with psycopg.connect(dsn) as conn:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                with conn.transaction():
                    row = dict(zip(case_cols, case_vals, strict=True))
                    row["tracking_code"] = f"P{next(SEQUENCE):07d}"
                    (case_id,) = conn.execute(case_sql, list(row.values())).fetchone()
                    for seq in (1, 2):
                        ev = dict(zip(ev_cols, ev_vals, strict=True))
                        ev.update(case_id=case_id, seq=seq)
                        conn.execute(ev_sql, list(ev.values()))
                    ib = dict(zip(inbox_cols, inbox_vals, strict=True))
                    ib["dedupe_key"] = f"pg:{case_id}"
                    conn.execute(inbox_sql, list(ib.values()))
                mine.append(time.perf_counter() - t0)
                i += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies


def row_templates() -> dict:
    """Column lists and values copied from one real submission, for the psycopg baseline."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    def fetch(sql):
        with connection.cursor() as cur:
            cur.execute(sql)
            cols = [c.name for c in cur.description if c.name != "id"]
            row = dict(zip([c.name for c in cur.description], cur.fetchone(), strict=True))
        vals = [Jsonb(row[c]) if isinstance(row[c], dict | list) else row[c] for c in cols]
        return cols, vals

    case = fetch("SELECT * FROM cases_case ORDER BY id DESC LIMIT 1")
    cols, vals = case
    # Keys that must stay unique are left empty (NULL) in the copies.
    vals = [
        None if c in ("idempotency_key", "external_id") else v
        for c, v in zip(cols, vals, strict=True)
    ]
    return {
        "case": (cols, vals),
        "event": fetch("SELECT * FROM cases_caseevent ORDER BY id DESC LIMIT 1"),
        "inbox": fetch("SELECT * FROM notify_inboxitem ORDER BY id DESC LIMIT 1"),
    }


def server(workers: int, threads: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        WANGGE_DEBUG="0",
        WANGGE_SECRET_KEY="bench-" + "x" * 50,
        WANGGE_CHAIN_KEY="bench-chain-" + "x" * 40,
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wangge.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "-k",
            "gthread",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
    )
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("gunicorn did not come up")


def fill_history(closed: int, open_: int) -> None:
    """Closed history and open cases by INSERT … SELECT from one real case row."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT * FROM cases_case WHERE state = 'dispatched' ORDER BY id LIMIT 1")
        cols = [c.name for c in cur.description if c.name != "id"]

        def clone(n: int, state: str, prefix: str, respond: str) -> None:
            exprs = []
            for c in cols:
                if c == "tracking_code":
                    exprs.append(f"'{prefix}' || lpad(to_hex(g), 7, '0')")
                elif c in ("idempotency_key", "external_id"):
                    exprs.append("NULL")
                elif c == "state":
                    exprs.append(f"'{state}'")
                elif c == "respond_by":
                    exprs.append(respond)
                elif c == "created_at":
                    exprs.append("now() - (g % 365) * interval '1 day'")
                else:
                    exprs.append(c)
            src = "(SELECT * FROM cases_case WHERE state = 'dispatched' ORDER BY id LIMIT 1) t"
            cur.execute(
                f"INSERT INTO cases_case ({', '.join(cols)}) "
                f"SELECT {', '.join(exprs)} FROM {src}, generate_series(1, {n}) g"
            )

        if closed:
            clone(closed, "closed", "C", "respond_by")
        if open_:
            clone(open_, "dispatched", "O", "now() + interval '1 day'")
        cur.execute("ANALYZE cases_case")


def time_sweep(label: str, rounds: int = 3) -> float:
    from wangge.cases.sweep import cases_sweep

    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        r = cases_sweep()
        best = min(best, time.perf_counter() - t0)
    print(f"  sweep {label}: {best * 1000:.1f} ms (last run: {r})")
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--closed", type=int, default=1_000_000)
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    vendor = setup()
    if vendor != "postgresql":
        sys.exit("bench/intake.py needs DATABASE_URL=postgres://…")
    token, points = prepare()
    proc = server(args.workers, args.threads)
    try:
        print(f"intake over HTTP (gunicorn {args.workers}×{args.threads}) vs psycopg alone")
        print(f"{'clients':>7} {'http/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
              f"{'errors':>6} {'pg/s':>8} {'pg p50':>7} {'ratio':>6}")  # fmt: skip
        http_clients(32, 5, token, points)  # warm up every worker (jieba, locator index)
        templates = row_templates()
        for n in [int(x) for x in args.clients.split(",")]:
            count, lat, errors = http_clients(n, args.seconds, token, points)
            pg_count, pg_lat = pg_clients(n, args.seconds, templates)
            rate, pg_rate = count / args.seconds, pg_count / args.seconds
            print(
                f"{n:>7} {rate:>8.1f} {pct(lat, 50) * 1000:>8.1f} {pct(lat, 95) * 1000:>8.1f} "
                f"{pct(lat, 99) * 1000:>8.1f} {errors:>6} {pg_rate:>8.1f} "
                f"{statistics.median(pg_lat) * 1000:>7.1f} {rate / pg_rate:>6.2f}"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    from django.db import connection

    from wangge.cases.models import Case

    # The HTTP rounds left open cases due later; the sweep baseline is measured on them.
    print(f"sweep: {Case.objects.count()} cases before adding history")
    base = time_sweep("idle, before history")
    t0 = time.perf_counter()
    fill_history(args.closed, args.open)
    print(f"  added {args.closed} closed + {args.open} open in {time.perf_counter() - t0:.1f} s")
    after = time_sweep(f"idle, {args.closed} closed + {args.open} open")
    print(f"  ratio idle-after / idle-before: {after / base:.2f}")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET respond_by = now() - interval '1 minute' "
            "WHERE id IN (SELECT id FROM cases_case WHERE tracking_code LIKE 'O%%' LIMIT %s)",
            [max(args.open // 100, 1)],
        )
    time_sweep(f"with {max(args.open // 100, 1)} due (escalated)", rounds=1)


if __name__ == "__main__":
    main()
