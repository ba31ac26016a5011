"""A city-sized database (10 M cases over five years) and the reads that must stay fast on it.

Build (a fresh PostgreSQL database; the name must contain "scale"):

    createdb -h 127.0.0.1 -U postgres wangge_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_scale \\
        .venv/bin/python bench/scale.py --cases 10000000

1. `migrate` and `demo_load`: the demo county, its users and a year of cases whose histories
   the live workflow replayed (`workflow.Replay`, stored by `workflow.history_store`).
2. Those demo cases are the templates. Each new case copies one, moved back in time by whole
   days (plus up to an hour for settled ones), with its own id, tracking code and, for the
   last `--events-days` days, its whole event chain (hashes recomputed by `chain.event_hash`,
   so `cases_verify_chain` passes), its answers (回访/评价) and co-handling departments.
   Cases younger than a year copy a demo case of the same age (its state, deadlines and
   overdue flag); older ones copy a settled one. All of it goes in through COPY, with the
   secondary indexes and foreign keys of the loaded tables dropped first and built again after
   (the bulk-load path PostgreSQL documents), then VACUUM ANALYZE.
3. The summary tables: each template's counters by the roll-up's own `classify` and
   `durations` (a copy counts what its template counts), summed per day and key in SQL —
   what `stats_rollup(full=True)` writes (`--check-summary` compares the two on a small build;
   `--full-rollup` uses the roll-up itself). Then one SLA sweep and ANALYZE, so the database is
   as a running county would leave it.

Measure (the same database; adds 10,000 cases for the roll-up figure, so it grows a little):

    DATABASE_URL=… .venv/bin/python bench/scale.py --measure

Starts gunicorn on loopback (as bench/intake.py does) and times each read sequentially and from
8 client threads (each with its own keep-alive connection), beside a baseline measured in the
same run: a bare `SELECT 1` round trip and a primary-key fetch over psycopg, and `/healthz` over
HTTP. Then the SLA sweep idle and with 100 due, and the roll-up after 10,000 new cases and with
nothing new.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._django import setup

DAY = 86_400
YEARS = 5
SEQ_ROUNDS = 40
CONC_CLIENTS = 8
CONC_ROUNDS = 15  # per client
GOAL_SEQ_MS = 100
GOAL_CONC_MS = 300
TABLES = (
    "cases_case",
    "cases_caseevent",
    "cases_casefeedback",
    "cases_caserating",
    "cases_case_co_departments",
)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- COPY text format -------------------------------------------------------------------------

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value: Any) -> str:
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESC)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_ESC)


# --- the templates ----------------------------------------------------------------------------


class Table:
    """Rows of one table read as templates, their columns and which of them are times."""

    def __init__(self, cur: Any, sql: str, params: list[Any] | None = None) -> None:
        cur.execute(sql, params or [])
        self.columns = [c.name for c in cur.description]
        self.rows = cur.fetchall()
        self.index = {c: i for i, c in enumerate(self.columns)}
        sample = defaultdict(bool)
        for row in self.rows:
            for i, v in enumerate(row):
                sample[i] |= isinstance(v, datetime)
        self.times = [i for i, is_time in sample.items() if is_time]


def tracking_codes(existing: set[str]):
    from wangge.cases.services import TRACKING_ALPHABET, TRACKING_LENGTH

    base = len(TRACKING_ALPHABET)
    k = 0
    while True:
        n, chars = k, []
        for _ in range(TRACKING_LENGTH):
            n, r = divmod(n, base)
            chars.append(TRACKING_ALPHABET[r])
        k += 1
        code = "".join(reversed(chars))
        if code not in existing:
            yield code


def constraints_of(cur: Any, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(drop, create) statements for the secondary indexes, unique and foreign-key constraints
    of `tables`: dropped before the COPY, made again after (primary keys and checks stay)."""
    out: list[tuple[str, str]] = []
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')",
        [list(tables)],
    )
    for table, name, definition in cur.fetchall():
        out.append(
            (
                f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
            )
        )
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [list(tables)],
    )
    for name, definition in cur.fetchall():
        out.append((f'DROP INDEX "{name}"', definition))
    return out


def rebuild(conn_kw: dict[str, Any], drops: list[tuple[str, str]]) -> None:
    import psycopg

    with psycopg.connect(**conn_kw, autocommit=True) as admin, admin.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _drop, create in drops:
            cur.execute(create)
        for table in TABLES:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )


