"""Cockpit figures from the summary tables vs the same figures computed live from the cases table.

Generates a year of cases in the demo county (bulk rows with realistic states and timings, not
through the workflow: this measures reading, not intake), runs the full roll-up, then times the
cockpit payload (`wangge.stats.selectors.cockpit`) for the district leader over 30 days and over
the whole year, beside a live computation of the same indicators with SQL aggregates over
`cases_case` (conditional counts, latest-rating subquery, percentile_cont medians) in the same
run. Also times a full and an incremental roll-up. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench .venv/bin/python bench/stats.py

BENCH_CASES (default 500000) sets the year's size; BENCH_REPEAT (default 5) the timed repeats.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

N = int(os.environ.get("BENCH_CASES", "500000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def code(i: int) -> str:
    out = []
    for _ in range(8):
        i, r = divmod(i, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)


def generate(n: int, end: date) -> None:
    """Bulk-insert `n` cases reported over the year before `end`, plus their ratings."""
    from django.db import transaction
    from django.utils import timezone

    from wangge.accounts.models import RoleAssignment
    from wangge.cases.models import Case, CaseRating, Category, Channel
    from wangge.grids.models import Department, Grid, GridLevel

    rng = random.Random(20261123)
    tz = timezone.get_current_timezone()
    district = Grid.objects.get(parent=None)
    micro = list(Grid.objects.filter(level=GridLevel.MICRO))
    cats = list(Category.objects.filter(code__regex=r"^[AEC][0-9]{4}$"))
    depts = list(Department.objects.all())
    workers: dict[str, list[int]] = {}
    for a in RoleAssignment.objects.filter(role="grid_worker").select_related("grid"):
        workers.setdefault(a.grid.path, []).append(a.user_id)
    channels = [Channel.H5] * 5 + [Channel.PATROL] * 6 + [Channel.HOTLINE] * 3 + [Channel.PHONE]
    channels += [Channel.CHAT]
    # Reported over the last 365 days up to now (never in the future: the roll-up's watermark
    # is the newest updated_at, and a future one would hide the incremental run's changes).
    now = timezone.now()
    start = max(
        datetime.combine(end - timedelta(days=364), datetime.min.time(), tzinfo=tz),
        now - timedelta(days=365),
    )
    base = Case.objects.count()
    batch: list[Case] = []
    ratings: list[tuple[int, bool, datetime]] = []
    H = timedelta(hours=1)

    def flush() -> None:
        with transaction.atomic():
            made = Case.objects.bulk_create(batch)
            CaseRating.objects.bulk_create(
                CaseRating(case=made[i], score=5 if ok else 2, satisfied=ok, created_at=at)
                for i, ok, at in ratings
            )
        batch.clear()
        ratings.clear()

    for i in range(n):
        created = start + (now - start) * rng.random()
        g = rng.choice(micro)
        cat = rng.choice(cats)
        asset = cat.code.startswith("A") and rng.random() < 0.5
        dept = rng.choice(depts) if asset and depts else None
        c = Case(
            tracking_code=code(base + i),
            title="生成的事件",
            description="生成的事件",
            channel=rng.choice(channels),
            category=cat,
            lat=26.6,
            lng=118.1,
            grid=g,
            grid_path=g.path,
            root=district,
            handling_grid=None if dept else g,
            handling_department=dept,
            unit_path="" if dept else g.path,
            created_at=created,
            updated_at=created,
        )
        roll = rng.random()
        age = now - created
        if roll < 0.015:
            c.state, c.closed_at = "rejected", created + H
        elif roll < 0.025:
            c.state, c.closed_at = "submitted", None
            c.grid, c.grid_path, c.handling_grid, c.unit_path = None, district.path, None, ""
        else:
            c.dispatched_at = created + timedelta(minutes=rng.uniform(1, 30))
            c.respond_by = c.dispatched_at + 4 * H
            c.resolve_by = c.dispatched_at + 72 * H
            claim = timedelta(minutes=rng.lognormvariate(3.5, 1.0))
            resolve = timedelta(hours=rng.lognormvariate(3.0, 1.0))
            c.rework_count = int(rng.random() < 0.02)
            c.extension_count = int(rng.random() < 0.03)
            if c.extension_count:
                c.resolve_by += 48 * H
            if not dept and workers.get(g.path):
                c.assignee_id = rng.choice(workers[g.path])
            state_roll = rng.random()
            if created + claim + resolve + 24 * H < now and state_roll < 0.93:
                c.state = "closed"
                c.claimed_at = c.dispatched_at + claim
                c.resolved_at = c.claimed_at + resolve
                c.closed_at = c.resolved_at + timedelta(hours=rng.uniform(1, 24))
                c.overdue = c.resolved_at > c.resolve_by
                if rng.random() < 0.35:
                    ratings.append((len(batch), rng.random() < 0.96, c.closed_at))
            elif state_roll < 0.95 and age > 72 * H:
                c.state = "suspended"
            elif c.assignee_id or dept:
                c.state = "claimed" if c.assignee_id else "dispatched"
                c.claimed_at = c.dispatched_at + claim if c.assignee_id else None
                c.overdue = now > c.resolve_by
            else:
                c.state = "dispatched"
                c.overdue = now > c.resolve_by
            if c.state == "claimed" and c.assignee_id is None:
                c.state = "dispatched"
            c.updated_at = c.closed_at or c.claimed_at or c.dispatched_at
        batch.append(c)
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()


def live_cockpit(user, start: date, end: date) -> dict:
    """The cockpit's figures straight from the cases table (the baseline)."""
    from django.db import connection
    from django.db.models import Count, F, OuterRef, Q, Subquery
    from django.db.models.functions import Substr, TruncDate

    from wangge.accounts.selectors import scope_for_user
    from wangge.cases.models import Case, CaseRating
    from wangge.stats.rollup import _day_range

    scope = scope_for_user(user)
    lo, hi = _day_range(start)[0], _day_range(end)[1]
    qs = Case.objects.filter(scope.path_q("grid_path"), created_at__gte=lo, created_at__lt=hi)
    latest = CaseRating.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    qs = qs.annotate(sat=Subquery(latest.values("satisfied")[:1]))
    acc = ~Q(state__in=["rejected", "merged"]) & (
        ~Q(state="submitted") | Q(dispatched_at__isnull=False)
    )
    closed = acc & Q(state="closed")
    susp = acc & Q(state="suspended")
    on_time = closed & (
        Q(resolve_by__isnull=True)
        | Q(resolved_at__lte=F("resolve_by"))
        | Q(resolved_at__isnull=True, closed_at__lte=F("resolve_by"))
    )
    opn = acc & Q(state__in=["submitted", "dispatched", "claimed", "resolved"])
    counts = {
        "registered": Count("pk"),
        "accepted": Count("pk", filter=acc),
        "due": Count("pk", filter=closed | susp | (acc & Q(overdue=True))),
        "closed": Count("pk", filter=closed),
        "closed_on_time": Count("pk", filter=on_time),
        "suspended": Count("pk", filter=susp),
        "reworked": Count("pk", filter=acc & Q(rework_count__gt=0)),
        "extended": Count("pk", filter=acc & Q(extension_count__gt=0)),
        "responded": Count("pk", filter=acc & Q(claimed_at__isnull=False)),
        "rated": Count("pk", filter=acc & Q(sat__isnull=False)),
        "satisfied": Count("pk", filter=acc & Q(sat=True)),
        "open_cases": Count("pk", filter=opn),
        "overdue_open": Count("pk", filter=opn & Q(overdue=True)),
    }
    out = {"summary": qs.aggregate(**counts)}
    sql, params = (
        Case.objects.filter(scope.path_q("grid_path"), created_at__gte=lo, created_at__lt=hi)
        .filter(acc)
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM claimed_at - "
            "dispatched_at)), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "
            f"resolved_at - created_at)) FROM cases_case WHERE id IN ({sql})",
            params,
        )
        out["medians"] = cur.fetchone()
    out["trend"] = list(
        qs.annotate(d=TruncDate("created_at")).values("d").annotate(**counts).order_by("d")
    )
    out["by_category"] = list(qs.values("category_id").annotate(**counts))
    out["by_channel"] = list(qs.values("channel").annotate(**counts))
    out["by_department"] = list(
        qs.exclude(handling_department=None).values("handling_department_id").annotate(**counts)
    )
    street_len = len(user.role_assignments.first().grid.path) + 10
    out["by_grid"] = list(
        qs.annotate(p=Substr("grid_path", 1, street_len)).values("p").annotate(**counts)
    )
    out["density"] = list(
        Case.objects.filter(scope.path_q("grid_path"), created_at__lt=hi)
        .filter(opn)
        .annotate(p=Substr("grid_path", 1, street_len))
        .values("p")
        .annotate(n=Count("pk"), o=Count("pk", filter=Q(overdue=True)))
    )
    return out


