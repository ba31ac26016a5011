"""Exporting a county-wide resident list: what the request costs now, beside what it cost when
the file was written in the request (the baseline, same run, same data).

    .venv/bin/python bench/exports.py [--residents 10000]

Loads the residents through the importer into a throw-away database (SQLite unless
DATABASE_URL is set), then, as a district administrator:
- baseline: the whole masked sheet written in the request (`export_job_run` inline);
- now: the request only checks, counts, audits and queues the job (`export_job_create` with the
  list over EXPORT_INLINE_ROWS); the worker then writes the file (timed separately).
"""

from __future__ import annotations

import argparse
import csv
import io
import time

import _django

_django.setup()

from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402

from tests.conftest import COMMUNITY_A, GRID_A, TEST_SHAPE  # noqa: E402
from wangge.accounts.models import Role  # noqa: E402
from wangge.accounts.services import role_grant, user_create  # noqa: E402
from wangge.exports.models import ExportJob  # noqa: E402
from wangge.exports.services import export_job_create, export_job_run  # noqa: E402
from wangge.grids.models import Grid  # noqa: E402
from wangge.grids.services import grid_tree_import  # noqa: E402
from wangge.grids.synth import generate_county  # noqa: E402
from wangge.people.idcard import make_id_number  # noqa: E402
from wangge.people.jobs import import_job_create  # noqa: E402
from wangge.people.services import building_create  # noqa: E402


def load(n: int):
    import datetime as dt

    grid_tree_import(actor=None, collection=generate_county(shape=TEST_SHAPE))
    grids = {g.code: g for g in Grid.objects.all()}
    g = grids[GRID_A]
    c = g.geometry["coordinates"][0]
    lat = sum(p[1] for p in c[:-1]) / (len(c) - 1)
    lng = sum(p[0] for p in c[:-1]) / (len(c) - 1)
    building_create(
        actor=None, community=grids[COMMUNITY_A], number="16号楼", lat=lat, lng=lng,
        compound_name="怡园小区",
    )  # fmt: skip
    admin = user_create(actor=None, username="district", password="Bench-Password-42x")
    role_grant(actor=None, user=admin, role=Role.DISTRICT_STAFF, grid=grids["350427"])
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "户籍类型"])
    for i in range(n):
        ident = make_id_number("350427", dt.date(1950, 1, 1) + dt.timedelta(days=i % 20000), i)
        w.writerow(
            [f"居民{i}", ident, f"138{i:08d}", "怡园小区", "16", "1", str(100 + i % 400), "户籍"]
        )
    data = buf.getvalue().encode("utf-8-sig")
    with override_settings(PEOPLE_IMPORT_INLINE_ROWS=10**9):
        job = import_job_create(
            actor=admin, kind="residents", data=io.BytesIO(data), size=len(data), filename="x.csv"
        )
    assert job.created_count == n, (job.status, job.error, job.created_count)
    return admin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=10000)
    args = parser.parse_args()
    admin = load(args.residents)
    print(f"database: {connection.vendor}, "
          f"{args.residents} residents")  # fmt: skip
    # Baseline: the file written in the request.
    with override_settings(EXPORT_INLINE_ROWS=10**9, EXPORT_MAX_ROWS=10**9):
        t = time.perf_counter()
        inline = export_job_create(actor=admin, kind="people.residents")
        sync_ms = (time.perf_counter() - t) * 1000
    assert inline.status == ExportJob.Status.DONE and inline.total_rows == args.residents
    # Now: the request queues the job; the worker writes the file.
    with override_settings(EXPORT_INLINE_ROWS=2000, EXPORT_MAX_ROWS=10**9):
        t = time.perf_counter()
        queued = export_job_create(actor=admin, kind="people.residents")
        request_ms = (time.perf_counter() - t) * 1000
        assert queued.status == ExportJob.Status.QUEUED
        t = time.perf_counter()
        export_job_run(job_id=queued.pk)
        worker_ms = (time.perf_counter() - t) * 1000
    queued.refresh_from_db()
    assert queued.status == ExportJob.Status.DONE and queued.total_rows == args.residents
    print("| path | ms |")
    print("|---|---|")
    print(f"| baseline: sheet written in the request | {sync_ms:.0f} |")
    print(f"| now: the request (check, count, audit, queue) | {request_ms:.0f} |")
    print(f"| now: the worker writes the sheet | {worker_ms:.0f} |")


if __name__ == "__main__":
    main()
