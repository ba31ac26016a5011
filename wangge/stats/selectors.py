"""Reads of the case statistics, always from the summary tables and scoped to the caller.

`stats_query_for_user(user, ...)` validates the parameters (Chinese messages, 4xx) and returns a
`StatsQuery`; the other functions take that query. Nothing here reads the cases table.

Periods read two tables: the whole months of the period from the month table (`CaseMonthStat`,
about twelve rows a year per unit) and the days of its partial edge months from the daily table
(`CaseDailyStat`); the sums are merged in Python. Breakdowns by assignee (assessment of people)
and daily or weekly trends read the daily table only. The month containing the period's end
counts as whole when no daily row lies after the end in it (today, usually: nothing is reported
in the future), so "the last 365 days" reads one partial month from the daily table.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wangge.accounts.models import Role
from wangge.accounts.selectors import Scope, scope_for_user
from wangge.cases.models import Category, Channel
from wangge.core.api import Forbidden, NotFound, ServiceError
from wangge.grids.models import Department, Grid
from wangge.stats.models import (
    COUNT_FIELDS,
    CaseDailyStat,
    CaseDurationStat,
    CaseMonthDurationStat,
    CaseMonthStat,
    DurationMetric,
)
from wangge.stats.rollup import bucket_bounds

# Who may read statistics: every staff role except the system-only ones.
STATS_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.MICRO_GRID_HEAD,
        Role.BUILDING_HEAD,
        Role.GRID_HEAD,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.OPERATOR,
        Role.DEPARTMENT_HANDLER,
        Role.LEADER,
        Role.ADMINISTRATOR,
    }
)
INTERVALS = ("day", "week", "month")


def max_range_days() -> int:
    return int(getattr(settings, "STATS_MAX_RANGE_DAYS", 731))


@dataclass(frozen=True)
class StatsQuery:
    start: date
    end: date  # inclusive
    scope: Scope
    grid: Grid | None = None
    category_prefix: str = ""
    channel: str = ""
    department: Department | None = None
    # Whole months from the month table (False: every day from the daily table; same figures).
    use_months: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def as_params(self) -> dict[str, str]:
        out = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.grid is not None:
            out["grid"] = self.grid.code
        if self.category_prefix:
            out["category"] = self.category_prefix
        if self.channel:
            out["channel"] = self.channel
        if self.department is not None:
            out["department"] = self.department.code
        return out


def _parse_date(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(
            _("%(name)s 日期格式应为 YYYY-MM-DD") % {"name": name}, code="bad_date"
        ) from None


def stats_scope_for_user(user: Any) -> Scope:
    scope = scope_for_user(user)
    if scope.is_empty or not (scope.everything or scope.has_role(*STATS_ROLES)):
        raise Forbidden(_("您没有查看统计数据的权限"), code="stats_forbidden")
    return scope


def stats_query_for_user(
    user: Any,
    *,
    start: str | None = None,
    end: str | None = None,
    grid: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    department: str | None = None,
) -> StatsQuery:
    """Validate the filters; the default period is the last 30 days up to today."""
    scope = stats_scope_for_user(user)
    today = timezone.localdate()
    end_d = _parse_date(end, _("结束")) or today
    start_d = _parse_date(start, _("开始")) or (end_d - timedelta(days=29))
    if end_d < start_d:
        raise ServiceError(_("结束日期不能早于开始日期"), code="bad_range")
    if (end_d - start_d).days + 1 > max_range_days():
        raise ServiceError(
            _("统计区间最长 %(days)d 天，请缩短时间范围") % {"days": max_range_days()},
            code="range_too_long",
        )
    grid_obj = None
    if grid:
        grid_obj = Grid.objects.filter(code=grid).first()
        # Out of scope reads the same as nonexistent.
        if grid_obj is None or not _grid_visible(scope, grid_obj):
            raise NotFound(_("网格“%(code)s”不存在或不在您的管辖范围内") % {"code": grid})
    category = (category or "").strip()
    if category and not Category.objects.filter(code__startswith=category).exists():
        raise ServiceError(_("未知的事件类别“%(code)s”") % {"code": category}, code="bad_category")
    channel = (channel or "").strip()
    if channel and channel not in Channel.values:
        raise ServiceError(_("未知的渠道“%(code)s”") % {"code": channel}, code="bad_channel")
    dept = None
    if department:
        dept = Department.objects.filter(code=department).first()
        if dept is None:
            raise NotFound(_("部门“%(code)s”不存在") % {"code": department})
    return StatsQuery(
        start=start_d,
        end=end_d,
        scope=scope,
        grid=grid_obj,
        category_prefix=category,
        channel=channel,
        department=dept,
    )


def _grid_visible(scope: Scope, grid: Grid) -> bool:
    if scope.covers_path(grid.path):
        return True
    # A department's people see the grids of their service area.
    return any(grid.path.startswith(p) for p in scope.department_area_paths)


def _scope_q(scope: Scope) -> Q:
    """Rows in scope: located in the user's subtrees, or led by the user's departments."""
    if scope.everything:
        return Q()
    q = scope.path_q("grid_path") if scope.grid_paths else Q(pk__in=[])
    if scope.department_ids:
        q |= Q(department_id__in=sorted(scope.department_ids))
    return q


def _rows(model: type[Any], sq: StatsQuery, *, with_period: bool = True) -> QuerySet[Any]:
    """Rows of a daily or month table in the caller's scope, with the query's filters (and its
    period, for a daily table, unless `with_period` is False)."""
    qs: QuerySet[Any] = model._default_manager.filter(_scope_q(sq.scope))
    if with_period:
        qs = qs.filter(day__gte=sq.start, day__lte=sq.end)
    if sq.grid is not None:
        qs = qs.filter(grid_path__startswith=sq.grid.path)
    if sq.category_prefix:
        ids = Category.objects.filter(code__startswith=sq.category_prefix).values("pk")
        qs = qs.filter(category_id__in=ids)
    if sq.channel:
        qs = qs.filter(channel=sq.channel)
    if sq.department is not None:
        qs = qs.filter(department_id=sq.department.pk)
    return qs


def stat_rows(sq: StatsQuery) -> QuerySet[CaseDailyStat]:
    return _rows(CaseDailyStat, sq)


def _next_month(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


Span = tuple[date | None, date]  # inclusive; None: from the beginning


def split_period(sq: StatsQuery, start: date | None, end: date) -> tuple[Span | None, list[Span]]:
    """The whole months of [start, end] (first days of the first and last month), read from the
    month table, and the day spans left over, read from the daily table."""
    if not sq.use_months:
        return None, [(start, end)]
    cache: dict[Span, tuple[Span | None, list[Span]]] = sq.extra.setdefault("split", {})
    if (start, end) in cache:
        return cache[(start, end)]
    first = start if start is None or start.day == 1 else _next_month(start)
    after_end = _next_month(end)
    last_whole = after_end  # exclusive
    if end + timedelta(days=1) != after_end and (
        CaseDailyStat.objects.filter(day__gt=end, day__lt=after_end).exists()
    ):
        last_whole = end.replace(day=1)
    months: Span | None = None
    days: list[Span] = []
    if first is None or first < last_whole:
        months = (first, last_whole - timedelta(days=1))
        if start is not None and first is not None and start < first:
            days.append((start, first - timedelta(days=1)))
        if last_whole <= end:
            days.append((last_whole, end))
    else:
        days.append((start, end))
    cache[(start, end)] = (months, days)
    return months, days


PERIOD = "@period"  # group key: the day (daily table) or the month (month table)


def _grouped(
    sq: StatsQuery,
    tables: tuple[type[Any], type[Any]],
    group: Iterable[str],
    sums: Mapping[str, Any],
    *,
    start: date | None,
    end: date,
    months_too: bool = True,
    only: Q | None = None,
) -> list[dict[str, Any]]:
    """`sums` per `group` over [start, end]: whole months from the month table (`tables[1]`,
    unless `months_too` is False), the rest from the daily table (`tables[0]`)."""
    daily, monthly = tables
    group = list(group)
    months, days = split_period(sq, start, end) if months_too else (None, [(start, end)])
    parts: list[tuple[QuerySet[Any], str]] = []
    for lo, hi in days:
        qs = _rows(daily, sq, with_period=False).filter(day__lte=hi)
        parts.append((qs if lo is None else qs.filter(day__gte=lo), "day"))
    if months is not None:
        qs = _rows(monthly, sq, with_period=False).filter(month__lte=months[1])
        parts.append((qs if months[0] is None else qs.filter(month__gte=months[0]), "month"))
    merged: dict[tuple, dict[str, Any]] = {}
    for qs, period_field in parts:
        if only is not None:
            qs = qs.filter(only)
        fields = [period_field if g == PERIOD else g for g in group]
        rows: Iterable[Mapping[str, Any]] = (
            qs.order_by().values(*fields).annotate(**sums) if fields else [qs.aggregate(**sums)]
        )
        for r in rows:
            key = tuple(r[f] for f in fields)
            acc = merged.get(key)
            if acc is None:
                acc = merged[key] = {g: r[f] for g, f in zip(group, fields, strict=True)}
                acc.update(dict.fromkeys(sums, 0))
            for f in sums:
                acc[f] += r[f] or 0
    return list(merged.values())


_STAT_TABLES = (CaseDailyStat, CaseMonthStat)
_DURATION_TABLES = (CaseDurationStat, CaseMonthDurationStat)


def _sums_by(sq: StatsQuery, *group: str, months_too: bool = True) -> list[dict[str, Any]]:
    """Every counter summed per `group` over the query's period."""
    return _grouped(
        sq, _STAT_TABLES, group, _SUMS, start=sq.start, end=sq.end, months_too=months_too
    )


