"""Chat fixtures: a group of grid A with a reply endpoint on a loopback receiver, and a signer."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import GRID_A
from tests.notify.conftest import Receiver
from wangge.chat.models import ChatGroup, ChatStaff
from wangge.notify.models import WebhookEndpoint
from wangge.notify.signing import sign

GROUP_SECRET = "怡园一网格群-secret"


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def categories(db):
    from wangge.cases.categories import category_seed
    from wangge.cases.models import Category

    category_seed()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def group(county, categories, receiver, worker_a):
    endpoint = WebhookEndpoint.objects.create(
        name="怡园一网格群机器人", url=receiver.url, secret=receiver.secret, topics=[]
    )
    g = ChatGroup.objects.create(
        group_id="wx-group-yiyuan-1",
        name="怡园小区一网格群",
        grid=county[GRID_A],
        secret=GROUP_SECRET,
        endpoint=endpoint,
    )
    ChatStaff.objects.create(group=g, sender_id="wx_worker_a", user=worker_a)
    return g


def signed(api, body: dict, *, secret: str = GROUP_SECRET, timestamp: int | None = None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return api.post(
        "/api/v1/chat/webhook/",
        raw,
        content_type="application/json",
        HTTP_X_WANGGE_TIMESTAMP=ts,
        HTTP_X_WANGGE_SIGNATURE=sign(secret, ts, raw),
    )


def message(message_id: str, text: str, sender=("wx_li", "李阿姨"), **extra) -> dict:
    body = {
        "group_id": "wx-group-yiyuan-1",
        "message_id": message_id,
        "sender": {"id": sender[0], "name": sender[1]},
        "text": text,
        "mentions": [],
        "images": [],
    }
    body.update(extra)
    return body
