"""Admin of community life. Orders change only through the workflow: shown, never edited."""

from django.contrib import admin

from wangge.community.models import (
    PartyMember,
    ResidentAccount,
    ServiceItem,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceTeam,
    Volunteer,
    VolunteerHours,
)
from wangge.core.admin import ReadOnlyAdmin


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "kind", "for_party_members", "for_volunteers",
                    "for_teams", "points", "hours", "due_hours", "is_active"]  # fmt: skip
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "community__name"]
    raw_id_fields = ["community", "root"]
    readonly_fields = ["grid_path"]


@admin.register(PartyMember)
class PartyMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "branch", "registration", "work_unit",
                    "is_central_household", "is_active"]  # fmt: skip
    list_filter = ["registration", "is_central_household", "is_active"]
    search_fields = ["name", "work_unit"]
    raw_id_fields = ["user", "resident", "branch", "community", "root", "households", "grids"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "skills", "hours_total", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "skills"]
    raw_id_fields = ["user", "resident", "community", "root", "grids"]
    readonly_fields = ["hours_total"]


@admin.register(ServiceTeam)
class ServiceTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "skills", "leader", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["community", "root", "leader", "members", "grids"]


@admin.register(ResidentAccount)
class ResidentAccountAdmin(admin.ModelAdmin):
    list_display = ["user", "household", "resident", "created_at"]
    raw_id_fields = ["user", "household", "resident"]
    readonly_fields = ["grid_path"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    list_display = ["code", "item", "community", "state", "contact_name", "assignee",
                    "due_at", "overdue", "created_at"]  # fmt: skip
    list_filter = ["state", "channel", "overdue"]
    search_fields = ["code", "contact_name", "description"]
    list_select_related = ["item", "community", "assignee"]


@admin.register(ServiceOrderEvent)
class ServiceOrderEventAdmin(ReadOnlyAdmin):
    list_display = ["order", "seq", "kind", "actor_name", "from_state", "to_state", "created_at"]
    list_filter = ["kind"]


@admin.register(VolunteerHours)
class VolunteerHoursAdmin(ReadOnlyAdmin):
    list_display = ["user", "activity", "hours", "served_on", "order"]
