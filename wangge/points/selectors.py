"""Reads of the points ledger, the stores and the monthly reports, scoped to the caller.

Reports read the summary rows the services keep in the same transaction as each entry
(`HouseholdMonth`, `StoreMonth`, `PointsAccount.first_month`), so a month of a 100,000-household
district is a few grouped index scans, never a pass over a year of ledger entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum

from wangge.accounts.selectors import scope_for_user
from wangge.core.api import NotFound
from wangge.grids.models import Grid
from wangge.people.models import Household
from wangge.points.models import (
    Goods,
    GridMonth,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    Store,
    StoreMonth,
)

ZERO = Decimal(0)


def household_get_for_user(user: Any, pk: int) -> Household:
    scope = scope_for_user(user)
    hh = (
        Household.objects.filter(scope.path_q("grid_path"), pk=pk)
        .select_related("room__building")
        .first()
    )
    if hh is None:
        raise NotFound(f"户 {pk} 不存在或不在您的管辖范围内")
    return hh


def account_for(household: Household) -> PointsAccount | None:
    return PointsAccount.objects.filter(household=household).first()


def balance_of(household: Household) -> Decimal:
    acct = account_for(household)
    return acct.balance if acct else ZERO


def entries_for_household(household: Household) -> QuerySet[PointsEntry]:
    return (
        PointsEntry.objects.filter(household=household)
        .select_related("rule", "resident", "granted_by")
        .order_by("-created_at", "-id")
    )


def entry_get_for_user(user: Any, pk: int) -> PointsEntry:
    scope = scope_for_user(user)
    entry = (
        PointsEntry.objects.filter(scope.path_q("grid_path"), pk=pk)
        .select_related("household", "rule", "resident")
        .first()
    )
    if entry is None:
        raise NotFound(f"积分记录 {pk} 不存在或不在您的管辖范围内")
    return entry


def rule_list(*, manual_only: bool = False) -> QuerySet[PointsRule]:
    qs = PointsRule.objects.filter(is_active=True).order_by("code")
    return qs.filter(manual=True) if manual_only else qs


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def store_list_for_user(user: Any) -> QuerySet[Store]:
    """Stores a user may use or run: their household's community's, those they keep, and
    those in their staff scope."""
    scope = scope_for_user(user)
    if scope.everything:
        return Store.objects.filter(is_active=True).select_related("community").order_by("id")
    q = Q(keepers=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    if scope.grid_paths:
        q |= scope.path_q("grid_path")
    acct = (
        getattr(user, "resident_account", None)
        if getattr(user, "is_authenticated", False)
        else None
    )
    if acct is not None:
        q |= Q(grid_path__in=_prefixes(acct.grid_path))
    return (
        Store.objects.filter(q, is_active=True)
        .distinct()
        .select_related("community")
        .order_by("id")
    )


def store_get_for_user(user: Any, pk: int) -> Store:
    store = store_list_for_user(user).filter(pk=pk).first()
    if store is None:
        raise NotFound(f"积分超市 {pk} 不存在或不在您的范围内")
    return store


def goods_for_store(store: Store, *, include_inactive: bool = False) -> QuerySet[Goods]:
    qs = Goods.objects.filter(store=store).order_by("sort", "id")
    return qs if include_inactive else qs.filter(is_active=True)


def goods_get_for_user(user: Any, pk: int) -> Goods:
    goods = Goods.objects.filter(pk=pk).select_related("store__community").first()
    if goods is None or not store_list_for_user(user).filter(pk=goods.store_id).exists():
        raise NotFound(f"商品 {pk} 不存在或不在您的范围内")
    return goods


def redemptions_for_user(user: Any, *, store: Store | None = None) -> QuerySet[Redemption]:
    acct = getattr(user, "resident_account", None)
    q = Q(user=user)
    if acct is not None:
        q |= Q(household_id=acct.household_id)
    stores = store_list_for_user(user)
    scope = scope_for_user(user)
    run = Q(keepers=user) | scope.path_q("grid_path") if scope.roles else Q(keepers=user)
    # The stores the user runs as values, not a subquery: a handful of ids, and none at all
    # for a staff member without a store in scope, which PostgreSQL then knows has no rows here
    # (with a subquery it walked the whole list by date looking for one).
    store_ids = list(stores.filter(run).values_list("pk", flat=True))
    if store_ids:
        q |= Q(store_id__in=store_ids)
    qs = Redemption.objects.filter(q)
    if store is not None:
        qs = qs.filter(store=store)
    return qs.select_related("goods", "store").order_by("-created_at", "-id")


# --- reports -----------------------------------------------------------------------------------
@dataclass
class GridRow:
    code: str
    name: str
    path: str
    households: int = 0
    active_month: int = 0  # households with any entry in the month
    participating: int = 0  # households with any entry up to the month's end
    earned: Decimal = ZERO
    spent: Decimal = ZERO

    @property
    def rate(self) -> float | None:
        return self.participating / self.households if self.households else None

    @property
    def month_rate(self) -> float | None:
        return self.active_month / self.households if self.households else None


@dataclass
class GridReport:
    grid: Grid
    month: date
    rows: list[GridRow] = field(default_factory=list)
    total: GridRow | None = None


def _bucket(rows: list[GridRow], path: str) -> GridRow | None:
    for r in rows:
        if path.startswith(r.path):
            return r
    return None


def report_by_grid(user: Any, *, grid: Grid, month: date) -> GridReport:
    """Points issued and spent and participation for `grid`'s children in `month`.

    participation rate = households with any ledger entry up to the month's end / households
    in the grid (the seeds' "84 % of households"); the month's own rate is shown beside it.
    Three queries whatever the size: the children, households grouped by leaf grid, and the
    leaf grids' month summaries up to the month (`GridMonth`, about one row per grid and
    month), rolled up to the children here.
    """
    scope = scope_for_user(user)
    if not scope.covers_path(grid.path):
        raise NotFound(f"网格 {grid.code} 不存在或不在您的管辖范围内")
    month = month.replace(day=1)
    children = list(Grid.objects.filter(parent=grid, is_active=True).order_by("code"))
    parts = children or [grid]
    rows = [GridRow(code=g.code, name=g.name, path=g.path) for g in parts]
    total = GridRow(code=grid.code, name=grid.name, path=grid.path)
    under = Q(grid_path__startswith=grid.path)
    for path, n in Household.objects.filter(under).values_list("grid_path").annotate(n=Count("id")):
        r = _bucket(rows, path)
        if r:
            r.households += n
    for path, m, earned, spent, active, new in GridMonth.objects.filter(
        under, month__lte=month
    ).values_list("grid_path", "month", "earned", "spent", "active", "new"):
        r = _bucket(rows, path)
        if r is None:
            continue
        r.participating += new
        if m == month:
            r.active_month += active
            r.earned += earned
            r.spent += spent
    for r in rows:
        total.households += r.households
        total.active_month += r.active_month
        total.participating += r.participating
        total.earned += r.earned
        total.spent += r.spent
    return GridReport(grid=grid, month=month, rows=rows, total=total)


@dataclass
class StoreRow:
    store: Store
    redemptions: int
    items: int
    points: Decimal
    returns: int
    returned_points: Decimal
    stock_items: int
    stock_points: Decimal


def report_by_store(user: Any, *, month: date) -> list[StoreRow]:
    stores = list(store_list_for_user(user))
    by_store = {
        m.store_id: m
        for m in StoreMonth.objects.filter(store__in=stores, month=month.replace(day=1))
    }
    stock = {
        sid: (n or 0, v or ZERO)
        for sid, n, v in Goods.objects.filter(store__in=stores, is_active=True)
        .values_list("store_id")
        .annotate(
            n=Sum("stock"),
            v=Sum(ExpressionWrapper(F("price") * F("stock"), output_field=DecimalField())),
        )
    }
    out = []
    for s in stores:
        m = by_store.get(s.pk)
        n, value = stock.get(s.pk, (0, ZERO))
        out.append(
            StoreRow(
                store=s,
                redemptions=m.redemptions if m else 0,
                items=m.items if m else 0,
                points=m.points if m else ZERO,
                returns=m.returns if m else 0,
                returned_points=m.returned_points if m else ZERO,
                stock_items=n,
                stock_points=value,
            )
        )
    return out
