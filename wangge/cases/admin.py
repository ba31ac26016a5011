from django.contrib import admin

from wangge.cases.models import Case, CaseEvent, Category, RoutingRule
from wangge.core.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "handling_level",
        "department_kind",
        "response_limit",
        "response_unit",
        "handling_limit",
        "handling_unit",
        "urgent",
        "is_active",
    ]
    list_filter = ["kind", "handling_level", "urgent", "is_active"]
    search_fields = ["code", "name", "keywords"]
    ordering = ["code"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["name", "priority", "category", "grid", "target_department", "target_level"]
    list_filter = ["is_active"]
    autocomplete_fields = ["category"]
    raw_id_fields = ["grid"]
    filter_horizontal = ["co_departments"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "title", "state", "category", "channel", "created_at"]
    list_filter = ["state", "channel", "overdue", "urgent"]
    search_fields = ["tracking_code", "title"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "kind", "actor_name", "from_state", "to_state", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["case"]
    show_full_result_count = False
