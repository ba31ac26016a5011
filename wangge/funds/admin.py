"""The emergency fund in the admin: read only. Money moves only through the services, which
lock the balance row and write the audit trail (资金流水)."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin
from wangge.funds.models import FundAccount, FundEvent, FundPayment, SpendRequest


@admin.register(FundAccount)
class FundAccountAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "budget", "balance", "available", "head_limit"]
    list_filter = ["year"]
    search_fields = ["unit__name", "unit__code"]


@admin.register(SpendRequest)
class SpendRequestAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "amount", "state", "needs_above", "requested_at"]
    list_filter = ["state", "needs_above"]
    search_fields = ["purpose"]


@admin.register(FundPayment)
class FundPaymentAdmin(ReadOnlyAdmin):
    list_display = ["request", "amount", "payee", "paid_at"]


@admin.register(FundEvent)
class FundEventAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "kind",
        "amount",
        "balance_after",
        "available_after",
        "actor_name",
        "created_at",
    ]
    list_filter = ["kind"]
    show_full_result_count = False
