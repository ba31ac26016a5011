"""Item 14: `manage.py check --deploy` is clean with WANGGE_DEBUG=0 and a production-like
environment. Settings are read at start-up, so it runs as its own process."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(data_dir: Path) -> dict[str, str]:
    def key() -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    # The test process may allow unsafe async calls (the browser tests do); a deployment must not.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "WANGGE_DEBUG": "0",
        "WANGGE_SECRET_KEY": secrets.token_urlsafe(50),
        "WANGGE_CHAIN_KEY": secrets.token_urlsafe(48),
        "WANGGE_FIELD_KEYS": key(),
        "WANGGE_LOOKUP_KEY": key(),
        "WANGGE_ALLOWED_HOSTS": "wangge.example.gov.cn",
        "WANGGE_CHAIN_ANCHOR_LOG": str(data_dir / "anchors.log"),
        "WANGGE_DATA_DIR": str(data_dir),
        "DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
    }


def test_check_deploy_is_clean(tmp_path):
    run = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no issues" in run.stdout


def test_production_refuses_to_start_without_keys(tmp_path):
    env = production_env(tmp_path)
    for name in ("WANGGE_SECRET_KEY", "WANGGE_CHAIN_KEY"):
        run = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env={**env, name: ""},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode != 0 and f"{name} must be set" in run.stderr
