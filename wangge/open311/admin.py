from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wangge.open311.models import ApiClient, ServiceAttribute
from wangge.open311.services import api_client_create, api_client_rotate


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Keys are generated here and shown once; only their hash is stored."""

    list_display = ["name", "key_prefix", "contact", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "contact", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["rotate_keys"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, raw = api_client_create(actor=request.user, name=obj.name, contact=obj.contact)
        if not obj.active:
            ApiClient.objects.filter(pk=client.pk).update(active=False)
        obj.pk, obj.key_prefix, obj.key_hash = client.pk, client.key_prefix, client.key_hash
        obj.created_at = client.created_at
        self.message_user(
            request,
            _("“%(n)s”的 api_key：%(k)s —— 请立即转交对方，此后不再显示。")
            % {"n": client.name, "k": raw},
            messages.WARNING,
        )

    @admin.action(description=_("为选中的客户端生成新密钥（旧密钥立即失效）"))
    def rotate_keys(self, request, queryset):
        for client in queryset:
            raw = api_client_rotate(actor=request.user, client=client)
            self.message_user(
                request,
                _("“%(n)s”的新 api_key：%(k)s —— 此后不再显示。") % {"n": client.name, "k": raw},
                messages.WARNING,
            )


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["service_code", "order", "code", "datatype", "required", "description"]
    list_filter = ["datatype", "required"]
    search_fields = ["service_code", "code", "description"]
