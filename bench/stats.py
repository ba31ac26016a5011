"""Cockpit figures from the summary tables vs the same figures computed live from the cases table.

Builds a year of cases in the demo county through the bulk path of bench/scale.py (the demo's
cases, whose histories the live workflow replayed, copied back in time by COPY: this measures
reading, not intake), runs the full roll-up, then times the
cockpit payload (`wangge.stats.selectors.cockpit`) for the district leader over 30 days and over
the whole year, beside a live computation of the same indicators with SQL aggregates over
`cases_case` (conditional counts, latest-rating subquery, percentile_cont medians) in the same
run. Also times a full and an incremental roll-up. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench .venv/bin/python bench/stats.py

BENCH_CASES (default 500000) sets the year's size; BENCH_REPEAT (default 5) the timed repeats.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._django import setup

N = int(os.environ.get("BENCH_CASES", "500000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))


def generate(n: int) -> None:
    """`n` cases over the last year, through the project's bulk path (`bench/scale.py`'s
    build: the demo county's year of cases, replayed by the live workflow, as templates, copied
    back in time by COPY and INSERT … SELECT with the indexes dropped and rebuilt). The roll-up
    reads cases only, so no copy carries its event chain."""
    from argparse import Namespace

    from bench import scale

    scale.build(
        Namespace(
            cases=n, years=1, events_days=0, seed=20261123, full_rollup=False, check_summary=False
        )
    )


def live_cockpit(user, start: date, end: date) -> dict:
    """The cockpit's figures straight from the cases table (the baseline)."""
    from django.db import connection
    from django.db.models import Count, F, OuterRef, Q, Subquery
    from django.db.models.functions import Substr, TruncDate

    from wangge.accounts.selectors import scope_for_user
    from wangge.cases.models import Case, CaseFeedback, CaseRating, FeedbackSatisfaction
    from wangge.stats.rollup import _day_range

    scope = scope_for_user(user)
    lo, hi = _day_range(start)[0], _day_range(end)[1]
    qs = Case.objects.filter(scope.path_q("grid_path"), created_at__gte=lo, created_at__lt=hi)
    # A case's latest answer, as the roll-up reads it: its last 回访 (CaseFeedback), else its
    # last old-style rating.
    rating = CaseRating.objects.filter(case=OuterRef("pk")).order_by("-created_at", "-id")
    feedback = CaseFeedback.objects.filter(case=OuterRef("pk")).order_by("-closure")
    qs = qs.annotate(
        rt=Subquery(rating.values("satisfied")[:1]),
        fb=Subquery(feedback.values("satisfaction")[:1]),
    )
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
        "rated": Count("pk", filter=acc & (Q(fb__isnull=False) | Q(rt__isnull=False))),
        "satisfied": Count(
            "pk",
            filter=acc
            & (
                (Q(fb__isnull=False) & ~Q(fb=FeedbackSatisfaction.NOT_SATISFIED))
                | (Q(fb__isnull=True) & Q(rt=True))
            ),
        ),
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

    from django.db import connection
    from django.utils import timezone

    from bench import scale
    from wangge.accounts.models import User
    from wangge.cases.models import Case
    from wangge.stats import selectors
    from wangge.stats.models import CaseDailyStat
    from wangge.stats.rollup import stats_rollup

    end = timezone.localdate()
    have = Case.objects.count()
    if have < N:
        t = time.perf_counter()
        generate(N)
        print(f"built {Case.objects.count() - have:,} cases in {time.perf_counter() - t:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    t = time.perf_counter()
    r = stats_rollup(full=True)
    full_s = time.perf_counter() - t
    rows = CaseDailyStat.objects.count()
    print(f"full roll-up: {r.cases:,} cases over {r.days} days → {rows:,} rows in {full_s:.1f} s")
    # Incremental: 1,000 new cases over the last hour (COPYed as bench/scale.py adds them).
    added = scale.add_recent(1000)
    t = time.perf_counter()
    r = stats_rollup()
    inc_s = time.perf_counter() - t
    print(f"incremental roll-up after {added:,} new cases: {r.days} days, {r.cases:,} cases "
          f"re-read in {inc_s:.2f} s")  # fmt: skip
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
