"""Reads of export jobs: a user sees their own jobs only (the files hold their scope's data)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.core.api import NotFound
from wangge.exports.models import ExportJob


def export_job_list_for_user(user: User) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(created_by=user).order_by("-created_at", "-id")


def export_job_get_for_user(user: User, pk: int) -> ExportJob:
    job = export_job_list_for_user(user).filter(pk=pk).first()
    if job is None:
        raise NotFound(_("未找到该导出任务"))
    return job
