"""Council records in the admin: read only — they change through the services (the pages and
the API), so the six steps and their events cannot be skipped here."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin
from wangge.council.models import Attendance, Decision, Meeting, Topic, TopicEvent


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["name", "role_note", "method", "signed_at", "points"]
    readonly_fields = ["name", "role_note", "method", "signed_at", "points"]
    can_delete = False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "starts_at", "place", "state"]
    list_filter = ["state"]
    search_fields = ["title", "place", "community__name"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceInline]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "community", "source", "step", "meeting", "created_at"]
    list_filter = ["step", "source"]
    search_fields = ["title", "description"]
    show_full_result_count = False


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["text", "owner", "due_on", "overdue", "done_at"]
    list_filter = ["overdue"]
    search_fields = ["text"]


@admin.register(TopicEvent)
class TopicEventAdmin(ReadOnlyAdmin):
    list_display = ["topic", "seq", "kind", "actor_name", "from_step", "to_step", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["topic"]
    show_full_result_count = False
