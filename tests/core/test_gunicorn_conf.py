"""gunicorn.conf.py: one sync process per core plus one, unless told otherwise."""

from __future__ import annotations

import os
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_one_process_per_core_plus_one_with_one_thread(monkeypatch):
    monkeypatch.delenv("WANGGE_WEB_WORKERS", raising=False)
    monkeypatch.delenv("WANGGE_WEB_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 1, "sync")


def test_the_layout_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("WANGGE_WEB_WORKERS", "6")
    monkeypatch.setenv("WANGGE_WEB_THREADS", "4")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (6, 4, "gthread")
    assert conf["keepalive"] > 0
