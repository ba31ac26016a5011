from django.contrib import admin
from django.db import transaction

from wangge.core.admin import AuditedAdmin
from wangge.workcal.models import CalendarEntry, HoursProfile
from wangge.workcal.services import calendar_changed


class _BumpsVersion(AuditedAdmin):
    """Every admin change bumps the calendar version in the same transaction, so each process
    rebuilds its cached calendar."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            calendar_changed()

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            calendar_changed()

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            calendar_changed()


@admin.register(CalendarEntry)
class CalendarEntryAdmin(_BumpsVersion):
    list_display = ["date", "kind", "name", "source", "grid", "department", "note"]
    list_filter = ["source", "kind", "date"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    autocomplete_fields = ["grid", "department"]


@admin.register(HoursProfile)
class HoursProfileAdmin(_BumpsVersion):
    list_display = ["code", "name", "is_default", "sessions", "summer_from", "summer_to"]
