from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["grid", "department"]
    # Roles are granted through services (separation of duties, audit); read-only here.
    readonly_fields = ["role", "grid", "department", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("网格平台"), {"fields": ("display_name", "phone", "password_changed_at")}),
    )
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "grid", "department", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "grid__name", "grid__code"]
    autocomplete_fields = ["user", "grid", "department"]

    def save_model(self, request, obj, form, change):
        from wangge.accounts.services import role_grant

        if change:
            # A role is revoked and granted, never edited in place: the audit trail shows both.
            from wangge.accounts.services import role_revoke

            role_revoke(actor=request.user, assignment=RoleAssignment.objects.get(pk=obj.pk))
        saved = role_grant(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            grid=obj.grid,
            department=obj.department,
            request=request,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        from wangge.accounts.services import role_revoke

        role_revoke(actor=request.user, assignment=obj, request=request)
