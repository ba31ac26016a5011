"""Item 2: 三权分立. The system administrator and the security officer cannot give themselves
(or be given) a grid role and then reveal residents' ID numbers; every grant is audited and the
auditor sees it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GRID_A, make_user
from wangge.accounts.models import Role, RoleAssignment
from wangge.accounts.services import role_grant
from wangge.core.api import Conflict, Forbidden
from wangge.core.models import AuditLog


@pytest.fixture
def security_officer(county):
    return make_user("secofficer", Role.SECURITY_OFFICER)


@pytest.fixture
def auditor(county):
    return make_user("auditor", Role.AUDITOR)


def _admin_grant(user, target, role, grid):
    client = Client()
    client.force_login(user)
    return client.post(
        "/admin/accounts/roleassignment/add/",
        {"user": target.pk, "role": role, "grid": grid.pk, "department": ""},
    )


@pytest.mark.parametrize("who", ["admin_user", "security_officer"])
def test_system_role_cannot_grant_itself_a_grid_role_in_the_admin(
    request, who, county, api, resident_a
):
    actor = request.getfixturevalue(who)
    resp = _admin_grant(actor, actor, Role.GRID_WORKER, county[GRID_A])
    assert resp.status_code == 200  # the form comes back with its error
    assert "不能给自己授予角色" in resp.content.decode()
    assert not RoleAssignment.objects.filter(user=actor, role=Role.GRID_WORKER).exists()
    reveal = api.as_user(actor).post(
        f"/api/v1/people/residents/{resident_a.pk}/reveal/", {"reason": "核实"}, format="json"
    )
    assert reveal.status_code in (403, 404)
    assert "id_number" not in reveal.json()


def test_another_administrator_cannot_give_a_system_role_holder_a_grid_role(
    admin_user, security_officer, county
):
    resp = _admin_grant(admin_user, security_officer, Role.GRID_WORKER, county[GRID_A])
    assert "不得兼任网格或部门角色" in resp.content.decode()
    assert not RoleAssignment.objects.filter(user=security_officer, role=Role.GRID_WORKER)
    with pytest.raises(Conflict):
        role_grant(
            actor=admin_user, user=security_officer, role=Role.GRID_WORKER, grid=county[GRID_A]
        )


def test_grid_role_holder_cannot_become_a_system_role(worker_a, security_officer):
    with pytest.raises(Conflict, match="不得兼任"):
        role_grant(actor=security_officer, user=worker_a, role=Role.ADMINISTRATOR)
    with pytest.raises(Forbidden):
        role_grant(actor=security_officer, user=security_officer, role=Role.SECURITY_OFFICER)


def test_administrator_cannot_make_itself_superuser_in_the_user_admin(admin_user):
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/user/{admin_user.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page


def test_every_grant_is_audited_and_visible_to_the_auditor(
    security_officer, auditor, county, resident
):
    role_grant(actor=security_officer, user=resident, role=Role.GRID_WORKER, grid=county[GRID_A])
    log = AuditLog.objects.get(action=AuditLog.Action.ROLE_GRANT, target_id=str(resident.pk))
    assert log.actor == security_officer
    assert log.detail["role"] == Role.GRID_WORKER and log.detail["grid"] == GRID_A
    client = Client()
    client.force_login(auditor)
    page = client.get("/admin/core/auditlog/?action=role_grant")
    assert page.status_code == 200
    assert "secofficer" in page.content.decode()
