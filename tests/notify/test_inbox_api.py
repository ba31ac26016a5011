"""The inbox API: each user sees and marks only their own messages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from wangge.notify.models import InboxItem
from wangge.notify.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def notify(users, n: int, *, topic: str = "case.dispatched") -> None:
    for i in range(n):
        outbox_enqueue(
            topic=topic,
            title=f"案件已派到本网格 #{i}",
            body="<script>alert(1)</script> 共享单车棚漏雨",
            link=f"/cases/{i}/",
            payload={"case_id": i},
            user_ids=[u.id for u in users],
            dedupe_key=f"{topic}:{i}",
        )


def test_list_count_and_mark_read(api, worker_a, worker_b):
    notify([worker_a], 3)
    notify([worker_a, worker_b], 1, topic="case.overdue")
    client = api.as_user(worker_a)
    res = client.get("/api/v1/inbox/")
    assert res.status_code == 200
    assert res.data["count"] == 4
    first = res.data["results"][0]
    assert first["unread"] is True
    assert first["body"].startswith("<script>")  # stored as text; the page escapes it
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 4}
    assert client.get("/api/v1/inbox/?topic=case.overdue").data["count"] == 1

    res = client.post(f"/api/v1/inbox/{first['id']}/read/")
    assert res.status_code == 200 and res.data["unread"] is False and res.data["read_at"]
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 3}
    assert client.get("/api/v1/inbox/?unread=true").data["count"] == 3

    assert client.post("/api/v1/inbox/read/", {"all": True}, format="json").data == {"marked": 3}
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 0}
    # worker_b's copy of the shared notification is untouched.
    assert api.as_user(worker_b).get("/api/v1/inbox/unread-count/").data == {"unread": 1}


def test_one_user_cannot_read_or_mark_anothers(api, worker_a, worker_b):
    notify([worker_b], 2)
    b_ids = list(InboxItem.objects.filter(user=worker_b).values_list("id", flat=True))
    client = api.as_user(worker_a)
    assert client.get("/api/v1/inbox/").data["count"] == 0
    res = client.post(f"/api/v1/inbox/{b_ids[0]}/read/")
    assert res.status_code == 404
    assert res.data["detail"] == "消息不存在"
    assert client.post("/api/v1/inbox/99999999/read/").status_code == 404
    res = client.post("/api/v1/inbox/read/", {"ids": b_ids}, format="json")
    assert res.data == {"marked": 0}
    assert InboxItem.objects.filter(user=worker_b, read_at__isnull=True).count() == 2


def test_bad_input_and_anonymous(api, resident):
    notify([resident], 1, topic="case.replied")
    client = api.as_user(resident)
    res = client.post("/api/v1/inbox/read/", {}, format="json")
    assert res.status_code == 400
    assert "ids" in res.data["detail"]
    res = client.post("/api/v1/inbox/read/", {"ids": ["abc"]}, format="json")
    assert res.status_code == 400
    anonymous = APIClient()
    assert anonymous.get("/api/v1/inbox/").status_code == 401
    assert anonymous.get("/api/v1/inbox/unread-count/").status_code == 401
    assert anonymous.post("/api/v1/inbox/read/", {"all": True}).status_code == 401
    # Residents get their replies in the inbox too.
    assert client.get("/api/v1/inbox/unread-count/").data == {"unread": 1}


def test_inbox_pages_by_cursor_newest_first(api, worker_a, worker_b):
    notify([worker_a], 7)
    notify([worker_b], 2, topic="case.overdue")
    client = api.as_user(worker_a)
    seen, url = [], "/api/v1/inbox/?limit=3"
    while url:
        res = client.get(url)
        assert res.status_code == 200 and res.data["count"] == 7
        assert res.data["count_capped"] is False
        seen += [r["id"] for r in res.data["results"]]
        url = res.data["next"]
    mine = list(InboxItem.objects.filter(user=worker_a).order_by("-created_at", "-id"))
    assert seen == [m.id for m in mine]  # each once, newest first, none of worker_b's
    # Back from the last page by its `previous` link.
    last = client.get("/api/v1/inbox/?limit=3&offset=6")
    back = client.get(last.data["previous"])
    assert [r["id"] for r in back.data["results"]] == seen[3:6]
    bad = client.get("/api/v1/inbox/?cursor=not-a-cursor")
    assert bad.status_code == 400 and "cursor" in bad.data["detail"]
    assert client.get("/api/v1/inbox/?offset=5000").status_code == 400
