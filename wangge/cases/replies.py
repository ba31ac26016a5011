"""Reply templates (答复模板): who may keep them, which a case offers, and how they fill in.

A unit's supervisors (grid head, community / street / district staff, centre operators on their
own grids) and a department's handlers keep the unit's templates. On a case, staff are offered
the active templates of every grid above the case's place or handling unit and of its handling
department; the chosen one is filled from the case and stays editable: what is sent is the
ordinary `reply` action with whatever text the person ends up with.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wangge.accounts.models import Role, RoleAssignment
from wangge.accounts.selectors import scope_for_user
from wangge.cases.models import Case, ReplyTemplate
from wangge.core.api import Forbidden, ServiceError
from wangge.grids.models import Department, Grid

# Placeholder → what it means (shown beside the editor). Filled by `reply_render`.
PLACEHOLDERS: dict[str, Any] = {
    "查询码": _lazy("事件查询码"),
    "标题": _lazy("事件标题"),
    "类别": _lazy("事件类别名称"),
    "反映人": _lazy("反映人称呼（匿名时为“群众”）"),
    "地点": _lazy("事件地点"),
    "处置单位": _lazy("处置网格或部门"),
    "日期": _lazy("今天的日期"),
}
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,10})\}")
MANAGER_ROLES = frozenset(
    {Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.OPERATOR}
)


def managed_units(user: Any) -> tuple[QuerySet[Grid], QuerySet[Department]]:
    """The grids and departments whose templates `user` keeps."""
    if scope_for_user(user).everything:
        return Grid.objects.filter(is_active=True), Department.objects.filter(is_active=True)
    mine = RoleAssignment.objects.filter(user=user)
    grids = Grid.objects.filter(
        pk__in=mine.filter(role__in=MANAGER_ROLES).values("grid_id"), is_active=True
    )
    departments = Department.objects.filter(
        pk__in=mine.filter(role=Role.DEPARTMENT_HANDLER).values("department_id"), is_active=True
    )
    return grids, departments


def reply_templates_managed(user: Any) -> QuerySet[ReplyTemplate]:
    """Every template (active or not) of the units `user` keeps."""
    grids, departments = managed_units(user)
    return ReplyTemplate.objects.filter(
        Q(grid__in=grids) | Q(department__in=departments)
    ).select_related("grid", "department")


def reply_templates_for_case(case: Case) -> QuerySet[ReplyTemplate]:
    """Active templates a reply on `case` may start from: its place's and handling unit's
    grids and their ancestors, and its handling department."""
    # A path lists the codes from the district down ("350427/350427001/…/"): its ancestors.
    codes = {c for p in (case.grid_path, case.unit_path) for c in p.split("/") if c}
    q = Q(grid__code__in=sorted(codes))
    if case.handling_department_id:
        q |= Q(department_id=case.handling_department_id)
    return ReplyTemplate.objects.filter(q, is_active=True).order_by("title", "id")


def check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("请填写模板内容"), code="body")
    if len(body) > 2000:
        raise ServiceError(_("模板内容不能超过 2000 字"), code="body")
    unknown = sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})
    if unknown:
        raise ServiceError(
            _("不认识的占位符：%(names)s；可用：%(known)s")
            % {
                "names": "、".join("{" + u + "}" for u in unknown),
                "known": "、".join("{" + k + "}" for k in PLACEHOLDERS),
            },
            code="body",
        )
    return body


@transaction.atomic
def reply_template_save(
    *,
    actor: Any,
    template: ReplyTemplate | None = None,
    grid: Grid | None = None,
    department: Department | None = None,
    title: str,
    body: str,
    is_active: bool = True,
) -> ReplyTemplate:
    """Create (no `template`) or change a template of a unit `actor` keeps."""
    title = (title or "").strip()
    if not title:
        raise ServiceError(_("请填写模板名称"), code="title")
    if len(title) > 50:
        raise ServiceError(_("模板名称不能超过 50 字"), code="title")
    body = check_body(body)
    if template is not None:
        grid, department = template.grid, template.department
    if (grid is None) == (department is None):
        raise ServiceError(_("请选择模板所属的一个网格或部门"), code="unit")
    grids, departments = managed_units(actor)
    allowed = (
        grids.filter(pk=grid.pk).exists()
        if grid is not None
        else departments.filter(pk=department.pk).exists()  # type: ignore[union-attr]
    )
    if not allowed:
        raise Forbidden(_("您不能维护该单位的答复模板"), code="unit")
    row = template or ReplyTemplate(grid=grid, department=department)
    row.title, row.body, row.is_active = title, body, is_active
    row.updated_by, row.updated_at = actor, timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ServiceError(_("本单位已有同名模板“%(t)s”") % {"t": title}, code="title") from exc
    return row


def reply_render(*, template: ReplyTemplate, case: Case) -> str:
    """The template's text with the case's values; unknown braces are left as typed."""
    unit = case.handling_grid or case.handling_department
    values = {
        "查询码": case.tracking_code,
        "标题": case.title,
        "类别": case.category.name if case.category_id and case.category else _("未分类"),
        "反映人": _("群众") if case.anonymous or not case.contact_name else case.contact_name,
        "地点": case.address or _("所反映地点"),
        "处置单位": unit.name if unit is not None else "",
        "日期": timezone.localdate().strftime("%Y-%m-%d"),
    }
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template.body)
