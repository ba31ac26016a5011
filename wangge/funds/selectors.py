"""Reads of the emergency fund, scoped: staff see the accounts, requests and payments of the
units in their subtrees (and the level above sees its units'). Grid B sees nothing of grid A's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wangge.accounts.selectors import scope_for_user
from wangge.core.api import NotFound
from wangge.funds.models import FundAccount, FundEvent, FundPayment, RequestState, SpendRequest


def _scope_q(user: Any, field: str = "grid_path") -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    q = scope.path_q(field)
    # A grid worker sees the fund of the unit above them (the community's): the balance they
    # may ask to spend from. Units whose path is a prefix of theirs.
    prefixes: set[str] = set()
    for p in scope.grid_paths:
        codes = [c for c in p.split("/") if c]
        for i in range(1, len(codes)):
            prefixes.add("/".join(codes[:i]) + "/")
    if prefixes:
        q |= Q(**{f"{field}__in": sorted(prefixes)})
    return q


def _request_q(user: Any) -> Q:
    """A request is seen by staff whose subtrees hold it (it carries the path of its case or
    decision) and by whoever asked."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    return scope.path_q("grid_path") | Q(requested_by_id=user.pk)


def account_list_for_user(
    user: Any, *, year: int | None = None, unit: str | None = None
) -> QuerySet[FundAccount]:
    qs = FundAccount.objects.filter(_scope_q(user))
    if year:
        qs = qs.filter(year=year)
    if unit:
        qs = qs.filter(unit__code=unit)
    return qs.select_related("unit").order_by("-year", "grid_path")


def account_get_for_user(user: Any, pk: int | str) -> FundAccount:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("资金账户不存在") from None
    account = FundAccount.objects.filter(_scope_q(user), pk=pk).select_related("unit").first()
    if account is None:
        raise NotFound("资金账户不存在或不在您的管辖范围内")
    return account


def request_list_for_user(
    user: Any,
    *,
    state: str | None = None,
    account: int | None = None,
    needs_above: bool | None = None,
    year: int | None = None,
) -> QuerySet[SpendRequest]:
    qs = SpendRequest.objects.filter(_request_q(user))
    if state:
        qs = qs.filter(state=state)
    if account:
        qs = qs.filter(account_id=account)
    if needs_above is not None:
        qs = qs.filter(needs_above=needs_above)
    if year:
        qs = qs.filter(account__year=year)
    return qs.select_related(
        "account__unit", "case", "decision__topic", "requested_by", "decided_by"
    ).order_by("-requested_at", "-id")


def request_get_for_user(user: Any, pk: int | str) -> SpendRequest:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("用款申请不存在") from None
    req = request_list_for_user(user).filter(pk=pk).first() if user else None
    if req is None:
        raise NotFound("用款申请不存在或不在您的管辖范围内")
    return req


def request_visible_to(user: Any, request_id: Any) -> bool:
    return SpendRequest.objects.filter(_request_q(user), pk=request_id).exists()


def payment_visible_to(user: Any, payment_id: Any) -> bool:
    ids = SpendRequest.objects.filter(_request_q(user)).values("pk")
    return FundPayment.objects.filter(request__in=ids, pk=payment_id).exists()


def pending_for_approver(user: Any) -> QuerySet[SpendRequest]:
    return request_list_for_user(user, state=RequestState.SUBMITTED)


def account_events(account: FundAccount) -> QuerySet[FundEvent]:
    return account.events.select_related("request").order_by("created_at", "id")
