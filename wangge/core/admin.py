from django.contrib import admin

from wangge.core.models import AuditLog, PeriodicTaskState


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: audit records are never changed or deleted, not even by a superuser here."""

    list_display = ["created_at", "username", "action", "target_type", "target_id", "ip_address"]
    list_filter = ["action", "created_at"]
    search_fields = ["username", "target_id", "reason"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PeriodicTaskState)
class PeriodicTaskStateAdmin(admin.ModelAdmin):
    """When each periodic task last went into the queue and is next due (read-only)."""

    list_display = ["name", "last_enqueued_at", "next_run_at", "runs"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
