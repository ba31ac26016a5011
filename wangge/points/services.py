"""Writes on the points ledger and the points store.

The public entry point for other modules is `points_award`:

    from wangge.points.services import points_award

    points_award(
        actor=None,                      # None = the system; a user is scope-checked
        household=household,             # people.Household
        rule_code="council_day",         # a PointsRule code
        source_type="council_meeting",   # what earned it …
        source_id=str(meeting.pk),       # … and which one: the same award is never granted twice
        amount=None,                     # None = the rule's standard amount
        resident=None,                   # the person, for per-person rules
    )

It raises `ServiceError` (400: bad amount, unknown rule), `Conflict` (409: duplicate award,
monthly cap reached, balance too low) or `Forbidden`/`NotFound` (the actor's scope); nothing is
written then. Call it inside your own transaction to make the award part of your change.

Locking order, everywhere: the household's account row first, then goods rows. The account lock
serialises everything one household does (awards, caps, redemptions); the stock update is a
conditional UPDATE, so concurrent redemptions of the last items cannot oversell.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.selectors import scope_for_user
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError
from wangge.grids.models import Grid
from wangge.people.models import Household, Resident
from wangge.points.models import (
    EntryKind,
    Goods,
    GridMonth,
    HouseholdMonth,
    InspectionBatch,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    RedemptionState,
    RuleSubject,
    StockMove,
    Store,
    StoreMonth,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_AMOUNT = Decimal("10000")

__all__ = [
    "goods_restock",
    "inspection_batch_enter",
    "points_award",
    "points_award_many",
    "points_correct",
    "points_redeem",
    "redemption_hand_over",
    "redemption_return",
]


def month_of(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return moment.replace(day=1)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def parse_amount(value: Any, *, rule: PointsRule | None = None) -> Decimal:
    """A points amount as typed or sent: a number, never NaN, at most one decimal."""
    if isinstance(value, bool):
        raise ServiceError(_("分值须为数字"), code="amount")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ServiceError(_("分值须为数字"), code="amount") from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise ServiceError(_("分值超出范围"), code="amount")
    if amount == 0:
        raise ServiceError(_("分值不能为 0"), code="amount")
    if amount != amount.quantize(Decimal("0.1")):
        raise ServiceError(_("分值最多保留一位小数"), code="amount")
    if rule is not None:
        if not rule.allow_fraction and amount != amount.to_integral_value():
            raise ServiceError(
                _("规则“%(r)s”只能给整数分") % {"r": rule.name}, code="fractional_amount"
            )
        if amount < 0 and not rule.allow_negative:
            raise ServiceError(
                _("规则“%(r)s”不能扣分，分值须为正数") % {"r": rule.name}, code="negative_amount"
            )
    return amount


def _check_staff(actor: Any, grid_path: str) -> None:
    """A user acting on a ledger must hold a working role over it (None = the system)."""
    if actor is None:
        return
    scope = scope_for_user(actor)
    if not scope.covers_path(grid_path):
        raise NotFound(_("该户不存在或不在您的管辖范围内"))
    if scope.read_only or not scope.roles:
        raise Forbidden(_("您的角色不能变更积分"), code="not_allowed")


def _account_locked(household: Household, *, now: datetime) -> PointsAccount:
    """The household's account row, locked; created on its first entry."""
    account = PointsAccount.objects.select_for_update().filter(household=household).first()
    if account is not None:
        return account
    root_id = _root_ids([household.grid_id])[household.grid_id]
    created = False
    try:
        with transaction.atomic():
            PointsAccount.objects.create(
                household=household,
                grid_path=household.grid_path,
                root_id=root_id,
                first_month=month_of(now),
                updated_at=now,
            )
            created = True
    except IntegrityError:
        pass  # a concurrent first entry created it
    account = PointsAccount.objects.select_for_update().get(household=household)
    if created:
        # The household starts taking part this month (the report's "participating").
        _bump_grid(household.grid_id, household.grid_path, month_of(now), new=1)
    return account


def _root_ids(grid_ids: list[int]) -> dict[int, int]:
    """The district of each grid (without loading the grids' boundaries)."""
    rows = Grid.objects.filter(pk__in=set(grid_ids)).values_list("pk", "root_id")
    return {pk: root or pk for pk, root in rows}


