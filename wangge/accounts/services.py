"""Writes on users and roles. Every function takes an explicit actor and audits the change."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from wangge.accounts.models import (
    DEPARTMENT_ROLES,
    GRID_ROLES,
    SYSTEM_ROLES,
    Role,
    RoleAssignment,
    User,
)
from wangge.accounts.phones import user_phone_set
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.grids.models import Department, Grid, GridLevel

# Which grid levels each grid role may be held on.
ROLE_LEVELS: dict[str, set[int]] = {
    Role.GRID_WORKER: {GridLevel.ZONE, GridLevel.MICRO, GridLevel.SPECIAL},
    Role.MICRO_GRID_HEAD: {GridLevel.MICRO},
    Role.BUILDING_HEAD: {GridLevel.MICRO, GridLevel.ZONE},
    Role.GRID_HEAD: {GridLevel.ZONE, GridLevel.COMMUNITY, GridLevel.SPECIAL},
    Role.COMMUNITY_STAFF: {GridLevel.COMMUNITY},
    Role.STREET_STAFF: {GridLevel.STREET},
    Role.DISTRICT_STAFF: {GridLevel.DISTRICT},
    Role.OPERATOR: {GridLevel.DISTRICT, GridLevel.STREET},
    Role.LEADER: {GridLevel.DISTRICT, GridLevel.STREET, GridLevel.COMMUNITY},
}

# Django admin permissions behind each system role, by app label or "app_label.model".
# Apps that add models the administrator configures add their label here.
SYSTEM_ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMINISTRATOR: [
        "grids",
        "accounts.user",
        "accounts.roleassignment",
        "accounts.apitoken",
        "workcal",
        "notify",
        "attachments",
        "cases",
        "people",
        "open311",
        "hotline",
        "chat",
        "stats",
    ],
    Role.SECURITY_OFFICER: [
        "accounts.user",
        "accounts.roleassignment",
        "axes",
    ],
    Role.AUDITOR: [
        "core.auditlog:view",
        "axes.accessattempt:view",
        "axes.accesslog:view",
        "axes.accessfailurelog:view",
    ],
}

SYSTEM_GROUP_NAMES = {
    Role.ADMINISTRATOR: "系统管理员",
    Role.SECURITY_OFFICER: "安全管理员",
    Role.AUDITOR: "审计管理员",
}


def _permissions_for(specs: Iterable[str]) -> list[Permission]:
    perms: list[Permission] = []
    for spec in specs:
        target, _, action = spec.partition(":")
        app_label, _, model = target.partition(".")
        qs = Permission.objects.filter(content_type__app_label=app_label)
        if model:
            qs = qs.filter(content_type__model=model)
        if action:
            qs = qs.filter(codename__startswith=f"{action}_")
        perms.extend(qs)
    return perms


def system_groups_ensure() -> dict[str, Group]:
    """Create or refresh the three system-role groups and their admin permissions."""
    groups: dict[str, Group] = {}
    for role, name in SYSTEM_GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions_for(SYSTEM_ROLE_PERMISSIONS[role]))
        groups[role] = group
    return groups


def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
) -> User:
    username = username.strip()
    if not username:
        raise ServiceError("用户名不能为空")
    if User.objects.filter(username=username).exists():
        raise Conflict(f"用户名 “{username}” 已存在")
    user = User(username=username, display_name=display_name, email=email)
    user_phone_set(user, phone)
    if password:
        validate_password(password, user)
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    user.save()
    return user


def user_password_changed(*, user: User, request: HttpRequest | None = None) -> None:
    """Record a password change (the form has already set and saved the password)."""
    from wangge.accounts.models import ApiToken
    from wangge.accounts.tokens import token_revoke_all

    user.password_changed_at = timezone.now()
    user.save(update_fields=["password_changed_at"])
    audit_record(action=AuditLog.Action.PASSWORD_CHANGE, actor=user, request=request)
    # The password stamp already invalidates them; revoking records why.
    token_revoke_all(user=user, reason=ApiToken.RevokeReason.PASSWORD, request=request)


def password_expired(user: User) -> bool:
    if settings.PASSWORD_PROFILE != "dengbao" or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return (timezone.now() - changed).days >= settings.PASSWORD_MAX_AGE_DAYS


def role_check(
    *, user: User, role: str, grid: Grid | None = None, department: Department | None = None
) -> Role:
    """Refuse a role on the wrong kind of unit, or a second system role (ServiceError)."""
    role = Role(role)
    if role in GRID_ROLES:
        if grid is None or department is not None:
            raise ServiceError(f"角色“{role.label}”须指定一个网格")
        allowed = ROLE_LEVELS.get(role)
        if allowed and grid.level not in allowed:
            levels = "、".join(str(GridLevel(level).label) for level in sorted(allowed))
            raise ServiceError(
                f"角色“{role.label}”只能设在{levels}上，“{grid.name}”是{grid.get_level_display()}"
            )
    elif role in DEPARTMENT_ROLES:
        if department is None or grid is not None:
            raise ServiceError(f"角色“{role.label}”须指定一个部门")
    else:
        if grid is not None or department is not None:
            raise ServiceError(f"角色“{role.label}”不属于任何网格或部门")
        # Separation of duties (等保): one person holds at most one of the three system roles.
        others = (
            RoleAssignment.objects.filter(user=user, role__in=SYSTEM_ROLES)
            .exclude(role=role)
            .values_list("role", flat=True)
        )
        if others:
            held = Role(others[0]).label
            raise Conflict(f"“{user}”已是{held}，系统、安全、审计管理员须由不同的人担任")
    # 三权分立: whoever configures the system, its security or its audit does not also work
    # cases or base data (a grid role would let them reveal residents' ID numbers).
    if role in SYSTEM_ROLES:
        business = RoleAssignment.objects.filter(user=user).exclude(role__in=SYSTEM_ROLES)
        first = business.values_list("role", flat=True).first()
        if first:
            raise Conflict(
                f"“{user}”担任{Role(first).label}，不能再担任{role.label}："
                "系统、安全、审计管理员不得兼任网格或部门角色"
            )
    else:
        held_system = (
            RoleAssignment.objects.filter(user=user, role__in=SYSTEM_ROLES)
            .values_list("role", flat=True)
            .first()
        )
        if held_system:
            raise Conflict(
                f"“{user}”是{Role(held_system).label}，不能再担任{role.label}："
                "系统、安全、审计管理员不得兼任网格或部门角色"
            )
    return role


def role_grant_check_actor(*, actor: User | None, user: User) -> None:
    """Nobody grants roles to themselves (actor None is the system: setup commands, demo)."""
    if actor is not None and actor.pk == user.pk:
        raise Forbidden("不能给自己授予角色，请由另一位管理员操作")


@transaction.atomic
def role_grant(
    *,
    actor: User | None,
    user: User,
    role: str,
    grid: Grid | None = None,
    department: Department | None = None,
    request: HttpRequest | None = None,
) -> RoleAssignment:
    role_grant_check_actor(actor=actor, user=user)
    # Lock the user: two concurrent grants (a system role and a grid role) cannot both pass
    # the separation check.
    User.objects.select_for_update().filter(pk=user.pk).first()
    role = role_check(user=user, role=role, grid=grid, department=department)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, grid=grid, department=department
    )
    if role in SYSTEM_ROLES:
        group = system_groups_ensure()[role]
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    if created:
        audit_record(
            action=AuditLog.Action.ROLE_GRANT,
            actor=actor,
            request=request,
            target=user,
            detail={
                "role": role.value,
                "grid": grid.code if grid else None,
                "department": department.code if department else None,
            },
        )
    user.__dict__.pop("_wangge_scope", None)
    return assignment


@transaction.atomic
def role_revoke(
    *, actor: User | None, assignment: RoleAssignment, request: HttpRequest | None = None
) -> None:
    user = assignment.user
    role = assignment.role
    detail = {
        "role": role,
        "grid": assignment.grid.code if assignment.grid is not None else None,
        "department": assignment.department.code if assignment.department is not None else None,
    }
    assignment.delete()
    if role in SYSTEM_ROLES:
        user.groups.remove(system_groups_ensure()[role])
        if not RoleAssignment.objects.filter(user=user, role__in=SYSTEM_ROLES).exists():
            user.is_staff = False
            user.save(update_fields=["is_staff"])
    audit_record(
        action=AuditLog.Action.ROLE_REVOKE, actor=actor, request=request, target=user, detail=detail
    )
    user.__dict__.pop("_wangge_scope", None)
