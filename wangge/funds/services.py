"""Write paths of the emergency fund. Keyword-only, typed, explicit `actor`; all or nothing.

Who may do what, by the grids of the actor's staff roles (community staff, street, district,
grid head, operator):
- a budget is set by the level above the unit (a role on a grid strictly above it);
- a request is made by anyone working in the unit's subtree (grid workers included);
- approval: the unit's head (a staff role on the unit itself) up to the account's
  `head_limit`, the level above for any amount;
- payments are recorded by the unit's head or the level above.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import GRID_ROLES, READ_ONLY_ROLES
from wangge.attachments.services import attachments_link
from wangge.cases.models import Case
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.council.access import STAFF_ROLES, role_grid_paths
from wangge.council.models import Decision
from wangge.funds.models import (
    FundAccount,
    FundEvent,
    FundEventKind,
    FundPayment,
    RequestState,
    SpendRequest,
)
from wangge.grids.models import Grid, GridLevel
from wangge.notify.services import outbox_enqueue

MAX_AMOUNT = Decimal("99999999.99")
WORKING_ROLES = frozenset(GRID_ROLES - READ_ONLY_ROLES)


def default_head_limit() -> Decimal:
    return Decimal(str(getattr(settings, "FUNDS_HEAD_LIMIT", "5000")))


def money(value: Any, label: str) -> Decimal:
    """A positive amount in yuan with at most two decimals, or a ServiceError in Chinese."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise ServiceError(_("%(f)s须为金额数字") % {"f": label}, code="bad_amount") from None
    if not amount.is_finite():
        raise ServiceError(_("%(f)s须为金额数字") % {"f": label}, code="bad_amount")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ServiceError(_("%(f)s最多保留两位小数") % {"f": label}, code="bad_amount")
    if amount > MAX_AMOUNT:
        raise ServiceError(_("%(f)s过大") % {"f": label}, code="bad_amount")
    return amount.quantize(Decimal("0.01"))


def _positive(value: Any, label: str) -> Decimal:
    amount = money(value, label)
    if amount <= 0:
        raise ServiceError(_("%(f)s须大于 0") % {"f": label}, code="bad_amount")
    return amount


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _display(user: Any) -> str:
    return (getattr(user, "display_name", "") or user.get_username()) if user else ""


def _is_admin(user: Any) -> bool:
    from wangge.accounts.selectors import scope_for_user

    return scope_for_user(user).everything


def is_above(user: Any, unit_path: str) -> bool:
    """A staff role on a grid strictly above the unit (or an administrator)."""
    return _is_admin(user) or any(
        unit_path.startswith(p) and unit_path != p for p in role_grid_paths(user, STAFF_ROLES)
    )


def is_head(user: Any, unit_path: str) -> bool:
    return unit_path in role_grid_paths(user, STAFF_ROLES)


def _event(
    account: FundAccount,
    *,
    kind: str,
    actor: Any,
    amount: Decimal,
    now: datetime,
    request: SpendRequest | None = None,
    note: str = "",
) -> FundEvent:
    account.refresh_from_db(fields=["balance", "available", "budget"])
    return FundEvent.objects.create(
        account=account,
        request=request,
        kind=kind,
        actor=actor,
        actor_name=_display(actor),
        amount=amount,
        balance_after=account.balance,
        available_after=account.available,
        note=note[:300],
        created_at=now,
    )


def fund_budget_set(
    *,
    actor: Any,
    unit: Grid,
    year: int,
    amount: Any,
    head_limit: Any = None,
    now: datetime | None = None,
) -> FundAccount:
    """Set (or change) a unit's budget for a year. A change moves balance and available by the
    difference; it cannot take the budget below what is already approved or paid."""
    if unit.level not in (GridLevel.STREET, GridLevel.COMMUNITY, GridLevel.ZONE):
        raise ServiceError(_("应急资金按街道、社区或片区网格下达"), code="bad_level")
    if not 2000 <= int(year) <= 2100:
        raise ServiceError(_("年度不正确"), code="bad_year")
    if not is_above(actor, unit.path):
        raise Forbidden(_("预算须由上级单位下达"), code="not_above")
    budget = money(amount, _("预算"))
    if budget < 0:
        raise ServiceError(_("预算不能为负数"), code="bad_amount")
    limit = money(head_limit, _("本级审批额度")) if head_limit not in (None, "") else None
    if limit is not None and limit < 0:
        raise ServiceError(_("本级审批额度不能为负数"), code="bad_amount")
    now = now or timezone.now()
    with transaction.atomic():
        account = FundAccount.objects.select_for_update().filter(unit=unit, year=int(year)).first()
        if account is None:
            try:
                with transaction.atomic():
                    account = FundAccount.objects.create(
                        unit=unit,
                        grid_path=unit.path,
                        year=int(year),
                        budget=budget,
                        head_limit=limit if limit is not None else default_head_limit(),
                        balance=budget,
                        available=budget,
                        set_by=actor,
                        created_at=now,
                        updated_at=now,
                    )
            except IntegrityError as exc:
                raise Conflict(_("该年度预算正在被他人下达，请刷新"), code="race") from exc
            _event(account, kind=FundEventKind.BUDGET_SET, actor=actor, amount=budget, now=now)
            return account
        delta = budget - account.budget
        changes: dict[str, Any] = {"updated_at": now, "set_by": actor}
        if limit is not None:
            changes["head_limit"] = limit
        moved = FundAccount.objects.filter(
            pk=account.pk, available__gte=-delta if delta < 0 else 0
        ).update(
            budget=budget,
            balance=F("balance") + delta,
            available=F("available") + delta,
            **changes,
        )
        if not moved:
            raise ServiceError(
                _("预算不能低于已批准和已支付的金额（已占用 %(u)s 元）")
                % {"u": _yuan(account.budget - account.available)},
                code="below_committed",
            )
        _event(
            account,
            kind=FundEventKind.BUDGET_CHANGE,
            actor=actor,
            amount=delta,
            now=now,
            note=_("预算调整为 %(b)s 元") % {"b": _yuan(budget)},
        )
    account.refresh_from_db()
    return account