def build(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wangge.cases.chain import event_hash
    from wangge.cases.demo import KEY_PREFIX
    from wangge.cases.models import FINAL_STATES, Case
    from wangge.core.hashchain import keyed_hash

    t_start = time.perf_counter()
    phases: list[tuple[str, float]] = []

    def phase(name: str, t0: float) -> float:
        t1 = time.perf_counter()
        phases.append((name, t1 - t0))
        log(f"{name}: {t1 - t0:.1f} s")
        return t1

    t0 = time.perf_counter()
    if not Case.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        call_command("demo_load", quiet_logins=True, verbosity=0)
    have = Case.objects.count()
    t0 = phase(f"migrate + demo_load ({have} cases)", t0)
    target = args.cases - have
    if target <= 0:
        log(f"already {have} cases; nothing to add")
        return

    with connection.cursor() as cur:
        # Every case there is (the demo's year and the few other steps filed) is a template.
        cases = Table(cur, "SELECT * FROM cases_case ORDER BY id")
        ids = [r[0] for r in cases.rows]
        events = Table(cur, "SELECT * FROM cases_caseevent WHERE case_id = ANY(%s) "
                            "ORDER BY case_id, seq", [ids])  # fmt: skip
        feedback = Table(cur, "SELECT * FROM cases_casefeedback WHERE case_id = ANY(%s)", [ids])
        ratings = Table(cur, "SELECT * FROM cases_caserating WHERE case_id = ANY(%s)", [ids])
        codeps = Table(cur, "SELECT * FROM cases_case_co_departments WHERE case_id = ANY(%s)",
                       [ids])  # fmt: skip
        cur.execute("SELECT tracking_code FROM cases_case")
        existing_codes = {r[0] for r in cur.fetchall()}
        next_id = {}
        for table in TABLES:
            cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
            next_id[table] = cur.fetchone()[0]
    now = timezone.now()
    ci = cases.index
    by_case: dict[str, dict[int, list[tuple]]] = {}
    for name, table in (("events", events), ("feedback", feedback), ("ratings", ratings),
                        ("codeps", codeps)):  # fmt: skip
        grouped: dict[int, list[tuple]] = defaultdict(list)
        for row in table.rows:
            grouped[row[table.index["case_id"]]].append(row)
        by_case[name] = grouped
    # Templates by age in whole days; settled ones (a final state, 60+ days old) for old cases.
    by_age: dict[int, list[int]] = defaultdict(list)
    settled: list[int] = []
    for i, row in enumerate(cases.rows):
        age = int((now - row[ci["created_at"]]).total_seconds() // DAY)
        by_age[age].append(i)
        if age >= 60 and row[ci["state"]] in FINAL_STATES:
            settled.append(i)
    ages = sorted(by_age)
    max_age = ages[-1]
    for a in range(max_age + 1):  # a day the demo left empty borrows its nearest neighbour
        if a not in by_age:
            by_age[a] = by_age[min(ages, key=lambda x, a=a: abs(x - a))]
    t0 = phase(f"templates ({len(cases.rows)} cases, {len(events.rows)} events)", t0)

    import psycopg

    dsn = connection.get_connection_params()
    dsn.pop("cursor_factory", None)
    dsn.pop("context", None)
    conn_kw = {k: v for k, v in dsn.items() if k in ("host", "port", "dbname", "user", "password")}
    with psycopg.connect(**conn_kw, autocommit=True) as admin, admin.cursor() as cur:
        drops = constraints_of(cur, TABLES)
        for drop, _create in drops:
            cur.execute(drop)
    t0 = phase(f"dropped {len(drops)} secondary indexes and constraints", t0)

    def load() -> tuple[int, int, Any]:
        nonlocal t0
        # The plan goes in by COPY (one short row per new case: its id, template, time shift, code
        # and chain head); PostgreSQL then expands it against the templates in one INSERT … SELECT
        # per table. Events, whose hashes cover the new id and times, are COPYed as computed.
        plan_conn = psycopg.connect(**conn_kw)
        event_conn = psycopg.connect(**conn_kw)
        opened.extend([plan_conn, event_conn])
        for c in (plan_conn, event_conn):
            c.execute("SET synchronous_commit = off")
        plan_conn.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_scale_plan (id bigint, tpl bigint, "
            "shift integer, code varchar(8), head varchar(64))"
        )
        plan_conn.execute("TRUNCATE bench_scale_plan")
        rng = random.Random(args.seed)
        codes = tracking_codes(existing_codes)
        span = getattr(args, "years", YEARS) * 365
        ev = events.index
        # Per template event: its fields in COPY text, with the slots that change per copy.
        slot_id, slot_case, slot_at, slot_prev, slot_hash = (
            ev["id"], ev["case_id"], ev["created_at"], ev["prev_hash"], ev["hash"]
        )  # fmt: skip

        def middle(e: tuple) -> str:
            names = (
                "seq",
                "kind",
                "actor_id",
                "from_state",
                "to_state",
                "reason",
                "payload",
                "public",
            )
            parts = [e[ev[c]] for c in names]
            return json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))[
                1:-1
            ]

        ev_text = {
            tid: [
                ([text(v) for v in e], middle(e), e[ev["created_at"]].astimezone(UTC), e)
                for e in rows
            ]
            for tid, rows in by_case["events"].items()
        }
        checked = 0
        case_id_col, created_col = ci["id"], ci["created_at"]
        template_age = [int((now - row[created_col]).total_seconds() // DAY) for row in cases.rows]
        final_of = [row[ci["state"]] in FINAL_STATES for row in cases.rows]
        plan_buf: list[str] = []
        event_buf: list[str] = []
        n_events = 0
        new_id = next_id["cases_case"]
        event_id = next_id["cases_caseevent"]
        # Oldest first, so ids grow with the report time as they do in a running system. The
        # cases without an event chain are planned by PostgreSQL (`plan_in_sql`); Python plans
        # the newest, whose events it hashes.
        split = 0
        while split < target and span - 1 - (split * span) // target >= args.events_days:
            split += 1
        plan_in_sql(
            plan_conn, cases, split=split, target=target, first_id=new_id, span=span,
            by_age=by_age, settled=settled, template_age=template_age, final_of=final_of,
            max_age=max_age, seed=args.seed,
        )  # fmt: skip
        t0 = phase(f"plan of the {split} older cases, in SQL", t0)
        new_id += split
        plan_copy_cm = plan_conn.cursor().copy(
            "COPY bench_scale_plan (id, tpl, shift, code, head) FROM STDIN"
        )
        plan_copy = plan_copy_cm.__enter__()  # (id, tpl, shift, code, head)
        event_copy_cm = event_conn.cursor().copy(
            f"COPY cases_caseevent ({', '.join(events.columns)}) FROM STDIN"
        )
        event_copy = event_copy_cm.__enter__()

        for k in range(split, target):
            age = span - 1 - (k * span) // target
            if age <= max_age:
                t = rng.choice(by_age[age])
                days = 0
            else:
                t = rng.choice(settled)
                days = age - template_age[t]
            row = cases.rows[t]
            final = final_of[t]
            shift = days * DAY + (rng.randrange(3600) if final else 0)
            template_id = row[case_id_col]
            head = "\\N"
            if age < args.events_days:
                prev = ""
                delta = timedelta(seconds=shift)
                for fields, middle, at0, e in ev_text.get(template_id, ()):
                    at = (at0 - delta).isoformat(timespec="microseconds")
                    # chain.event_hash's canonical JSON, its constant middle made once per template.
                    body = f'[{new_id},{middle},"{at}"]'
                    h = keyed_hash(f"{prev}\n{body}")
                    if checked < 2000:  # the shortcut must agree with the project's function
                        assert h == event_hash(
                            prev_hash=prev, case_id=new_id, seq=e[ev["seq"]], kind=e[ev["kind"]],
                            actor_id=e[ev["actor_id"]], from_state=e[ev["from_state"]],
                            to_state=e[ev["to_state"]], reason=e[ev["reason"]],
                            payload=e[ev["payload"]], public=e[ev["public"]],
                            created_at=datetime.fromisoformat(at),
                        ), "event hash shortcut differs from chain.event_hash"  # fmt: skip
                        checked += 1
                    out = list(fields)
                    out[slot_id] = str(event_id)
                    out[slot_case] = str(new_id)
                    out[slot_at] = at
                    out[slot_prev] = prev
                    out[slot_hash] = h
                    event_buf.append("\t".join(out) + "\n")
                    event_id += 1
                    prev = h
                    n_events += 1
                head = prev
            plan_buf.append(f"{new_id}\t{template_id}\t{shift}\t{next(codes)}\t{head}\n")
            new_id += 1
            if len(plan_buf) >= 20_000:
                plan_copy.write("".join(plan_buf))
                plan_buf.clear()
            if len(event_buf) >= 20_000:
                event_copy.write("".join(event_buf))
                event_buf.clear()
            if k % 1_000_000 == 999_999:
                log(f"  planned {k + 1} cases, {n_events} events")
        plan_copy.write("".join(plan_buf))
        event_copy.write("".join(event_buf))
        plan_copy_cm.__exit__(None, None, None)
        event_copy_cm.__exit__(None, None, None)
        plan_conn.commit()
        event_conn.commit()
        event_conn.close()
        t0 = phase(f"COPY the plan of {target} cases and {n_events} events", t0)

        def expand(table: Table, db_table: str, *, keep_id: bool) -> int:
            """INSERT … SELECT the copies of `table`'s template rows for every planned case."""
            exprs, cols = [], []
            for i, c in enumerate(table.columns):
                if c == "id" and not keep_id:
                    continue  # the identity column numbers them
                cols.append(c)
                if c == ("id" if db_table == "cases_case" else "case_id"):
                    exprs.append("p.id")
                elif c == "tracking_code":
                    exprs.append("p.code")
                elif c == "idempotency_key":
                    exprs.append("NULL")
                elif c == "external_id":
                    exprs.append("CASE WHEN t.external_id IS NOT NULL THEN 'S' || p.id END")
                elif c == "chain_head":
                    exprs.append("coalesce(p.head, t.chain_head)")
                elif i in table.times:
                    exprs.append(f"t.{c} - make_interval(secs => p.shift)")
                else:
                    exprs.append(f"t.{c}")
            key = "id" if db_table == "cases_case" else "case_id"
            with plan_conn.cursor() as cur:
                cur.execute(
                    f"INSERT INTO {db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} "
                    f"FROM bench_scale_plan p JOIN {db_table} t ON t.{key} = p.tpl"
                )
                return cur.rowcount

        # The copies are counted by the summary tables written below, so the roll-up's change
        # log (triggers on the cases and their answers) must not log them: 16 M log rows would
        # be a full recount at the next incremental run. Replica mode skips those triggers.
        plan_conn.execute("SET session_replication_role = replica")
        n_cases = expand(cases, "cases_case", keep_id=True)
        n_fb = expand(feedback, "cases_casefeedback", keep_id=False)
        expand(ratings, "cases_caserating", keep_id=False)
        expand(codeps, "cases_case_co_departments", keep_id=False)
        plan_conn.commit()
        plan_conn.execute("SET session_replication_role = origin")
        assert n_cases == target, (n_cases, target)
        t0 = phase(f"INSERT … SELECT {target} cases, {n_fb} answers", t0)
        return n_events, n_fb, plan_conn

    opened: list[Any] = []
    try:
        n_events, n_fb, plan_conn = load()
    except BaseException:
        # A failed load's open transactions hold the locks the rebuild below needs.
        for conn in opened:
            conn.close()
        raise
    finally:
        # Made again even when the load failed, so a broken build leaves a usable schema.
        rebuild(conn_kw, drops)
    t0 = phase(f"indexes and constraints rebuilt ({len(drops)}): {n_events} events, "
               f"{n_fb} answers", t0)  # fmt: skip
    with psycopg.connect(**conn_kw, autocommit=True) as admin:
        for table in TABLES:
            admin.execute(f"VACUUM (ANALYZE) {table}")
    t0 = phase("VACUUM ANALYZE", t0)

    from wangge.cases.sweep import cases_sweep
    from wangge.stats.rollup import stats_rollup

    if args.full_rollup:
        r = stats_rollup(full=True)
        t0 = phase(f"roll-up (full: {r.days} days, {r.rows} rows)", t0)
    else:
        rows = summary_tables(plan_conn, cases)
        t0 = phase(f"summary tables from the templates' roll-up counters ({rows} rows)", t0)
    plan_conn.execute("DROP TABLE bench_scale_plan")
    plan_conn.commit()
    plan_conn.close()
    s = cases_sweep()
    t0 = phase(f"SLA sweep ({s})", t0)
    # What the sweep moved is counted by the roll-up's own incremental run.
    r = stats_rollup()
    t0 = phase(f"roll-up, incremental ({r.days} days, {r.cases} cases)", t0)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t0 = phase("ANALYZE", t0)

    if args.check_summary:
        mine = summary_fingerprint()
        stats_rollup(full=True)
        full = summary_fingerprint()
        log(f"summary check: {'same as' if mine == full else 'DIFFERS from'} a full roll-up")
        log(f"  built {mine}")
        log(f"  full  {full}")
        t0 = phase("summary check (full roll-up)", t0)

    with connection.cursor() as cur:
        cur.execute("SELECT state, count(*), count(*) FILTER (WHERE overdue) FROM cases_case "
                    "GROUP BY state ORDER BY 2 DESC")  # fmt: skip
        mix = cur.fetchall()
    total = sum(n for _s, n, _o in mix)
    log(
        "state mix: " + ", ".join(f"{st} {n / total * 100:.2f} % ({o} overdue)" for st, n, o in mix)
    )
    log(f"build total: {time.perf_counter() - t_start:.0f} s ({Case.objects.count()} cases)")


def plan_in_sql(conn: Any, cases: Table, *, split: int, target: int, first_id: int, span: int,
                by_age: dict[int, list[int]], settled: list[int], template_age: list[int],
                final_of: list[bool], max_age: int, seed: int) -> None:  # fmt: skip
    """Plan rows k = 0 … split-1 (the oldest) by INSERT … SELECT over generate_series: the
    same rules as the Python loop (a same-age template within the demo's year, else a settled
    one moved back by whole days, settled ones also up to an hour), random() seeded."""
    from wangge.cases.services import TRACKING_ALPHABET

    if split == 0:
        return
    ids = [r[cases.index["id"]] for r in cases.rows]
    conn.execute("CREATE TEMP TABLE bench_tpl (tpl bigint PRIMARY KEY, age int, final bool)")
    with conn.cursor().copy("COPY bench_tpl FROM STDIN") as cp:
        cp.write("".join(f"{ids[i]}\t{template_age[i]}\t{'t' if final_of[i] else 'f'}\n"
                         for i in range(len(ids))))  # fmt: skip
    conn.execute("CREATE TEMP TABLE bench_settled (idx int PRIMARY KEY, tpl bigint)")
    with conn.cursor().copy("COPY bench_settled FROM STDIN") as cp:
        cp.write("".join(f"{n}\t{ids[i]}\n" for n, i in enumerate(settled)))
    conn.execute("CREATE TEMP TABLE bench_by_age (age int PRIMARY KEY, tpls bigint[])")
    with conn.cursor().copy("COPY bench_by_age FROM STDIN") as cp:
        cp.write("".join(f"{a}\t{{{','.join(str(ids[i]) for i in ts)}}}\n"
                         for a, ts in by_age.items()))  # fmt: skip
    # Codes "X" + 7 letters of the tracking alphabet spelling k (the Python part's start "2").
    base = len(TRACKING_ALPHABET)
    code = " || ".join(
        f"substr('{TRACKING_ALPHABET}', ((g.k / {base**i}::bigint) % {base})::int + 1, 1)"
        for i in reversed(range(7))
    )
    conn.execute("SELECT setseed(%s)", [((seed % 1000) / 1000.0)])
    conn.execute(
        f"""
        INSERT INTO bench_scale_plan (id, tpl, shift, code)
        SELECT {first_id} + c.k, c.tpl,
               (CASE WHEN c.age > {max_age} THEN c.age - i.age ELSE 0 END) * {DAY}
               + CASE WHEN i.final THEN floor(c.r2 * 3600)::int ELSE 0 END,
               c.code
        FROM (
            SELECT g.k, g.age, g.r2, g.code,
                   CASE WHEN g.age > {max_age} THEN s.tpl
                        ELSE b.tpls[1 + floor(g.r1 * cardinality(b.tpls))::int] END AS tpl
            FROM (SELECT k, {span} - 1 - (k * {span}) / {target} AS age, random() AS r1,
                         random() AS r2, 'X' || {code} AS code
                  FROM generate_series(0::bigint, {split - 1}) AS g(k)) g
            LEFT JOIN bench_by_age b ON b.age = g.age
            LEFT JOIN bench_settled s ON s.idx = floor(g.r1 * {len(settled)})::int
        ) c JOIN bench_tpl i ON i.tpl = c.tpl
        """
    )
    # A demo case drew the same code at random: that copy takes another letter in front.
    conn.execute(
        "UPDATE bench_scale_plan p SET code = 'W' || substr(p.code, 2) WHERE p.code IN "
        "(SELECT tracking_code FROM cases_case)"
    )
    clash = conn.execute(
        "SELECT count(*) FROM bench_scale_plan p JOIN cases_case c ON c.tracking_code = p.code"
    ).fetchone()[0]
    assert clash == 0, f"{clash} planned codes clash with existing ones"


def summary_tables(conn: Any, cases: Table) -> int:
    """The summary tables as a full `stats_rollup` would write them, computed in SQL.

    A copy differs from its template only in ids and in times moved by the same shift, so the
    roll-up's own `classify` and `durations` give it the template's counters: they are worked
    out once per template (by `wangge.stats.rollup`, with the template's answers) and summed
    per report day and key by PostgreSQL. `--full-rollup` runs the roll-up itself instead
    (and proves the two agree on a small build).
    """
    from django.conf import settings
    from django.utils import timezone

    from wangge.stats import rollup
    from wangge.stats.models import (
        COUNT_FIELDS,
        CaseDailyStat,
        CaseDurationStat,
        CaseStatChange,
        RollupState,
    )

    rows = [dict(zip(cases.columns, r, strict=True)) for r in cases.rows]
    answers = rollup._latest_answers(rows)
    counter_lines, hist_lines = [], []
    for row in rows:
        c = rollup.classify(row, answers.get(row["id"]))
        if c["accepted"]:
            for metric, seconds in rollup.durations(row).items():
                c[f"{metric}_seconds"] = round(seconds)
                c[f"{metric}_timed"] = 1
                hist_lines.append(f"{row['id']}\t{metric}\t{rollup.bucket_of(seconds)}\n")
        counter_lines.append("\t".join([str(row["id"]), *(str(c[f]) for f in COUNT_FIELDS)]) + "\n")
    ints = ", ".join(f"{f} bigint" for f in COUNT_FIELDS)
    conn.execute(f"CREATE TEMP TABLE bench_counters (tpl bigint, {ints})")
    conn.execute("CREATE TEMP TABLE bench_hist (tpl bigint, metric varchar(8), bucket smallint)")
    with conn.cursor().copy("COPY bench_counters FROM STDIN") as cp:
        cp.write("".join(counter_lines))
    with conn.cursor().copy("COPY bench_hist FROM STDIN") as cp:
        cp.write("".join(hist_lines))
    # The templates count for themselves too.
    conn.execute(
        "INSERT INTO bench_scale_plan (id, tpl, shift) SELECT tpl, tpl, 0 FROM bench_counters"
    )
    conn.execute("SET work_mem = '256MB'")
    key = (
        f"((t.created_at - make_interval(secs => p.shift)) AT TIME ZONE '{settings.TIME_ZONE}')"
        "::date, t.grid_id, t.grid_path, t.category_id, t.channel, t.handling_department_id, "
        "t.assignee_id"
    )
    names = "day, grid_id, grid_path, category_id, channel, department_id, assignee_id"
    daily, durations = CaseDailyStat._meta.db_table, CaseDurationStat._meta.db_table
    # Millions of summary rows whose keys come from rows already checked: no per-row deferred
    # foreign-key checks at the commit (replica mode skips those triggers).
    conn.execute("SET session_replication_role = replica")
    conn.execute(f"DELETE FROM {daily}")
    conn.execute(f"DELETE FROM {durations}")
    cur = conn.execute(
        f"INSERT INTO {daily} ({names}, {', '.join(COUNT_FIELDS)}) "
        f"SELECT {key}, {', '.join(f'sum(k.{f})' for f in COUNT_FIELDS)} "
        "FROM bench_scale_plan p JOIN cases_case t ON t.id = p.tpl "
        "JOIN bench_counters k ON k.tpl = p.tpl GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )
    n = cur.rowcount
    conn.execute(
        f"INSERT INTO {durations} ({names}, metric, bucket, count) "
        f"SELECT {key}, h.metric, h.bucket, count(*) "
        "FROM bench_scale_plan p JOIN cases_case t ON t.id = p.tpl "
        "JOIN bench_hist h ON h.tpl = p.tpl GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
    )
    days = conn.execute(f"SELECT count(DISTINCT day) FROM {daily}").fetchone()[0]
    newest = conn.execute("SELECT max(updated_at) FROM cases_case").fetchone()[0]
    # Everything the change log holds is counted now.
    conn.execute(f"DELETE FROM {CaseStatChange._meta.db_table}")
    conn.commit()
    conn.execute("SET session_replication_role = origin")
    # The month tables (what the cockpit reads for whole months) from the daily ones, by the
    # roll-up's own function.
    months = sorted({rollup._month_of(d) for d in CaseDailyStat.objects.dates("day", "day")})
    rollup._rebuild_months(months)
    now = timezone.now()
    state, _ = RollupState.objects.get_or_create(name=rollup.STATE_NAME)
    state.watermark, state.last_run_at, state.last_full_at = newest, now, now
    state.last_days, state.runs = days, state.runs + 1
    state.save()
    return n


def summary_fingerprint() -> tuple:
    """Row counts and column sums of the summary tables (to compare two ways of filling them)."""
    from django.db import connection

    from wangge.stats.models import COUNT_FIELDS

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), {', '.join(f'sum({f})' for f in COUNT_FIELDS)}, "
            "count(DISTINCT (day, grid_id, category_id, channel, department_id, assignee_id)) "
            "FROM stats_casedailystat"
        )
        daily = cur.fetchone()
        cur.execute("SELECT count(*), sum(count), sum(bucket * count) FROM stats_casedurationstat")
        return (*daily, *cur.fetchone())


TABLE_OF = {
    "feedback": "cases_casefeedback",
    "ratings": "cases_caserating",
    "codeps": "cases_case_co_departments",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=10_000_000, help="cases in the database")
    ap.add_argument("--events-days", type=int, default=240,
                    help="cases younger than this carry their whole event chain")  # fmt: skip
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--years", type=int, default=YEARS, help="the years the cases span")
    ap.add_argument(
        "--full-rollup",
        action="store_true",
        help="fill the summary tables by stats_rollup(full=True) (slow at 10 M)",
    )
    ap.add_argument("--check-summary", action="store_true",
                    help="after building, compare the summary with a full roll-up")  # fmt: skip
    ap.add_argument("--measure", action="store_true", help="time the reads instead of building")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--budget", type=float, default=8.0,
                    help="seconds of sequential requests per read at most")  # fmt: skip
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "scale" not in url.rsplit("/", 1)[-1]:
        sys.exit("bench/scale.py needs DATABASE_URL=postgres://…/<a database named *scale*>")
    setup(migrate=True)
    if args.measure:
        measure(args)
    else:
        build(args)


