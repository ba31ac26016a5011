from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wangge.hotline.models import HotlineImport, HotlineOrder, HotlineSource
from wangge.hotline.services import order_caller_phone_masked, source_key_issue


@admin.register(HotlineSource)
class HotlineSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "key_prefix", "webhook", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    readonly_fields = ["key_prefix", "created_at"]
    actions = ["issue_keys"]

    @admin.action(description=_("为选中的来源生成推送密钥（旧密钥立即失效）"))
    def issue_keys(self, request, queryset):
        for source in queryset:
            raw = source_key_issue(actor=request.user, source=source)
            self.message_user(
                request,
                _("“%(n)s”的推送密钥：%(k)s —— 此后不再显示。") % {"n": source.name, "k": raw},
                messages.WARNING,
            )


PHONE_COLUMNS = ["caller_phone_cipher", "caller_phone_hash"]


@admin.register(HotlineOrder)
class HotlineOrderAdmin(admin.ModelAdmin):
    list_display = ["order_no", "source", "received_at", "case", "deadline", "revision"]
    list_filter = ["source"]
    search_fields = ["order_no", "case__tracking_code"]
    # The caller's number only masked (the case page reveals it with a reason, audited).
    exclude = PHONE_COLUMNS
    readonly_fields = [
        *(f.name for f in HotlineOrder._meta.fields if f.name not in PHONE_COLUMNS),
        "caller_phone_masked",
    ]

    @admin.display(description=_("来电号码"))
    def caller_phone_masked(self, obj: HotlineOrder) -> str:
        return order_caller_phone_masked(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HotlineImport)
class HotlineImportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "source", "filename", "status", "total", "created", "rejected"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in HotlineImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
