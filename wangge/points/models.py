"""Civility points (文明积分) and the points store (积分超市).

The ledger is append-only: one `PointsEntry` per award, redemption, return or correction, and
a correction is a reversing entry, never an edit. The database itself keeps the two promises
the seeds' practice rests on:

- a balance never goes negative: `PointsAccount.balance` is updated in the same transaction as
  each entry, under a CheckConstraint `balance >= 0`;
- the same award is never granted twice for the same source: a unique constraint over
  (rule, source_type, source_id, household[, resident]) on award entries.

Monthly summaries (`HouseholdMonth`, `StoreMonth`) are written in the same transaction as the
entries they count, so reports read a few thousand summary rows, never the whole ledger.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PATH_OPS = ["varchar_pattern_ops"]
POINTS: dict[str, Any] = {"max_digits": 12, "decimal_places": 1}


class AppendOnlyQuerySet(models.QuerySet):
    """Ledger rows are never changed or removed, from any code path."""

    def update(self, **kwargs):
        raise RuntimeError("the points ledger is append-only")

    def delete(self):
        raise RuntimeError("the points ledger is append-only")


class RuleSubject(models.TextChoices):
    HOUSEHOLD = "household", _("按户")
    PERSON = "person", _("按人")


class PointsRule(models.Model):
    """How points are earned: "volunteer_hour", "service_order", "clean_household" …

    `amount` is the standard award; a rule that allows a custom amount takes one between
    `min_amount` and `max_amount`. `monthly_cap` bounds what one household (or one person, for
    per-person rules) may earn from this rule in a calendar month.
    """

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    amount = models.DecimalField(_("标准分值"), **POINTS)
    custom_amount = models.BooleanField(_("可自定分值"), default=False)
    min_amount = models.DecimalField(_("最低分值"), null=True, blank=True, **POINTS)
    max_amount = models.DecimalField(_("最高分值"), null=True, blank=True, **POINTS)
    allow_fraction = models.BooleanField(_("允许小数"), default=False)
    allow_negative = models.BooleanField(_("允许扣分"), default=False)
    subject = models.CharField(
        _("计分对象"), max_length=10, choices=RuleSubject.choices, default=RuleSubject.HOUSEHOLD
    )
    monthly_cap = models.DecimalField(_("每月上限"), null=True, blank=True, **POINTS)
    # Staff may enter it by hand (inspections); others come only from their own modules.
    manual = models.BooleanField(_("人工录入"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(name="rule_amount_nonzero", condition=~Q(amount=0)),
            models.CheckConstraint(
                name="rule_cap_positive",
                condition=Q(monthly_cap__isnull=True) | Q(monthly_cap__gt=0),
            ),
            models.CheckConstraint(
                name="rule_bounds_ordered",
                condition=Q(min_amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(min_amount__lte=models.F("max_amount")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PointsAccount(models.Model):
    """A household's balance, updated with each entry in the same transaction."""

    household = models.OneToOneField(
        "people.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    grid_path = models.CharField(max_length=255, editable=False)
    root = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    balance = models.DecimalField(_("余额"), default=Decimal(0), **POINTS)
    earned = models.DecimalField(_("累计获得"), default=Decimal(0), **POINTS)
    spent = models.DecimalField(_("累计兑换"), default=Decimal(0), **POINTS)
    # The month of the first entry: "households taking part up to month M" is one index range.
    first_month = models.DateField(_("首次积分月份"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(name="points_balance_nonneg", condition=Q(balance__gte=0)),
        ]
        indexes = [
            models.Index(fields=["grid_path"], name="pacct_path", opclasses=PATH_OPS),
            models.Index(
                fields=["first_month", "grid_path"],
                name="pacct_first",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.balance}"


class EntryKind(models.TextChoices):
    AWARD = "award", _("获得")
    REDEEM = "redeem", _("兑换")
    RETURN = "return", _("退货返还")
    CORRECTION = "correction", _("冲正")


class PointsEntry(models.Model):
    account = models.ForeignKey(
        PointsAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("个人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=EntryKind.choices)
    rule = models.ForeignKey(
        PointsRule,
        verbose_name=_("规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    amount = models.DecimalField(_("分值"), **POINTS)
    source_type = models.CharField(_("来源类型"), max_length=40)
    source_id = models.CharField(_("来源编号"), max_length=64)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid_path = models.CharField(max_length=255, editable=False)
    root = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))
    created_at = models.DateTimeField(_("时间"))

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="entry_amount_nonzero", condition=~Q(amount=0)),
            models.CheckConstraint(
                name="entry_award_has_rule", condition=~Q(kind="award") | Q(rule__isnull=False)
            ),
            models.CheckConstraint(
                name="entry_redeem_negative", condition=~Q(kind="redeem") | Q(amount__lt=0)
            ),
            models.CheckConstraint(
                name="entry_correction_reverses",
                condition=~Q(kind__in=["correction", "return"]) | Q(reverses__isnull=False),
            ),
            # Never the same award twice for the same source.
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id", "household"],
                condition=Q(kind="award", resident__isnull=True),
                name="award_once_per_household",
            ),
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id", "household", "resident"],
                condition=Q(kind="award", resident__isnull=False),
                name="award_once_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "created_at"], name="entry_account_time"),
            models.Index(fields=["rule", "household", "month"], name="entry_rule_month"),
            models.Index(fields=["grid_path"], name="entry_path", opclasses=PATH_OPS),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount:+} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("the points ledger is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("the points ledger is append-only")


class HouseholdMonth(models.Model):
    """Per household and month: earned and spent, kept with each entry (report summary)."""

    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.DateField()
    root = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+")
    grid_path = models.CharField(max_length=255)
    earned = models.DecimalField(default=Decimal(0), **POINTS)
    spent = models.DecimalField(default=Decimal(0), **POINTS)
    entries = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("户月积分汇总")
        verbose_name_plural = _("户月积分汇总")
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="hh_month_unique")
        ]
        indexes = [
            models.Index(
                fields=["month", "grid_path"],
                name="hh_month_path",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month:%Y-%m}"


class GridMonth(models.Model):
    """Per leaf grid and month: points issued and spent, households with an entry this month
    (`active`), households whose first entry ever fell in this month (`new`). Kept in the same
    transaction as the entries, so the monthly report reads about one row per grid and month
    whatever the number of households; "taking part up to month M" is the sum of `new` over
    the months up to M."""

    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+")
    grid_path = models.CharField(max_length=255)
    month = models.DateField()
    earned = models.DecimalField(default=Decimal(0), **POINTS)
    spent = models.DecimalField(default=Decimal(0), **POINTS)
    active = models.IntegerField(default=0)
    new = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("网格月积分汇总")
        verbose_name_plural = _("网格月积分汇总")
        constraints = [models.UniqueConstraint(fields=["grid", "month"], name="grid_month_unique")]
        indexes = [
            models.Index(
                fields=["grid_path", "month"],
                name="grid_month_path",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.month:%Y-%m}"


class StoreKind(models.TextChoices):
    COMMUNITY = "community", _("社区积分超市")
    PARTNER = "partner", _("合作商户")


class Store(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=StoreKind.choices)
    community = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="stores"
    )
    grid_path = models.CharField(max_length=255, editable=False)
    root = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属区县"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("营业时间"), max_length=100, blank=True)
    keepers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("店员"), blank=True, related_name="points_stores"
    )
    is_active = models.BooleanField(_("营业"), default=True)

    class Meta:
        verbose_name = _("积分超市")
        verbose_name_plural = _("积分超市")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="store_unique_name")
        ]
        indexes = [models.Index(fields=["grid_path"], name="store_path", opclasses=PATH_OPS)]

    def __str__(self) -> str:
        return self.name