def _bump_grid(grid_id: int, grid_path: str, month: date, **deltas: Any) -> None:
    """Add to the grid's month summary (created on first use; a concurrent creator wins)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    qs = GridMonth.objects.filter(grid_id=grid_id, month=month)
    if qs.update(**{k: F(k) + v for k, v in deltas.items()}) == 0:
        try:
            with transaction.atomic():
                GridMonth.objects.create(
                    grid_id=grid_id, grid_path=grid_path, month=month, **deltas
                )
        except IntegrityError:
            qs.update(**{k: F(k) + v for k, v in deltas.items()})


def _bump_month(
    account: PointsAccount, household: Household, *, month: date, earned=0, spent=0
) -> None:
    earned, spent = Decimal(earned), Decimal(spent)
    active = 0
    n = HouseholdMonth.objects.filter(household=household, month=month).update(
        earned=F("earned") + earned, spent=F("spent") + spent, entries=F("entries") + 1
    )
    if n == 0:
        # No race: the caller holds the household's account lock.
        active = 1
        HouseholdMonth.objects.create(
            household=household,
            month=month,
            root_id=account.root_id,
            grid_id=household.grid_id,
            grid_path=household.grid_path,
            earned=earned,
            spent=spent,
            entries=1,
        )
    _bump_grid(
        household.grid_id, household.grid_path, month, earned=earned, spent=spent, active=active
    )


def _apply(
    account: PointsAccount, amount: Decimal, *, earned: Decimal, spent: Decimal, now: datetime
) -> None:
    """Move the balance; refuse (nothing written) when it would go below zero."""
    qs = PointsAccount.objects.filter(pk=account.pk)
    if amount < 0:
        qs = qs.filter(balance__gte=-amount)
    n = qs.update(
        balance=F("balance") + amount,
        earned=F("earned") + earned,
        spent=F("spent") + spent,
        updated_at=now,
    )
    if n != 1:
        raise Conflict(
            _("积分余额不足（现有 %(b)s 分，需要 %(n)s 分）")
            % {"b": _fmt(account.balance), "n": _fmt(-amount)},
            code="insufficient_points",
        )
    account.balance += amount


def _source(source_type: str, source_id: Any) -> tuple[str, str]:
    st, sid = (
        str(source_type or "").strip(),
        str(source_id if source_id is not None else "").strip(),
    )
    if not st or len(st) > 40:
        raise ServiceError(_("积分来源类型须为 1 到 40 个字符"), code="source")
    if not sid or len(sid) > 64:
        raise ServiceError(_("积分来源编号须为 1 到 64 个字符"), code="source")
    return st, sid


def rule_amount(rule: PointsRule, amount: Any) -> Decimal:
    """The amount an award by `rule` carries: its standard amount, or a checked custom one."""
    if amount is None or amount == "":
        return rule.amount
    value = parse_amount(amount, rule=rule)
    if value != rule.amount and not rule.custom_amount:
        raise ServiceError(
            _("规则“%(r)s”的分值固定为 %(a)s 分") % {"r": rule.name, "a": _fmt(rule.amount)},
            code="fixed_amount",
        )
    if rule.min_amount is not None and value < rule.min_amount:
        raise ServiceError(
            _("分值不能低于 %(a)s 分") % {"a": _fmt(rule.min_amount)}, code="amount_range"
        )
    if rule.max_amount is not None and value > rule.max_amount:
        raise ServiceError(
            _("分值不能高于 %(a)s 分") % {"a": _fmt(rule.max_amount)}, code="amount_range"
        )
    return value


def points_award(
    *,
    actor: Any,
    household: Household,
    rule_code: str,
    source_type: str,
    source_id: Any,
    amount: Any = None,
    resident: Resident | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PointsEntry:
    """Award points to `household` by rule `rule_code` for one source (see the module doc)."""
    rule = PointsRule.objects.filter(code=rule_code).first()
    if rule is None or not rule.is_active:
        raise ServiceError(_("积分规则“%(c)s”不存在或已停用") % {"c": rule_code}, code="rule")
    st, sid = _source(source_type, source_id)
    value = rule_amount(rule, amount)
    if rule.subject == RuleSubject.PERSON:
        if resident is None:
            raise ServiceError(
                _("规则“%(r)s”按人计分，请指明居民") % {"r": rule.name}, code="person"
            )
        if resident.household_id != household.pk:
            raise ServiceError(_("该居民不属于此户"), code="person")
    else:
        resident = None
    note = (note or "").strip()[:200]
    if actor is not None and rule.manual is False:
        raise Forbidden(_("规则“%(r)s”由系统自动计分，不能人工录入") % {"r": rule.name})
    _check_staff(actor, household.grid_path)
    now = now or timezone.now()
    month = month_of(now)
    dup = Q(rule=rule, source_type=st, source_id=sid, household=household, kind=EntryKind.AWARD)
    dup &= Q(resident=resident) if resident else Q(resident__isnull=True)
    with transaction.atomic():
        account = _account_locked(household, now=now)
        if PointsEntry.objects.filter(dup).exists():
            raise Conflict(_("该来源已获得过此项积分，不能重复计分"), code="duplicate_award")
        if rule.monthly_cap is not None and value > 0:
            got = PointsEntry.objects.filter(
                rule=rule,
                household=household,
                month=month,
                kind__in=[EntryKind.AWARD, EntryKind.CORRECTION],
            )
            if resident is not None:
                got = got.filter(resident=resident)
            so_far = got.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            if so_far + value > rule.monthly_cap:
                raise Conflict(
                    _("“%(r)s”本月已得 %(g)s 分，每月上限 %(c)s 分")
                    % {"r": rule.name, "g": _fmt(so_far), "c": _fmt(rule.monthly_cap)},
                    code="monthly_cap",
                )
        _apply(account, value, earned=value, spent=Decimal(0), now=now)
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    account=account,
                    household=household,
                    resident=resident,
                    kind=EntryKind.AWARD,
                    rule=rule,
                    amount=value,
                    source_type=st,
                    source_id=sid,
                    note=note,
                    granted_by=actor,
                    grid_path=household.grid_path,
                    root_id=account.root_id,
                    month=month,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(
                _("该来源已获得过此项积分，不能重复计分"), code="duplicate_award"
            ) from None
        _bump_month(account, household, month=month, earned=value)
    return entry


def points_award_many(
    *,
    actor: Any,
    rule_code: str,
    source_type: str,
    source_id: Any,
    awards: list[tuple[Household, Any]],
    note: str = "",
    now: datetime | None = None,
) -> list[PointsEntry]:
    """The same award for many households from one source (an inspection batch), set-wise.

    Same rules as `points_award` — amounts, duplicates, monthly caps, scope, balance — checked
    for all lines first; the first line that breaks one refuses the whole call, naming it
    ("第 n 行"). Then a handful of statements whatever the size: accounts created and locked
    in key order, entries and month summaries inserted in bulk, balances updated.
    Household rules only (per-person awards go one by one through `points_award`).
    """
    rule = PointsRule.objects.filter(code=rule_code).first()
    if rule is None or not rule.is_active:
        raise ServiceError(_("积分规则“%(c)s”不存在或已停用") % {"c": rule_code}, code="rule")
    if rule.subject != RuleSubject.HOUSEHOLD:
        raise ServiceError(_("按人计分的规则不能批量计分"), code="person")
    if actor is not None and not rule.manual:
        raise Forbidden(_("规则“%(r)s”由系统自动计分，不能人工录入") % {"r": rule.name})
    st, sid = _source(source_type, source_id)
    note = (note or "").strip()[:200]
    now = now or timezone.now()
    month = month_of(now)
    values: list[Decimal] = []
    for n, (household, amount) in enumerate(awards, start=1):
        try:
            values.append(rule_amount(rule, amount))
            _check_staff(actor, household.grid_path)
        except ServiceError as exc:
            message = _("第 %(n)d 行：%(m)s") % {"n": n, "m": exc.message}
            raise type(exc)(message, code=exc.code) from exc
    ids = [h.pk for h, _a in awards]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("同一户在一次计分中只能出现一次"), code="duplicate_line")
    line_of = {pk: n for n, pk in enumerate(ids, start=1)}
    if not awards:
        return []
    with transaction.atomic():
        roots = _root_ids([h.grid_id for h, _a in awards])
        had = set(
            PointsAccount.objects.filter(household_id__in=ids).values_list(
                "household_id", flat=True
            )
        )
        PointsAccount.objects.bulk_create(
            [
                PointsAccount(
                    household=h,
                    grid_path=h.grid_path,
                    root_id=roots[h.grid_id],
                    first_month=month,
                    updated_at=now,
                )
                for h, _a in awards
            ],
            ignore_conflicts=True,
        )
        accounts = {
            a.household_id: a
            for a in PointsAccount.objects.select_for_update()
            .filter(household_id__in=ids)
            .order_by("pk")
        }
        dup = (
            PointsEntry.objects.filter(
                rule=rule,
                source_type=st,
                source_id=sid,
                household_id__in=ids,
                kind=EntryKind.AWARD,
                resident__isnull=True,
            )
            .values_list("household_id", flat=True)
            .first()
        )
        if dup is not None:
            raise Conflict(
                _("第 %(n)d 行：该来源已获得过此项积分，不能重复计分") % {"n": line_of[dup]},
                code="duplicate_award",
            )
        if rule.monthly_cap is not None:
            got = dict(
                PointsEntry.objects.filter(
                    rule=rule,
                    household_id__in=ids,
                    month=month,
                    kind__in=[EntryKind.AWARD, EntryKind.CORRECTION],
                )
                .values_list("household_id")
                .annotate(s=Sum("amount"))
            )
            for (h, _a), value in zip(awards, values, strict=True):
                so_far = got.get(h.pk) or Decimal(0)
                if value > 0 and so_far + value > rule.monthly_cap:
                    raise Conflict(
                        _("第 %(n)d 行：“%(r)s”本月已得 %(g)s 分，每月上限 %(c)s 分")
                        % {
                            "n": line_of[h.pk],
                            "r": rule.name,
                            "g": _fmt(so_far),
                            "c": _fmt(rule.monthly_cap),
                        },
                        code="monthly_cap",
                    )
        for (h, _a), value in zip(awards, values, strict=True):
            acct = accounts[h.pk]
            if acct.balance + value < 0:
                raise Conflict(
                    _("第 %(n)d 行：积分余额不足（现有 %(b)s 分）")
                    % {"n": line_of[h.pk], "b": _fmt(acct.balance)},
                    code="insufficient_points",
                )
            acct.balance += value
            acct.earned += value
            acct.updated_at = now
        PointsAccount.objects.bulk_update(
            list(accounts.values()), ["balance", "earned", "updated_at"], batch_size=1000
        )
        try:
            with transaction.atomic():
                entries = PointsEntry.objects.bulk_create(
                    [
                        PointsEntry(
                            account=accounts[h.pk],
                            household=h,
                            kind=EntryKind.AWARD,
                            rule=rule,
                            amount=value,
                            source_type=st,
                            source_id=sid,
                            note=note,
                            granted_by=actor,
                            grid_path=h.grid_path,
                            root_id=accounts[h.pk].root_id,
                            month=month,
                            created_at=now,
                        )
                        for (h, _a), value in zip(awards, values, strict=True)
                    ],
                    batch_size=1000,
                )
        except IntegrityError:
            raise Conflict(
                _("该来源已获得过此项积分，不能重复计分"), code="duplicate_award"
            ) from None
        existing = {
            m.household_id: m
            for m in HouseholdMonth.objects.filter(household_id__in=ids, month=month)
        }
        new_months = []
        for (h, _a), value in zip(awards, values, strict=True):
            m = existing.get(h.pk)
            if m is None:
                new_months.append(
                    HouseholdMonth(
                        household=h,
                        month=month,
                        root_id=accounts[h.pk].root_id,
                        grid_id=h.grid_id,
                        grid_path=h.grid_path,
                        earned=value,
                        entries=1,
                    )
                )
            else:
                m.earned += value
                m.entries += 1
        HouseholdMonth.objects.bulk_update(list(existing.values()), ["earned", "entries"])
        HouseholdMonth.objects.bulk_create(new_months, batch_size=1000)
        per_grid: dict[tuple[int, str], dict[str, Any]] = {}
        for (h, _a), value in zip(awards, values, strict=True):
            g = per_grid.setdefault(
                (h.grid_id, h.grid_path), {"earned": Decimal(0), "active": 0, "new": 0}
            )
            g["earned"] += value
            g["active"] += h.pk not in existing
            g["new"] += h.pk not in had
        for (grid_id, path), d in sorted(per_grid.items()):
            _bump_grid(grid_id, path, month, **d)
    return entries


def points_correct(
    *, actor: Any, entry: PointsEntry, reason: str, now: datetime | None = None
) -> PointsEntry:
    """冲正: a reversing entry for an award made in error; the award itself stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写冲正原因"), code="reason")
    if len(reason) > 200:
        raise ServiceError(_("冲正原因不能超过 200 字"), code="reason")
    if actor is None:
        raise Forbidden(_("冲正须由工作人员办理"))
    _check_staff(actor, entry.grid_path)
    if entry.kind != EntryKind.AWARD:
        raise Conflict(_("只能冲正获得积分的记录"), code="not_award")
    now = now or timezone.now()
    month = month_of(now)
    household = entry.household
    with transaction.atomic():
        account = _account_locked(household, now=now)
        if PointsEntry.objects.filter(reverses=entry).exists():
            raise Conflict(_("该记录已冲正过"), code="already_reversed")
        amount = -entry.amount
        _apply(account, amount, earned=amount, spent=Decimal(0), now=now)
        try:
            with transaction.atomic():
                correction = PointsEntry.objects.create(
                    account=account,
                    household=household,
                    resident=entry.resident,
                    kind=EntryKind.CORRECTION,
                    rule=entry.rule,
                    amount=amount,
                    source_type=entry.source_type,
                    source_id=entry.source_id,
                    reverses=entry,
                    note=reason,
                    granted_by=actor,
                    grid_path=entry.grid_path,
                    root_id=account.root_id,
                    month=month,
                    created_at=now,
                )
        except IntegrityError:
            raise Conflict(_("该记录已冲正过"), code="already_reversed") from None
        _bump_month(account, household, month=month, earned=amount)
    return correction


