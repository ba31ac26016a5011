"""Outbox and deadline throughput, each beside a baseline measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wangge_bench .venv/bin/python bench/outbox.py

(Without DATABASE_URL it uses a throw-away SQLite database.) It migrates the database it is
given, works on rows whose dedupe key starts with "bench:" and deletes them at the end.

1. enqueue: `outbox_enqueue` for 2 inbox users + 1 webhook endpoint, one transaction each,
   against the same three INSERTs written by hand with a cursor (the database alone).
2. delivery of those messages: `outbox_deliver_due` to a loopback HTTP receiver (claim,
   signed POST, update), against bare signed POSTs of the same bodies to the same receiver
   (no database).
3. deadlines: `deadline_add` in working hours and working days against plain datetime
   arithmetic (natural hours).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import _django

_django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from wangge.accounts.models import User  # noqa: E402
from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint  # noqa: E402
from wangge.notify.services import outbox_deliver_due, outbox_enqueue  # noqa: E402
from wangge.notify.signing import sign  # noqa: E402
from wangge.workcal.calendar import SHANGHAI, deadline_add, get_calendar  # noqa: E402

N_ENQUEUE = int(os.environ.get("BENCH_ENQUEUE", 2000))
N_DEADLINE = int(os.environ.get("BENCH_DEADLINE", 20000))
SECRET = "bench-secret"


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:10.0f}/s"


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    users = [
        User.objects.get_or_create(username=f"bench-{i}", defaults={"display_name": "bench"})[0]
        for i in range(2)
    ]
    WebhookEndpoint.objects.filter(name="bench").delete()
    endpoint = WebhookEndpoint.objects.create(name="bench", url=url, secret=SECRET, topics=["*"])
    run = f"bench:{time.time_ns()}"
    print(f"database: {connection.vendor}; receiver {url}")

    # 1. enqueue ------------------------------------------------------------------------------
    t = time.perf_counter()
    for i in range(N_ENQUEUE):
        with transaction.atomic():
            outbox_enqueue(
                topic="case.created",
                title=f"新案件 {i}",
                body="16号楼下有碎玻璃",
                link=f"/cases/{i}/",
                payload={"case_id": i},
                user_ids=[u.id for u in users],
                dedupe_key=f"{run}:{i}",
            )
    enqueue_s = time.perf_counter() - t
    inbox_table = InboxItem._meta.db_table
    outbox_table = OutboxMessage._meta.db_table
    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as cur:
        for i in range(N_ENQUEUE):
            with transaction.atomic():
                for u in users:
                    cur.execute(
                        f"INSERT INTO {inbox_table} (user_id, topic, title, body, link, payload, "
                        "dedupe_key, created_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                        [u.id, "case.created", f"t{i}", "b", "", "{}", f"{run}:raw:{i}", now],
                    )
                cur.execute(
                    f"INSERT INTO {outbox_table} (delivery_id, endpoint_id, topic, dedupe_key, "
                    "body, status, attempts, next_attempt_at, last_error, created_at) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                    [
                        uuid.uuid4().hex,
                        endpoint.id,
                        "case.created",
                        f"{run}:raw:{i}",
                        "{}",
                        "dead",  # never picked up by the delivery run below
                        0,
                        now,
                        "",
                        now,
                    ],
                )
    raw_s = time.perf_counter() - t
    print(
        f"enqueue   outbox_enqueue {rate(N_ENQUEUE, enqueue_s)}   raw INSERTs "
        f"{rate(N_ENQUEUE, raw_s)}   ratio {raw_s / enqueue_s:.2f}"
    )

    # 2. delivery -----------------------------------------------------------------------------
    bodies = list(
        OutboxMessage.objects.filter(dedupe_key__startswith=run, status="pending").values_list(
            "body", flat=True
        )
    )
    t = time.perf_counter()
    delivered = 0
    while True:
        report = outbox_deliver_due()
        delivered += report.delivered
        if not report.claimed:
            break
    deliver_s = time.perf_counter() - t
    t = time.perf_counter()
    for body in bodies:
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        ts = str(int(time.time()))
        req = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Wangge-Timestamp": ts,
                "X-Wangge-Signature": sign(SECRET, ts, data),
            },
        )
        with urllib.request.urlopen(req, timeout=10):
            pass
    post_s = time.perf_counter() - t
    print(
        f"delivery  outbox_deliver_due {rate(delivered, deliver_s)}   bare POSTs "
        f"{rate(len(bodies), post_s)}   ratio {post_s / deliver_s:.2f}   ({delivered} messages)"
    )

    # 3. deadlines ------------------------------------------------------------------------------
    cal = get_calendar()
    rnd = random.Random(42)
    base = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    starts = [base + timedelta(minutes=rnd.randrange(0, 365 * 24 * 60)) for _ in range(N_DEADLINE)]
    timings = {}
    for unit, amount in (("natural_hours", 16), ("working_hours", 16), ("working_days", 5)):
        t = time.perf_counter()
        for s in starts:
            deadline_add(s, amount, unit, calendar=cal)
        timings[unit] = time.perf_counter() - t
    t = time.perf_counter()
    for s in starts:
        s + timedelta(hours=16)
    plain = time.perf_counter() - t
    print(f"deadline  plain datetime + timedelta {rate(N_DEADLINE, plain)}")
    for unit, secs in timings.items():
        print(f"deadline  {unit:<14} {rate(N_DEADLINE, secs)}   ratio to plain {plain / secs:.4f}")

    # clean up ------------------------------------------------------------------------------
    InboxItem.objects.filter(dedupe_key__startswith=run).delete()
    OutboxMessage.objects.filter(dedupe_key__startswith=run).delete()
    endpoint.delete()
    server.shutdown()


if __name__ == "__main__":
    main()