class Goods(models.Model):
    store = models.ForeignKey(
        Store, verbose_name=_("积分超市"), on_delete=models.PROTECT, related_name="goods"
    )
    name = models.CharField(_("商品"), max_length=100)
    unit = models.CharField(_("单位"), max_length=10, default="件")
    price = models.DecimalField(_("所需积分"), **POINTS)
    stock = models.PositiveIntegerField(_("库存"), default=0)
    per_redemption_max = models.PositiveSmallIntegerField(_("每次限兑"), default=5)
    is_active = models.BooleanField(_("上架"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("兑换商品")
        verbose_name_plural = _("兑换商品")
        ordering = ["store_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="goods_unique_name"),
            models.CheckConstraint(name="goods_stock_nonneg", condition=Q(stock__gte=0)),
            models.CheckConstraint(name="goods_price_positive", condition=Q(price__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.price:g} 分）"


class StockMove(models.Model):
    """Stock received or corrected by the store keeper (redemptions and returns are counted
    from their own rows)."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="stock_moves")
    quantity = models.IntegerField(_("数量"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("入库记录")
        verbose_name_plural = _("入库记录")
        constraints = [models.CheckConstraint(name="stock_move_nonzero", condition=~Q(quantity=0))]

    def __str__(self) -> str:
        return f"{self.goods_id} {self.quantity:+d}"


class RedemptionState(models.TextChoices):
    PENDING = "pending", _("待领取")
    HANDED = "handed", _("已领取")
    RETURNED = "returned", _("已退回")


class Redemption(models.Model):
    code = models.CharField(_("兑换码"), max_length=8, unique=True, editable=False)
    store = models.ForeignKey(
        Store, verbose_name=_("积分超市"), on_delete=models.PROTECT, related_name="redemptions"
    )
    goods = models.ForeignKey(
        Goods, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveSmallIntegerField(_("数量"))
    points = models.DecimalField(_("积分"), **POINTS)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("兑换人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    entry = models.OneToOneField(
        PointsEntry, verbose_name=_("扣分记录"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=RedemptionState.choices, default=RedemptionState.PENDING
    )
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    grid_path = models.CharField(max_length=255, editable=False)
    root = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("兑换时间"))

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="redemption_qty_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="redemption_points_positive", condition=Q(points__gt=0)),
            models.CheckConstraint(
                name="redemption_handed_by",
                condition=~Q(state="handed") | Q(handed_by__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["store", "created_at"], name="redemption_store_time"),
            models.Index(fields=["household", "created_at"], name="redemption_hh_time"),
            # The staff list over every store in scope, newest first, for paging by cursor.
            models.Index(fields=["created_at", "id"], name="redemption_time"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.goods.name}×{self.quantity}"


class StoreMonth(models.Model):
    """Per store and month: redemptions, items and points, kept with each redemption."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    redemptions = models.IntegerField(default=0)
    items = models.IntegerField(default=0)
    points = models.DecimalField(default=Decimal(0), **POINTS)
    returns = models.IntegerField(default=0)
    returned_points = models.DecimalField(default=Decimal(0), **POINTS)

    class Meta:
        verbose_name = _("超市月汇总")
        verbose_name_plural = _("超市月汇总")
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="store_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.month:%Y-%m}"


class InspectionBatch(models.Model):
    """A round of clean-household inspection (清洁户评比) entered by staff in one go."""

    community = models.ForeignKey(
        "grids.Grid", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(max_length=255, editable=False)
    rule = models.ForeignKey(PointsRule, verbose_name=_("规则"), on_delete=models.PROTECT)
    title = models.CharField(_("评比名称"), max_length=100)
    held_on = models.DateField(_("评比日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT
    )
    households = models.PositiveIntegerField(_("参评户数"), default=0)
    awarded = models.PositiveIntegerField(_("获分户数"), default=0)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("评比批次")
        verbose_name_plural = _("评比批次")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "rule", "held_on"], name="inspection_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return self.title
