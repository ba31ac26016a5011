"""Database upkeep after bulk writes.

PostgreSQL plans from table statistics that autovacuum refreshes only after a share of a table
has changed, and only some time later: right after a demo load or a large import the planner may
still think a table holds a few rows and pick a sequential scan over millions. `analyze` brings
the statistics up to date at once. SQLite needs nothing of the kind (a no-op there).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

# An import writing at least this many rows analyzes the tables it wrote.
BULK_ANALYZE_ROWS = 10_000


def analyze(*models: type[Model]) -> bool:
    """`ANALYZE` the tables of `models` (every table when none is given); True when it ran."""
    if connection.vendor != "postgresql":
        return False
    qn = connection.ops.quote_name
    tables = ", ".join(qn(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if tables else "ANALYZE")
    return True
