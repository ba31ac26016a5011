from django.contrib import admin

from wangge.attachments.models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: uploads come through the service, removal through `attachments_purge`.

    The pictures themselves are not shown here: administrators configure the system and are
    not for that among those who may see a resident's photos.
    """

    list_display = [
        "id",
        "purpose",
        "content_type",
        "width",
        "height",
        "size",
        "owner_type",
        "owner_id",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["purpose", "content_type", "owner_type"]
    search_fields = ["id", "sha256", "original_sha256", "owner_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
