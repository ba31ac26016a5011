from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wangge.notify.models import InboxItem, OutboxMessage, OutboxStatus, WebhookEndpoint
from wangge.notify.services import outbox_retry
from wangge.notify.topics import TOPIC_LABELS, topic_label


class TopicFilter(admin.SimpleListFilter):
    """按主题: the topics in words, not their machine names."""

    title = _("主题")
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return [(t, topic_label(t)) for t in TOPIC_LABELS]

    def queryset(self, request, queryset):
        return queryset.filter(topic=self.value()) if self.value() else queryset


class TopicColumn:
    @admin.display(description=_("主题"), ordering="topic")
    def topic_name(self, obj):
        return topic_label(obj.topic)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "topics", "grid", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["grid"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(TopicColumn, admin.ModelAdmin):
    """Read-only history of deliveries; dead letters can be sent again."""

    list_display = [
        "created_at",
        "topic_name",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "delivered_at",
    ]
    list_filter = ["status", TopicFilter, "endpoint"]
    search_fields = ["dedupe_key", "delivery_id", "last_error"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_dead_letters"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        # The rows are read-only in the admin; resending is what "change" permits here.
        return request.user.has_perm("notify.change_outboxmessage")

    @admin.action(description=_("重发选中的死信"), permissions=["retry"])
    def retry_dead_letters(self, request, queryset):
        ids = list(queryset.filter(status=OutboxStatus.DEAD).values_list("id", flat=True))
        count = outbox_retry(ids=ids, actor=request.user)
        self.message_user(request, _("已重新排队 %(n)d 条死信。") % {"n": count}, messages.SUCCESS)


@admin.register(InboxItem)
class InboxItemAdmin(TopicColumn, admin.ModelAdmin):
    list_display = ["created_at", "user", "topic_name", "title", "read_at"]
    list_filter = [TopicFilter]
    search_fields = ["title", "dedupe_key", "user__username"]
    readonly_fields = [f.name for f in InboxItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
