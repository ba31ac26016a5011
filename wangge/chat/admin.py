from django.contrib import admin

from wangge.chat.models import ChatGroup, ChatMessage, ChatStaff


class ChatStaffInline(admin.TabularInline):
    model = ChatStaff
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(ChatGroup)
class ChatGroupAdmin(admin.ModelAdmin):
    list_display = ["group_id", "name", "grid", "endpoint", "active"]
    list_filter = ["active"]
    search_fields = ["group_id", "name", "grid__code", "grid__name"]
    autocomplete_fields = ["grid"]
    inlines = [ChatStaffInline]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "group", "sender_name", "kind", "score", "case"]
    list_filter = ["kind", "group"]
    search_fields = ["text", "message_id", "case__tracking_code"]
    readonly_fields = [f.name for f in ChatMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
