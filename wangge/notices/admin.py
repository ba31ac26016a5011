"""Notices in the admin: read only (publishing fans out to inboxes and chat groups through the
service; a row edited here would reach nobody)."""

from django.contrib import admin

from wangge.core.admin import ReadOnlyAdmin
from wangge.notices.models import Notice, NoticeSubscription, NoticeTarget


class TargetInline(admin.TabularInline):
    model = NoticeTarget
    extra = 0
    fields = ["grid"]
    readonly_fields = ["grid"]
    can_delete = False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["title", "author", "urgent", "state", "published_at", "expires_at"]
    list_filter = ["state", "urgent"]
    search_fields = ["title", "body"]
    inlines = [TargetInline]


@admin.register(NoticeSubscription)
class NoticeSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "grid", "created_at"]
    raw_id_fields = ["user"]
