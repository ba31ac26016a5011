"""Login security: audit of every attempt, lockout, idle timeout, token auth."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.conftest import PASSWORD
from wangge.core.models import AuditLog


@pytest.fixture(autouse=True)
def _axes_clean(db):
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_success_and_failure_are_audited(client, worker_a):
    r = login(client, "worker_a", "wrong-password")
    assert r.status_code == 200
    assert "请输入一个正确的" in r.content.decode() or "正确" in r.content.decode()
    r = login(client, "worker_a", PASSWORD)
    assert r.status_code == 302
    actions = list(
        AuditLog.objects.filter(username="worker_a").order_by("id").values_list("action", flat=True)
    )
    assert actions == [AuditLog.Action.LOGIN_FAILURE, AuditLog.Action.LOGIN_SUCCESS]
    ok = AuditLog.objects.get(action=AuditLog.Action.LOGIN_SUCCESS)
    assert ok.actor == worker_a and ok.ip_address == "127.0.0.1"


def test_failed_login_of_unknown_user_is_audited(client, db):
    login(client, "nobody", "x")
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILURE, username="nobody").exists()


def test_lockout_after_five_failures_even_with_right_password(client, worker_a):
    for _ in range(5):
        login(client, "worker_a", "wrong-password")
    r = login(client, "worker_a", PASSWORD)
    assert r.status_code == 429
    assert "锁定" in r.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_LOCKED).exists()
    # Another account from the same address is not locked.


def test_lockout_is_per_account(client, worker_a, worker_b):
    for _ in range(5):
        login(client, "worker_a", "wrong-password")
    assert login(client, "worker_b", PASSWORD).status_code == 302


def test_lockout_expires_after_cooloff(client, worker_a, time_machine):
    time_machine.move_to("2026-11-23 09:00:00+08:00", tick=False)
    for _ in range(5):
        login(client, "worker_a", "wrong-password")
    assert login(client, "worker_a", PASSWORD).status_code == 429
    time_machine.move_to("2026-11-23 09:31:00+08:00", tick=False)
    assert login(client, "worker_a", PASSWORD).status_code == 302


def test_token_endpoint_gives_token_and_counts_failures(api, worker_a):
    r = api.post("/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 200 and len(r.json()["token"]) == 43
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "worker_a", "password": "nope"})
    r = api.post("/api/v1/auth/token/", {"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 429 and "锁定" in r.json()["detail"]


def test_me_shows_roles_and_scope(api, worker_a):
    body = api.as_user(worker_a).get("/api/v1/me/").json()
    assert body["username"] == "worker_a"
    assert body["roles"][0]["role"] == "grid_worker"
    assert body["roles"][0]["grid_name"].endswith("微网格")
    assert body["scope_paths"] == [worker_a.role_assignments.get().grid.path]


def test_idle_timeout_is_thirty_minutes_and_renewed_by_each_request():
    assert django_settings.SESSION_COOKIE_AGE == 30 * 60
    assert django_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_idle_session_expires(client, worker_a, time_machine):
    time_machine.move_to("2026-11-23 09:00:00+08:00", tick=False)
    client.force_login(worker_a)
    assert client.get("/api/v1/me/").status_code == 200
    time_machine.move_to("2026-11-23 09:25:00+08:00", tick=False)
    assert client.get("/api/v1/me/").status_code == 200  # active: renewed
    time_machine.move_to("2026-11-23 09:56:00+08:00", tick=False)
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_logout_is_audited(client, worker_a):
    client.force_login(worker_a)
    client.post(reverse("accounts:logout"))
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGOUT, actor=worker_a).exists()


def test_login_page_renders_in_chinese(client, db):
    r = client.get(reverse("accounts:login"))
    assert r.status_code == 200
    assert "登录" in r.content.decode()
