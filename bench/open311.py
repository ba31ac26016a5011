"""Open311 throughput beside the project's own REST intake and reads, in the same run.

POST: `POST /open311/v2/requests.json` (url-encoded, API key, service definition checks) beside
`POST /api/v1/cases/` (JSON, a logged-in resident) — both end in the same `case_submit`.
GET: a 100-request page of `GET /open311/v2/requests.json` beside `GET /api/v1/cases/?limit=100`
(an administrator), and one request by id beside the case detail (an administrator; the public
tracking lookup is rate-limited, so it cannot be timed in a loop).
Requests go through the whole Django stack in-process (test client, no sockets), alternating
between the two sides round by round so both see the same machine load.

    DATABASE_URL=postgres://… .venv/bin/python bench/open311.py [--posts 300] [--gets 200]

Uses the database named by DATABASE_URL (a throw-away SQLite file without it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from urllib.parse import urlencode

import _django

VENDOR = _django.setup()

from django.test import Client  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from wangge.accounts.models import Role, User  # noqa: E402
from wangge.accounts.services import role_grant, user_create  # noqa: E402
from wangge.grids.models import Grid, GridLevel  # noqa: E402
from wangge.grids.services import grid_tree_import  # noqa: E402
from wangge.grids.synth import Shape, generate_county  # noqa: E402
from wangge.open311.services import api_client_create  # noqa: E402

TEXTS = ["小区门口一地碎玻璃", "路灯不亮好几天了", "下水道堵了污水外溢", "井盖松动车压会响"]
CODES = ["E0104", "A0106", "A0108", "A0101"]


def prepare() -> tuple[list[tuple[float, float]], str, str, str]:
    if not Grid.objects.filter(level=GridLevel.DISTRICT).exists():
        shape_ = Shape(street=(2, 1), community=(2, 2), zone=(2, 2), micro=(2, 2), cell_m=150.0)
        result = grid_tree_import(actor=None, collection=generate_county(shape=shape_))
        assert result.ok, result.rejects[:3]
    points = []
    for g in Grid.objects.filter(level=GridLevel.MICRO).order_by("code")[:64]:
        p = shape(g.geometry).representative_point()
        points.append((p.y, p.x))
    stamp = str(int(time.time() * 1000))
    resident = user_create(actor=None, username=f"bench-res-{stamp}", password=None)
    admin = user_create(actor=None, username=f"bench-admin-{stamp}", password=None)
    role_grant(actor=None, user=admin, role=Role.ADMINISTRATOR)
    key = api_client_create(actor=None, name=f"bench {stamp}")[1]
    return (
        points,
        key,
        Token.objects.create(user=resident).key,
        Token.objects.create(user=admin).key,
    )


def timed(fn, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    points, key, resident_token, admin_token = prepare()
    rng = random.Random(7)
    c = Client()
    codes: list[str] = []

    def open311_post(i: int) -> None:
        lat, lng = rng.choice(points)
        k = i % 4
        body = urlencode(
            {"api_key": key, "service_code": CODES[k], "lat": lat, "long": lng,
             "description": f"{TEXTS[k]} #{i}", "first_name": "明", "last_name": "王"}
        )  # fmt: skip
        r = c.post(
            "/open311/v2/requests.json", body, content_type="application/x-www-form-urlencoded"
        )
        assert r.status_code == 200, r.content
        codes.append(r.json()[0]["service_request_id"])

    def rest_post(i: int) -> None:
        lat, lng = rng.choice(points)
        k = i % 4
        body = {"description": f"{TEXTS[k]} #{i}", "lat": lat, "lng": lng,
                "category_code": CODES[k], "contact_name": "王明"}  # fmt: skip
        r = c.post("/api/v1/cases/", body, content_type="application/json",
                   HTTP_AUTHORIZATION=f"Token {resident_token}")  # fmt: skip
        assert r.status_code == 201, r.content

    def open311_list(i: int) -> None:
        r = c.get(f"/open311/v2/requests.json?page_size=100&page={1 + i % 3}")
        assert r.status_code == 200

    def rest_list(i: int) -> None:
        r = c.get(
            f"/api/v1/cases/?limit=100&offset={100 * (i % 3)}",
            HTTP_AUTHORIZATION=f"Token {admin_token}",
        )
        assert r.status_code == 200

    def open311_one(i: int) -> None:
        assert c.get(f"/open311/v2/requests/{codes[i % len(codes)]}.json").status_code == 200

    def rest_one(i: int) -> None:
        r = c.get(
            f"/api/v1/cases/{codes[i % len(codes)]}/", HTTP_AUTHORIZATION=f"Token {admin_token}"
        )
        assert r.status_code == 200

    pairs = [
        ("POST one request", open311_post, rest_post, args.posts),
        ("GET a page of 100", open311_list, rest_list, args.gets),
        ("GET one by id", open311_one, rest_one, args.gets),
    ]
    print(f"database: {VENDOR}; rounds: {args.rounds} (best round shown)")
    print(f"{'operation':<20} {'Open311 /s':>12} {'REST /s':>10} {'ratio':>7}")
    for name, ours, baseline, n in pairs:
        a, b = [], []
        per_round = max(1, n // args.rounds)
        for _ in range(args.rounds):
            a.append(timed(ours, per_round))
            b.append(timed(baseline, per_round))
        print(f"{name:<20} {max(a):>12.1f} {max(b):>10.1f} {max(a) / max(b):>7.2f}"
              f"   (median {statistics.median(a):.1f} vs {statistics.median(b):.1f})")  # fmt: skip
    print(f"{len(codes)} Open311 requests this run; {User.objects.count()} users in the database")


if __name__ == "__main__":
    main()