_SUMS = {f: Sum(f) for f in COUNT_FIELDS}


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den > 0 else None


def indicators(sums: Mapping[str, Any]) -> dict[str, Any]:
    """Rates from summed counters (definitions in docs/stats.md); None when undefined."""
    c: dict[str, int] = {f: int(sums.get(f) or 0) for f in COUNT_FIELDS}
    base = c["due"] - c["suspended"]  # 应结案 − 缓办
    return {
        "registered": c["registered"],
        "accepted": c["accepted"],
        "due": c["due"],
        "closed": c["closed"],
        "closed_on_time": c["closed_on_time"],
        "suspended": c["suspended"],
        "reworked": c["reworked"],
        "extended": c["extended"],
        "responded": c["responded"],
        "responded_on_time": c["responded_on_time"],
        "rated": c["rated"],
        "satisfied": c["satisfied"],
        "solve_answered": c["solve_answered"],
        "solved": c["solved"],
        "followed_up": c["followed_up"],
        "open": c["open_cases"],
        "overdue_open": c["overdue_open"],
        "completion_rate": _ratio(c["closed"], base),
        "on_time_rate": _ratio(c["closed_on_time"], base),
        "rework_rate": _ratio(c["reworked"], c["accepted"]),
        "extension_rate": _ratio(c["extended"], c["accepted"]),
        # 响应率: claimed within the response limit, among the cases routed to a unit.
        "response_rate": _ratio(c["responded_on_time"], c["accepted"]),
        "response_on_time_rate": _ratio(c["responded_on_time"], c["responded"]),
        # 解决率 / 满意率: among the answered cases (the latest answer of each).
        "solved_rate": _ratio(c["solved"], c["solve_answered"]),
        "satisfaction_rate": _ratio(c["satisfied"], c["rated"]),
        # 回访率: closed cases whose current closure was answered (by the reporter or a call).
        "follow_up_rate": _ratio(c["followed_up"], c["closed"]),
        "mean_claim_hours": _hours(c["claim_seconds"] / c["claim_timed"])
        if c["claim_timed"]
        else None,
        "mean_resolve_hours": _hours(c["resolve_seconds"] / c["resolve_timed"])
        if c["resolve_timed"]
        else None,
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def median_from_histogram(hist: dict[int, int]) -> float | None:
    """The median in seconds, interpolated geometrically inside the bucket holding it."""
    total = sum(hist.values())
    if total == 0:
        return None
    half = total / 2
    seen = 0
    for k in sorted(hist):
        n = hist[k]
        if seen + n >= half:
            lo, hi = bucket_bounds(k)
            frac = (half - seen) / n
            if k == 0:
                return lo + (hi - lo) * frac
            return lo * (hi / lo) ** frac
        seen += n
    return None  # pragma: no cover - unreachable: the loop always reaches half


def medians(sq: StatsQuery) -> dict[str, float | None]:
    hists: dict[str, dict[int, int]] = {m: {} for m in DurationMetric.values}
    rows = _grouped(
        sq, _DURATION_TABLES, ("metric", "bucket"), {"n": Sum("count")}, start=sq.start, end=sq.end
    )
    for r in rows:
        hists[r["metric"]][r["bucket"]] = r["n"]
    return {
        "median_claim_hours": _hours(median_from_histogram(hists[DurationMetric.CLAIM])),
        "median_resolve_hours": _hours(median_from_histogram(hists[DurationMetric.RESOLVE])),
    }


def summary(sq: StatsQuery) -> dict[str, Any]:
    (totals,) = _sums_by(sq)
    return {**indicators(totals), **medians(sq)}


def _label(obj: Any) -> str:
    return getattr(obj, "name", "") if obj is not None else ""


def breakdown(sq: StatsQuery, by: str) -> list[dict[str, Any]]:
    """Indicators per category, channel, department or child grid, largest first."""
    if by == "grid":
        return _grid_breakdown(sq)
    grouped: Iterable[Mapping[str, Any]]
    if by == "category":
        grouped = _sums_by(sq, "category_id")
        cats = {c.pk: c for c in Category.objects.all()}
        out = [
            {
                "key": cats[g["category_id"]].code if g["category_id"] in cats else "",
                "name": _label(cats.get(g["category_id"])) or _("未分类"),
                **indicators(g),
            }
            for g in grouped
        ]
    elif by == "channel":
        grouped = _sums_by(sq, "channel")
        names = dict(Channel.choices)
        out = [
            {
                "key": g["channel"],
                "name": str(names.get(g["channel"], g["channel"])),
                **indicators(g),
            }
            for g in grouped
        ]
    elif by == "department":
        grouped = [g for g in _sums_by(sq, "department_id") if g["department_id"] is not None]
        depts = {
            d.pk: d for d in Department.objects.filter(pk__in=[g["department_id"] for g in grouped])
        }
        out = [
            {
                "key": depts[g["department_id"]].code,
                "name": depts[g["department_id"]].name,
                **indicators(g),
            }
            for g in grouped
        ]
    else:
        raise ServiceError(
            _("分组方式须为 category、channel、grid 或 department"), code="bad_breakdown"
        )
    out.sort(key=lambda r: (-r["registered"], r["key"]))
    return out


def child_grids(sq: StatsQuery) -> list[Grid]:
    """The grids one level below the chosen grid, or the top grids of the caller's scope."""
    if sq.grid is not None:
        return list(Grid.objects.filter(parent=sq.grid).order_by("code"))
    scope = sq.scope
    if scope.everything:
        roots = list(Grid.objects.filter(parent=None).order_by("code"))
        if len(roots) == 1:
            return list(Grid.objects.filter(parent=roots[0]).order_by("code"))
        return roots
    paths = list(scope.grid_paths) or list(scope.department_area_paths)
    tops = list(Grid.objects.filter(path__in=paths).order_by("code"))
    if len(tops) == 1:
        children = list(Grid.objects.filter(parent=tops[0]).order_by("code"))
        return children or tops
    return tops


def _grid_breakdown(sq: StatsQuery) -> list[dict[str, Any]]:
    children = child_grids(sq)
    # Sum per leaf path in SQL (a few hundred rows at most), then fold leaves into children.
    grouped = _sums_by(sq, "grid_path")
    acc: dict[str, dict[str, int]] = {g.path: defaultdict(int) for g in children}
    by_len = sorted(acc, key=len, reverse=True)
    for g in grouped:
        for p in by_len:
            if g["grid_path"].startswith(p):
                for f in COUNT_FIELDS:
                    acc[p][f] += g[f] or 0
                break
    return [
        {"key": g.code, "name": g.name, "level": g.level, **indicators(acc[g.path])}
        for g in children
    ]


def _period_start(d: date, interval: str) -> date:
    if interval == "week":
        return d - timedelta(days=d.weekday())
    if interval == "month":
        return d.replace(day=1)
    return d


def trend(sq: StatsQuery, interval: str = "day") -> list[dict[str, Any]]:
    """Indicators per day, ISO week (Monday) or month of report, every period present."""
    if interval not in INTERVALS:
        raise ServiceError(_("时间粒度须为 day、week 或 month"), code="bad_interval")
    # Months are whole periods only of a monthly trend: days and weeks read the daily table.
    rows = _sums_by(sq, PERIOD, months_too=interval == "month")
    periods: dict[date, dict[str, int]] = {}
    d = sq.start
    while d <= sq.end:
        periods.setdefault(_period_start(d, interval), defaultdict(int))
        d += timedelta(days=1)
    for row in rows:
        acc = periods[_period_start(row[PERIOD], interval)]
        for f in COUNT_FIELDS:
            acc[f] += row[f]
    return [{"period": p.isoformat(), **indicators(c)} for p, c in periods.items()]


def _area_km2(geometry: dict | None) -> float | None:
    """Approximate area of a WGS-84 polygon (equirectangular at its latitude: fine for a grid)."""
    if not geometry:
        return None
    from shapely.geometry import shape

    geom = shape(geometry)
    if geom.is_empty:
        return None
    lat = geom.centroid.y
    kx = 111.320 * math.cos(math.radians(lat))
    return round(geom.area * kx * 110.574, 4)


def density(sq: StatsQuery) -> list[dict[str, Any]]:
    """Open and overdue cases per child grid (all reported up to the period end), per km².

    Current state, whatever the period's start: only the rows that still count open cases are
    read (partial indexes `stat_open_path_day`, `stat_month_open_path`), a few recent ones."""
    children = child_grids(sq)
    grouped = _grouped(
        sq,
        _STAT_TABLES,
        ("grid_path",),
        {"open": Sum("open_cases"), "overdue": Sum("overdue_open")},
        start=None,
        end=sq.end,
        only=Q(open_cases__gt=0),
    )
    acc = {g.path: [0, 0] for g in children}
    by_len = sorted(acc, key=len, reverse=True)
    for row in grouped:
        for p in by_len:
            if row["grid_path"].startswith(p):
                acc[p][0] += row["open"]
                acc[p][1] += row["overdue"]
                break
    out = []
    for g in children:
        area = _area_km2(g.geometry)
        n_open, n_overdue = acc[g.path]
        out.append(
            {
                "key": g.code,
                "name": g.name,
                "open": n_open,
                "overdue_open": n_overdue,
                "area_km2": area,
                "open_per_km2": round(n_open / area, 2) if area else None,
            }
        )
    return out


RANK_INDICATORS = (
    "completion_rate",
    "on_time_rate",
    "satisfaction_rate",
    "solved_rate",
    "follow_up_rate",
    "response_rate",
    "rework_rate",
    "extension_rate",
)
# Rates where a lower value is better.
LOWER_IS_BETTER = frozenset({"rework_rate", "extension_rate"})


def min_rank_cases() -> int:
    return int(getattr(settings, "STATS_RANK_MIN_CASES", 10))


def ranking(
    sq: StatsQuery, *, by: str, indicator: str = "completion_rate", limit: int = 5
) -> dict[str, Any]:
    """Best and worst child grids or departments by an indicator.

    Units with fewer than `STATS_RANK_MIN_CASES` cases in the indicator's denominator are listed
    apart ("样本不足") instead of ranked: two cases at 100 % must not beat 500 at 98 %.
    """
    if by not in ("grid", "department"):
        raise ServiceError(_("排名对象须为 grid 或 department"), code="bad_rank_by")
    if indicator not in RANK_INDICATORS:
        raise ServiceError(_("不支持按该指标排名"), code="bad_indicator")
    if not 1 <= limit <= 50:
        raise ServiceError(_("名次数须在 1 到 50 之间"), code="bad_limit")
    rows = breakdown(sq, by)
    floor = min_rank_cases()
    ranked: list[dict[str, Any]] = []
    small: list[dict[str, Any]] = []
    for r in rows:
        den = rate_denominator(r, indicator)
        (ranked if den >= floor and r[indicator] is not None else small).append(r)
    best_first = sorted(
        ranked,
        key=lambda r: (r[indicator], rate_denominator(r, indicator)),
        reverse=indicator not in LOWER_IS_BETTER,
    )
    top = best_first[:limit]
    bottom = best_first[::-1][:limit]
    return {
        "indicator": indicator,
        "min_cases": floor,
        "top": top,
        "bottom": bottom,
        "small_samples": [{"key": r["key"], "name": r["name"]} for r in small],
    }


def rate_denominator(r: dict[str, Any], indicator: str) -> int:
    """The count a rate indicator is divided by, in one roll-up row."""
    if indicator in ("completion_rate", "on_time_rate"):
        return r["due"] - r["suspended"]
    if indicator == "satisfaction_rate":
        return r["rated"]
    if indicator == "solved_rate":
        return r["solve_answered"]
    if indicator == "follow_up_rate":
        return r["closed"]
    if indicator == "response_on_time_rate":
        return r["responded"]
    return r["accepted"]


def summary_stamp() -> tuple[Any, ...]:
    """Changes whenever the summary tables are written: the newest row of each table (every
    write inserts rows) and the roll-up's run count and time. Index look-ups only."""
    from wangge.stats.models import CaseDurationStat, CaseMonthDurationStat, RollupState

    conn = connections[router.db_for_read(CaseDailyStat)]
    qn = conn.ops.quote_name
    tables = (CaseDailyStat, CaseMonthStat, CaseDurationStat, CaseMonthDurationStat)
    sql = "SELECT " + ", ".join(
        f"(SELECT max({qn(m._meta.pk.attname)}) FROM {qn(m._meta.db_table)})" for m in tables
    )
    with conn.cursor() as cursor:
        cursor.execute(sql)
        newest = cursor.fetchone()
    runs = RollupState.objects.order_by("name").values_list("name", "runs", "last_run_at")
    return (*newest, *((n, r, str(at)) for n, r, at in runs))


def _cockpit_key(sq: StatsQuery, interval: str) -> str:
    scope = sq.scope
    what = [
        get_language(),
        interval,
        sorted(sq.as_params().items()),
        scope.everything,
        sorted(scope.grid_paths),
        sorted(scope.department_ids),
        summary_stamp(),
    ]
    digest = hashlib.sha256(json.dumps(what, default=str).encode()).hexdigest()
    return f"wangge:cockpit:{digest}"


def cockpit(sq: StatsQuery, *, interval: str = "day") -> dict[str, Any]:
    """Everything the leader cockpit shows, in one payload (the page renders exactly this).

    Every figure comes from the summary tables, which change only when the roll-up writes
    them: the payload is kept in the shared cache under the tables' stamp (`summary_stamp`)
    and the caller's scope and filters, so leaders opening the same view between two roll-ups
    share one computation (`STATS_COCKPIT_CACHE_SECONDS` at most; 0 turns it off)."""
    seconds = settings.STATS_COCKPIT_CACHE_SECONDS
    key = _cockpit_key(sq, interval) if seconds > 0 else ""
    if key:
        hit = cache.get(key)
        if hit is not None:
            return hit
    data = _cockpit(sq, interval=interval)
    if key:
        cache.set(key, data, seconds)
    return data


def _cockpit(sq: StatsQuery, *, interval: str) -> dict[str, Any]:
    return {
        "params": sq.as_params(),
        "summary": summary(sq),
        "trend": trend(sq, interval),
        "by_category": breakdown(sq, "category")[:10],
        "by_channel": breakdown(sq, "channel"),
        "grids": ranking(sq, by="grid"),
        "departments": ranking(sq, by="department"),
        "density": density(sq),
    }
