"""The duplicate search starts from its box (`case_open_point`) whatever the statistics say of
the open cases: a plan made when they counted few must not walk every open case of the window
by time (wangge.cases.matching._nearby)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from wangge.cases.matching import _nearby_open, _nearby_open_of_category

pytestmark = pytest.mark.postgres


def _history(closed: int) -> None:
    """Closed copies of the open case at hand, and statistics that count few open ones."""
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM cases_case ORDER BY id LIMIT 1")
        cols = [c.name for c in cur.description if c.name != "id"]
        exprs = [
            "'H' || lpad(to_hex(g), 7, '0')" if c == "tracking_code"
            else "NULL" if c in ("idempotency_key", "external_id")
            else "'closed'" if c == "state"
            else c
            for c in cols
        ]  # fmt: skip
        cur.execute(
            f"INSERT INTO cases_case ({', '.join(cols)}) SELECT {', '.join(exprs)} "
            f"FROM (SELECT * FROM cases_case ORDER BY id LIMIT 1) t, generate_series(1, %s) g",
            [closed],
        )
        cur.execute("ANALYZE cases_case")


@pytest.mark.parametrize("mode", ["force_custom_plan", "force_generic_plan"])
@pytest.mark.parametrize("query", [_nearby_open, _nearby_open_of_category])
def test_the_search_starts_from_the_box(submit, resident, categories, mode, query):
    case = submit(resident)
    _history(3000)
    compiled = query._compiled(connection.alias)
    sql = compiled.prepared_sql
    for n in range(1, sql.count("%s") + 1):
        sql = sql.replace("%s", f"${n}", 1)
    since = timezone.now() - timedelta(hours=72)
    box = (case.lat - 0.001, case.lat + 0.001, case.lng - 0.001, case.lng + 0.001)
    args = (since, *box, categories["E0104"].pk)[: len(query.kinds)]
    values = [args[slot] for slot in compiled.slots if slot is not None]
    with connection.cursor() as cur:
        cur.execute("PREPARE nearby AS " + sql.replace("%%", "%"))
        try:
            cur.execute(f"SET LOCAL plan_cache_mode = {mode}")
            cur.execute(f"EXPLAIN EXECUTE nearby({', '.join(['%s'] * len(values))})", values)
            plan = "\n".join(row[0] for row in cur.fetchall())
        finally:
            cur.execute("DEALLOCATE nearby")
    assert "case_open_point" in plan, plan
    assert query.rows(*args) == [
        (case.tracking_code, case.lat, case.lng, case.description, case.description_words)
    ]