PORT = int(os.environ.get("BENCH_PORT", "8117"))


def server_env() -> dict[str, str]:
    """Production settings (DEBUG off), plain HTTP on loopback as behind a TLS proxy, and this
    process's keys: the sessions made here and the phones the demo encrypted must verify."""
    from django.conf import settings

    return dict(
        os.environ,
        WANGGE_DEBUG="0",
        WANGGE_SSL_REDIRECT="0",
        WANGGE_SECURE_COOKIES="0",
        WANGGE_SECRET_KEY=settings.SECRET_KEY,
        WANGGE_FIELD_KEYS=",".join(settings.PEOPLE_FIELD_KEYS),
        WANGGE_LOOKUP_KEY=settings.PEOPLE_LOOKUP_KEY,
        WANGGE_CHAIN_KEY=settings.WANGGE_CHAIN_KEY,
    )


def server(workers: int, threads: int):
    import subprocess

    root = Path(__file__).resolve().parent.parent
    # As a deployment does: production static files carry hashed names from collectstatic.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=root, env=server_env(), check=True,
    )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wangge.wsgi", "-b", f"127.0.0.1:{PORT}",
         "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "--log-level", "warning"],
        cwd=Path(__file__).resolve().parent.parent,
        env=server_env(),
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not come up")


def session_cookie(username: str) -> str:
    """A signed-in session, made the way the login view makes one."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from wangge.accounts.models import User

    user = User.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def token_header(username: str) -> str:
    from wangge.accounts.models import User
    from wangge.accounts.tokens import token_issue

    return f"Token {token_issue(user=User.objects.get(username=username)).key}"


def http_run(path: str, headers: dict[str, str], clients: int, rounds: int) -> tuple[list, int]:
    """`rounds` GETs of `path` per client, each client on its own keep-alive connection."""
    latencies: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        mine = []
        barrier.wait()
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            mine.append(time.perf_counter() - t0)
            if resp.status != 200:
                with lock:
                    errors.append(f"{resp.status} {body[:200]!r}")
            sizes.append(len(body))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"GET {path}: {errors[0]}")
    return latencies, statistics.median(sizes) if sizes else 0


def sql_run(sql: str, params: list[Any], clients: int, rounds: int) -> list[float]:
    import psycopg
    from django.db import connection

    kw = {k: v for k, v in connection.get_connection_params().items()
          if k in ("host", "port", "dbname", "user", "password")}  # fmt: skip
    latencies: list[float] = []
    lock = threading.Lock()

    def run() -> None:
        with psycopg.connect(**kw, autocommit=True) as conn:
            mine = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                conn.execute(sql, params).fetchall()
                mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def row(label: str, seq: list[float], conc: list[float] | None, size: float = 0,
        goal: bool = True) -> None:  # fmt: skip
    def ms(v: float) -> str:
        return f"{v * 1000:8.1f}"

    c50 = ms(pct(conc, 50)) if conc else f"{'-':>8}"
    c95 = ms(pct(conc, 95)) if conc else f"{'-':>8}"
    ok = ""
    if goal:
        good = pct(seq, 95) * 1000 <= GOAL_SEQ_MS and (
            not conc or pct(conc, 95) * 1000 <= GOAL_CONC_MS
        )
        ok = "ok" if good else "MISS"
    print(f"{label:<44}{ms(pct(seq, 50))}{ms(pct(seq, 95))}{c50}{c95}{size / 1024:8.1f}  {ok}",
          flush=True)  # fmt: skip


def deep_cursor(path: str, headers: dict[str, str], depth: int) -> str | None:
    """The list's `next` link `depth` rows down, made from the row there (keyset paging)."""
    try:
        from wangge.core.pagination import cursor_encode  # type: ignore[attr-defined]
    except ImportError:
        return None
    from wangge.cases.models import Case

    at = (
        Case.objects.order_by("-created_at", "-id")
        .values_list("created_at", "id")[depth : depth + 1]
        .first()
    )
    return None if at is None else cursor_encode(at)


