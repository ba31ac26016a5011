"""Points store throughput and the monthly report over a district, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bpoints .venv/bin/python bench/points.py

It migrates the database it is given and fills it (use a throw-away database).

1. redemptions: `points_redeem` one after another (each its own transaction: lock the account,
   conditional stock UPDATE, balance UPDATE, ledger entry, redemption, two month summaries),
   beside bare INSERTs of the same two rows (ledger entry + redemption) per transaction in the
   same run — the floor the database alone sets. Then the same with 4 threads (different
   households, one shared goods row).
2. the monthly report (`report_by_grid`) for a district of BENCH_HOUSEHOLDS households
   (default 100,000) over a year of ledger entries (about 1.5 per household and month), read
   from the grid-month summary rows the services keep (plus households counted per grid),
   beside the same figures computed live from the ledger in the same run. Median of
   BENCH_REPEAT runs after a warm-up.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from datetime import date
from decimal import Decimal

import _django

_django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from wangge.grids.models import Grid, GridLevel  # noqa: E402
from wangge.grids.services import grid_tree_import  # noqa: E402
from wangge.grids.synth import Shape, generate_county  # noqa: E402
from wangge.points.models import Goods, PointsAccount, PointsEntry, Store, StoreKind  # noqa: E402
from wangge.points.rules import rules_seed  # noqa: E402
from wangge.points.selectors import report_by_grid  # noqa: E402
from wangge.points.services import new_code, points_redeem  # noqa: E402

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", 100_000))
N_REDEEM = int(os.environ.get("BENCH_REDEEM", 2000))
REPEAT = int(os.environ.get("BENCH_REPEAT", 5))
MONTHS = 12


def say(msg: str) -> None:
    print(msg, flush=True)


def county() -> Grid:
    root = Grid.objects.filter(level=GridLevel.DISTRICT).first()
    if root is None:
        shape = Shape(street=(4, 1), community=(3, 1), zone=(3, 1), micro=(3, 1), cell_m=200.0)
        result = grid_tree_import(actor=None, collection=generate_county(shape=shape))
        assert result.ok, result.rejects[:3]
        root = Grid.objects.get(level=GridLevel.DISTRICT)
    return root


def fill_households(root: Grid) -> None:
    """HOUSEHOLDS households spread over the micro-grids, one building per micro-grid."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM people_household")
        if cur.fetchone()[0] >= HOUSEHOLDS:
            return
        cur.execute(
            """
            INSERT INTO people_building (community_id, compound_id, number, name, address, lat,
                lng, grid_id, grid_path, root_id, units, floors, created_at, updated_at)
            SELECT c.id, NULL, m.code, m.name || '1号楼', '', 26.0, 117.0, m.id, m.path, %s, 1, 6,
                   now(), now()
            FROM grids_grid m JOIN grids_grid z ON z.id = m.parent_id
                 JOIN grids_grid c ON c.id = z.parent_id
            WHERE m.level = 5 AND m.root_id = %s
            """,
            [root.pk, root.pk],
        )
        cur.execute("SELECT id, grid_id, grid_path FROM people_building ORDER BY id")
        buildings = cur.fetchall()
        per = -(-HOUSEHOLDS // len(buildings))
        cur.execute(
            """
            INSERT INTO people_room (building_id, unit, number)
            SELECT b.id, '', n::text FROM people_building b, generate_series(1, %s) n
            """,
            [per],
        )
        cur.execute(
            """
            INSERT INTO people_household (room_id, number, grid_id, grid_path, created_at)
            SELECT r.id, '', b.grid_id, b.grid_path, now()
            FROM people_room r JOIN people_building b ON b.id = r.building_id
            ORDER BY r.id LIMIT %s
            """,
            [HOUSEHOLDS],
        )
        cur.execute("ANALYZE people_household")


def fill_ledger(root: Grid, months: list[date]) -> int:
    """A year of ledger entries (bulk SQL), and the account and month-summary rows the
    services would have kept for them, derived from the entries themselves."""
    rules_seed()
    rule = {
        r: pk
        for r, pk in PointsEntry._meta.apps.get_model("points", "PointsRule").objects.values_list(
            "code", "pk"
        )
    }
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM points_pointsentry")
        if cur.fetchone()[0] > 0:
            return PointsEntry.objects.count()
        # Accounts first (every household that ever takes part: ~84 %, as in 城口).
        cur.execute(
            """
            INSERT INTO points_pointsaccount (household_id, grid_path, root_id, balance, earned,
                spent, first_month, updated_at)
            SELECT h.id, h.grid_path, %s, 0, 0, 0, %s, now()
            FROM people_household h WHERE h.id %% 100 < 84
            ON CONFLICT DO NOTHING
            """,
            [root.pk, months[0]],
        )
        for i, m in enumerate(months):
            # Awards: about 60 % of participating households a month, 1–2 entries each.
            cur.execute(
                """
                INSERT INTO points_pointsentry (account_id, household_id, resident_id, kind,
                    rule_id, amount, source_type, source_id, reverses_id, note, granted_by_id,
                    grid_path, root_id, month, created_at)
                SELECT a.id, a.household_id, NULL, 'award', %s, 5, 'inspection', %s, NULL,
                       '', NULL, a.grid_path, a.root_id, %s, %s
                FROM points_pointsaccount a WHERE (a.household_id + %s) %% 10 < 6
                """,
                [rule["clean_household"], f"bench-{i}", m, timezone.now(), i],
            )
            cur.execute(
                """
                INSERT INTO points_pointsentry (account_id, household_id, resident_id, kind,
                    rule_id, amount, source_type, source_id, reverses_id, note, granted_by_id,
                    grid_path, root_id, month, created_at)
                SELECT a.id, a.household_id, NULL, 'award', %s, 2, 'service_order', %s, NULL,
                       '', NULL, a.grid_path, a.root_id, %s, %s
                FROM points_pointsaccount a WHERE (a.household_id + %s) %% 10 < 3
                """,
                [rule["service_order"], f"bench-{i}", m, timezone.now(), i],
            )
            # Redemptions: a fifth of the households spend 4 points a month.
            cur.execute(
                """
                INSERT INTO points_pointsentry (account_id, household_id, resident_id, kind,
                    rule_id, amount, source_type, source_id, reverses_id, note, granted_by_id,
                    grid_path, root_id, month, created_at)
                SELECT a.id, a.household_id, NULL, 'redeem', NULL, -4, 'redemption',
                       'b' || a.id || '-' || %s, NULL, '', NULL, a.grid_path, a.root_id, %s, %s
                FROM points_pointsaccount a WHERE (a.household_id + %s) %% 5 = 0
                """,
                [i, m, timezone.now(), i],
            )
        cur.execute(
            """
            INSERT INTO points_householdmonth (household_id, month, root_id, grid_id, grid_path,
                earned, spent, entries)
            SELECT e.household_id, e.month, %s, h.grid_id, h.grid_path,
                   sum(greatest(e.amount, 0)), sum(greatest(-e.amount, 0)), count(*)
            FROM points_pointsentry e JOIN people_household h ON h.id = e.household_id
            GROUP BY e.household_id, e.month, h.grid_id, h.grid_path
            """,
            [root.pk],
        )
        cur.execute(
            """
            UPDATE points_pointsaccount a SET balance = s.b, earned = s.e, spent = s.s,
                first_month = s.f
            FROM (SELECT account_id, sum(amount) b, sum(greatest(amount, 0)) e,
                         sum(greatest(-amount, 0)) s, min(month) f
                  FROM points_pointsentry GROUP BY account_id) s
            WHERE s.account_id = a.id
            """
        )
        for t in ("points_pointsentry", "points_householdmonth", "points_pointsaccount"):
            cur.execute(f"ANALYZE {t}")
        cur.execute("SELECT count(*) FROM points_pointsentry")
        return cur.fetchone()[0]


def fill_grid_months() -> None:
    """The grid-month summary rows the services keep, derived from the household months and
    the accounts' first months."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM points_gridmonth")
        if cur.fetchone()[0] > 0:
            return
        cur.execute(
            """
            INSERT INTO points_gridmonth (grid_id, grid_path, month, earned, spent, active, new)
            SELECT grid_id, grid_path, month, sum(earned), sum(spent), count(*), 0
            FROM points_householdmonth GROUP BY grid_id, grid_path, month
            """
        )
        cur.execute(
            """
            INSERT INTO points_gridmonth (grid_id, grid_path, month, earned, spent, active, new)
            SELECT h.grid_id, h.grid_path, a.first_month, 0, 0, 0, count(*)
            FROM points_pointsaccount a JOIN people_household h ON h.id = a.household_id
            GROUP BY h.grid_id, h.grid_path, a.first_month
            ON CONFLICT (grid_id, month) DO UPDATE SET new = EXCLUDED.new
            """
        )
        cur.execute("ANALYZE points_gridmonth")


def live_report(root: Grid, month: date) -> tuple[int, int, Decimal, Decimal]:
    """The same headline figures computed from the ledger itself (what the summary saves)."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(DISTINCT household_id) FILTER (WHERE month = %s),
                   count(DISTINCT household_id) FILTER (WHERE month <= %s),
                   coalesce(sum(amount) FILTER (WHERE month = %s AND amount > 0), 0),
                   coalesce(-sum(amount) FILTER (WHERE month = %s AND amount < 0), 0)
            FROM points_pointsentry WHERE grid_path LIKE %s
            """,
            [month, month, month, month, root.path + "%"],
        )
        return cur.fetchone()


def timed(fn, repeat: int = REPEAT) -> tuple[float, object]:
    fn()
    runs = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), out


def bench_report(root: Grid) -> None:
    from wangge.accounts.models import User

    today = timezone.localdate()
    months = []
    for back in range(MONTHS - 1, -1, -1):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        months.append(date(y, m + 1, 1))
    t = time.perf_counter()
    fill_households(root)
    n = fill_ledger(root, months)
    fill_grid_months()
    say(f"fill: {HOUSEHOLDS:,} households, {n:,} ledger entries in {time.perf_counter() - t:.1f} s")
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create(
        username="bench-admin", is_superuser=True
    )
    month = months[-1]
    summary_s, report = timed(lambda: report_by_grid(admin, grid=root, month=month))
    live_s, live = timed(lambda: live_report(root, month))
    tot = report.total
    assert (tot.active_month, tot.participating) == (live[0], live[1]), (tot, live)
    assert tot.earned == live[2] and tot.spent == live[3], (tot, live)
    say(
        f"report {month:%Y-%m}, district of {tot.households:,} households, "
        f"{len(report.rows)} streets: {tot.participating:,} taking part "
        f"({tot.rate * 100:.1f} %), {tot.active_month:,} this month"
    )
    say(f"  from the summary rows: {summary_s * 1000:7.1f} ms (median of {REPEAT})")
    say(f"  live from the ledger:  {live_s * 1000:7.1f} ms (same figures)")


def bench_redeem(root: Grid) -> None:
    community = Grid.objects.filter(level=GridLevel.COMMUNITY, root=root).order_by("code").first()
    store, _ = Store.objects.get_or_create(
        community=community,
        name="bench store",
        defaults={"kind": StoreKind.COMMUNITY, "grid_path": community.path, "root": root},
    )
    goods, _ = Goods.objects.get_or_create(
        store=store, name="bench soap", defaults={"price": Decimal(1), "stock": 10_000_000}
    )
    goods = Goods.objects.select_related("store__community").get(pk=goods.pk)
    accounts = list(
        PointsAccount.objects.filter(grid_path__startswith=community.path, balance__gte=10)
        .select_related("household__grid")
        .order_by("pk")[:N_REDEEM]
    )
    n = len(accounts)
    stock_before = goods.stock
    t = time.perf_counter()
    for a in accounts:
        points_redeem(actor=None, goods=goods, quantity=1, household=a.household)
    service_s = time.perf_counter() - t

    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as cur:
        for a in accounts:
            with transaction.atomic():
                code = new_code()
                cur.execute(
                    """INSERT INTO points_pointsentry (account_id, household_id, kind, amount,
                       source_type, source_id, note, grid_path, root_id, month, created_at)
                       VALUES (%s, %s, 'redeem', -1, 'redemption', %s, 'bench-bare', %s, %s, %s,
                       %s)
                       RETURNING id""",
                    [
                        a.pk,
                        a.household_id,
                        code,
                        a.grid_path,
                        root.pk,
                        now.date().replace(day=1),
                        now,
                    ],
                )
                entry_id = cur.fetchone()[0]
                cur.execute(
                    """INSERT INTO points_redemption (code, store_id, goods_id, quantity, points,
                       household_id, entry_id, state, return_reason, grid_path, root_id,
                       created_at) VALUES (%s, %s, %s, 1, 1, %s, %s, 'pending', '', %s, %s, %s)""",
                    [code, store.pk, goods.pk, a.household_id, entry_id, a.grid_path, root.pk, now],
                )
    bare_s = time.perf_counter() - t
    with connection.cursor() as cur:  # the baseline's rows are not part of any ledger
        cur.execute(
            "DELETE FROM points_redemption WHERE entry_id IN "
            "(SELECT id FROM points_pointsentry WHERE note = 'bench-bare')"
        )
        cur.execute("DELETE FROM points_pointsentry WHERE note = 'bench-bare'")
    say(f"redemptions, one at a time ({n:,}):")
    say(f"  points_redeem:         {n / service_s:7.0f}/s  ({service_s * 1000 / n:.2f} ms each)")
    say(f"  bare INSERTs (2 rows): {n / bare_s:7.0f}/s  ({bare_s * 1000 / n:.2f} ms each)")

    threads_n = 4
    chunks = [accounts[i::threads_n] for i in range(threads_n)]
    errors: list[BaseException] = []

    def run(chunk):
        try:
            for a in chunk:
                points_redeem(actor=None, goods=goods, quantity=1, household=a.household)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    t = time.perf_counter()
    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    conc_s = time.perf_counter() - t
    assert not errors, errors[:1]
    say(f"  points_redeem, {threads_n} threads on one goods row: {n / conc_s:7.0f}/s")
    stock = Goods.objects.get(pk=goods.pk).stock
    assert stock == stock_before - 2 * n, (stock, stock_before)


def main() -> int:
    if connection.vendor != "postgresql":
        say("bench/points.py measures PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    say(f"PostgreSQL, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    root = county()
    bench_report(root)
    bench_redeem(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
