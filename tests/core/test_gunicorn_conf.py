"""gunicorn.conf.py: one sync process per core (plus one when the database runs elsewhere),
unless told otherwise."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.mark.parametrize(
    ("database", "workers"),
    [
        ("", 2),  # SQLite, the embedded default
        ("postgres://postgres@127.0.0.1:5432/wangge", 2),
        ("postgres://wangge@localhost/wangge", 2),
        ("postgres://%2Fvar%2Frun%2Fpostgresql/wangge", 2),
        ("postgres://wangge@db.internal:5432/wangge", 3),
        ("postgresql://wangge@10.0.0.5/wangge", 3),
    ],
)
def test_one_process_per_core_or_one_more_when_the_database_is_elsewhere(
    monkeypatch, database, workers
):
    monkeypatch.delenv("WANGGE_WEB_WORKERS", raising=False)
    monkeypatch.delenv("WANGGE_WEB_THREADS", raising=False)
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (workers, 1, "sync")


def test_the_layout_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("WANGGE_WEB_WORKERS", "6")
    monkeypatch.setenv("WANGGE_WEB_THREADS", "4")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (6, 4, "gthread")
    assert conf["keepalive"] > 0
