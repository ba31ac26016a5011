"""The suite clock: `--clock` / WANGGE_TEST_CLOCK moves every test's "now" to one moment."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

PROBE = Path(__file__).with_name("clock_probe.py")
PYTEST_FLAGS = ("-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-s")


def run_probe(*args: str, env_clock: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "WANGGE_TEST_CLOCK"}
    if env_clock:
        env["WANGGE_TEST_CLOCK"] = env_clock
    return subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_FLAGS, *args, str(PROBE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROBE.parents[2],
        timeout=120,
    )


def probed_now(result: subprocess.CompletedProcess) -> datetime:
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if "NOW=" in ln)
    return datetime.fromisoformat(line.split("NOW=", 1)[1].strip())


def test_option_moves_now_and_lets_it_run_on():
    moment = datetime.fromisoformat("2026-12-31T23:59:00+08:00")
    now = probed_now(run_probe("--clock", moment.isoformat()))
    assert moment <= now < moment + timedelta(minutes=1)


def test_environment_variable_moves_now():
    moment = datetime.fromisoformat("2027-02-05T15:59:00+08:00")
    now = probed_now(run_probe(env_clock=moment.isoformat()))
    assert moment <= now < moment + timedelta(minutes=1)


def test_a_moment_without_zone_is_refused():
    result = run_probe("--clock", "2026-12-31T23:59:00")
    assert result.returncode != 0
    assert "zone offset" in result.stdout + result.stderr
