"""The roll-up: cases → `CaseDailyStat` / `CaseDurationStat` (the summary tables).

Every counter of a row depends only on the stored fields of the cases reported that day, never
on the clock, so recomputing a day from scratch always gives the same rows. A run therefore
finds the days touched since the watermark (cases whose `updated_at` moved: every workflow
transition bumps it), deletes those days' rows and writes them again. Runs are serialised by
locking the `RollupState` row; a second run started meanwhile waits and then finds little left
to do. Incremental and full runs give identical tables (tested).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from wangge.cases.models import (
    Case,
    CaseFeedback,
    CaseRating,
    CaseState,
    FeedbackSatisfaction,
    FeedbackSolved,
)
from wangge.stats.models import (
    COUNT_FIELDS,
    CaseDailyStat,
    CaseDurationStat,
    DurationMetric,
    RollupState,
)

STATE_NAME = "cases"
# Histogram buckets: 0 is "under a minute"; bucket k ≥ 1 covers [60·√2^(k−1), 60·√2^k) seconds,
# so each bucket is 41 % wide and a median read from it is within about ±19 % (see docs).
BUCKET_BASE_SECONDS = 60.0
BUCKET_COUNT = 48
_ACCEPTED_EXCLUDED = (CaseState.REJECTED, CaseState.MERGED)
_OPEN = (CaseState.SUBMITTED, CaseState.DISPATCHED, CaseState.CLAIMED, CaseState.RESOLVED)
_FIELDS = (
    "id",
    "created_at",
    "state",
    "grid_id",
    "grid_path",
    "category_id",
    "channel",
    "handling_department_id",
    "assignee_id",
    "dispatched_at",
    "claimed_at",
    "resolved_at",
    "closed_at",
    "respond_by",
    "resolve_by",
    "overdue",
    "rework_count",
    "extension_count",
)
_BATCH_DAYS = 31


def bucket_of(seconds: float) -> int:
    if seconds < BUCKET_BASE_SECONDS:
        return 0
    k = 1 + math.floor(2 * math.log2(seconds / BUCKET_BASE_SECONDS))
    return min(k, BUCKET_COUNT - 1)


def bucket_bounds(k: int) -> tuple[float, float]:
    if k == 0:
        return 0.0, BUCKET_BASE_SECONDS
    return BUCKET_BASE_SECONDS * 2 ** ((k - 1) / 2), BUCKET_BASE_SECONDS * 2 ** (k / 2)


def local_day(dt: datetime) -> date:
    return timezone.localtime(dt).date()


@dataclass(frozen=True)
class Answer:
    """A case's latest answer: 问题解决了吗？ (None for an old 1–5 rating, which did not ask),
    satisfied or basically satisfied, and whether it answers the current closure."""

    solved: bool | None
    satisfied: bool
    current: bool = True


def classify(row: dict[str, Any], answer: Answer | None) -> dict[str, int]:
    """The counters one case adds to its row. `answer` is its latest answer (None: none).

    Definitions (docs/stats.md): accepted (立案) = routed to a unit at least once and neither
    rejected nor merged; due (应结案) = accepted and closed, suspended, or past its handling
    deadline (flagged overdue by the SLA sweep); on time = resolved by the (possibly extended)
    handling deadline; responded = claimed; on-time response = claimed by the response deadline.
    """
    state = row["state"]
    accepted = state not in _ACCEPTED_EXCLUDED and (
        state != CaseState.SUBMITTED or row["dispatched_at"] is not None
    )
    closed = state == CaseState.CLOSED
    suspended = state == CaseState.SUSPENDED
    is_open = state in _OPEN
    c = dict.fromkeys(COUNT_FIELDS, 0)
    c["registered"] = 1
    if not accepted:
        return c
    c["accepted"] = 1
    c["closed"] = int(closed)
    c["suspended"] = int(suspended)
    c["due"] = int(closed or suspended or row["overdue"])
    if closed:
        done_at = row["resolved_at"] or row["closed_at"]
        c["closed_on_time"] = int(row["resolve_by"] is None or done_at <= row["resolve_by"])
    c["reworked"] = int(row["rework_count"] > 0)
    c["extended"] = int(row["extension_count"] > 0)
    if row["claimed_at"] is not None:
        c["responded"] = 1
        c["responded_on_time"] = int(
            row["respond_by"] is None or row["claimed_at"] <= row["respond_by"]
        )
    if answer is not None:
        c["rated"] = 1
        c["satisfied"] = int(answer.satisfied)
        if answer.solved is not None:
            c["solve_answered"] = 1
            c["solved"] = int(answer.solved)
        c["followed_up"] = int(closed and answer.current)
    c["open_cases"] = int(is_open)
    c["overdue_open"] = int(is_open and row["overdue"])
    return c


def durations(row: dict[str, Any]) -> dict[str, float]:
    """Seconds from dispatch to claim and from report to resolution, when both ends exist."""
    out: dict[str, float] = {}
    if row["dispatched_at"] and row["claimed_at"] and row["claimed_at"] >= row["dispatched_at"]:
        out[DurationMetric.CLAIM] = (row["claimed_at"] - row["dispatched_at"]).total_seconds()
    if row["resolved_at"] and row["resolved_at"] >= row["created_at"]:
        out[DurationMetric.RESOLVE] = (row["resolved_at"] - row["created_at"]).total_seconds()
    return out


@dataclass
class RollupResult:
    full: bool
    days: int
    cases: int
    rows: int
    watermark: datetime | None


def _day_range(d: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(d, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def _batches(days: list[date]) -> Iterator[list[date]]:
    for i in range(0, len(days), _BATCH_DAYS):
        yield days[i : i + _BATCH_DAYS]


def _cases_of_days(days: Iterable[date]) -> list[dict[str, Any]]:
    # Consecutive days become one range, so a full run reads each batch in one range scan.
    q = Q()
    run: list[date] = []
    for d in [*sorted(days), None]:
        if run and (d is None or d != run[-1] + timedelta(days=1)):
            q |= Q(created_at__gte=_day_range(run[0])[0], created_at__lt=_day_range(run[-1])[1])
            run = []
        if d is not None:
            run.append(d)
    return list(Case.objects.filter(q).order_by().values(*_FIELDS))


def _latest_answers(cases: list[dict[str, Any]]) -> dict[int, Answer]:
    """Each case's latest answer: its last `CaseFeedback`, else its last old-style rating."""
    closure = {c["id"]: c["rework_count"] + 1 for c in cases}
    case_ids = list(closure)
    latest: dict[int, Answer] = {}
    for i in range(0, len(case_ids), 5000):
        chunk = case_ids[i : i + 5000]
        ratings = (
            CaseRating.objects.filter(case_id__in=chunk)
            .order_by("case_id", "created_at", "id")
            .values_list("case_id", "satisfied")
        )
        for case_id, satisfied in ratings:
            # Later ratings overwrite earlier ones; an old rating says nothing of the closure.
            latest[case_id] = Answer(solved=None, satisfied=satisfied, current=False)
        answers = (
            CaseFeedback.objects.filter(case_id__in=chunk)
            .order_by("case_id", "closure")
            .values_list("case_id", "closure", "solved", "satisfaction")
        )
        for case_id, n, solved, satisfaction in answers:
            latest[case_id] = Answer(
                solved=solved == FeedbackSolved.SOLVED,
                satisfied=satisfaction != FeedbackSatisfaction.NOT_SATISFIED,
                current=n == closure[case_id],
            )
    return latest


