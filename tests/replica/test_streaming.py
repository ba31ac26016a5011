"""Against a real streaming replica (`make test-replica` starts one with pg_basebackup).

The replica alias is pointed at the standby's copy of the test database: what the tests write on
the primary reaches it through PostgreSQL's own replication, never through Django.
"""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRID_A, grid_centre
from wangge.core.replica import LSN_COOKIE, REPLICA, primary_wal_position

if REPLICA not in settings.DATABASES:
    if os.environ.get("WANGGE_REQUIRE_REPLICA") == "1":
        pytest.fail("WANGGE_REQUIRE_REPLICA=1 but DATABASE_REPLICA_URL is not set", pytrace=False)
    pytest.skip(
        "needs DATABASE_REPLICA_URL: make test-replica starts a streaming replica",
        allow_module_level=True,
    )

pytestmark = [
    pytest.mark.replica,
    pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA]),
]

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def standby():
    import dj_database_url

    target = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"])
    replica = connections[REPLICA]
    replica.close()
    # The test mirror copied the primary's settings: keep its test database name, aim at the
    # standby's host and port.
    saved = dict(replica.settings_dict)
    replica.settings_dict.update(HOST=target["HOST"], PORT=target["PORT"])
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True, "DATABASE_REPLICA_URL is not a standby"
    yield replica
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    replica.close()
    replica.settings_dict.clear()
    replica.settings_dict.update(saved)


def caught_up(replica, timeout: float = 30.0) -> None:
    """Wait (bounded) until the standby has replayed everything committed so far."""
    lsn = primary_wal_position()
    deadline = time.monotonic() + timeout
    while True:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"the standby did not replay {lsn} within {timeout} s")
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            # Waits on the server side for a short while instead of spinning here.
            cursor.execute("SELECT pg_sleep(0.05)")


def written(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def test_the_standby_refuses_writes(standby):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), standby.cursor() as cursor:
        cursor.execute("CREATE TABLE nothing_here (id int)")


def test_cockpit_reads_the_replica_and_never_the_primary(client, standby, county, leader):
    from wangge.stats.rollup import stats_rollup

    stats_rollup()
    caught_up(standby)
    client.force_login(leader)
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(standby) as replica,
    ):
        response = client.get("/cockpit/", {"start": "2026-11-01", "end": "2026-11-30"})
    assert response.status_code == 200
    stats_on_primary = [q["sql"] for q in primary.captured_queries if '"stats_' in q["sql"]]
    assert stats_on_primary == []
    assert any('"stats_' in q["sql"] for q in replica.captured_queries)
    assert written(replica.captured_queries) == []


def test_writes_reach_the_primary_only(client, standby, county, categories, resident):
    lat, lng = grid_centre(county[GRID_A])
    client.force_login(resident)
    with CaptureQueriesContext(standby) as replica:
        response = client.post(
            "/api/v1/cases/",
            {"description": "16号楼楼下碎玻璃", "lat": lat, "lng": lng, "category_code": "E0104"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert written(replica.captured_queries) == []
    assert response.cookies[LSN_COOKIE].value


def test_who_just_wrote_never_reads_an_older_copy(client, standby, county, categories, api_key):
    """With replay paused, the reporter's own read goes to the primary; others read the copy."""
    lat, lng = grid_centre(county[GRID_A])
    caught_up(standby)
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    posted = client.post(
        "/open311/v2/requests.json",
        {"api_key": api_key, "service_code": "E0104", "lat": lat, "long": lng,
         "description": "16号楼楼下一地碎玻璃"},
    )  # fmt: skip
    assert posted.status_code == 200, posted.content
    request_id = posted.json()[0]["service_request_id"]
    assert client.cookies[LSN_COOKIE].value

    # The one who wrote: the replica lags behind their write, so the primary answers.
    mine = client.get(f"/open311/v2/requests/{request_id}.json")
    assert mine.status_code == 200
    assert mine.json()[0]["service_request_id"] == request_id

    # Anyone else reads the paused copy, which does not have it yet: the reads did go there.
    from django.test import Client

    other = Client().get(f"/open311/v2/requests/{request_id}.json")
    assert other.status_code == 404

    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_resume()")
    caught_up(standby)
    assert Client().get(f"/open311/v2/requests/{request_id}.json").status_code == 200
