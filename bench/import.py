"""A million residents from CSV into PostgreSQL, beside a bare COPY of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench \\
        .venv/bin/python bench/import.py [--rows 1000000] [--workers 2]

The database name must end in "bench": the script empties the people tables first.

Project import = the import's own stages, end to end: parse the CSV, validate every row (ID
checksum and birth date, phone, residence type, tags, building lookup, duplicates), encrypt the
ID and phone (AES-GCM) and hash them (HMAC-SHA256), COPY into the staging table, then the
set-based merge (rooms, households, residents with INSERT … ON CONFLICT) and commit. Validation
and crypto run in `--workers` processes, each on a byte range of the file.

Baseline = a bare `COPY … FROM STDIN (FORMAT csv)` of the same file into an unindexed table of
text columns: no validation, no crypto, no constraints. Both are timed in the same run.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time

import _django

os.environ.setdefault("WANGGE_IMPORT_MAX_BYTES", str(500 * 1024 * 1024))
if "bench" not in os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1]:
    sys.exit("Set DATABASE_URL to a PostgreSQL database whose name ends in 'bench'.")
_django.setup()

from django.db import connection, transaction  # noqa: E402

from wangge.grids.models import Grid  # noqa: E402
from wangge.grids.services import grid_tree_import  # noqa: E402
from wangge.grids.synth import generate_county  # noqa: E402
from wangge.people import demo, importing  # noqa: E402
from wangge.people.idcard import make_id_number  # noqa: E402
from wangge.people.models import Building, ImportKind  # noqa: E402

HEADER = ["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "户籍类型", "人员类别"]
TYPES = ["户籍", "户籍", "户籍", "常住", "流动", "境外"]
TAGS = ["", "", "", "", "", "", "", "", "独居老人", "低保", "残疾、低保"]


def prepare_database() -> list[Building]:
    if not Grid.objects.filter(code="350427").exists():
        assert grid_tree_import(actor=None, collection=generate_county()).ok
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE people_visit, people_carerecord, people_resident, people_household, "
            "people_room CASCADE"
        )
    if not Building.objects.exists():
        demo._buildings(Grid.objects.get(code="350427"), random.Random(1), sys.stdout)
    return list(Building.objects.select_related("compound").order_by("pk"))


def write_csv(path: str, rows: int, buildings: list[Building]) -> None:
    rng = random.Random(42)
    base = dt.date(1930, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            # Unique by construction: one birth date per 999 people.
            birth = base + dt.timedelta(days=i // 999)
            b = buildings[i % len(buildings)]
            w.writerow(
                [
                    "张" + "伟芳秀英明华"[i % 6] + "国建强丽"[i % 4],
                    make_id_number("350427", birth, i % 999 + 1),
                    f"13{rng.randint(0, 999_999_999):09d}",
                    b.compound.name,
                    b.number,
                    str(1 + i % 2),
                    f"{1 + (i // 8) % 30}{1 + i % 4:02d}",
                    TYPES[i % len(TYPES)],
                    TAGS[i % len(TAGS)],
                ]
            )


def bare_copy(path: str) -> float:
    t = time.perf_counter()
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
            cur.execute(f"CREATE TEMP TABLE bare_copy ({cols}) ON COMMIT DROP")
            with (
                cur.copy("COPY bare_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
                open(path, "rb") as fh,
            ):
                while block := fh.read(1 << 20):
                    copy.write(block)
            cur.execute("SELECT count(*) FROM bare_copy")
            n = cur.fetchone()[0]
    elapsed = time.perf_counter() - t
    print(f"bare COPY: {n:,} rows in {elapsed:.1f} s", flush=True)
    return elapsed


# --- the project import, in worker processes --------------------------------------------------
_validator: importing.ResidentValidator | None = None
_path = ""


def _chunks(path: str, parts: int) -> list[tuple[int, int, int]]:
    """(start byte, end byte, sheet row number of the first line) per piece, at line ends."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        fh.readline()  # header
        start = fh.tell()
        bounds = [start]
        for k in range(1, parts):
            fh.seek(max(start, size * k // parts))
            fh.readline()
            bounds.append(fh.tell())
        bounds.append(size)
        out, row = [], 2
        for a, b in itertools.pairwise(bounds):
            fh.seek(a)
            out.append((a, b, row))
            row += fh.read(b - a).count(b"\n")
    return out


def _work(piece: tuple[int, int, int]) -> tuple[str, list[importing.Reject], int]:
    start, end, first_row = piece
    with open(_path, "rb") as fh:
        fh.seek(start)
        text = fh.read(end - start).decode("utf-8")
    staged, rejects = [], []
    for i, cells in enumerate(csv.reader(io.StringIO(text))):
        out = _validator.validate(first_row + i, cells)
        if isinstance(out, list):
            rejects.extend(out)
        else:
            staged.append(out)
    return importing.copy_text(staged), rejects, len(staged)


def project_import(path: str, workers: int) -> tuple[float, int, int, int]:
    global _validator, _path
    t = time.perf_counter()
    with open(path, "rb") as fh:
        table = importing.open_table(fh, size=os.path.getsize(path), kind=ImportKind.RESIDENTS)
    columns = importing.resolve_mapping(ImportKind.RESIDENTS, table.headers, None)
    _validator = importing.ResidentValidator(
        columns=columns, buildings=importing.BuildingIndex.for_scope(None)
    )
    _path = path
    pieces = _chunks(path, workers * 8)
    connection.close()  # never share the socket with forked children
    rejects: list[importing.Reject] = []
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cur:
            cols = ", ".join(f"{n} {ty}" for n, ty in importing.STAGING_COLUMNS)
            cur.execute(f"CREATE TEMP TABLE people_import_staging ({cols}) ON COMMIT DROP")
            names = ", ".join(n for n, _ in importing.STAGING_COLUMNS)
            ctx = mp.get_context("fork")
            with (
                ctx.Pool(workers) as pool,
                cur.copy(f"COPY people_import_staging ({names}) FROM STDIN") as copy,
            ):
                # COPY runs in this process while the workers validate and encrypt the next.
                for block, rej, _n in pool.imap(_work, pieces):
                    copy.write(block.encode())
                    rejects.extend(rej)
            t_staged = time.perf_counter() - t
            timings: dict[str, float] = {}
            created, updated, more = importing.merge_postgres(
                cur, scope_patterns=None, timings=timings
            )
            rejects.extend(more)
            t_commit = time.perf_counter()
    timings["commit (deferred FK checks)"] = time.perf_counter() - t_commit
    elapsed = time.perf_counter() - t
    print(
        f"project import: {created:,} created, {updated:,} updated, {len(rejects):,} rejected "
        f"in {elapsed:.1f} s (parse+validate+encrypt+COPY {t_staged:.1f} s, "
        f"merge+commit {elapsed - t_staged:.1f} s)"
    )
    print("  merge: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()), flush=True)
    return elapsed, created, updated, len(rejects)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--reimport", action="store_true", help="then import the same file again")
    args = ap.parse_args()
    buildings = prepare_database()
    # Kept between runs: generating the file is not what is measured.
    path = os.path.join(tempfile.gettempdir(), f"wangge-import-bench-{args.rows}.csv")
    t = time.perf_counter()
    if not os.path.exists(path):
        write_csv(path + ".part", args.rows, buildings)
        os.replace(path + ".part", path)
    print(
        f"CSV: {args.rows:,} rows, {os.path.getsize(path) / 1e6:.0f} MB, "
        f"{len(buildings):,} buildings ({time.perf_counter() - t:.1f} s to generate or reuse)",
        flush=True,
    )
    bare_s = bare_copy(path)
    proj_s, created, _, rejected = project_import(path, args.workers)
    assert created == args.rows and rejected == 0, (created, rejected)
    bare_rate, proj_rate = args.rows / bare_s, args.rows / proj_s
    print(f"\n{'':18}{'rows/s':>12}")
    print(f"{'bare COPY':18}{bare_rate:>12,.0f}")
    print(f"{'project import':18}{proj_rate:>12,.0f}")
    print(f"ratio project / bare: {proj_rate / bare_rate:.3f}  (whole import {proj_s:.1f} s)")
    if not args.reimport:
        return
    # Re-import of the same file: every row an update, no duplicates.
    proj2_s, created2, updated2, _ = project_import(path, args.workers)
    print(f"re-import: {created2:,} created, {updated2:,} updated in {proj2_s:.1f} s")


if __name__ == "__main__":
    main()
