from django.contrib import admin

from wangge.suggest.models import TextModel


@admin.register(TextModel)
class TextModelAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "version",
        "trained_at",
        "samples",
        "heldout_size",
        "heldout_accuracy",
        "heldout_top3",
        "features",
    ]
    list_filter = ["kind"]
    exclude = ["weights"]
    readonly_fields = [
        "kind",
        "version",
        "trained_at",
        "samples",
        "heldout_size",
        "heldout_accuracy",
        "heldout_top3",
        "labels",
        "features",
    ]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
