"""The webhook signature, for senders and receivers alike.

X-Wangge-Signature: sha256=<hex HMAC-SHA256(secret, f"{X-Wangge-Timestamp}.{raw body}")>

A receiver recomputes it over the raw body bytes exactly as received, compares in constant time,
and refuses timestamps too far from its own clock (replays). See docs/worker.md.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True when the signature matches and the timestamp is within the tolerance."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")
