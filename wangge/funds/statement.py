"""The yearly statement of a unit's fund, as an Excel workbook (汇总 / 用款申请 / 支付 / 流水)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from wangge.council.xlsx import fmt_date, workbook_bytes
from wangge.funds.models import FundAccount, FundEventKind, FundPayment, RequestState


def fund_statement_xlsx(account: FundAccount) -> tuple[bytes, str]:
    requests = list(
        account.requests.select_related(
            "case", "decision__topic", "requested_by", "decided_by"
        ).order_by("requested_at", "id")
    )
    payments = list(
        FundPayment.objects.filter(request__account=account)
        .select_related("recorded_by")
        .order_by("paid_at", "id")
    )
    events = list(account.events.order_by("created_at", "id"))
    summary = [
        (_("单位"), account.unit.name),
        (_("单位编码"), account.unit.code),
        (_("年度"), account.year),
        (_("年度预算（元）"), account.budget),
        (_("已支付（元）"), account.paid),
        (_("已批准未支付（元）"), account.reserved),
        (_("余额（元）"), account.balance),
        (_("可用余额（元）"), account.available),
        (_("本级审批额度（元）"), account.head_limit),
        (_("申请笔数"), len(requests)),
        (
            _("待审批笔数"),
            sum(1 for r in requests if r.state == RequestState.SUBMITTED),
        ),
    ]
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (_("汇总"), [_("项目"), _("数值")], summary),
        (
            _("用款申请"),
            [
                _("编号"),
                _("申请时间"),
                _("金额"),
                _("用途"),
                _("关联事件"),
                _("关联议定事项"),
                _("状态"),
                _("需上级审批"),
                _("已支付"),
                _("申请人"),
                _("审批人"),
                _("审批意见"),
            ],
            [
                (
                    r.pk,
                    fmt_date(r.requested_at),
                    r.amount,
                    r.purpose,
                    r.case.tracking_code if r.case else "",
                    r.decision.topic.title if r.decision else "",
                    RequestState(r.state).label,
                    _("是") if r.needs_above else _("否"),
                    r.paid_amount,
                    str(r.requested_by),
                    str(r.decided_by or ""),
                    r.decision_note,
                )
                for r in requests
            ],
        ),
        (
            _("支付"),
            [_("申请编号"), _("支付时间"), _("金额"), _("收款方"), _("说明"), _("登记人")],
            [
                (p.request_id, fmt_date(p.paid_at), p.amount, p.payee, p.note, str(p.recorded_by))
                for p in payments
            ],
        ),
        (
            _("流水"),
            [
                _("时间"),
                _("类型"),
                _("申请编号"),
                _("金额"),
                _("余额"),
                _("可用余额"),
                _("操作人"),
                _("说明"),
            ],
            [
                (
                    fmt_date(e.created_at),
                    FundEventKind(e.kind).label,
                    e.request_id or "",
                    e.amount,
                    e.balance_after,
                    e.available_after,
                    e.actor_name,
                    e.note,
                )
                for e in events
            ],
        ),
    ]
    filename = f"应急资金年度明细_{account.unit.name}_{account.year}.xlsx"
    return workbook_bytes(sheets), filename
