"""The tamper-evident chain of case events.

Each event stores the hash of the previous event of the same case and its own hash, computed
over that previous hash and a canonical JSON of its content. Changing, inserting or deleting
any event breaks the chain from that point on; `chain_verify` finds where.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def canonical_time(value: datetime) -> str:
    # Microseconds survive both PostgreSQL and SQLite, so the stored value hashes the same.
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    prev_hash: str,
    case_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    from_state: str,
    to_state: str,
    reason: str,
    payload: dict[str, Any],
    public: bool,
    created_at: datetime,
) -> str:
    body = json.dumps(
        [
            case_id,
            seq,
            kind,
            actor_id,
            from_state,
            to_state,
            reason,
            payload,
            public,
            canonical_time(created_at),
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def hash_of(event: Any, prev_hash: str) -> str:
    """The hash an event (a CaseEvent or any object with its fields) must carry."""
    return event_hash(
        prev_hash=prev_hash,
        case_id=event.case_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason,
        payload=event.payload,
        public=event.public,
        created_at=event.created_at,
    )


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int | None
    problem: str


def chain_verify(*, case_ids: list[int] | None = None, batch: int = 2000) -> list[ChainBreak]:
    """Recompute every chain (or those of `case_ids`); return each place one is broken."""
    from wangge.cases.models import Case, CaseEvent

    breaks: list[ChainBreak] = []
    cases = Case.objects.order_by("pk").values_list("pk", "event_count", "chain_head")
    if case_ids is not None:
        cases = cases.filter(pk__in=case_ids)
    last_pk = 0
    while True:
        chunk = list(cases.filter(pk__gt=last_pk)[:batch])
        if not chunk:
            break
        last_pk = chunk[-1][0]
        heads = {pk: (count, head) for pk, count, head in chunk}
        events = CaseEvent.objects.filter(case_id__in=heads).order_by("case_id", "seq")
        state: dict[int, tuple[int, str]] = {pk: (0, "") for pk in heads}
        for ev in events.iterator(chunk_size=5000):
            n, prev = state[ev.case_id]
            if ev.seq != n + 1:
                breaks.append(ChainBreak(ev.case_id, ev.seq, f"序号不连续：应为 {n + 1}"))
            if ev.prev_hash != prev:
                breaks.append(ChainBreak(ev.case_id, ev.seq, "prev_hash 与上一条记录不符"))
            if ev.hash != hash_of(ev, ev.prev_hash):
                breaks.append(ChainBreak(ev.case_id, ev.seq, "内容与哈希不符（记录被改动）"))
            state[ev.case_id] = (ev.seq, ev.hash)
        for pk, (count, head) in heads.items():
            n, last = state[pk]
            if n != count or last != head:
                breaks.append(ChainBreak(pk, None, "记录条数或链头与事件不符（记录被删除或插入）"))
    return breaks