def measure(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.cases.models import Case, CaseState
    from wangge.grids.models import Grid

    n_cases = Case.objects.count()
    worker = User.objects.get(username="worker_a")
    micro = Grid.objects.get(code="350427001001001001")
    street = Grid.objects.get(code="350427001")
    recent = (
        Case.objects.filter(grid=micro, event_count__gt=4)
        .order_by("-created_at")
        .values_list("tracking_code", flat=True)
        .first()
    )
    claimed = Case.objects.filter(assignee=worker, state=CaseState.CLAIMED).count()
    today = timezone.localdate()
    d30, d365 = today - timedelta(days=29), today - timedelta(days=364)
    worker_h = {"Cookie": session_cookie("worker_a")}
    operator_h = {"Cookie": session_cookie("operator"), "Accept": "text/html"}
    leader_h = {"Cookie": session_cookie("leader")}
    api_h = {"Authorization": token_header("operator"), "Accept": "application/json"}
    leader_api = {"Authorization": token_header("leader"), "Accept": "application/json"}
    deep = 100_000
    cursor = deep_cursor("/api/v1/cases/", api_h, deep)
    deep_path = f"/api/v1/cases/?cursor={cursor}" if cursor else f"/api/v1/cases/?offset={deep}"
    reads = [
        ("worker queue page /grid-work/", "/grid-work/", worker_h),
        ("worker queue poll /grid-work/queue/", "/grid-work/queue/", worker_h),
        (f"case page /cases/{recent}/", f"/cases/{recent}/", operator_h),
        ("case API /api/v1/cases/<code>/", f"/api/v1/cases/{recent}/", api_h),
        ("case list API, first page", "/api/v1/cases/", api_h),
        (f"case list API, {deep:,} rows deep", deep_path, api_h),
        ("case list API, street subtree + open",
         f"/api/v1/cases/?grid={street.code}&state=dispatched,claimed", api_h),
        ("case list API, micro-grid, all states", f"/api/v1/cases/?grid={micro.code}", api_h),
        ("Open311 GET requests.json (default)", "/open311/v2/requests.json", {}),
        ("cockpit page, 30 days", f"/cockpit/?start={d30}&end={today}", leader_h),
        ("cockpit page, 365 days", f"/cockpit/?start={d365}&end={today}", leader_h),
        ("stats API cockpit, 30 days", f"/api/v1/stats/cockpit/?start={d30}&end={today}",
         leader_api),
        ("stats API cockpit, 365 days", f"/api/v1/stats/cockpit/?start={d365}&end={today}",
         leader_api),
        ("stats API summary, 365 days", f"/api/v1/stats/summary/?start={d365}&end={today}",
         leader_api),
    ]  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_case'))")
        size = cur.fetchone()[0]
        cur.execute("SELECT max(id) FROM cases_case")
        max_id = cur.fetchone()[0]
    print(f"database: {n_cases:,} cases (cases_case {size}); worker_a holds {claimed} claimed")
    print(f"goal: p95 ≤ {GOAL_SEQ_MS} ms sequential, ≤ {GOAL_CONC_MS} ms at {CONC_CLIENTS} clients")
    proc = server(args.workers, args.threads)
    try:
        print(f"gunicorn {args.workers}×{args.threads} on loopback; per read 3 warm-up, then up "
              f"to {SEQ_ROUNDS} sequential (about {args.budget:g} s) and {CONC_CLIENTS} clients "
              f"× up to {CONC_ROUNDS}")  # fmt: skip
        print(f"{'':<44}{'seq p50':>8}{'seq p95':>8}{'8c p50':>8}{'8c p95':>8}{'kB':>8}")
        # Baselines: what any request costs at least, in the same run.
        seq = sql_run("SELECT 1", [], 1, 200)
        row("baseline: SELECT 1 (psycopg)", seq, sql_run("SELECT 1", [], CONC_CLIENTS, 100),
            goal=False)  # fmt: skip
        pk = "SELECT * FROM cases_case WHERE id = %s"
        row("baseline: case by primary key (psycopg)", sql_run(pk, [max_id // 2], 1, 200),
            sql_run(pk, [max_id // 2], CONC_CLIENTS, 100), goal=False)  # fmt: skip
        http_run("/healthz", {}, CONC_CLIENTS, 5)
        seq, size_ = http_run("/healthz", {}, 1, 100)
        row("baseline: /healthz (HTTP)", seq, http_run("/healthz", {}, CONC_CLIENTS, 50)[0],
            size_, goal=False)  # fmt: skip
        for label, path, headers in reads:
            warm, _ = http_run(path, headers, 1, 3)
            # A slow read gets fewer rounds (at least 5 sequential, 2 per client): the run
            # stays within minutes on a loaded machine.
            n = max(5, min(SEQ_ROUNDS, int(args.budget / max(statistics.median(warm), 1e-3))))
            seq, size_ = http_run(path, headers, 1, n)
            conc, _ = http_run(path, headers, CONC_CLIENTS, max(2, n * CONC_ROUNDS // SEQ_ROUNDS))
            row(label, seq, conc, size_)
    finally:
        proc.terminate()
        proc.wait(60)
    maintenance(args)


def maintenance(args: argparse.Namespace) -> None:
    """The SLA sweep and the roll-up, in process (they run as periodic tasks)."""
    from django.db import connection

    from wangge.cases.sweep import cases_sweep
    from wangge.stats.rollup import stats_rollup

    def timed(fn, rounds: int = 3) -> tuple[float, Any]:
        best, out = float("inf"), None
        for _ in range(rounds):
            t0 = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t0)
        return best, out

    print(f"{'':<44}{'ms':>8}  result")
    stats_rollup()  # whatever earlier runs left
    t, r = timed(cases_sweep)
    print(f"{'SLA sweep, idle':<44}{t * 1000:8.1f}  {r}")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE cases_case SET respond_by = now() - interval '1 minute' WHERE id IN "
            "(SELECT id FROM cases_case WHERE state = 'dispatched' AND handling_grid_id IN "
            "(SELECT id FROM grids_grid WHERE parent_id IS NOT NULL) ORDER BY id DESC LIMIT 100)"
        )
        due = cur.rowcount
    t, r = timed(cases_sweep, rounds=1)
    print(f"{f'SLA sweep, {due} due':<44}{t * 1000:8.1f}  {r}")
    t, r = timed(stats_rollup)
    print(f"{'roll-up, nothing new':<44}{t * 1000:8.1f}  {r.days} days, {r.cases} cases  "
          f"(goal: milliseconds)")  # fmt: skip
    added = add_recent(10_000)
    t, r = timed(stats_rollup, rounds=1)
    print(f"{f'roll-up after {added:,} new cases':<44}{t * 1000:8.1f}  {r.days} days, "
          f"{r.cases} cases  (goal: ≤ 1000 ms)")  # fmt: skip


def add_recent(n: int) -> int:
    """`n` new cases reported over the last hour: copies of the newest, through COPY."""
    from django.db import connection

    with connection.cursor() as cur:
        # The newest 200 as they stand (their events stay with the originals: the roll-up
        # reads cases only).
        cur.execute("SELECT * FROM cases_case ORDER BY created_at DESC LIMIT 200")
        cols = [c.name for c in cur.description]
        rows = cur.fetchall()
        # Codes "Z…" (the build's own start "2…"), past those earlier runs added.
        cur.execute("SELECT tracking_code FROM cases_case WHERE tracking_code LIKE 'Z%%'")
        taken = {r[0] for r in cur.fetchall()}
        codes = (c for c in ("Z" + x[1:] for x in tracking_codes(set())) if c not in taken)
        cur.execute("SELECT max(id) FROM cases_case")
        next_id = cur.fetchone()[0] + 1
        cur.execute("SELECT now()")
        now = cur.fetchone()[0]
        idx = {c: i for i, c in enumerate(cols)}
        raw = cur.connection  # psycopg connection under Django's
        lines = []
        for k in range(n):
            r = list(rows[k % len(rows)])
            r[idx["id"]] = next_id + k
            r[idx["tracking_code"]] = next(codes)
            r[idx["idempotency_key"]] = None
            r[idx["external_id"]] = None
            at = now - timedelta(seconds=3600 * k / n)
            r[idx["created_at"]] = r[idx["updated_at"]] = at
            lines.append("\t".join(text(v) for v in r) + "\n")
        with raw.cursor() as c2, c2.copy(f"COPY cases_case ({', '.join(cols)}) FROM STDIN") as cp:
            cp.write("".join(lines))
        cur.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                    "(SELECT max(id) FROM cases_case))")  # fmt: skip
    return n


if __name__ == "__main__":
    main()
