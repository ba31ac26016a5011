"""Case intake behind a real WSGI server, beside PostgreSQL alone; and the SLA sweep's cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench_intake \\
        .venv/bin/python bench/intake.py --closed 0

1. Starts gunicorn (the layout of gunicorn.conf.py unless `--workers`/`--threads` say otherwise:
   one sync worker per CPU, the database being on this machine) on loopback, and drives
   `POST /api/v1/cases/` from 1, 8 and 32 clients (HTTP/1.1, keep-alive where the server
   keeps it, a token user) for `--seconds` each, `--pairs` times in turn with 2. and 3.
   (the machine's speed drifts over minutes; rounds taken in turn meet the same drift, and the
   ratio of each turn is printed): sustained rate and p50/p95/p99 latency. The
   clients are Debian's wrk running bench/intake.lua where it is installed (`--load wrk`, a C
   client: ~0.16 ms of CPU per post on the same cores), else threads of this process
   (`--load python`, ~0.35 ms). Every request runs the whole intake (validate, locate,
   suggest, duplicates, route, deadlines, two chained events, inbox rows for the grid's worker
   and the district's operator) in one transaction, at a point drawn at random inside one of
   the county's micro-grids. Before each round the cases earlier rounds left open are closed
   (`settle`): each round's duplicate search meets the open reports of its own round, as a
   district whose earlier reports were handled; the mean duplicates offered per report is
   printed.
2. Beside it, the same client counts commit the same rows straight through psycopg (a case, its
   two events, the two inbox rows per transaction): what PostgreSQL alone does with this schema.
3. Beside it again, `POST /open311/v2/requests.json` (url-encoded, an API key) from the same
   client counts: the Open311 face of the same intake.
4. CPU: the gunicorn workers' user+system CPU (from /proc) over each round divided by the
   requests answered, and PostgreSQL's (every `postgres` process on the host) per request and
   per bare transaction, and the client threads' own (this process's); and in this process,
   `time.process_time()` around `case_submit` alone over `--cpu-intakes` reports (the service
   without HTTP, DRF and authentication). In-process figures (`--cpu-only`) are taken with the
   server's settings (DEBUG off), as the server runs.
5. Unless `--closed 0`: adds `--closed` closed cases and `--open` open ones (INSERT … SELECT),
   then times the sweep: idle before and after the closed history, and with 1% of the open
   ones due.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import itertools
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import setup

PORT = int(os.environ.get("BENCH_PORT", "8101"))
# The server and this process sign tokens (and encrypt contact data) with the same key.
SECRET_KEY = "bench-" + "x" * 50
# Tracking codes of the psycopg rows ("P" and seven base-36 digits), unique across rounds and
# runs on the same database: each run starts at a random point of the range.
SEQUENCE = itertools.count(random.SystemRandom().randrange(36**7 - 10**8))


def bare_code(n: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for _ in range(7):
        n, d = divmod(n, 36)
        out = digits[d] + out
    return "P" + out


CLIENT_ADDRESSES = 2_000  # Open311 posts' client addresses
# The bare rows' latitude: a degree north of the county, outside every duplicate search's box.
BARE_LAT = 27.385
# Report points, drawn at random inside each micro-grid (256 of them, 0.03 km² each): reports
# fall anywhere in a grid, not on a few spots.
POINTS_PER_GRID = 200


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def prepare() -> tuple[str, str, list[tuple[float, float]]]:
    """The demo-shaped county, a worker per micro-grid, an operator for the district, a resident
    with an API token, an Open311 client; and report points inside the micro-grids."""
    from django.contrib.auth.hashers import make_password
    from shapely.geometry import shape

    from wangge.accounts.models import Role, RoleAssignment, User
    from wangge.accounts.tokens import token_issue
    from wangge.cases.categories import category_seed
    from wangge.grids.models import Grid, GridLevel
    from wangge.grids.services import grid_tree_import
    from wangge.grids.synth import generate_county
    from wangge.open311.services import api_client_create

    if not Grid.objects.filter(code="350427").exists():
        result = grid_tree_import(actor=None, collection=generate_county(code="350427"))
        assert result.ok, result.rejects[:3]
    category_seed()
    micro = list(Grid.objects.filter(level=GridLevel.MICRO))
    users = []
    for g in micro:
        users.append(User(username=f"bw{g.code}", password=make_password(None)))
    users.append(User(username="bench_operator", password=make_password(None)))
    User.objects.bulk_create(users, ignore_conflicts=True)
    by_name = {u.username: u for u in User.objects.filter(username__startswith="b")}
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=by_name[f"bw{g.code}"], role=Role.GRID_WORKER, grid=g) for g in micro]
        + [
            RoleAssignment(
                user=by_name["bench_operator"],
                role=Role.OPERATOR,
                grid=Grid.objects.get(code="350427"),
            )
        ],
        ignore_conflicts=True,
    )
    reporter, _ = User.objects.get_or_create(username="bench_resident")
    token = token_issue(user=reporter).key
    key = api_client_create(actor=None, name=f"bench {time.time_ns()}")[1]
    points = []
    rng = random.Random(7)
    for g in micro:
        geom = shape(g.geometry)
        minx, miny, maxx, maxy = geom.bounds
        for _ in range(POINTS_PER_GRID):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if geom.contains(shape({"type": "Point", "coordinates": [x, y]})):
                points.append((y, x))
    return token, key, points


def settle() -> None:
    """Closes every report earlier rounds left open: each round starts in a county whose earlier
    reports were handled, as a real one's mostly are (docs/benchmarks.md). Without this the
    bench's own flood stays open in the 72-hour window on a few square kilometres, tens of
    thousands of reports that every later report's duplicate search would read through. The
    bare rounds' copies lie outside the county (`BARE_LAT`) and are left as they are. (The state
    guard asks each change of state for a higher event count; the bench writes no events for
    it, the database is the bench's own.)"""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET state = 'closed', closed_at = now(), "
            "event_count = event_count + 1 "
            "WHERE state <> 'closed' AND lat IS DISTINCT FROM %s",
            [BARE_LAT],
        )
        cur.execute("VACUUM ANALYZE cases_case")


