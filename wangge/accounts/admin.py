from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import RoleAssignment, User
from wangge.accounts.services import role_check, role_grant, role_revoke
from wangge.core.api import ServiceError


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
        *(DjangoUserAdmin.fieldsets or ()),
        (_("网格平台"), {"fields": ("display_name", "phone", "password_changed_at")}),
    )
    inlines = [RoleAssignmentInline]


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "grid", "department"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("user") and data.get("role"):
            try:
                role_check(
                    user=data["user"],
                    role=data["role"],
                    grid=data.get("grid"),
                    department=data.get("department"),
                )
            except ServiceError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "grid", "department", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__display_name", "grid__name", "grid__code"]
    autocomplete_fields = ["user", "grid", "department"]

    def save_model(self, request, obj, form, change):
        if change:
            # A role is revoked and granted, never edited in place: the audit trail shows both.
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
        role_revoke(actor=request.user, assignment=obj, request=request)
