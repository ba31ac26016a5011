"""Cockpit and roll-up on a large database: the change-log roll-up and the month tables.

Copies the demo county's year of cases (`manage.py demo_load` first) `BENCH_COPIES` times
(default 49: ten copies a year over five years, older copies closed, answers copied) with
`INSERT … SELECT`, runs `ANALYZE` and a full roll-up, then times in one run:

- the roll-up with nothing changed, after 10,000 changed cases (of the last 90 days) and after
  10,000 new cases (today);
- the cockpit payload and the summary over 30 and 365 days for the district leader, reading
  whole months from the month tables beside the same payload read from the daily tables only
  (`use_months=False`: the baseline, the same figures — asserted);
- the open/overdue density.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_rollup .venv/bin/python bench/cockpit.py

PostgreSQL only. A database already copied (more than 100,000 cases) is used as it is.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

COPIES = int(os.environ.get("BENCH_COPIES", "49"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))

AMPLIFY = """
CREATE TEMP TABLE base AS SELECT * FROM cases_case;
INSERT INTO cases_case (tracking_code, title, description, channel, state, anonymous,
  contact_name, address, lat, lng,
  grid_path, unit_path, urgent, respond_by, resolve_by, dispatched_at, claimed_at,
  resolved_at, closed_at, overdue,
  escalation_count, rework_count, extension_count, urge_count, duplicate_candidates,
  idempotency_key, request_hash,
  external_id, version, event_count, chain_head, created_at, updated_at, assignee_id,
  grid_id, handling_department_id,
  handling_grid_id, merged_into_id, reporter_id, root_id, category_id, suggested_category_id,
  contact_phone_cipher, contact_phone_hash)
SELECT 'X' || lpad(to_hex(b.id * 64 + g), 7, '0'), b.title, b.description, b.channel,
  CASE WHEN g >= 10 AND b.state IN ('submitted','dispatched','claimed','resolved') THEN
  'closed' ELSE b.state END,
  b.anonymous, b.contact_name, b.address, b.lat, b.lng, b.grid_path, b.unit_path, b.urgent,
  b.respond_by - s, b.resolve_by - s, b.dispatched_at - s, b.claimed_at - s,
  CASE WHEN g >= 10 AND b.state IN ('submitted','dispatched','claimed','resolved') THEN
  coalesce(b.resolved_at, b.claimed_at, b.dispatched_at,
  b.created_at) + interval '2 days' - s ELSE b.resolved_at - s END,
  CASE WHEN g >= 10 AND b.state IN ('submitted','dispatched','claimed','resolved') THEN
  coalesce(b.resolved_at, b.claimed_at, b.dispatched_at,
  b.created_at) + interval '2 days' - s ELSE b.closed_at - s END,
  b.overdue, b.escalation_count, b.rework_count, b.extension_count, b.urge_count,
  '[]'::jsonb, NULL, b.request_hash,
  NULL, b.version, greatest(b.event_count, 1), b.chain_head, b.created_at - s, b.updated_at - s,
  CASE WHEN g >= 10 AND b.state = 'dispatched' THEN NULL ELSE b.assignee_id END,
  b.grid_id, b.handling_department_id, b.handling_grid_id, NULL, b.reporter_id, b.root_id,
  b.category_id, b.suggested_category_id, b.contact_phone_cipher, b.contact_phone_hash
FROM base b, generate_series(1, %(copies)s) g,
  LATERAL (SELECT (g / 10) * interval '365 days' + mod(g, 10) * interval '7 minutes' AS s) sh
WHERE b.state <> 'merged';
INSERT INTO cases_casefeedback (closure, solved, satisfaction, comment, source, event_seq,
  reopened, created_at, actor_id, case_id)
SELECT f.closure, f.solved, f.satisfaction, f.comment, f.source, f.event_seq, f.reopened,
  f.created_at - (g / 10) * interval '365 days', f.actor_id, n.id
FROM cases_casefeedback f JOIN base o ON o.id = f.case_id, generate_series(1, %(copies)s) g,
  cases_case n
