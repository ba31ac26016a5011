"""Export pages: start an export from any list's button, watch its progress, download it.

The progress fragment is polled by htmx (static script, no inline code: the pages carry a
Content-Security-Policy) every second until the job is finished.
"""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from wangge.accounts.requests import AuthedHttpRequest
from wangge.core.api import Forbidden, NotFound, ServiceError
from wangge.exports import selectors, services
from wangge.exports.models import ExportJob
from wangge.exports.registry import get_spec, spec_label


def _context(job: ExportJob) -> dict:
    spec = None
    with contextlib.suppress(NotFound):
        spec = get_spec(job.kind)
    return {
        "job": job,
        "label": spec.label if spec else job.kind,
        "list_url": spec.list_url if spec else "",
        "download_url": services.download_url(job) if job.status == job.Status.DONE else "",
    }


@login_required
@require_POST
def export_create(request: AuthedHttpRequest) -> HttpResponse:
    """The export button of a list: the list's kind and its current query string."""
    kind = (request.POST.get("kind") or "").strip()[:40]
    fmt = request.POST.get("fmt") or "xlsx"
    try:
        job = services.export_job_create(
            actor=request.user,
            kind=kind,
            query=(request.POST.get("query") or "").replace("\x00", ""),
            fmt=fmt,
            request=request,
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ServiceError as exc:
        return render(
            request,
            "exports/refused.html",
            {"message": exc.message, "back": _back(request)},
            status=exc.status_code,
        )
    if job.status == ExportJob.Status.DONE:
        # A small list was written in the request: straight to the file.
        return redirect(services.download_url(job))
    return redirect("exports:job", pk=job.pk)


def _back(request: AuthedHttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    ok = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if ok else ""


@login_required
def export_list(request: AuthedHttpRequest) -> HttpResponse:
    jobs = list(selectors.export_job_list_for_user(request.user).defer("query", "options")[:50])
    labels = {kind: spec_label(kind) for kind in {job.kind for job in jobs}}
    rows = [(job, labels[job.kind]) for job in jobs]
    return render(request, "exports/list.html", {"rows": rows})


@login_required
def export_job(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.export_job_get_for_user(request.user, pk)
    return render(request, "exports/job.html", _context(job))


@login_required
def export_progress(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """htmx polls this while the job runs; the fragment stops polling once it is finished."""
    job = selectors.export_job_get_for_user(request.user, pk)
    return render(request, "exports/_progress.html", _context(job))