# --- the store ---------------------------------------------------------------------------------
def store_keeper_or_staff(actor: Any, store: Store) -> None:
    if actor is None:
        return
    if store.keepers.filter(pk=actor.pk).exists():
        return
    scope = scope_for_user(actor)
    if scope.covers_path(store.grid_path) and scope.roles and not scope.read_only:
        return
    raise Forbidden(_("只有本超市店员或社区工作人员可以办理"), code="not_keeper")


def _bump_store(store: Store, *, month: date, **deltas: Any) -> None:
    n = StoreMonth.objects.filter(store=store, month=month).update(
        **{k: F(k) + v for k, v in deltas.items()}
    )
    if n == 0:
        try:
            with transaction.atomic():
                StoreMonth.objects.create(store=store, month=month, **deltas)
        except IntegrityError:  # a concurrent redemption created the month's row
            StoreMonth.objects.filter(store=store, month=month).update(
                **{k: F(k) + v for k, v in deltas.items()}
            )


def points_redeem(
    *,
    actor: Any,
    goods: Goods,
    quantity: Any,
    household: Household | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Spend points on goods: debit the ledger and the stock in one transaction.

    A resident redeems for their own household (bound account); a store keeper may redeem at the
    counter for a household of the store's community. Returns the redemption with the code the
    keeper asks for at hand-over.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        try:
            quantity = int(str(quantity))
        except ValueError:
            raise ServiceError(_("兑换数量须为正整数"), code="quantity") from None
    if quantity < 1:
        raise ServiceError(_("兑换数量须为正整数"), code="quantity")
    if quantity > goods.per_redemption_max:
        raise ServiceError(
            _("每次最多兑换 %(n)d %(u)s") % {"n": goods.per_redemption_max, "u": goods.unit},
            code="quantity",
        )
    store = goods.store
    if not goods.is_active or not store.is_active:
        raise Conflict(_("该商品已下架"), code="inactive")
    if household is None:
        account_link = getattr(actor, "resident_account", None) if actor is not None else None
        if account_link is None:
            raise ServiceError(_("请先到社区绑定您的住户信息后再兑换"), code="no_household")
        household = account_link.household
    elif actor is not None and household.pk != getattr(
        getattr(actor, "resident_account", None), "household_id", None
    ):
        store_keeper_or_staff(actor, store)
    if not household.grid_path.startswith(store.grid_path):
        raise ServiceError(
            _("%(s)s只为%(c)s居民兑换") % {"s": store.name, "c": store.community.name},
            code="outside_store",
        )
    cost = goods.price * quantity
    now = now or timezone.now()
    month = month_of(now)
    if not PointsAccount.objects.filter(household=household).exists():
        # Never a first entry through a redemption: it would take the grid's month row
        # before the goods row, the reverse of every other redemption's order.
        raise Conflict(
            _("积分余额不足（现有 %(b)s 分，需要 %(n)s 分）") % {"b": "0", "n": _fmt(cost)},
            code="insufficient_points",
        )
    with transaction.atomic():
        account = _account_locked(household, now=now)
        taken = Goods.objects.filter(pk=goods.pk, stock__gte=quantity, is_active=True).update(
            stock=F("stock") - quantity
        )
        if taken != 1:
            left = Goods.objects.filter(pk=goods.pk).values_list("stock", flat=True).first() or 0
            raise Conflict(
                _("库存不足：%(g)s 仅剩 %(n)d %(u)s")
                % {"g": goods.name, "n": left, "u": goods.unit},
                code="out_of_stock",
            )
        _apply(account, -cost, earned=Decimal(0), spent=cost, now=now)
        entry = PointsEntry.objects.create(
            account=account,
            household=household,
            kind=EntryKind.REDEEM,
            amount=-cost,
            source_type="redemption",
            source_id=new_code(),  # replaced by the redemption code below (same value)
            note=f"{goods.name}×{quantity}"[:200],
            granted_by=actor,
            grid_path=household.grid_path,
            root_id=account.root_id,
            month=month,
            created_at=now,
        )
        redemption = Redemption.objects.create(
            code=entry.source_id,
            store=store,
            goods=goods,
            quantity=quantity,
            points=cost,
            household=household,
            user=actor,
            entry=entry,
            grid_path=household.grid_path,
            root_id=account.root_id,
            created_at=now,
        )
        _bump_month(account, household, month=month, spent=cost)
        _bump_store(store, month=month, redemptions=1, items=quantity, points=cost)
    goods.stock -= quantity
    return redemption


def redemption_hand_over(
    *, actor: Any, code: str, store: Store | None = None, now: datetime | None = None
) -> Redemption:
    """The store keeper hands the goods over against the redemption code."""
    code = (code or "").strip().upper()
    redemption = Redemption.objects.select_related("store", "goods").filter(code=code).first()
    if redemption is None or (store is not None and redemption.store_id != store.pk):
        raise NotFound(_("兑换码 %(c)s 不存在或不属于本超市") % {"c": code or "—"})
    store_keeper_or_staff(actor, redemption.store)
    now = now or timezone.now()
    n = Redemption.objects.filter(pk=redemption.pk, state=RedemptionState.PENDING).update(
        state=RedemptionState.HANDED, handed_by=actor, handed_at=now
    )
    if n != 1:
        redemption.refresh_from_db()
        raise Conflict(
            _("兑换码 %(c)s 当前为“%(s)s”，不能再次领取")
            % {"c": code, "s": redemption.get_state_display()},
            code="not_pending",
        )
    redemption.refresh_from_db()
    return redemption


def redemption_return(
    *, actor: Any, redemption: Redemption, reason: str, now: datetime | None = None
) -> Redemption:
    """退货: points back to the household (a reversing entry) and the items back in stock."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写退回原因"), code="reason")
    store_keeper_or_staff(actor, redemption.store)
    now = now or timezone.now()
    month = month_of(now)
    household = redemption.household
    with transaction.atomic():
        account = _account_locked(household, now=now)
        n = Redemption.objects.filter(
            pk=redemption.pk, state__in=[RedemptionState.PENDING, RedemptionState.HANDED]
        ).update(state=RedemptionState.RETURNED, returned_at=now, return_reason=reason[:200])
        if n != 1:
            raise Conflict(_("该兑换已退回"), code="already_returned")
        points = redemption.points
        _apply(account, points, earned=Decimal(0), spent=-points, now=now)
        PointsEntry.objects.create(
            account=account,
            household=household,
            kind=EntryKind.RETURN,
            amount=points,
            source_type="redemption",
            source_id=redemption.code,
            reverses=redemption.entry,
            note=reason[:200],
            granted_by=actor,
            grid_path=household.grid_path,
            root_id=account.root_id,
            month=month,
            created_at=now,
        )
        Goods.objects.filter(pk=redemption.goods_id).update(stock=F("stock") + redemption.quantity)
        _bump_month(account, household, month=month, spent=-points)
        _bump_store(redemption.store, month=month, returns=1, returned_points=points)
    redemption.refresh_from_db()
    return redemption


def goods_restock(
    *, actor: Any, goods: Goods, quantity: Any, note: str = "", now: datetime | None = None
) -> Goods:
    """入库 (positive) or a stock correction (negative, never below zero)."""
    try:
        qty = int(str(quantity))
    except ValueError:
        raise ServiceError(_("数量须为整数"), code="quantity") from None
    if qty == 0 or abs(qty) > 100_000:
        raise ServiceError(_("数量须为非零整数且不超过 100000"), code="quantity")
    store_keeper_or_staff(actor, goods.store)
    now = now or timezone.now()
    with transaction.atomic():
        qs = Goods.objects.filter(pk=goods.pk)
        if qty < 0:
            qs = qs.filter(stock__gte=-qty)
        if qs.update(stock=F("stock") + qty) != 1:
            raise Conflict(_("库存不足，不能减少 %(n)d") % {"n": -qty}, code="out_of_stock")
        StockMove.objects.create(
            goods=goods, quantity=qty, note=(note or "")[:200], actor=actor, created_at=now
        )
    goods.refresh_from_db(fields=["stock"])
    return goods


# --- inspections (评比) --------------------------------------------------------------------------
@dataclass(frozen=True)
class InspectionLine:
    household_id: int
    passed: bool = True
    amount: Any = None  # None: the rule's standard amount
    note: str = ""


MAX_BATCH = 2000


def inspection_batch_enter(
    *,
    actor: Any,
    community: Any,
    rule_code: str,
    title: str,
    held_on: date,
    lines: list[InspectionLine],
    now: datetime | None = None,
) -> InspectionBatch:
    """清洁户评比: staff enter one round's results; every passed household earns the rule's points.

    All or nothing: a household outside the community, a duplicate line, a bad amount or a
    household over the rule's monthly cap refuses the whole batch, naming the line.
    """
    if actor is None:
        raise Forbidden(_("评比结果须由工作人员录入"))
    _check_staff(actor, community.path)
    rule = PointsRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None:
        raise ServiceError(_("积分规则“%(c)s”不存在或已停用") % {"c": rule_code}, code="rule")
    if not rule.manual:
        raise Forbidden(_("规则“%(r)s”由系统自动计分，不能人工录入") % {"r": rule.name})
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise ServiceError(_("请填写评比名称（不超过 100 字）"), code="title")
    if not lines:
        raise ServiceError(_("没有评比结果"), code="empty")
    if len(lines) > MAX_BATCH:
        raise ServiceError(_("一次最多录入 %(n)d 户") % {"n": MAX_BATCH}, code="too_many")
    now = now or timezone.now()
    if held_on > timezone.localdate(now):
        raise ServiceError(_("评比日期不能晚于今天"), code="held_on")
    ids = [line.household_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ServiceError(_("同一户在一次评比中只能出现一次"), code="duplicate_line")
    households = {h.pk: h for h in Household.objects.filter(pk__in=ids)}
    for n, line in enumerate(lines, start=1):
        h = households.get(line.household_id)
        if h is None or not h.grid_path.startswith(community.path):
            raise ServiceError(
                _("第 %(n)d 行：该户不在%(c)s") % {"n": n, "c": community.name},
                code="outside_community",
            )
    if InspectionBatch.objects.filter(community=community, rule=rule, held_on=held_on).exists():
        raise Conflict(_("该社区当天的此项评比已录入过"), code="duplicate_batch")
    with transaction.atomic():
        batch = InspectionBatch.objects.create(
            community=community,
            grid_path=community.path,
            rule=rule,
            title=title,
            held_on=held_on,
            entered_by=actor,
            households=len(lines),
            created_at=now,
        )
        passed = [(households[line.household_id], line.amount) for line in lines if line.passed]
        points_award_many(
            actor=actor,
            rule_code=rule.code,
            source_type="inspection",
            source_id=str(batch.pk),
            awards=passed,
            note=title,
            now=now,
        )
        awarded = len(passed)
        InspectionBatch.objects.filter(pk=batch.pk).update(awarded=awarded)
        batch.awarded = awarded
    return batch