WHERE o.state <> 'merged' AND n.tracking_code = 'X' || lpad(to_hex(o.id * 64 + g), 7, '0');
"""

NEW_CASES = """
INSERT INTO cases_case (tracking_code, title, description, channel, state, anonymous,
  contact_name, address, lat, lng, grid_path, unit_path, urgent, respond_by, resolve_by,
  dispatched_at, claimed_at, resolved_at, closed_at, overdue, escalation_count, rework_count,
  extension_count, urge_count, duplicate_candidates, idempotency_key, request_hash, external_id,
  version, event_count, chain_head, created_at, updated_at, assignee_id, grid_id,
  handling_department_id, handling_grid_id, merged_into_id, reporter_id, root_id, category_id,
  suggested_category_id, contact_phone_cipher, contact_phone_hash)
SELECT 'N' || lpad(to_hex(id + %(salt)s), 7, '0'), title, description, channel, 'submitted',
  anonymous, contact_name, address, lat, lng, grid_path, unit_path, urgent, NULL, NULL, NULL,
  NULL, NULL, NULL, false, 0, 0, 0, 0, '[]'::jsonb, NULL, request_hash, NULL, 0, 0, '',
  now() - random() * interval '10 minutes', now(), NULL, grid_id, handling_department_id,
  handling_grid_id, NULL, reporter_id, root_id, category_id, NULL, contact_phone_cipher,
  contact_phone_hash
FROM cases_case ORDER BY id DESC LIMIT 10000
"""

CHANGED = """
UPDATE cases_case SET overdue = NOT overdue, updated_at = now()
WHERE id IN (SELECT id FROM cases_case WHERE created_at > now() - interval '90 days'
             ORDER BY md5(id::text) LIMIT 10000)
"""


def timed(fn, repeat: int = REPEAT) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs) * 1000


def main() -> None:
    setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from wangge.cases.models import Case
    from wangge.core.maintenance import analyze
    from wangge.stats import selectors
    from wangge.stats.models import CaseDailyStat, CaseMonthStat
    from wangge.stats.rollup import stats_rollup

    def sql(statement: str, params: dict | None = None) -> None:
        with connection.cursor() as cur:
            cur.execute(statement, params)

    if Case.objects.count() < 100_000:
        t = time.perf_counter()
        sql(AMPLIFY, {"copies": COPIES})
        analyze()
        print(f"copied the demo year {COPIES}× in {time.perf_counter() - t:.0f} s")
    if not CaseMonthStat.objects.exists():
        t = time.perf_counter()
        r = stats_rollup(full=True)
        analyze()
        print(f"full roll-up: {r.cases:,} cases in {time.perf_counter() - t:.0f} s")
    cases = Case.objects.count()
    print(
        f"{cases:,} cases; {CaseDailyStat.objects.count():,} daily rows, "
        f"{CaseMonthStat.objects.count():,} month rows"
    )
    stats_rollup()
    print(f"| roll-up, nothing changed | {timed(stats_rollup):,.1f} ms |")
    sql(CHANGED)
    t = time.perf_counter()
    r = stats_rollup()
    print(
        f"| roll-up, 10,000 changed cases of the last 90 days | "
        f"{(time.perf_counter() - t) * 1000:,.0f} ms ({r.keys:,} keys, {r.days} days) |"
    )
    sql(NEW_CASES, {"salt": int(time.time()) % 1000 * 2_000_000})
    t = time.perf_counter()
    r = stats_rollup()
    print(
        f"| roll-up, 10,000 new cases today | "
        f"{(time.perf_counter() - t) * 1000:,.0f} ms ({r.keys:,} keys, {r.days} days) |"
    )
    leader = get_user_model().objects.get(username="leader")
    today = timezone.localdate()
    print()
    print("| read | month + daily tables | daily tables only (baseline) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for days in (30, 365):
        start = (today - timedelta(days=days - 1)).isoformat()

        def query(months: bool, start=start):
            sq = selectors.stats_query_for_user(leader, start=start, end=today.isoformat())
            return dataclasses.replace(sq, use_months=months, extra={})

        for name, fn in (
            ("cockpit (daily trend)", lambda sq: selectors.cockpit(sq)),
            ("cockpit (monthly trend)", lambda sq: selectors.cockpit(sq, interval="month")),
            ("statistics summary", selectors.summary),
            ("open/overdue per grid", selectors.density),
        ):
            assert fn(query(True)) == fn(query(False)), name
            fast = timed(lambda fn=fn: fn(query(True)))
            slow = timed(lambda fn=fn: fn(query(False)))
            print(f"| {name}, {days} days | {fast:,.0f} ms | {slow:,.0f} ms | {slow / fast:.1f}× |")


if __name__ == "__main__":
    main()
