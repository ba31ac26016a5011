"""A process keeps the tokens it read (wangge.accounts.tokencache): no query while nothing that
decides who the token is has moved; every change through any path moves the stamp in its own
transaction; a change made elsewhere is seen as soon as this process reads a stamp again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from tests.conftest import GRID_A, GRID_B
from wangge.accounts.models import ApiToken, AuthVersion, Role, RoleAssignment, User
from wangge.accounts.selectors import scope_for_user
from wangge.accounts.services import role_grant, role_revoke
from wangge.accounts.tokencache import token_cache
from wangge.accounts.tokens import TOUCH_EVERY, token_authenticate, token_issue, token_revoke_all


@pytest.fixture
def clock():
    with time_machine.travel("2026-11-19T09:40:00+08:00", tick=False) as traveller:
        yield traveller


def _queries(fn, *args):
    with CaptureQueriesContext(connection) as ctx:
        result = fn(*args)
    return result, len(ctx.captured_queries)


def _stamp() -> int:
    return AuthVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def test_a_kept_token_costs_no_query(clock, worker_a):
    key = token_issue(user=worker_a).key
    (user, _token), n = _queries(token_authenticate, key)
    assert n == 1 and user == worker_a
    (again, _token), n = _queries(token_authenticate, key)
    assert n == 0 and again == worker_a and again is not user  # fresh objects each request
    assert scope_for_user(again) == scope_for_user(user)
    # The same over HTTP: the second request reads no token.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/me/").status_code == 200
    assert not [q for q in ctx.captured_queries if "accounts_apitoken" in q["sql"]]


def test_changes_in_this_process_are_seen_at_once(clock, worker_a, county):
    key = token_issue(user=worker_a).key
    token_authenticate(key)
    # A role granted and revoked: the scope follows.
    role_grant(actor=None, user=worker_a, role=Role.GRID_WORKER, grid=county[GRID_B])
    user, _ = token_authenticate(key)
    assert county[GRID_B].pk in scope_for_user(user).grid_ids
    role_revoke(
        actor=None,
        assignment=RoleAssignment.objects.get(user=worker_a, grid=county[GRID_B]),
    )
    user, _ = token_authenticate(key)
    assert scope_for_user(user).grid_ids == {county[GRID_A].pk}
    # Deactivated by a bulk update (no signal): refused.
    User.objects.filter(pk=worker_a.pk).update(is_active=False)
    with pytest.raises(AuthenticationFailed, match="停用"):
        token_authenticate(key)
    User.objects.filter(pk=worker_a.pk).update(is_active=True)
    token_authenticate(key)
    # A new password: refused.
    worker_a.set_password("another-Passw0rd!")
    worker_a.save()
    with pytest.raises(AuthenticationFailed, match="密码已修改"):
        token_authenticate(key)
    # Revoked: refused.
    other = token_issue(user=worker_a).key
    token_authenticate(other)
    token_revoke_all(user=worker_a, reason=ApiToken.RevokeReason.LOGOUT)
    with pytest.raises(AuthenticationFailed, match="吊销"):
        token_authenticate(other)


def test_last_use_and_last_login_move_nothing(clock, worker_a):
    key = token_issue(user=worker_a).key
    token_authenticate(key)
    before = _stamp()
    clock.shift(TOUCH_EVERY)
    (_user, token), n = _queries(token_authenticate, key)
    assert n == 2  # read again (a minute since its last use), then touched
    assert ApiToken.objects.get(pk=token.pk).last_used_at == token.last_used_at
    worker_a.last_login = token.last_used_at
    worker_a.save(update_fields=["last_login"])
    assert _stamp() == before
    _result, n = _queries(token_authenticate, key)
    assert n == 0  # kept with its new last use
    # A new token or user moves nothing either: no process holds it yet.
    token_issue(user=worker_a)
    User.objects.create(username="newcomer")
    assert _stamp() == before


def test_a_change_elsewhere_is_seen_with_the_next_stamp(clock, worker_a, resident, settings):
    """Another process revokes the token (here: SQL that no receiver of this process hears);
    this process sees it once it reads the stamps again: at the next read of any token, or
    when `API_TOKEN_CHECK_SECONDS` have passed."""
    settings.API_TOKEN_CHECK_SECONDS = 3600
    key = token_issue(user=worker_a).key
    other = token_issue(user=resident).key
    token_authenticate(key)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_apitoken SET revoked_at = %s, revoked_reason = 'admin' "
            "WHERE user_id = %s",
            [timezone.now(), worker_a.pk],
        )
        cursor.execute("UPDATE accounts_authversion SET version = version + 1")
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO accounts_authversion VALUES (1, 1, %s)", [timezone.now()])
    token_authenticate(key)  # kept: this process has read no stamp since
    token_authenticate(other)  # a read: the stamps moved, every kept token goes
    with pytest.raises(AuthenticationFailed, match="吊销"):
        token_authenticate(key)
    # With no interval every request reads its token.
    settings.API_TOKEN_CHECK_SECONDS = 0
    _result, n = _queries(token_authenticate, other)
    assert n == 1


def test_a_read_sent_before_the_newest_does_not_bring_back_old_stamps(worker_a):
    token_cache.put("new", (2, 0, 0), [("row",)], read_at=10.0)
    token_cache.put("old", (1, 0, 0), [("row",)], read_at=9.0)
    assert token_cache.get("old") is None
    assert token_cache._stamps == (2, 0, 0)


def test_idle_limit_judged_on_the_database_time(clock, worker_a, settings):
    """Used through another process for an hour: the kept copy's last use is old, but the
    token is read again rather than refused as idle."""
    settings.API_TOKEN_IDLE_MINUTES = 30
    settings.API_TOKEN_CHECK_SECONDS = 3600
    key = token_issue(user=worker_a).key
    token_authenticate(key)
    for _ in range(6):
        clock.shift(timedelta(minutes=10))
        ApiToken.objects.filter(user=worker_a).update(last_used_at=timezone.now())
    token_authenticate(key)