def _recompute(days: list[date]) -> tuple[int, int]:
    """Delete and rewrite the rows of `days`; returns (cases read, rows written)."""
    n_cases = n_rows = 0
    for batch in _batches(days):
        cases = _cases_of_days(batch)
        answers = _latest_answers(cases)
        counts: dict[tuple, dict[str, int]] = {}
        hist: dict[tuple, int] = defaultdict(int)
        for row in cases:
            key = (
                local_day(row["created_at"]),
                row["grid_id"],
                row["grid_path"],
                row["category_id"],
                row["channel"],
                row["handling_department_id"],
                row["assignee_id"],
            )
            c = classify(row, answers.get(row["id"]))
            if c["accepted"]:
                for metric, seconds in durations(row).items():
                    c[f"{metric}_seconds"] = round(seconds)
                    c[f"{metric}_timed"] = 1
                    hist[(*key, metric, bucket_of(seconds))] += 1
            acc = counts.get(key)
            if acc is None:
                counts[key] = c
            else:
                for f, v in c.items():
                    acc[f] += v
        CaseDailyStat.objects.filter(day__in=batch).delete()
        CaseDurationStat.objects.filter(day__in=batch).delete()
        names = (
            "day", "grid_id", "grid_path", "category_id", "channel", "department_id", "assignee_id"
        )  # fmt: skip
        CaseDailyStat.objects.bulk_create(
            (CaseDailyStat(**dict(zip(names, k, strict=True)), **v) for k, v in counts.items()),
            batch_size=2000,
        )
        CaseDurationStat.objects.bulk_create(
            (
                CaseDurationStat(
                    **dict(zip(names, k[:-2], strict=True)), metric=k[-2], bucket=k[-1], count=n
                )
                for k, n in hist.items()
            ),
            batch_size=2000,
        )
        n_cases += len(cases)
        n_rows += len(counts)
    return n_cases, n_rows


def _locked_state() -> RollupState:
    try:
        with transaction.atomic():
            RollupState.objects.get_or_create(name=STATE_NAME)
    except IntegrityError:  # created by a concurrent first run
        pass
    return RollupState.objects.select_for_update().get(name=STATE_NAME)


def stats_rollup(*, full: bool = False) -> RollupResult:
    """Bring the summary tables up to date; `full` rebuilds every day from scratch.

    Idempotent and safe to run from several processes at once (they queue on the state row).
    The watermark is the newest `updated_at` seen before reading; the next run re-reads from
    `STATS_ROLLUP_MARGIN_SECONDS` earlier so a transaction that committed late is not missed.
    """
    margin = timedelta(seconds=int(getattr(settings, "STATS_ROLLUP_MARGIN_SECONDS", 300)))
    with transaction.atomic():
        state = _locked_state()
        full = full or state.watermark is None
        newest = Case.objects.aggregate(m=Max("updated_at"))["m"]
        if full or state.watermark is None:
            bounds = Case.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
            days: list[date] = []
            if bounds["lo"] is not None:
                d, last = local_day(bounds["lo"]), local_day(bounds["hi"])
                while d <= last:
                    days.append(d)
                    d += timedelta(days=1)
            CaseDailyStat.objects.all().delete()
            CaseDurationStat.objects.all().delete()
        else:
            since = state.watermark - margin
            touched = (
                Case.objects.filter(updated_at__gt=since)
                .order_by()
                .values_list("created_at", flat=True)
            )
            days = sorted({local_day(t) for t in touched})
        n_cases, n_rows = _recompute(days)
        now = timezone.now()
        if newest is not None and (state.watermark is None or newest > state.watermark):
            state.watermark = newest
        state.last_run_at = now
        if full:
            state.last_full_at = now
        state.last_days = len(days)
        state.runs += 1
        state.save()
    return RollupResult(full=full, days=len(days), cases=n_cases, rows=n_rows, watermark=newest)
