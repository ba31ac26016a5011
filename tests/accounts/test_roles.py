"""Roles on units, data scope, separation of the three system roles, admin access."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, DISTRICT, GRID_A, GRID_B, ZONE_A, make_user
from wangge.accounts.models import Role, RoleAssignment
from wangge.accounts.selectors import scope_for_user
from wangge.accounts.services import role_grant, role_revoke
from wangge.core.api import Conflict, ServiceError
from wangge.core.models import AuditLog
from wangge.grids.models import Grid


def test_worker_scope_is_own_subtree(worker_a, county):
    scope = scope_for_user(worker_a)
    assert scope.covers_path(county[GRID_A].path)
    assert not scope.covers_path(county[GRID_B].path)
    assert not scope.covers_path(county[ZONE_A].path)  # not upwards either


def test_scope_is_union_of_role_subtrees(county):
    user = make_user("two_grids", Role.GRID_WORKER, county[GRID_A])
    role_grant(actor=None, user=user, role=Role.GRID_WORKER, grid=county[GRID_B])
    scope = scope_for_user(user)
    visible = set(scope.filter(Grid.objects.all()).values_list("code", flat=True))
    assert visible == {GRID_A, GRID_B}


def test_nested_roles_collapse_to_outer_subtree(county):
    user = make_user("nested", Role.COMMUNITY_STAFF, county[COMMUNITY_A])
    role_grant(actor=None, user=user, role=Role.GRID_HEAD, grid=county[ZONE_A])
    assert scope_for_user(user).grid_paths == (county[COMMUNITY_A].path,)


def test_resident_and_auditor_see_no_grids(resident, county):
    auditor = make_user("aud", Role.AUDITOR)
    for user in (resident, auditor):
        assert scope_for_user(user).filter(Grid.objects.all()).count() == 0


def test_administrator_sees_everything(admin_user, county):
    assert scope_for_user(admin_user).filter(Grid.objects.all()).count() == len(county)


def test_leader_is_read_only(leader):
    assert scope_for_user(leader).read_only


@pytest.mark.parametrize(
    ("role", "code", "words"),
    [
        (Role.GRID_WORKER, DISTRICT, "只能设在"),
        (Role.COMMUNITY_STAFF, GRID_A, "只能设在"),
        (Role.GRID_WORKER, None, "须指定一个网格"),
    ],
)
def test_role_on_wrong_unit_is_refused(county, role, code, words):
    user = make_user("u")
    with pytest.raises(ServiceError, match=words):
        role_grant(actor=None, user=user, role=role, grid=county[code] if code else None)


def test_system_roles_are_held_by_different_people(db):
    user = make_user("sys", Role.ADMINISTRATOR)
    with pytest.raises(Conflict, match="须由不同的人担任"):
        role_grant(actor=None, user=user, role=Role.AUDITOR)
    assert user.is_staff and user.groups.filter(name="系统管理员").exists()


def test_grant_and_revoke_are_audited(county):
    user = make_user("w", Role.GRID_WORKER, county[GRID_A])
    assignment = RoleAssignment.objects.get(user=user)
    role_revoke(actor=None, assignment=assignment)
    actions = list(AuditLog.objects.filter(target_id=str(user.pk)).values_list("action", flat=True))
    assert sorted(actions) == sorted([AuditLog.Action.ROLE_GRANT, AuditLog.Action.ROLE_REVOKE])


def test_worker_cannot_open_admin(client, worker_a):
    client.force_login(worker_a)
    r = client.get("/admin/grids/grid/")
    assert r.status_code == 302 and "/admin/login/" in r.url


def test_auditor_reads_audit_log_but_cannot_edit_grids(client, db, county):
    auditor = make_user("aud", Role.AUDITOR)
    client.force_login(auditor)
    assert client.get("/admin/core/auditlog/").status_code == 200
    assert client.get("/admin/grids/grid/").status_code == 403


def test_administrator_cannot_read_audit_log(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/grids/grid/").status_code == 200
    assert client.get("/admin/core/auditlog/").status_code == 403


def test_admin_pages_are_chinese(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/admin/").content.decode()
    assert "管理后台" in body or "网格" in body


def test_admin_role_form_refuses_second_system_role(client, db):
    admin = make_user("adm", Role.ADMINISTRATOR)
    security = make_user("sec", Role.SECURITY_OFFICER)
    client.force_login(security)
    r = client.post("/admin/accounts/roleassignment/add/", {"user": admin.pk, "role": Role.AUDITOR})
    assert r.status_code == 200
    assert "须由不同的人担任" in r.content.decode()
    assert not RoleAssignment.objects.filter(user=admin, role=Role.AUDITOR).exists()


def test_an_api_token_read_brings_the_scope_along(county, departments, resident):
    """The token's one read joins the role assignments: the request's scope then costs no query,
    and is the scope read on its own (several roles, a department's, none at all)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.accounts.models import User
    from wangge.accounts.tokens import token_authenticate, token_issue

    user = make_user("many_roles", Role.GRID_WORKER, county[GRID_A])
    role_grant(actor=None, user=user, role=Role.COMMUNITY_STAFF, grid=county[COMMUNITY_A])
    dept = next(iter(departments.values()))
    role_grant(actor=None, user=user, role=Role.DEPARTMENT_HANDLER, department=dept)
    for person in (user, resident):
        key = token_issue(user=person).key
        with CaptureQueriesContext(connection) as ctx:
            authenticated, _token = token_authenticate(key)
            scope = scope_for_user(authenticated)
        assert len(ctx.captured_queries) == 1
        assert scope == scope_for_user(User.objects.get(pk=person.pk))
    assert scope_for_user(authenticated).is_empty  # the resident's
    assert scope.user_id == resident.pk