def duplicates_found(after_id: int) -> float:
    """Mean duplicate candidates offered per case created after `after_id`."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT avg(jsonb_array_length(duplicate_candidates)) FROM cases_case WHERE id > %s",
            [after_id],
        )
        (mean,) = cur.fetchone()
    return float(mean or 0)


def last_case_id() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM cases_case")
        return cur.fetchone()[0]


TEXTS = ["楼下掉了一地的碎玻璃渣", "路面有大片油污", "门口路面很脏", "人行道上碎玻璃"]


@dataclass
class Round:
    """One round of posts: answered as expected, other answers and socket errors, latency
    percentiles (ms) and the load generator's own CPU seconds."""

    answered: int
    errors: int
    p50: float
    p95: float
    p99: float
    client_cpu: float


@dataclass
class Load:
    """How the posts are sent: `wrk` (Debian's wrk with bench/intake.lua: a C client whose CPU
    is not the server's) or `python` (threads of this process, http.client)."""

    kind: str
    token: str
    open311_key: str
    points: list[tuple[float, float]]
    points_file: str

    def round(self, n: int, seconds: float, *, open311: bool = False) -> Round:
        if self.kind == "wrk":
            return wrk_clients(n, seconds, self, open311=open311)
        cpu0 = time.process_time()
        count, lat, errors = http_clients(
            n, seconds, self.token, self.points, open311_key=self.open311_key if open311 else None
        )
        return Round(
            count, errors, pct(lat, 50) * 1000, pct(lat, 95) * 1000, pct(lat, 99) * 1000,
            time.process_time() - cpu0,
        )  # fmt: skip