def timed(fn, repeat: int = REPEAT) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    vendor = setup()
    if vendor != "postgresql":
        sys.exit("bench/stats.py needs PostgreSQL: set DATABASE_URL")
    from io import StringIO

    from django.db import connection
    from django.utils import timezone

    from wangge.accounts.models import User
    from wangge.cases.models import Case
    from wangge.demo.county import load_departments, load_grids, load_users
    from wangge.stats import selectors
    from wangge.stats.models import CaseDailyStat
    from wangge.stats.rollup import stats_rollup

    for step in (load_grids, load_departments, load_users):
        step(stdout=StringIO())
    end = timezone.localdate()
    have = Case.objects.count()
    if have < N:
        t = time.perf_counter()
        generate(N - have, end)
        print(f"generated {N - have:,} cases in {time.perf_counter() - t:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t = time.perf_counter()
    r = stats_rollup(full=True)
    full_s = time.perf_counter() - t
    rows = CaseDailyStat.objects.count()
    print(f"full roll-up: {r.cases:,} cases over {r.days} days → {rows:,} rows in {full_s:.1f} s")
    # Incremental: 1,000 recent cases changed (the change log carries them to the roll-up).
    ids = list(Case.objects.order_by("-created_at").values_list("pk", flat=True)[:1000])
    Case.objects.filter(pk__in=ids).update(overdue=True)
    t = time.perf_counter()
    r = stats_rollup()
    inc_s = time.perf_counter() - t
    print(f"incremental roll-up: {r.days} days, {r.cases:,} cases re-read in {inc_s:.2f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    leader = User.objects.get(username="leader")
    print()
    print(f"| period | summary tables | live from cases | ratio | ({Case.objects.count():,} cases)")
    print("| --- | --- | --- | --- |")
    for days in (30, 365):
        start = end - timedelta(days=days - 1)
        sq = selectors.stats_query_for_user(leader, start=start.isoformat(), end=end.isoformat())
        fast = selectors.cockpit(sq)
        live = live_cockpit(leader, start, end)
        for key in ("registered", "accepted", "closed", "closed_on_time", "due", "satisfied"):
            want = live["summary"][key]
            got = fast["summary"][key if key != "open_cases" else "open"]
            assert got == want, (key, got, want)
        t_fast = timed(lambda sq=sq: selectors.cockpit(sq))
        t_live = timed(lambda s=start: live_cockpit(leader, s, end))
        print(
            f"| {days} days | {t_fast * 1000:.0f} ms | {t_live * 1000:.0f} ms "
            f"| {t_live / t_fast:.1f}× |"
        )


if __name__ == "__main__":
    main()