def fund_request_submit(
    *,
    actor: Any,
    account: FundAccount,
    amount: Any,
    purpose: str,
    case: Case | None = None,
    decision: Decision | None = None,
    attachments: Iterable[str | UUID] = (),
    now: datetime | None = None,
) -> SpendRequest:
    """Ask to spend from the fund against a case or a council decision (quotes/photos)."""
    if not any(
        account.grid_path.startswith(p) or p.startswith(account.grid_path)
        for p in role_grid_paths(actor, WORKING_ROLES)
    ) and not _is_admin(actor):
        raise Forbidden(_("您不在该单位工作，不能申请其应急资金"), code="not_in_unit")
    value = _positive(amount, _("申请金额"))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ServiceError(_("请填写用途"), code="required")
    if len(purpose) > 2000:
        raise ServiceError(_("用途不能超过 2000 个字"), code="too_long")
    if case is None and decision is None:
        raise ServiceError(_("用款须关联一个事件或议定事项"), code="no_reason")
    if case is not None and not case.grid_path.startswith(account.grid_path):
        raise ServiceError(_("关联事件不在该单位范围内"), code="case_outside")
    if decision is not None and not decision.grid_path.startswith(account.grid_path):
        raise ServiceError(_("关联议定事项不在该单位范围内"), code="decision_outside")
    if value > account.available:
        raise ServiceError(
            _("申请金额超过可用余额（可用 %(a)s 元）") % {"a": _yuan(account.available)},
            code="over_available",
        )
    now = now or timezone.now()
    with transaction.atomic():
        req = SpendRequest.objects.create(
            account=account,
            grid_path=case.grid_path if case is not None else decision.grid_path,  # type: ignore[union-attr]
            amount=value,
            purpose=purpose,
            case=case,
            decision=decision,
            needs_above=value > account.head_limit,
            requested_by=actor,
            requested_at=now,
        )
        if attachments:
            attachments_link(actor=actor, attachment_ids=attachments, owner=req)
        _event(
            account,
            kind=FundEventKind.REQUEST,
            actor=actor,
            amount=value,
            request=req,
            now=now,
            note=purpose[:100],
        )
        outbox_enqueue(
            topic="fund.requested",
            title=_("应急资金用款申请 %(a)s 元") % {"a": _yuan(value)},
            body=purpose[:200],
            link=f"/funds/requests/{req.pk}/",
            payload={"request": req.pk, "amount": value, "needs_above": req.needs_above},
            grid_path=account.grid_path,
            dedupe_key=f"fund:request:{req.pk}",
        )
    return req


def _lock_submitted(request: SpendRequest) -> SpendRequest:
    locked = SpendRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != RequestState.SUBMITTED:
        raise Conflict(
            _("该申请已处理（%(s)s）") % {"s": RequestState(locked.state).label},
            code="already_decided",
        )
    return locked


def _may_approve(actor: Any, request: SpendRequest, account: FundAccount) -> None:
    above = is_above(actor, account.grid_path)
    head = is_head(actor, account.grid_path)
    if not (above or head):
        raise Forbidden(_("您无权审批该单位的应急资金"), code="not_approver")
    if not above and request.amount > account.head_limit:
        raise Forbidden(
            _("超出本级审批额度（%(l)s 元），须由上级审批") % {"l": _yuan(account.head_limit)},
            code="over_limit",
        )


