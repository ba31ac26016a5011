"""Admin of the points ledger and stores. The ledger is append-only: shown, never edited."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin
from wangge.points.models import (
    Goods,
    InspectionBatch,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Redemption,
    Store,
)


@admin.register(PointsRule)
class PointsRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "amount", "custom_amount", "allow_fraction",
                    "allow_negative", "subject", "monthly_cap", "manual", "is_active"]  # fmt: skip
    list_filter = ["subject", "manual", "is_active"]
    search_fields = ["code", "name"]


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    list_display = ["household", "balance", "earned", "spent", "first_month", "updated_at"]
    search_fields = ["grid_path"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "household", "kind", "rule", "amount", "source_type",
                    "source_id", "granted_by"]  # fmt: skip
    list_filter = ["kind", "rule"]
    list_select_related = ["household", "rule", "granted_by"]


class GoodsInline(admin.TabularInline):
    model = Goods
    extra = 0
    fields = ["name", "unit", "price", "stock", "per_redemption_max", "is_active", "sort"]
    # Stock moves through 入库 and redemptions, never by typing a number over it.
    readonly_fields = ["stock"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "community", "address", "is_active"]
    list_filter = ["kind", "is_active"]
    raw_id_fields = ["community", "root", "keepers"]
    readonly_fields = ["grid_path"]
    inlines = [GoodsInline]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["code", "store", "goods", "quantity", "points", "state", "created_at"]
    list_filter = ["state", "store"]
    search_fields = ["code"]


@admin.register(InspectionBatch)
class InspectionBatchAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "rule", "held_on", "households", "awarded"]
