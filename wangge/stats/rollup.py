"""The roll-up: cases → `CaseDailyStat` / `CaseDurationStat` (the fine summary tables) →
`CaseMonthStat` / `CaseMonthDurationStat` (the same per month and unit, no assignee).

Every counter of a row depends only on the stored fields of the cases with that row's key
(day of report, located grid, category, channel, lead department, assignee), never on the
clock, so recomputing a key from scratch always gives the same row. A run reads the change log
(`CaseStatChange`, written by triggers on the cases table: the keys each case write touched,
before and after), recomputes just those keys from the cases that have them, then the month
rows of the units those keys belong to from the daily rows, and deletes the log rows it read.
Nothing changed: a handful of queries on an empty log. Runs are serialised by locking the
`RollupState` row. Incremental and full runs give identical tables (tested).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q, Sum
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
    CaseMonthDurationStat,
    CaseMonthStat,
    CaseStatChange,
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
    days: int  # days whose rows were (partly) rewritten
    cases: int  # cases counted
    rows: int  # daily rows written
    changes: int = 0  # change-log rows read
    keys: int = 0  # summary keys recomputed


def _day_range(d: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(d, datetime.min.time(), tzinfo=tz)
    return start, datetime.combine(d + timedelta(days=1), datetime.min.time(), tzinfo=tz)


def _batches(days: list[date]) -> Iterator[list[date]]:
    for i in range(0, len(days), _BATCH_DAYS):
        yield days[i : i + _BATCH_DAYS]


def _cases_of_days(days: Iterable[date], paths: set[str] | None = None) -> list[dict[str, Any]]:
    # Consecutive days become one range, so a full run reads each batch in one range scan.
    q = Q()
    run: list[date] = []
    for d in [*sorted(days), None]:
        if run and (d is None or d != run[-1] + timedelta(days=1)):
            q |= Q(created_at__gte=_day_range(run[0])[0], created_at__lt=_day_range(run[-1])[1])
            run = []
        if d is not None:
            run.append(d)
    qs = Case.objects.filter(q)
    if paths is not None:
        qs = qs.filter(grid_path__in=sorted(paths))
    return list(qs.order_by().values(*_FIELDS))


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


Key = tuple[date, int | None, str, int | None, str, int | None, int | None]
Unit = tuple[date, int | None, str, int | None, str, int | None]  # (month, …) — no assignee
_KEY_NAMES = (
    "day", "grid_id", "grid_path", "category_id", "channel", "department_id", "assignee_id"
)  # fmt: skip
_UNIT_NAMES = ("grid_id", "grid_path", "category_id", "channel", "department_id")
_CHUNK = 5000
# A log longer than this (a bulk import, a long stop) is cheaper to count with a full run.
_FULL_AFTER_CHANGES = 500_000


def _key_of(row: dict[str, Any]) -> Key:
    return (
        local_day(row["created_at"]),
        row["grid_id"],
        row["grid_path"],
        row["category_id"],
        row["channel"],
        row["handling_department_id"],
        row["assignee_id"],
    )


def _month_of(d: date) -> date:
    return d.replace(day=1)


def _unit_of(key: Key) -> Unit:
    day, grid_id, grid_path, category_id, channel, department_id, _ = key
    return (_month_of(day), grid_id, grid_path, category_id, channel, department_id)


def _count(
    cases: list[dict[str, Any]], wanted: set[Key] | None = None
) -> tuple[dict[Key, dict[str, int]], dict[tuple, int], int]:
    """Rows and histogram cells of `cases` (only those whose key is `wanted`, if given)."""
    if wanted is None:
        keyed = [(_key_of(row), row) for row in cases]
    else:
        keyed = [(k, row) for row in cases if (k := _key_of(row)) in wanted]
    answers = _latest_answers([row for _, row in keyed])
    counts: dict[Key, dict[str, int]] = {}
    hist: dict[tuple, int] = defaultdict(int)
    for key, row in keyed:
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
    return counts, hist, len(keyed)


def _insert_daily(counts: dict[Key, dict[str, int]], hist: dict[tuple, int]) -> None:
    CaseDailyStat.objects.bulk_create(
        (CaseDailyStat(**dict(zip(_KEY_NAMES, k, strict=True)), **v) for k, v in counts.items()),
        batch_size=2000,
    )
    CaseDurationStat.objects.bulk_create(
        (
            CaseDurationStat(
                **dict(zip(_KEY_NAMES, k[:-2], strict=True)), metric=k[-2], bucket=k[-1], count=n
            )
            for k, n in hist.items()
        ),
        batch_size=2000,
    )


def _recompute(days: list[date]) -> tuple[int, int]:
    """Delete and rewrite the rows of `days`; returns (cases read, rows written)."""
    n_cases = n_rows = 0
    for batch in _batches(days):
        counts, hist, n = _count(_cases_of_days(batch))
        CaseDailyStat.objects.filter(day__in=batch).delete()
        CaseDurationStat.objects.filter(day__in=batch).delete()
        _insert_daily(counts, hist)
        n_cases += n
        n_rows += len(counts)
    return n_cases, n_rows


def _delete_keys(model: type[Any], days: list[date], paths: set[str], keys: set[Any]) -> None:
    """Delete the rows of `model` whose key (its first fields in `_KEY_NAMES` order) is in
    `keys`: the candidates are read by day and path (indexed), then deleted by id."""
    rows = (
        model._default_manager.filter(day__in=days, grid_path__in=sorted(paths))
        .order_by()
        .values_list("id", *_KEY_NAMES)
    )
    ids = [r[0] for r in rows if r[1:] in keys]
    for i in range(0, len(ids), _CHUNK):
        model._default_manager.filter(id__in=ids[i : i + _CHUNK]).delete()


def _recompute_keys(keys: set[Key]) -> tuple[int, int]:
    """Rewrite the daily rows of just `keys`: the cases of their days and grids are read (one
    range of `created_at` per run of days, narrowed by grid path), only those with one of the
    keys are counted. Returns (cases counted, rows written)."""
    n_cases = n_rows = 0
    days = sorted({k[0] for k in keys})
    for batch in _batches(days):
        in_batch = {k for k in keys if k[0] in set(batch)}
        paths = {k[2] for k in in_batch}
        cases = _cases_of_days(batch, paths=paths)
        counts, hist, n = _count(cases, in_batch)
        _delete_keys(CaseDailyStat, batch, paths, in_batch)
        _delete_keys(CaseDurationStat, batch, paths, in_batch)
        _insert_daily(counts, hist)
        n_cases += n
        n_rows += len(counts)
    return n_cases, n_rows


_MONTH_SUMS = {f: Sum(f) for f in COUNT_FIELDS}


def _rebuild_months(months: list[date], units: set[Unit] | None = None) -> int:
    """Rewrite the month rows of `units` (every unit of `months` when None) from the daily
    rows; returns the rows written."""
    written = 0
    for month in months:
        last = (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        wanted = None if units is None else {u[1:] for u in units if u[0] == month}
        paths = None if wanted is None else sorted({u[1] for u in wanted})
        daily = CaseDailyStat.objects.filter(day__gte=month, day__lte=last)
        dur = CaseDurationStat.objects.filter(day__gte=month, day__lte=last)
        old = CaseMonthStat.objects.filter(month=month)
        old_dur = CaseMonthDurationStat.objects.filter(month=month)
        if paths is not None:
            daily, dur = daily.filter(grid_path__in=paths), dur.filter(grid_path__in=paths)
            old, old_dur = old.filter(grid_path__in=paths), old_dur.filter(grid_path__in=paths)
        sums = daily.order_by().values(*_UNIT_NAMES).annotate(**_MONTH_SUMS)
        rows = [
            CaseMonthStat(month=month, **r)
            for r in sums
            if wanted is None or tuple(r[n] for n in _UNIT_NAMES) in wanted
        ]
        cell_sums = (
            dur.order_by().values(*_UNIT_NAMES, "metric", "bucket").annotate(count=Sum("count"))
        )
        cells = [
            CaseMonthDurationStat(month=month, **r)
            for r in cell_sums
            if wanted is None or tuple(r[n] for n in _UNIT_NAMES) in wanted
        ]
        for model_qs in (old, old_dur):
            if wanted is None:
                model_qs.delete()
                continue
            ids = [
                r[0] for r in model_qs.order_by().values_list("id", *_UNIT_NAMES) if r[1:] in wanted
            ]
            for i in range(0, len(ids), _CHUNK):
                model_qs.model._default_manager.filter(id__in=ids[i : i + _CHUNK]).delete()
        CaseMonthStat.objects.bulk_create(rows, batch_size=2000)
        CaseMonthDurationStat.objects.bulk_create(cells, batch_size=2000)
        written += len(rows)
    return written


def _take_changes() -> tuple[set[Key], int]:
    """Read and delete the change log: the keys to recompute and the number of log rows."""
    keys: set[Key] = set()
    taken = 0
    while True:
        rows = list(
            CaseStatChange.objects.order_by("id").values_list(
                "id",
                "created_at",
                "grid_id",
                "grid_path",
                "category_id",
                "channel",
                "department_id",
                "assignee_id",
            )[:_CHUNK]
        )
        if not rows:
            return keys, taken
        for _, created_at, *rest in rows:
            keys.add((local_day(created_at), *rest))  # type: ignore[arg-type]
        CaseStatChange.objects.filter(id__in=[r[0] for r in rows]).delete()
        taken += len(rows)
        if len(rows) < _CHUNK:
            return keys, taken


def _locked_state() -> RollupState:
    state = RollupState.objects.select_for_update().filter(name=STATE_NAME).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            RollupState.objects.create(name=STATE_NAME)
    except IntegrityError:  # created by a concurrent first run
        pass
    return RollupState.objects.select_for_update().get(name=STATE_NAME)


def _all_days() -> list[date]:
    bounds = Case.objects.aggregate(lo=Min("created_at"), hi=Max("created_at"))
    days: list[date] = []
    if bounds["lo"] is not None:
        d, last = local_day(bounds["lo"]), local_day(bounds["hi"])
        while d <= last:
            days.append(d)
            d += timedelta(days=1)
    return days


def stats_rollup(*, full: bool = False) -> RollupResult:
    """Bring the summary tables up to date; `full` rebuilds every day from scratch.

    Idempotent and safe to run from several processes at once (they queue on the state row).
    A change committed while a run is under way stays in the log for the next run.
    """
    with transaction.atomic():
        state = _locked_state()
        full = full or state.last_full_at is None
        if not full and CaseStatChange.objects.order_by("id")[_FULL_AFTER_CHANGES:].exists():
            full = True
        n_changes = n_keys = 0
        if full:
            # Emptied first: what commits from here on is counted by the next run.
            CaseStatChange.objects.all().delete()
            days = _all_days()
            CaseDailyStat.objects.all().delete()
            CaseDurationStat.objects.all().delete()
            n_cases, n_rows = _recompute(days)
            CaseMonthStat.objects.all().delete()
            CaseMonthDurationStat.objects.all().delete()
            _rebuild_months(sorted({_month_of(d) for d in days}))
        else:
            keys, n_changes = _take_changes()
            n_keys = len(keys)
            days = sorted({k[0] for k in keys})
            n_cases, n_rows = _recompute_keys(keys) if keys else (0, 0)
            units = {_unit_of(k) for k in keys}
            if units:
                _rebuild_months(sorted({u[0] for u in units}), units)
        now = timezone.now()
        state.last_run_at = now
        if full:
            state.last_full_at = now
        state.last_days = len(days)
        state.last_changes = n_changes
        state.last_keys = n_keys
        state.runs += 1
        state.save()
    return RollupResult(
        full=full, days=len(days), cases=n_cases, rows=n_rows, changes=n_changes, keys=n_keys
    )
