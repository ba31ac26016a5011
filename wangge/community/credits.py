"""What a finished service order earns: hours for the taker and points for their household.

Called by the workflow inside the transaction that closes the order, so the order, the hour
record and the ledger entry commit together or not at all. The points rule "service_order"
(created by the migration, editable by administrators) bounds the monthly total; an award over
the cap is skipped and said so in the event, the order still closes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wangge.community.models import (
    PartyMember,
    ResidentAccount,
    ServiceOrder,
    Volunteer,
    VolunteerHours,
)
from wangge.core.api import ServiceError

SERVICE_ORDER_RULE = "service_order"
VOLUNTEER_HOUR_RULE = "volunteer_hour"


def household_of(user: Any):
    """(household, resident) a server earns points for: the bound account, else the base-data
    resident recorded on their volunteer or party-member profile."""
    acct = ResidentAccount.objects.filter(user=user).select_related("household").first()
    if acct is not None:
        return acct.household, acct.resident
    for model in (Volunteer, PartyMember):
        row = (
            model.objects.filter(user=user, resident__isnull=False)
            .select_related("resident__household")
            .first()
        )
        if row is not None and row.resident is not None:
            return row.resident.household, row.resident
    return None, None


def record_hours(
    *,
    user: Any,
    hours: Decimal,
    activity: str,
    community_id: int,
    grid_path: str,
    served_on,
    order: ServiceOrder | None = None,
    recorded_by: Any = None,
    now: datetime,
) -> VolunteerHours:
    vol = Volunteer.objects.filter(user=user).first()
    row = VolunteerHours.objects.create(
        user=user,
        volunteer=vol,
        order=order,
        activity=activity[:100],
        hours=hours,
        served_on=served_on,
        community_id=community_id,
        grid_path=grid_path,
        recorded_by=recorded_by,
        created_at=now,
    )
    if vol is not None:
        Volunteer.objects.filter(pk=vol.pk).update(hours_total=F("hours_total") + hours)
    return row


def order_credit(*, order: ServiceOrder, now: datetime) -> dict[str, Any]:
    from wangge.points.services import points_award

    taker = order.assignee
    hours = order.hours or order.item.hours
    record_hours(
        user=taker,
        hours=hours,
        activity=order.item.name,
        community_id=order.community_id,
        grid_path=order.grid_path,
        served_on=timezone.localtime(order.done_at or now).date(),
        order=order,
        now=now,
    )
    result: dict[str, Any] = {"hours_credited": str(hours)}
    household, _resident = household_of(taker)
    if household is None or not order.item.points:
        result["points"] = 0
        return result
    try:
        with transaction.atomic():
            entry = points_award(
                actor=None,
                household=household,
                rule_code=SERVICE_ORDER_RULE,
                source_type="service_order",
                source_id=str(order.pk),
                amount=order.item.points,
                note=f"{order.item.name} {order.code}",
                now=now,
            )
        result["points"] = str(entry.amount)
    except ServiceError as exc:
        # Over the monthly cap, the rule switched off: the service still counts as done.
        result.update(points=0, points_skipped=exc.message)
    return result
