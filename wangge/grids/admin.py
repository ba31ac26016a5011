from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wangge.core.api import ServiceError
from wangge.grids.models import Department, Grid
from wangge.grids.services import grid_tree_import, grid_update


class GridAdminForm(forms.ModelForm):
    parent_code = forms.CharField(label=_("上级网格编码"), required=False)

    class Meta:
        model = Grid
        fields = ["code", "name", "level", "special_kind", "geometry", "effective_from"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    """Grids are written through the grid services, so the admin gets the same checks."""

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

    def save_model(self, request, obj, form, change):
        try:
            if change:
                grid_update(
                    actor=request.user,
                    grid=Grid.objects.get(pk=obj.pk),
                    name=obj.name,
                    geometry=obj.geometry,
                    effective_from=obj.effective_from,
                    request=request,
                )
            else:
                result = grid_tree_import(
                    actor=request.user,
                    collection={
                        "type": "FeatureCollection",
                        "features": [
                            {
                                "type": "Feature",
                                "properties": {
                                    "code": obj.code,
                                    "name": obj.name,
                                    "level": obj.level,
                                    "special_kind": obj.special_kind,
                                    "parent_code": form.cleaned_data.get("parent_code") or None,
                                },
                                "geometry": obj.geometry,
                            }
                        ],
                    },
                    request=request,
                )
                if not result.ok:
                    raise ServiceError("；".join(r.reason for r in result.rejects))
                obj.pk = Grid.objects.get(code=obj.code).pk
        except ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def has_delete_permission(self, request, obj=None):
        # Grids are deactivated, never deleted: cases and people keep pointing at them.
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "service_area", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["service_area"]
