from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin as _AxesAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin as _TaskResultAdmin
from django_tasks_db.models import DBTaskResult

from wangge.core.audit import audit_data_change, audit_snapshot
from wangge.core.models import AuditLog, PeriodicTaskState


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows rows that change only through their services (a workflow, an import): the admin
    lists and opens them, never adds, edits or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Every save and delete in this admin is recorded in the audit log with the old and new
    value of each changed field (`wangge.core.audit`), in the same transaction."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        # Read the stored row, not `obj`: the form has already put the new values on it.
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        vars(form)["_audit_before"] = audit_snapshot(stored) if stored is not None else None
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # After the many-to-many fields are saved, so their change is in the record too.
        audit_data_change(
            actor=request.user,
            target=form.instance,
            before=vars(form).get("_audit_before"),
            request=request,
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            before = audit_snapshot(obj)
            pk = obj.pk
            super().delete_model(request, obj)
            obj.pk = pk  # the record names the row that was deleted
            audit_data_change(
                actor=request.user, target=obj, before=before, deleted=True, request=request
            )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """Read-only: audit records are never changed or deleted, not even by a superuser here.
    Only the auditor's group has the view permission (`SYSTEM_ROLE_PERMISSIONS`)."""

    list_display = [
        "created_at",
        "username",
        "action",
        "target_type",
        "target_id",
        "changed_fields",
        "ip_address",
    ]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["username", "target_id", "reason"]
    date_hierarchy = "created_at"

    @admin.display(description="变更字段")
    def changed_fields(self, obj: AuditLog) -> str:
        changes = (obj.detail or {}).get("changes") or {}
        return "、".join(changes)[:120]


@admin.register(PeriodicTaskState)
class PeriodicTaskStateAdmin(ReadOnlyAdmin):
    """When each periodic task last went into the queue and is next due (read-only)."""

    list_display = ["name", "last_enqueued_at", "next_run_at", "runs"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A task removed from the schedule leaves a row an administrator may remove.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)


# Third-party admins whose computed columns are titled from a method name ("Status",
# "Task name"): the same admins, with Chinese column titles.


class AccessAttemptAdmin(_AxesAttemptAdmin):
    @admin.display(description=_("状态"))
    def status(self, obj: AccessAttempt) -> str:
        return super().status(obj)


class TaskResultAdmin(_TaskResultAdmin):
    list_display = (
        "id",
        "task_label",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("任务名称"))
    def task_label(self, obj: DBTaskResult) -> str:
        return obj.task_name


for _model, _admin in ((AccessAttempt, AccessAttemptAdmin), (DBTaskResult, TaskResultAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)
