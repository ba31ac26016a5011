from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from wangge.suggest.models import TextModel


@admin.register(TextModel)
class TextModelAdmin(admin.ModelAdmin[TextModel]):
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

    # Versions are written by training runs only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TextModel | None = None) -> bool:
        return False
