"""The SMS gateway adapter: a text message is one more outbox delivery.

An SMS gateway (the operator's or a relay in front of a carrier's API) is configured as a
webhook endpoint (管理后台 › 外发接口) that hears `sms.send` (or `sms.*`). Each message becomes a
signed delivery to it, retried like any other (docs/worker.md), with the payload

    {"phone": "13800001111", "text": "【网格服务】…", "purpose": "reporter_code"}

The gateway sends `text` to `phone`; `delivery_id` is its deduplication key. Without such an
endpoint nothing is sent (and `sms_gateway_configured()` says so, so pages can offer
another way).
"""

from __future__ import annotations

from wangge.notify.models import WebhookEndpoint
from wangge.notify.services import outbox_enqueue

SMS_TOPIC = "sms.send"


def sms_gateway_configured() -> bool:
    return any(ep.hears(SMS_TOPIC) for ep in WebhookEndpoint.objects.filter(active=True))


def sms_send(*, phone: str, text: str, dedupe_key: str, purpose: str) -> None:
    """Queue one text message (inside the caller's transaction; sent after the commit)."""
    outbox_enqueue(
        topic=SMS_TOPIC,
        title=text[:60],
        body=text,
        payload={"phone": phone, "text": text, "purpose": purpose},
        dedupe_key=f"sms:{dedupe_key}"[:200],
    )
