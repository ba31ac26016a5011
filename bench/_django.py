"""Start Django for a benchmark: a throwaway SQLite database unless DATABASE_URL is set."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def setup(*, migrate: bool = True) -> str:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    if not os.environ.get("DATABASE_URL"):
        os.environ["WANGGE_DATA_DIR"] = tempfile.mkdtemp(prefix="wangge-bench-")
    os.environ.setdefault("WANGGE_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor
