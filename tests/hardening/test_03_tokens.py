"""Item 3: API tokens expire (idle and absolute), end with a password change, a logout or a
lockout, are stored hashed, and every issue/refresh/revoke is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from wangge.accounts.models import ApiToken
from wangge.core.models import AuditLog

ME = "/api/v1/me/"


def _login(username: str, password: str = PASSWORD):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def _client(key: str) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


@pytest.fixture
def clock():
    with time_machine.travel("2026-11-19T09:40:00+08:00", tick=False) as traveller:
        yield traveller


def test_token_is_stored_hashed_and_issue_is_audited(clock, worker_a):
    resp = _login("worker_a")
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    key = resp.json()["token"]
    token = ApiToken.objects.get(user=worker_a)
    assert key not in (token.key_hash, token.prefix) and token.prefix == key[:8]
    assert _client(key).get(ME).status_code == 200
    log = AuditLog.objects.get(action=AuditLog.Action.TOKEN_ISSUE)
    assert log.actor == worker_a and key not in str(log.detail)


def test_wrong_password_gets_no_token(clock, worker_a):
    resp = _login("worker_a", "wrong-password-123")
    assert resp.status_code in (400, 401, 403)
    assert not ApiToken.objects.exists()


def test_idle_and_absolute_lifetime(clock, worker_a, settings):
    settings.API_TOKEN_IDLE_MINUTES = 60
    settings.API_TOKEN_MAX_AGE_HOURS = 3
    key = _login("worker_a").json()["token"]
    c = _client(key)
    clock.shift(timedelta(minutes=59))
    assert c.get(ME).status_code == 200  # used: the idle clock restarts
    clock.shift(timedelta(minutes=61))
    assert c.get(ME).status_code == 401  # idle for 61 minutes
    key = _login("worker_a").json()["token"]
    c = _client(key)
    for _ in range(5):  # busy all the time, still ends at the absolute limit
        clock.shift(timedelta(minutes=30))
        assert c.get(ME).status_code == 200
    clock.shift(timedelta(minutes=29))
    assert c.get(ME).status_code == 200
    clock.shift(timedelta(minutes=1))
    resp = c.get(ME)
    assert resp.status_code == 401 and "过期" in resp.json()["detail"]


def test_refresh_replaces_the_key_but_keeps_the_absolute_limit(clock, worker_a):
    key = _login("worker_a").json()["token"]
    first = ApiToken.objects.get()
    resp = _client(key).post("/api/v1/auth/token/refresh/")
    assert resp.status_code == 200
    new_key = resp.json()["token"]
    assert _client(key).get(ME).status_code == 401
    assert _client(new_key).get(ME).status_code == 200
    assert ApiToken.objects.get(revoked_at__isnull=True).expires_at == first.expires_at
    assert AuditLog.objects.filter(action=AuditLog.Action.TOKEN_REFRESH).count() == 1


def test_password_change_ends_tokens_through_the_form_and_the_admin(clock, worker_a, admin_user):
    key = _login("worker_a").json()["token"]
    web = Client()
    web.force_login(worker_a)
    resp = web.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Horse-77-staple",
            "new_password2": "Another-Horse-77-staple",
        },
    )
    assert resp.status_code == 302
    assert _client(key).get(ME).status_code == 401
    assert ApiToken.objects.get().revoked_reason == ApiToken.RevokeReason.PASSWORD
    # A password set by an administrator (no service call at all) also ends every token.
    key = _login("worker_a", "Another-Horse-77-staple").json()["token"]
    worker_a.refresh_from_db()
    worker_a.set_password("Third-Horse-88-battery")
    worker_a.save()
    assert _client(key).get(ME).status_code == 401


def test_logout_revokes_the_token(clock, worker_a):
    key = _login("worker_a").json()["token"]
    other = _login("worker_a").json()["token"]
    assert _client(key).post("/api/v1/auth/logout/").status_code == 204
    assert _client(key).get(ME).status_code == 401
    assert _client(other).get(ME).status_code == 200
    assert _client(other).post("/api/v1/auth/logout/?all=true").status_code == 204
    assert _client(other).get(ME).status_code == 401
    assert AuditLog.objects.filter(action=AuditLog.Action.TOKEN_REVOKE).count() == 2


def test_lockout_revokes_tokens(clock, worker_a, settings):
    key = _login("worker_a").json()["token"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login("worker_a", "wrong-password-123")
    assert _client(key).get(ME).status_code == 401
    assert ApiToken.objects.get().revoked_reason == ApiToken.RevokeReason.LOCKED


def test_admin_never_shows_a_usable_key(clock, worker_a, admin_user):
    key = _login("worker_a").json()["token"]
    web = Client()
    web.force_login(admin_user)
    listing = web.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    token = ApiToken.objects.get()
    detail = web.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    for page in (listing, detail):
        assert key not in page.content.decode() and token.key_hash not in page.content.decode()
    assert token.prefix in listing.content.decode()
    assert timezone.now() < token.expires_at
