"""Reads the replica may serve, and the router's rules, without a standby (run everywhere)."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS

from wangge.accounts.models import User
from wangge.cases.models import Case
from wangge.core import replica
from wangge.core.replica import (
    REPLICA,
    ReplicaRouter,
    replica_must_see,
    replica_reads,
)

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    # Only whether a replica is configured matters to these rules; no query is made.
    monkeypatch.setattr(replica, "replica_configured", lambda: True)


def test_without_a_replica_everything_reads_the_primary(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: False)
    with replica_reads():
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_declared_reads_go_to_the_replica_and_the_rest_do_not(with_replica):
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    with replica_reads():
        assert router.db_for_read(Case) == REPLICA
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS


def test_writes_never_go_to_the_replica(with_replica):
    with replica_reads():
        assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
    assert router.allow_migrate(REPLICA, "cases") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") is True


def test_users_and_their_roles_are_read_on_the_primary(with_replica):
    # A revoked role or a locked account must take effect at once, whatever the replica's lag.
    with replica_reads():
        assert router.db_for_read(User) == DEFAULT_DB_ALIAS


def test_a_malformed_position_cookie_is_ignored(with_replica):
    with replica_reads(), replica_must_see("0/0'; DROP TABLE cases_case; --"):
        assert router.db_for_read(Case) == REPLICA
