"""`WANGGE_DB_PREPARE_THRESHOLD`: prepared statements on PostgreSQL, and the way to turn them off
behind a pooler that cannot keep them (settings are read once, so each case in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({a: d.get('OPTIONS', {}).get('prepare_threshold', 'unset') "
    "for a, d in settings.DATABASES.items()}))"
)


def _probe(**env: str) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if k != "WANGGE_DB_PREPARE_THRESHOLD"},
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/primary",
        "DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:5433/primary",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def _thresholds(**env: str) -> dict:
    out = _probe(**env)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_prepared_after_five_runs_by_default_on_every_postgresql_database():
    assert _thresholds() == {"default": 5, "replica": 5}


@pytest.mark.parametrize("value,expected", [("off", None), ("0", 0), ("", 5), ("20", 20)])
def test_the_threshold_is_set_or_turned_off(value, expected):
    assert _thresholds(WANGGE_DB_PREPARE_THRESHOLD=value) == {
        "default": expected,
        "replica": expected,
    }


def test_sqlite_has_no_such_option(tmp_path):
    found = _thresholds(DATABASE_URL="", DATABASE_REPLICA_URL="", WANGGE_DATA_DIR=str(tmp_path))
    assert found == {"default": "unset"}


def test_a_threshold_that_is_not_a_number_stops_the_start_with_a_message():
    out = _probe(WANGGE_DB_PREPARE_THRESHOLD="five")
    assert out.returncode != 0
    assert "WANGGE_DB_PREPARE_THRESHOLD must be a number of runs (5) or off" in out.stderr
