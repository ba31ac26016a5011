from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.utils.translation import gettext_lazy as _

from wangge.accounts.models import ApiToken, RoleAssignment, User
from wangge.accounts.phones import PHONE_RE, user_phone_masked, user_phone_set
from wangge.accounts.services import (
    role_check,
    role_grant,
    role_grant_check_actor,
    role_revoke,
)
from wangge.accounts.tokens import token_revoke_all
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


class UserChangeForm(DjangoUserChangeForm):
    """The phone is stored encrypted: the form shows it masked and takes a new one."""

    phone = forms.RegexField(
        label=_("手机号"),
        regex=PHONE_RE,
        required=False,
        max_length=20,
        error_messages={"invalid": _("手机号格式不正确")},
    )
    phone_clear = forms.BooleanField(label=_("清除手机号"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shown = user_phone_masked(self.instance) if self.instance.pk else ""
        self.fields["phone"].help_text = (
            _("当前：%(p)s。留空则不变。") % {"p": shown} if shown else _("未登记")
        )

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if self.cleaned_data.get("phone_clear"):
            user_phone_set(user, "")
        elif self.cleaned_data.get("phone"):
            user_phone_set(user, self.cleaned_data["phone"])
        if commit:
            user.save()
            self.save_m2m()
        return user


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    list_display = ["username", "display_name", "is_active", "is_staff", "last_login"]
    search_fields = ["username", "display_name"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("网格平台"),
            {"fields": ("display_name", "phone", "phone_clear", "password_changed_at")},
        ),
    )
    inlines = [RoleAssignmentInline]

    def get_readonly_fields(self, request, obj=None):
        # Roles come with their groups and permissions through the role services only: an
        # administrator editing flags or groups here could make anyone (themselves included) a
        # superuser or a security officer without an audited grant.
        fixed = ["is_superuser", "groups", "user_permissions", "last_login", "date_joined"]
        if request.user.is_superuser:
            fixed = ["last_login", "date_joined"]
        return [*super().get_readonly_fields(request, obj), *fixed]


class RoleAssignmentForm(forms.ModelForm):
    actor: User | None = None

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "grid", "department"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("user") and data.get("role"):
            try:
                role_grant_check_actor(actor=self.actor, user=data["user"])
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed by prefix only (the key is never stored); they can be revoked here."""

    list_display = ("user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ["revoked_reason"]
    search_fields = ["user__username", "prefix"]
    fields = readonly_fields = (*list_display, "revoked_reason")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            token_revoke_all(
                user=token.user,
                reason=ApiToken.RevokeReason.ADMIN,
                actor=request.user,
                request=request,
                only=token,
            )