def fund_request_approve(
    *, actor: Any, request: SpendRequest, note: str = "", now: datetime | None = None
) -> SpendRequest:
    """Approve: reserve the amount from `available` under the account's row lock.

    The guarded update ("available >= amount") is what keeps two approvals racing for the last
    of a fund from both succeeding: the second waits for the first's lock, then matches 0 rows.
    """
    note = (note or "").strip()[:200]
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_submitted(request)
        account = FundAccount.objects.select_for_update().get(pk=locked.account_id)
        _may_approve(actor, locked, account)
        taken = FundAccount.objects.filter(pk=account.pk, available__gte=locked.amount).update(
            available=F("available") - locked.amount, updated_at=now
        )
        if not taken:
            raise Conflict(
                _("应急资金可用余额不足（可用 %(a)s 元，申请 %(r)s 元）")
                % {"a": _yuan(account.available), "r": _yuan(locked.amount)},
                code="insufficient",
            )
        SpendRequest.objects.filter(pk=locked.pk, state=RequestState.SUBMITTED).update(
            state=RequestState.APPROVED, decided_by=actor, decided_at=now, decision_note=note
        )
        _event(
            account,
            kind=FundEventKind.APPROVE,
            actor=actor,
            amount=locked.amount,
            request=locked,
            now=now,
            note=note,
        )
        outbox_enqueue(
            topic="fund.approved",
            title=_("应急资金申请已批准：%(a)s 元") % {"a": _yuan(locked.amount)},
            body=note,
            link=f"/funds/requests/{locked.pk}/",
            payload={"request": locked.pk, "amount": locked.amount},
            user_ids=[locked.requested_by_id],
            grid_path=account.grid_path,
            dedupe_key=f"fund:approve:{locked.pk}",
        )
    request.refresh_from_db()
    return request


def fund_request_reject(
    *, actor: Any, request: SpendRequest, reason: str, now: datetime | None = None
) -> SpendRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写不予批准的理由"), code="reason_required")
    if len(reason) > 200:
        raise ServiceError(_("理由不能超过 200 个字"), code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_submitted(request)
        account = FundAccount.objects.get(pk=locked.account_id)
        if not (is_above(actor, account.grid_path) or is_head(actor, account.grid_path)):
            raise Forbidden(_("您无权审批该单位的应急资金"), code="not_approver")
        SpendRequest.objects.filter(pk=locked.pk).update(
            state=RequestState.REJECTED, decided_by=actor, decided_at=now, decision_note=reason
        )
        _event(
            account,
            kind=FundEventKind.REJECT,
            actor=actor,
            amount=Decimal("0.00"),
            request=locked,
            now=now,
            note=reason,
        )
        outbox_enqueue(
            topic="fund.rejected",
            title=_("应急资金申请未获批准"),
            body=reason,
            link=f"/funds/requests/{locked.pk}/",
            payload={"request": locked.pk},
            user_ids=[locked.requested_by_id],
            grid_path=account.grid_path,
            dedupe_key=f"fund:reject:{locked.pk}",
        )
    request.refresh_from_db()
    return request


def fund_payment_record(
    *,
    actor: Any,
    request: SpendRequest,
    amount: Any,
    payee: str,
    note: str = "",
    attachments: Iterable[str | UUID] = (),
    now: datetime | None = None,
) -> FundPayment:
    """Record a payment (with receipt photos) against an approved request."""
    value = _positive(amount, _("支付金额"))
    payee = (payee or "").strip()
    if not payee:
        raise ServiceError(_("请填写收款方"), code="required")
    if len(payee) > 100 or len(note or "") > 200:
        raise ServiceError(_("收款方或说明过长"), code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        locked = SpendRequest.objects.select_for_update().get(pk=request.pk)
        account = FundAccount.objects.select_for_update().get(pk=locked.account_id)
        if not (is_above(actor, account.grid_path) or is_head(actor, account.grid_path)):
            raise Forbidden(_("您无权登记该单位的应急资金支付"), code="not_approver")
        if locked.state != RequestState.APPROVED:
            raise Conflict(
                _("只有已批准的申请才能支付（当前：%(s)s）")
                % {"s": RequestState(locked.state).label},
                code="not_approved",
            )
        remaining = locked.amount - locked.paid_amount
        if value > remaining:
            raise ServiceError(
                _("支付金额超过批准未付金额（%(r)s 元）") % {"r": _yuan(remaining)},
                code="over_approved",
            )
        paid = FundAccount.objects.filter(pk=account.pk, balance__gte=value).update(
            balance=F("balance") - value, updated_at=now
        )
        if not paid:
            raise ServiceError(
                _("支付金额超过余额（余额 %(b)s 元）") % {"b": _yuan(account.balance)},
                code="over_balance",
            )
        new_paid = locked.paid_amount + value
        SpendRequest.objects.filter(pk=locked.pk).update(
            paid_amount=new_paid,
            state=RequestState.PAID if new_paid == locked.amount else RequestState.APPROVED,
        )
        payment = FundPayment.objects.create(
            request=locked,
            amount=value,
            payee=payee,
            note=note or "",
            paid_at=now,
            recorded_by=actor,
        )
        if attachments:
            attachments_link(actor=actor, attachment_ids=attachments, owner=payment)
        _event(
            account,
            kind=FundEventKind.PAY,
            actor=actor,
            amount=value,
            request=locked,
            now=now,
            note=payee,
        )
    request.refresh_from_db()
    return payment
