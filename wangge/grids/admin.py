from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wangge.core.admin import AuditedAdmin
from wangge.core.api import ServiceError
from wangge.grids.models import Department, Grid
from wangge.grids.services import grid_tree_import, grid_update


class _Rehearsal(Exception):
    """Raised to roll back a write that was only made to see whether it would be refused."""


class GridAdminForm(forms.ModelForm):
    """The grid services decide what is valid; the form runs them and shows their refusal.

    `clean()` makes the change inside a transaction that is rolled back, so a refusal by the
    service (a boundary outside its parent, a child left outside, a wrong level) is a form
    error on the page, and nothing is saved. `ModelAdmin.save_model` then makes it for real.
    """

    parent_code = forms.CharField(label=_("上级网格编码"), required=False)

    # Set by GridAdmin.get_form: the person and request behind the change (for the audit log).
    actor: Any = None
    request: HttpRequest | None = None

    class Meta:
        model = Grid
        fields = ["code", "name", "level", "special_kind", "geometry", "effective_from"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.errors:
            return self.cleaned_data
        try:
            with transaction.atomic():
                self.apply()
                raise _Rehearsal
        except _Rehearsal:
            pass
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc
        return self.cleaned_data

    def apply(self) -> Grid:
        """Write the form's grid through the services; ServiceError when they refuse."""
        data = self.cleaned_data
        grid: Grid = self.instance
        if grid.pk is not None:
            return grid_update(
                actor=self.actor,
                grid=Grid.objects.get(pk=grid.pk),
                name=data.get("name"),
                geometry=data.get("geometry"),
                effective_from=data.get("effective_from"),
                request=self.request,
            )
        feature = {
            "type": "Feature",
            "properties": {
                "code": data.get("code"),
                "name": data.get("name"),
                "level": data.get("level"),
                "special_kind": data.get("special_kind") or "",
                "parent_code": data.get("parent_code") or None,
            },
            "geometry": data.get("geometry"),
        }
        result = grid_tree_import(
            actor=self.actor,
            collection={"type": "FeatureCollection", "features": [feature]},
            request=self.request,
        )
        if not result.ok:
            raise ServiceError("；".join(r.reason for r in result.rejects))
        return Grid.objects.get(code=data.get("code"))


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    """Grids are written through the grid services, so the admin gets the same checks, and a
    refusal is shown on the form (nothing saved), never as "changed successfully"."""

    form = GridAdminForm
    list_display = ["code", "name", "level", "parent", "version", "is_active"]
    list_filter = ["level", "is_active", "special_kind"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "version"]
    ordering = ["path"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["code", "level", "path", "version"]
        return ["path", "version"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user, "request": request})

    def save_model(self, request, obj, form, change):
        # Checked in the form's clean(); a refusal now (a concurrent change) raises and the
        # admin's transaction rolls back, so nothing is reported as saved.
        obj.pk = form.apply().pk

    def has_delete_permission(self, request, obj=None):
        # Grids are deactivated, never deleted: cases and people keep pointing at them.
        return False


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "service_area", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["service_area"]
