from django.contrib import admin

from wangge.exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Read-only: jobs are written by their service only; the files are never offered here."""

    list_display = ("id", "kind", "created_by", "status", "total_rows", "created_at", "expires_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in ExportJob._meta.fields if f.name != "stored_file"]
    exclude = ("stored_file",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
