"""The grid emergency fund (网格应急专项资金): a budget per unit and year, spent on urgent
repairs no budget foresaw, against a case or a council decision.

`FundAccount` is the balance row of a unit's year. Two amounts move on it, always by guarded
updates under a row lock, and the database refuses any state that breaks the rules:

- `balance` = budget − payments (money still in the fund), never negative;
- `available` = balance − approved but unpaid amounts, never negative and never above balance.

An approval takes its amount from `available` ("WHERE available >= amount"), so two approvals
racing for the last of the fund cannot both succeed; a payment takes it from `balance`.
Every step writes a `FundEvent` with the amounts after it: the fund's audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FundAccount(models.Model):
    unit = models.ForeignKey(
        "grids.Grid", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    year = models.PositiveSmallIntegerField(_("年度"))
    budget = models.DecimalField(_("年度预算（元）"), max_digits=12, decimal_places=2)
    head_limit = models.DecimalField(
        _("本级审批额度（元）"),
        max_digits=12,
        decimal_places=2,
        help_text=_("单笔不超过此额度由本单位负责人审批，超过的报上级审批"),
    )
    balance = models.DecimalField(_("余额（元）"), max_digits=12, decimal_places=2)
    available = models.DecimalField(_("可用余额（元）"), max_digits=12, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("下达时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("应急资金账户")
        verbose_name_plural = _("应急资金账户")
        ordering = ["-year", "grid_path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="fund_account_unit_year"),
            models.CheckConstraint(name="fund_budget_not_negative", condition=Q(budget__gte=0)),
            models.CheckConstraint(name="fund_balance_not_negative", condition=Q(balance__gte=0)),
            models.CheckConstraint(
                name="fund_available_not_negative", condition=Q(available__gte=0)
            ),
            models.CheckConstraint(
                name="fund_available_within_balance", condition=Q(available__lte=F("balance"))
            ),
            models.CheckConstraint(
                name="fund_balance_within_budget", condition=Q(balance__lte=F("budget"))
            ),
            models.CheckConstraint(
                name="fund_head_limit_not_negative", condition=Q(head_limit__gte=0)
            ),
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "year"],
                name="fund_account_path",
                opclasses=["varchar_pattern_ops", "int2_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    @property
    def paid(self):
        return self.budget - self.balance

    @property
    def reserved(self):
        return self.balance - self.available


class RequestState(models.TextChoices):
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    PAID = "paid", _("已支付")


class SpendRequest(models.Model):
    account = models.ForeignKey(
        FundAccount, verbose_name=_("资金账户"), on_delete=models.PROTECT, related_name="requests"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    amount = models.DecimalField(_("申请金额（元）"), max_digits=12, decimal_places=2)
    purpose = models.TextField(_("用途"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_requests",
    )
    decision = models.ForeignKey(
        "council.Decision",
        verbose_name=_("关联议定事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_requests",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    # Above the unit head's limit when submitted: the level above must approve.
    needs_above = models.BooleanField(_("需上级审批"), default=False)
    paid_amount = models.DecimalField(_("已支付（元）"), default=0, max_digits=12, decimal_places=2)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("用款申请")
        verbose_name_plural = _("用款申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(name="fund_request_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="fund_request_has_reason",
                condition=Q(case__isnull=False) | Q(decision__isnull=False),
            ),
            models.CheckConstraint(
                name="fund_request_paid_within_amount",
                condition=Q(paid_amount__gte=0, paid_amount__lte=F("amount")),
            ),
            models.CheckConstraint(
                name="fund_request_state_valid",
                condition=Q(state__in=[s.value for s in RequestState]),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "state"], name="fund_request_account_state"),
            models.Index(
                fields=["grid_path", "requested_at"],
                name="fund_request_path",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.amount}"


class FundPayment(models.Model):
    request = models.ForeignKey(
        SpendRequest, verbose_name=_("用款申请"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("支付金额（元）"), max_digits=12, decimal_places=2)
    payee = models.CharField(_("收款方"), max_length=100)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    paid_at = models.DateTimeField(_("支付时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("支付记录")
        verbose_name_plural = _("支付记录")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.CheckConstraint(name="fund_payment_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.amount}"


class FundEventKind(models.TextChoices):
    BUDGET_SET = "budget_set", _("下达预算")
    BUDGET_CHANGE = "budget_change", _("调整预算")
    REQUEST = "request", _("提出申请")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不予批准")
    PAY = "pay", _("支付")


class FundEvent(models.Model):
    """One step on a fund, append-only, with the account's amounts after it."""

    account = models.ForeignKey(
        FundAccount, verbose_name=_("资金账户"), on_delete=models.PROTECT, related_name="events"
    )
    request = models.ForeignKey(
        SpendRequest,
        verbose_name=_("用款申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=FundEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("余额"), max_digits=12, decimal_places=2)
    available_after = models.DecimalField(_("可用余额"), max_digits=12, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")
        ordering = ["account", "created_at", "id"]
        indexes = [models.Index(fields=["account", "created_at"], name="fund_event_account")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.amount}"