def wrk_clients(n: int, seconds: float, load: Load, *, open311: bool) -> Round:
    """`n` connections from wrk (at most one thread per core) for `seconds` (whole seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk", "-t", str(min(n, os.cpu_count() or 1)), "-c", str(n),
            "-d", f"{max(1, round(seconds))}s", "--timeout", "60s",
            "-s", str(Path(__file__).resolve().parent / "intake.lua"),
            f"http://127.0.0.1:{PORT}", "--",
            "open311" if open311 else "rest",
            load.open311_key if open311 else load.token, load.points_file,
        ],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRK "))
    requests, status_errors, socket_errors, p50, p95, p99 = (int(x) for x in line.split()[1:])
    return Round(
        requests - status_errors, status_errors + socket_errors, p50 / 1000, p95 / 1000,
        p99 / 1000, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
    )  # fmt: skip


def http_clients(
    n: int, seconds: float, token: str, points, *, open311_key: str | None = None
) -> tuple[int, list[float], int]:
    """`n` keep-alive clients posting reports for `seconds`: the REST intake with the token, or
    with `open311_key` Open311 POSTs. Returns (answered, latencies, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def request(k: int, i: int, rng: random.Random) -> tuple[str, str, dict[str, str], int]:
        lat, lng = rng.choice(points)
        text = f"{rng.choice(TEXTS)}（{n}-{k}-{i}-{time.time_ns()}）"
        if open311_key is not None:
            form = urlencode(
                {"api_key": open311_key, "service_code": "E0104", "lat": lat, "long": lng,
                 "description": text, "first_name": "明", "last_name": "王"}
            )  # fmt: skip
            # Posts come from many client addresses, as an app's residents post (the server
            # trusts one proxy's X-Forwarded-For, as behind nginx): each address's rate-limit
            # history stays as short as a real one. From one address, the history of every
            # post in the hour (tens of kB) would be rewritten on each post.
            peer = (k * 100_003 + i) % CLIENT_ADDRESSES
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": f"10.0.{peer // 250}.{peer % 250 + 1}",
            }
            return "/open311/v2/requests.json", form, headers, 200
        body = json.dumps({"description": text, "lat": lat, "lng": lng, "category_code": "E0104"})
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            "Idempotency-Key": f"bench-{n}-{k}-{i}-{time.time_ns()}",
        }
        return "/api/v1/cases/", body, headers, 201

    def run(k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        mine, bad = [], 0
        i = 0
        while time.perf_counter() < stop:
            path, body, headers, expected = request(k, i, rng)
            t0 = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status == expected:
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


def server_cpu(proc: subprocess.Popen) -> float:
    """User + system CPU seconds of the gunicorn master and its workers so far (/proc)."""
    pids = [proc.pid]
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    return cpu_of(pids)


def db_cpu() -> float:
    """User + system CPU seconds so far of every PostgreSQL process on this host (the server
    runs on the same machine: its backends, WAL writer and checkpointer are the database's
    share of each round). The postmaster's reaped children count too (cutime, cstime): a
    backend that closed during the round keeps its share."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return cpu_of(pids, reaped=True)


def cpu_of(pids: list[int], *, reaped: bool = False) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / tick


def service_cpu(n: int, points) -> tuple[float, float]:
    """CPU and wall milliseconds per `case_submit` in this process, over `n` reports after a
    warm-up (caches loaded): the service alone, without HTTP, DRF or authentication."""
    from wangge.accounts.models import User
    from wangge.cases.services import case_submit

    resident = User.objects.get(username="bench_resident")
    rng = random.Random(11)

    def one(i: int) -> None:
        lat, lng = rng.choice(points)
        case_submit(
            actor=resident, channel="h5", description=f"{rng.choice(TEXTS)}（cpu-{i}）",
            lat=lat, lng=lng, category_code="E0104",
        )  # fmt: skip

    for i in range(20):
        one(-i - 1)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(n):
        one(i)
    return (
        (time.process_time() - cpu0) / n * 1000,
        (time.perf_counter() - wall0) / n * 1000,
    )


def http_in_process(n: int, token: str, key: str, points, *, profile: str = "") -> dict[str, float]:
    """CPU milliseconds per request of the REST and the Open311 intake through Django's whole
    stack in this process (middleware, DRF, authentication, the service, rendering; no socket):
    `n` of each after a warm-up, and PostgreSQL's CPU per request (`rest_db`, `open311_db`).
    With `profile`, cProfile's statistics of both go to that file and their 30 costliest
    functions (by own time) are printed."""
    import cProfile
    import pstats

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(13)

    def rest(i: int) -> None:
        lat, lng = rng.choice(points)
        body = json.dumps(
            {"description": f"{rng.choice(TEXTS)}（p{i}-{time.time_ns()}）", "lat": lat,
             "lng": lng, "category_code": "E0104"}
        )  # fmt: skip
        r = client.post(
            "/api/v1/cases/", body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=f"p-{i}-{time.time_ns()}",
        )  # fmt: skip
        assert r.status_code == 201, r.content[:300]

    def open311(i: int) -> None:
        lat, lng = rng.choice(points)
        r = client.post(
            "/open311/v2/requests.json",
            {"api_key": key, "service_code": "E0104", "lat": lat, "long": lng,
             "description": f"{rng.choice(TEXTS)}（o{i}-{time.time_ns()}）",
             "first_name": "明", "last_name": "王"},
        )  # fmt: skip
        assert r.status_code == 200, r.content[:300]

    out: dict[str, float] = {}
    # CPU time, not wall time: round trips to PostgreSQL are not this process's cost.
    prof = cProfile.Profile(time.process_time) if profile else None
    for name, fn in (("rest", rest), ("open311", open311)):
        for i in range(20):
            fn(-i - 1)
        cpu0, db0 = time.process_time(), db_cpu()
        if prof:
            prof.enable()
        for i in range(n):
            fn(i)
        if prof:
            prof.disable()
        out[name] = (time.process_time() - cpu0) / n * 1000
        out[f"{name}_db"] = (db_cpu() - db0) / n * 1000
    if prof:
        prof.dump_stats(profile)
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(80)
    return out


def pg_clients(n: int, seconds: float, templates: dict) -> tuple[int, list[float], float]:
    """The same rows per transaction, straight through psycopg. Returns (committed, latencies,
    PostgreSQL's CPU seconds over the round, read before the connections close)."""
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
    # One inbox row per reader the intake notifies (the grid's worker, the district's operator),
    # in one statement as the intake writes them.
    readers = templates["readers"]
    one_row = f"({', '.join(['%s'] * len(inbox_cols))})"
    inbox_sql = f"INSERT INTO notify_inboxitem ({', '.join(inbox_cols)}) VALUES " + ", ".join(
        [one_row] * len(readers)
    )

    failures: list[BaseException] = []

    def run(k: int) -> None:
        try:
            commit(k)
        except BaseException as exc:  # reported after the round, not hung on the barriers
            failures.append(exc)
            done.abort()

    def commit(k: int) -> None:
        mine = []
        i = 0
        with psycopg.connect(dsn) as conn:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                with conn.transaction():
                    row = dict(zip(case_cols, case_vals, strict=True))
                    row["tracking_code"] = bare_code(next(SEQUENCE))
                    (case_id,) = conn.execute(case_sql, list(row.values())).fetchone()
                    for seq in (1, 2):
                        ev = dict(zip(ev_cols, ev_vals, strict=True))
                        ev.update(case_id=case_id, seq=seq)
                        conn.execute(ev_sql, list(ev.values()))
                    values = []
                    for user_id in readers:
                        ib = dict(zip(inbox_cols, inbox_vals, strict=True))
                        ib.update(user_id=user_id, dedupe_key=f"pg:{case_id}")
                        values += ib.values()
                    conn.execute(inbox_sql, values)
                mine.append(time.perf_counter() - t0)
                i += 1
            done.wait()  # the backends' CPU is read while they still exist
            closing.wait()
        with lock:
            latencies.extend(mine)

    done, closing = threading.Barrier(n + 1), threading.Barrier(n + 1)
    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    db0 = db_cpu()
    for t in threads:
        t.start()
    try:
        done.wait()
    except threading.BrokenBarrierError:
        closing.abort()
        for t in threads:
            t.join()
        raise RuntimeError("a bare psycopg client failed") from failures[0]
    db = db_cpu() - db0
    closing.wait()
    for t in threads:
        t.join()
    return len(latencies), latencies, db


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

    with connection.cursor() as cur:
        cur.execute(
            "SELECT user_id FROM notify_inboxitem WHERE dedupe_key = "
            "(SELECT dedupe_key FROM notify_inboxitem ORDER BY id DESC LIMIT 1)"
        )
        readers = [r[0] for r in cur.fetchall()]
    case = fetch("SELECT * FROM cases_case ORDER BY id DESC LIMIT 1")
    cols, vals = case
    # Keys that must stay unique are left empty (NULL) in the copies; the point is moved out of
    # the county (same kind of value, same indexes), so that the copies, open as the intake's
    # case is, stay out of every report's duplicate search.
    vals = [
        None if c in ("idempotency_key", "external_id")
        else BARE_LAT if c == "lat"
        else v
        for c, v in zip(cols, vals, strict=True)
    ]  # fmt: skip
    return {
        "case": (cols, vals),
        "event": fetch("SELECT * FROM cases_caseevent ORDER BY id DESC LIMIT 1"),
        "inbox": fetch("SELECT * FROM notify_inboxitem ORDER BY id DESC LIMIT 1"),
        "readers": readers,
    }


def layout(workers: int, threads: int) -> tuple[int, int]:
    """The server's processes × threads: the command line's, else gunicorn.conf.py's."""
    import runpy

    conf = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    return workers or conf["workers"], threads or conf["threads"]


# Settings of the server, and of this process when it measures in-process (as production runs).
SERVER_ENV = {
    "WANGGE_DEBUG": "0",
    "WANGGE_SECRET_KEY": SECRET_KEY,
    "WANGGE_CHAIN_KEY": "bench-chain-" + "x" * 40,
    # Plain HTTP on loopback (production sits behind a TLS proxy).
    "WANGGE_SSL_REDIRECT": "0",
    # One proxy in front (its X-Forwarded-For names the Open311 posts' client addresses);
    # the per-address Open311 limit lifted all the same, whatever a round's length.
    "WANGGE_NUM_PROXIES": "1",
    "WANGGE_OPEN311_POST_RATE": "100000000/hour",
}


def http_parser() -> str:
    """The parser gunicorn's default (`auto`) picks: the C one of `gunicorn[fast]` where it is
    installed (`GUNICORN_CMD_ARGS="--http-parser python"` forces the other)."""
    if "python" in os.environ.get("GUNICORN_CMD_ARGS", ""):
        return "Python"
    try:
        import gunicorn_h1c
    except ImportError:
        return "Python"
    version = getattr(gunicorn_h1c, "__version__", None)
    return f"C (gunicorn_h1c {version})" if version else "C (gunicorn_h1c)"


def server(workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, **SERVER_ENV)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wangge.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            *(["-w", str(workers)] if workers else []),
            *(["--threads", str(threads)] if threads else []),
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


def cpu_only(args: argparse.Namespace, token: str, key: str, points) -> None:
    """CPU per intake in this process: the service alone, then whole requests."""
    settle()
    cpu_ms, wall_ms = service_cpu(args.cpu_intakes, points)
    print(f"case_submit in-process over {args.cpu_intakes} reports: {cpu_ms:.2f} ms CPU, "
          f"{wall_ms:.2f} ms wall")  # fmt: skip
    settle()
    per = http_in_process(args.cpu_intakes, token, key, points, profile=args.profile)
    for name, label in (("rest", "REST"), ("open311", "Open311")):
        print(
            f"{label} POST in-process over {args.cpu_intakes} requests: {per[name]:.2f} ms CPU, "
            f"PostgreSQL {per[name + '_db']:.2f} ms CPU"
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def row(n: int, seconds: float, r: Round, cpu: float, db: float) -> str:
    per = 1000 / max(r.answered, 1)
    return (
        f"{n:>7} {r.answered / seconds:>8.1f} {r.p50:>8.1f} {r.p95:>8.1f} {r.p99:>8.1f} "
        f"{r.errors:>6} {cpu * per:>8.1f} {db * per:>7.1f} {r.client_cpu * per:>7.2f}"
    )


def measured(proc: subprocess.Popen, fn) -> tuple[Round, float, float, float]:
    """A round of posts with the server's and PostgreSQL's CPU seconds over it, and the mean
    duplicate candidates its reports were offered."""
    settle()
    first = last_case_id()
    cpu0, db0 = server_cpu(proc), db_cpu()
    r = fn()
    cpu, db = server_cpu(proc) - cpu0, db_cpu() - db0
    return r, cpu, db, duplicates_found(first)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4, help="length of each round")
    ap.add_argument(
        "--pairs", type=int, default=3,
        help="REST, bare and Open311 rounds taken in turn this many times per client count",
    )  # fmt: skip
    ap.add_argument("--clients", default="1,8,32")
    ap.add_argument("--closed", type=int, default=0, help="closed cases to add for the sweep")
    ap.add_argument("--open", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=0, help="default: gunicorn.conf.py's")
    ap.add_argument("--threads", type=int, default=0, help="default: gunicorn.conf.py's")
    ap.add_argument(
        "--load", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
        help="the HTTP clients: wrk (default where installed) or this process's threads",
    )  # fmt: skip
    ap.add_argument("--cpu-intakes", type=int, default=300)
    ap.add_argument("--cpu-only", action="store_true",
                    help="only the in-process CPU figures (no server, no sweep)")  # fmt: skip
    ap.add_argument(
        "--profile", default="", help="with --cpu-only: cProfile statistics to this file"
    )
    args = ap.parse_args()
    os.environ.update(SERVER_ENV)
    # Contact phones are encrypted: the server (DEBUG off) needs keys; fixed ones for the bench.
    os.environ.setdefault(
        "WANGGE_FIELD_KEYS", base64.b64encode(b"bench-field-key".ljust(32)).decode()
    )
    os.environ.setdefault(
        "WANGGE_LOOKUP_KEY", base64.b64encode(b"bench-lookup-key".ljust(32)).decode()
    )
    # The per-client limits of a live deployment would refuse a bench's flood of posts.
    os.environ.setdefault("WANGGE_OPEN311_POST_RATE", "1000000/hour")
    os.environ.setdefault("WANGGE_INTAKE_RATE", "1000000/hour")
    os.environ.setdefault("WANGGE_ANON_RATE", "1000000/hour")
    vendor = setup()
    if vendor != "postgresql":
        sys.exit("bench/intake.py needs DATABASE_URL=postgres://…")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    token, key, points = prepare()
    if args.cpu_only:
        cpu_only(args, token, key, points)
        return
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as points_file:
        points_file.writelines(f"{lat!r} {lng!r}\n" for lat, lng in points)
        points_file.flush()
        load = Load(args.load, token, key, points, points_file.name)
        proc = server(args.workers, args.threads)
        try:
            results = rounds(args, proc, load)
        finally:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    report(args.seconds * args.pairs, results)
    settle()
    cpu_ms, wall_ms = service_cpu(args.cpu_intakes, points)
    print(
        f"\ncase_submit in-process over {args.cpu_intakes} reports: {cpu_ms:.2f} ms CPU, "
        f"{wall_ms:.2f} ms wall per intake"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.closed:
        sweep(args.closed, args.open)


def rounds(args: argparse.Namespace, proc: subprocess.Popen, load: Load) -> list[tuple]:
    workers, threads = layout(args.workers, args.threads)
    kind = "sync workers" if threads == 1 else f"gthread workers × {threads} threads"
    clients = "wrk" if load.kind == "wrk" else "threads of this process"
    print(
        f"intake over HTTP (gunicorn, {workers} {kind}, {http_parser()} HTTP parser; "
        f"clients: {clients}) vs psycopg alone"
    )
    load.round(32, 5)  # warm up every worker (jieba, locator, caches)
    load.round(8, 3, open311=True)
    templates = row_templates()
    results = []
    for n in [int(x) for x in args.clients.split(",")]:
        # REST, bare and Open311 rounds in turn, `pairs` times: the machine's speed drifts
        # over minutes on a shared host, and rounds taken in turn meet the same drift.
        rests, bares, opens = [], [], []
        for _ in range(args.pairs):
            rests.append(measured(proc, lambda n=n: load.round(n, args.seconds)))
            bares.append(pg_clients(n, args.seconds, templates))
            opens.append(measured(proc, lambda n=n: load.round(n, args.seconds, open311=True)))
        rest, o = pooled(rests), pooled(opens)
        bare = (
            sum(b[0] for b in bares),
            [x for b in bares for x in b[1]],
            sum(b[2] for b in bares),
        )
        turns = [r[0].answered / max(b[0], 1) for r, b in zip(rests, bares, strict=True)]
        results.append((n, rest, bare, o))
        print(
            f"  {n} clients done (load {os.getloadavg()[0]:.2f}; duplicate candidates offered "
            f"per report: REST {rest[3]:.2f}, Open311 {o[3]:.2f}; ratio in each turn: "
            f"{', '.join(f'{t:.2f}' for t in turns)})"
        )
    return results


def pooled(rounds: list[tuple[Round, float, float, float]]) -> tuple[Round, float, float, float]:
    """Rounds of the same kind as one: counts and CPU summed, the median round's p50 and the
    worst round's p95 and p99 (wrk reports percentiles, not latencies)."""
    rs = [r for r, *_ in rounds]
    return (
        Round(
            sum(r.answered for r in rs),
            sum(r.errors for r in rs),
            statistics.median(r.p50 for r in rs),
            max(r.p95 for r in rs),
            max(r.p99 for r in rs),
            sum(r.client_cpu for r in rs),
        ),
        sum(x[1] for x in rounds),
        sum(x[2] for x in rounds),
        statistics.fmean(x[3] for x in rounds),
    )


def report(s: float, results: list[tuple]) -> None:
    head = (
        f"{'clients':>7} {'posts/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6} {'cpu ms':>8} {'db ms':>7} {'load ms':>7}"
    )
    print(
        "\nREST POST /api/v1/cases/ (cpu ms: gunicorn CPU per answered request; db ms: "
        "PostgreSQL's CPU per request, then per bare transaction; load ms: the clients' own CPU "
        "per request, on the same cores)"
    )
    print(head + f" {'pg/s':>8} {'pg p50':>7} {'pg p99':>7} {'pg db':>6} {'ratio':>6}")
    for n, (r, cpu, db, _d), (pg_count, pg_lat, pg_db), _o in results:
        print(
            row(n, s, r, cpu, db) + f" {pg_count / s:>8.1f} {pct(pg_lat, 50) * 1000:>7.1f} "
            f"{pct(pg_lat, 99) * 1000:>7.1f} {pg_db * 1000 / max(pg_count, 1):>6.2f} "
            f"{r.answered / max(pg_count, 1):>6.2f}"
        )
    print("\nOpen311 POST /open311/v2/requests.json beside the REST intake")
    print(head + f" {'/REST':>6}")
    for n, (r, *_r), _pg, (o, o_cpu, o_db, _d) in results:
        print(row(n, s, o, o_cpu, o_db) + f" {o.answered / max(r.answered, 1):>6.2f}")


def sweep(closed: int, open_: int) -> None:
    from django.db import connection

    from wangge.cases.models import Case

    # The HTTP rounds left open cases due later; the sweep baseline is measured on them.
    print(f"sweep: {Case.objects.count()} cases before adding history")
    base = time_sweep("idle, before history")
    t0 = time.perf_counter()
    fill_history(closed, open_)
    print(f"  added {closed} closed + {open_} open in {time.perf_counter() - t0:.1f} s")
    after = time_sweep(f"idle, {closed} closed + {open_} open")
    print(f"  ratio idle-after / idle-before: {after / base:.2f}")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET respond_by = now() - interval '1 minute' "
            "WHERE id IN (SELECT id FROM cases_case WHERE tracking_code LIKE 'O%%' LIMIT %s)",
            [max(open_ // 100, 1)],
        )
    time_sweep(f"with {max(open_ // 100, 1)} due (escalated)", rounds=1)


if __name__ == "__main__":
    main()
