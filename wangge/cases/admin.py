from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from wangge.cases.models import Case, CaseEvent, Category, ReplyTemplate, RoutingRule
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


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["grid", "department", "title", "body", "is_active"]

    def clean_body(self) -> str:
        # The same placeholder check as the staff page (one rule, `wangge.cases.replies`).
        from wangge.cases.replies import check_body
        from wangge.core.api import ServiceError

        try:
            return check_body(self.cleaned_data.get("body") or "")
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(AuditedAdmin):
    form = ReplyTemplateForm
    list_display = ["title", "grid", "department", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "body"]
    raw_id_fields = ["grid"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.utils import timezone

        obj.updated_by, obj.updated_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
