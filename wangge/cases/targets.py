"""Where may this actor send this case: the one policy for dispatch, transfer and escalation.

`case_transition` applies it to every move that names a unit, so the web console, the REST API
and any other caller get the same answer. The rule:

- **The system** (the routing rules at intake, the SLA sweep) sends a case anywhere in its
  district: the rule table already decided.
- **A person** sends a case to a *grid* inside the area their own grid roles cover (a community
  secretary: grids of that community; a street: its communities; the district centre: the
  whole district; an administrator: everywhere), and always inside the case's district. A case
  that belongs to another community is escalated or returned instead, and the level that
  covers both transfers it on.
- **A department** is a valid target when it is active and its service area and the person's
  area overlap (the departments the person is offered in the pickers,
  `grids.selectors.department_list_for_user`).
- **A named worker** (指派) is one who holds a working (not read-only) role on the case's lead
  unit itself: the handling grid or the handling department (`unit_workers`). Anyone else —
  a worker of another grid, a leader, an inactive account — is refused (400, `assignee_outside`).
- **Escalation** goes to the parent of the handling grid; a department escalates to the centre
  of the district it serves; the district centre has nowhere higher to go.

Violations are a `ServiceError` (400, code `target_outside`) with nothing written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.models import READ_ONLY_ROLES, RoleAssignment, User
from wangge.accounts.phones import user_phone_hash
from wangge.accounts.selectors import scope_for_user
from wangge.cases.models import Case
from wangge.core.api import ServiceError
from wangge.grids.models import Department, Grid
from wangge.grids.selectors import department_list_for_user


def target_resolve(
    *, grid_code: str = "", department_code: str = ""
) -> tuple[Grid | None, Department | None]:
    """The units named by code in a form or API body (unknown or inactive codes are a 400).

    Whether the actor may send a case there is `target_check`'s question, not this one.
    """
    grid = department = None
    if grid_code:
        grid = Grid.objects.filter(code=grid_code, is_active=True).first()
        if grid is None:
            raise ServiceError(_("网格 %(c)s 不存在") % {"c": grid_code}, code="target_grid")
    if department_code:
        department = Department.objects.filter(code=department_code, is_active=True).first()
        if department is None:
            raise ServiceError(
                _("部门 %(c)s 不存在") % {"c": department_code}, code="target_department"
            )
    return grid, department


def target_check(
    *, actor: Any, case: Case, grid: Grid | None, department: Department | None
) -> None:
    """Raise unless `actor` (None = the system) may send `case` to `grid` / `department`."""
    if grid is not None:
        if not grid.is_active or (grid.root_id or grid.pk) != case.root_id:
            raise ServiceError(_("处置网格不在本区县"), code="target_outside")
        if actor is not None and not scope_for_user(actor).covers_path(grid.path):
            raise ServiceError(
                _("“%(name)s”不在您的管辖范围内，请上报上级或退回后由上级转派")
                % {"name": grid.name},
                code="target_outside",
            )
    if department is not None:
        if not department.is_active:
            raise ServiceError(_("处置部门已停用"), code="target_outside")
        if actor is not None and not _department_reachable(actor, department):
            raise ServiceError(
                _("“%(name)s”不在您可派遣的部门之列") % {"name": department.name},
                code="target_outside",
            )


def assignee_resolve(username: str) -> User | None:
    """The worker named in a form or API body (an unknown name is a 400); None when blank."""
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ServiceError(
            _("工作人员“%(u)s”不存在") % {"u": username[:50]}, code="assignee_outside"
        )
    return user


def unit_workers(case: Case, *, q: str = "") -> QuerySet[User]:
    """Active users holding a working role on the case's lead unit: whom it may be assigned to.

    `q` narrows by name, account or a whole phone number (the picker's search; phones are
    stored hashed, so only an exact number finds its holder).
    """
    unit = Q(pk__in=[])
    if case.handling_grid_id:
        unit |= Q(grid_id=case.handling_grid_id)
    if case.handling_department_id:
        unit |= Q(department_id=case.handling_department_id)
    holders = RoleAssignment.objects.filter(unit).exclude(role__in=READ_ONLY_ROLES)
    users = User.objects.filter(is_active=True, pk__in=holders.values("user_id"))
    if q:
        match = Q(display_name__contains=q) | Q(username__icontains=q)
        if phone_hash := user_phone_hash(q):
            match |= Q(phone_hash=phone_hash)
        users = users.filter(match)
    return users.order_by("display_name", "username")


def assignee_check(*, case: Case, user: Any) -> None:
    """Raise unless `user` may be handed `case` by name (see the module's rule)."""
    if user is None:
        raise ServiceError(_("请选择要指派的工作人员"), code="assignee_required")
    if not unit_workers(case).filter(pk=user.pk).exists():  # the picker's own list
        raise ServiceError(
            _("“%(name)s”不是该事件处置单位的工作人员，不能指派")
            % {"name": getattr(user, "display_name", "") or user.get_username()},
            code="assignee_outside",
        )


def _department_reachable(actor: Any, department: Department) -> bool:
    return department_list_for_user(actor).filter(pk=department.pk).exists()


def escalation_target(case: Case, grids: Mapping[int, Grid] | None = None) -> Grid | None:
    """The unit an escalation goes to, or None at the top (the district centre).

    `grids` (id → Grid) lets bulk callers look the parent up without a query.
    """
    if case.handling_department_id or case.handling_grid is None:
        return case.root
    parent_id = case.handling_grid.parent_id
    if parent_id is None:
        return None
    if grids is not None:
        return grids[parent_id]
    return Grid.objects.get(pk=parent_id)
