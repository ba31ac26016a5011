"""答复模板: the page where a unit keeps its reply templates (list, add, edit, switch off).

Thin views over `wangge.cases.replies`: the scoped list, one service call per save.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wangge.cases.replies import (
    PLACEHOLDERS,
    managed_units,
    reply_template_save,
    reply_templates_managed,
)
from wangge.core.api import ServiceError
from wangge.web.forms import attach_service_error


class ReplyTemplateForm(forms.Form):
    unit = forms.ChoiceField(label=_lazy("所属单位"))
    title = forms.CharField(label=_lazy("名称"), max_length=50)
    body = forms.CharField(
        label=_lazy("内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_lazy("可用占位符会在答复时自动填入，发送前仍可修改。"),
    )
    is_active = forms.BooleanField(label=_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


def _units(user: Any) -> list[tuple[str, str]]:
    grids, departments = managed_units(user)
    return [(f"g:{g.code}", g.name) for g in grids.order_by("path")[:200]] + [
        (f"d:{d.code}", d.name) for d in departments.order_by("name")[:200]
    ]


@login_required
def reply_templates(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The list of the units' templates, with the add (or edit, `pk`) form beside it."""
    units = _units(request.user)
    if not units:
        raise PermissionDenied(
            _("只有网格长、社区/街道/区工作人员、调度员和部门处置人员可以维护答复模板")
        )
    rows = reply_templates_managed(request.user).order_by("-is_active", "title", "id")
    template = None
    if pk is not None:
        template = rows.filter(pk=pk).first()
        if template is None:
            raise Http404(_("答复模板不存在或不由您维护"))
    initial: dict[str, Any] = {"is_active": True}
    if template is not None:
        unit = template.grid or template.department
        kind = "g" if template.grid is not None else "d"
        initial = {
            "unit": f"{kind}:{unit.code}",  # type: ignore[union-attr]
            "title": template.title,
            "body": template.body,
            "is_active": template.is_active,
        }
    status = 200
    if request.method == "POST":
        form = ReplyTemplateForm(request.POST, units=units)
        if form.is_valid():
            d = form.cleaned_data
            kind, code = d["unit"].split(":", 1)
            from wangge.cases.targets import target_resolve

            try:
                grid, department = target_resolve(
                    grid_code=code if kind == "g" else "",
                    department_code=code if kind == "d" else "",
                )
                reply_template_save(
                    actor=request.user,
                    template=template,
                    grid=grid,
                    department=department,
                    title=d["title"],
                    body=d["body"],
                    is_active=d["is_active"],
                )
            except ServiceError as exc:
                attach_service_error(form, exc, field=exc.code if exc.code in form.fields else None)
            else:
                messages.success(request, _("答复模板已保存。"))
                return redirect("web:reply-templates")
        status = 400
    else:
        form = ReplyTemplateForm(initial=initial, units=units)
    return render(
        request,
        "web/reply_templates.html",
        {
            "rows": rows[:500],
            "form": form,
            "editing": template,
            "placeholders": [("{" + k + "}", str(v)) for k, v in PLACEHOLDERS.items()],
        },
        status=status,
    )
