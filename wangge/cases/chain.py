"""The tamper-evident chain of case events.

Each event stores the hash of the previous event of the same case and its own hash: HMAC-SHA256
under WANGGE_CHAIN_KEY (a key the database does not hold; `wangge.core.hashchain`) over that
previous hash and a canonical JSON of its content. Changing, inserting or deleting any event
breaks the chain from that point on, and without the key nobody can recompute the links after
rewriting a record. `chain_verify` finds where.

Truncation — the newest events deleted and the case's head stepped back — leaves a shorter
chain that is still whole, so `anchor_cases` checkpoints every changed head with its length
(`CaseCheckpoint`, one signed `ChainAnchor` per run), and `chain_verify` refuses a chain that is
shorter than its last checkpoint or that moved away from it.

Chains written before the key (plain SHA-256 links) are re-keyed by the migration that
introduced it (`chain_rekey`, also `manage.py cases_chain_rekey` for a database restored from a
backup of that time); a chain that was already broken stays broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from wangge.core.hashchain import (
    AnchorLine,
    canonical_json,
    canonical_time,
    equal,
    export_anchor,
    keyed_hash,
    legacy_hash,
)

# The anchor run looks back this far before the previous run for changed cases: a transition
# whose transaction took longer than this to commit is only anchored by the next full run.
ANCHOR_LOOKBACK = timedelta(hours=1)


def _message(
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
    body = canonical_json(
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
        ]
    )
    return f"{prev_hash}\n{body}"


def event_hash(*, key: str | None = None, **fields: Any) -> str:
    """The keyed hash of one event from its fields (the current chain key unless `key`)."""
    return keyed_hash(_message(**fields), key=key)


def _fields(event: Any, prev_hash: str) -> dict[str, Any]:
    return {
        "prev_hash": prev_hash,
        "case_id": event.case_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor_id": event.actor_id,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "reason": event.reason,
        "payload": event.payload,
        "public": event.public,
        "created_at": event.created_at,
    }


def hash_of(event: Any, prev_hash: str) -> str:
    """The hash an event (a CaseEvent or any object with its fields) must carry.

    Every writer of events calls this before the INSERT (the workflow, intake, the demo's
    replayed histories)."""
    return event_hash(**_fields(event, prev_hash))


def legacy_hash_of(event: Any, prev_hash: str) -> str:
    """The unkeyed SHA-256 link of chains written before the key; read only to re-key them."""
    return legacy_hash(_message(**_fields(event, prev_hash)))


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int | None
    problem: str


def _latest_checkpoints(case_ids: list[int]) -> dict[int, tuple[int, str]]:
    """{case id: (event count, head)} of each case's newest checkpoint."""
    from wangge.cases.models import CaseCheckpoint

    latest: dict[int, tuple[int, str]] = {}
    rows = (
        CaseCheckpoint.objects.filter(case_id__in=case_ids)
        .order_by("case_id", "-anchor_id")
        .values_list("case_id", "event_count", "head")
    )
    for case_id, count, head in rows:
        latest.setdefault(case_id, (count, head))
    return latest


def chain_verify(*, case_ids: list[int] | None = None, batch: int = 2000) -> list[ChainBreak]:
    """Recompute every chain (or those of `case_ids`); return each place one is broken.

    A full run (no `case_ids`) also checks the signed anchor runs and their checkpoints; those
    problems carry case id 0."""
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
        checkpoints = _latest_checkpoints(list(heads))
        at_checkpoint: dict[int, str] = {}
        events = CaseEvent.objects.filter(case_id__in=heads).order_by("case_id", "seq")
        state: dict[int, tuple[int, str]] = {pk: (0, "") for pk in heads}
        for ev in events.iterator(chunk_size=5000):
            n, prev = state[ev.case_id]
            if ev.seq != n + 1:
                breaks.append(ChainBreak(ev.case_id, ev.seq, f"序号不连续：应为 {n + 1}"))
            if not equal(ev.prev_hash, prev):
                breaks.append(ChainBreak(ev.case_id, ev.seq, "prev_hash 与上一条记录不符"))
            if not equal(ev.hash, hash_of(ev, ev.prev_hash)):
                breaks.append(ChainBreak(ev.case_id, ev.seq, "内容与哈希不符（记录被改动）"))
            if ev.case_id in checkpoints and ev.seq == checkpoints[ev.case_id][0]:
                at_checkpoint[ev.case_id] = ev.hash
            state[ev.case_id] = (ev.seq, ev.hash)
        for pk, (count, head) in heads.items():
            n, last = state[pk]
            if n != count or not equal(last, head):
                breaks.append(ChainBreak(pk, None, "记录条数或链头与事件不符（记录被删除或插入）"))
            if pk in checkpoints:
                cp_count, cp_head = checkpoints[pk]
                if n < cp_count:
                    breaks.append(
                        ChainBreak(pk, None, f"记录少于检查点的 {cp_count} 条（记录被截断）")
                    )
                elif not equal(at_checkpoint.get(pk, ""), cp_head):
                    breaks.append(ChainBreak(pk, cp_count, "与检查点记录的哈希不符（记录被改写）"))
    if case_ids is None:
        breaks += [ChainBreak(0, None, p) for p in checkpoint_problems()]
    return breaks


# --- Checkpoints -----------------------------------------------------------------------------


def _digest(rows: list[tuple[int, int, str]]) -> str:
    return keyed_hash(canonical_json(["cases", sorted(rows)]))


def checkpoint_problems() -> list[str]:
    """Each anchor run of the case chains must still hold exactly the checkpoints it signed."""
    from wangge.cases.models import CaseCheckpoint
    from wangge.core.hashchain import anchor_problems
    from wangge.core.models import ChainAnchor

    problems = anchor_problems(ChainAnchor.Kind.CASES)
    anchors = ChainAnchor.objects.filter(kind=ChainAnchor.Kind.CASES).order_by("pk")
    for anchor in anchors.iterator():
        rows = list(
            CaseCheckpoint.objects.filter(anchor=anchor).values_list(
                "case_id", "event_count", "head"
            )
        )
        if len(rows) != anchor.entries or not equal(_digest(rows), anchor.digest):
            problems.append(f"锚点 {anchor.seq} 的检查点被改动或删除")
    return problems


def anchor_cases(*, now: datetime, full: bool = False, batch: int = 2000) -> AnchorLine | None:
    """Checkpoint the head of every case whose chain moved since the last run (every case when
    `full` or on the first run) as one signed anchor run; None when nothing moved."""
    from wangge.cases.models import Case, CaseCheckpoint
    from wangge.core.models import ChainAnchor

    kind = ChainAnchor.Kind.CASES
    last = ChainAnchor.objects.filter(kind=kind).order_by("-seq").first()
    cases = Case.objects.filter(event_count__gt=0).order_by("pk")
    if last is not None and not full:
        cases = cases.filter(updated_at__gte=last.created_at - ANCHOR_LOOKBACK)
    changed: list[tuple[int, int, str]] = []
    last_pk = 0
    while True:
        chunk = list(
            cases.filter(pk__gt=last_pk).values_list("pk", "event_count", "chain_head")[:batch]
        )
        if not chunk:
            break
        last_pk = chunk[-1][0]
        known = _latest_checkpoints([pk for pk, _, _ in chunk])
        changed += [(pk, n, head) for pk, n, head in chunk if known.get(pk) != (n, head)]
    if not changed:
        return None
    line = AnchorLine(
        kind=kind,
        seq=(last.seq + 1) if last else 1,
        created_at=now,
        entries=len(changed),
        digest=_digest(changed),
        prev_mac=last.mac if last else "",
    )
    try:
        with transaction.atomic():
            anchor = ChainAnchor.objects.create(
                kind=kind,
                seq=line.seq,
                created_at=now,
                entries=line.entries,
                digest=line.digest,
                prev_mac=line.prev_mac,
                mac=line.mac(),
            )
            CaseCheckpoint.objects.bulk_create(
                [
                    CaseCheckpoint(anchor=anchor, case_id=pk, event_count=n, head=head)
                    for pk, n, head in changed
                ],
                batch_size=5000,
            )
            transaction.on_commit(lambda: export_anchor(line))
    except IntegrityError:
        return None  # another run took this sequence number first; the next run catches up
    return line


# --- Re-keying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RekeyResult:
    rekeyed: int  # legacy chains now keyed
    current: int  # chains already keyed, left as they were
    skipped: list[int]  # cases whose chain fits neither: left as they were, verify reports them


def _intact(events: list[Any], link: Any) -> str | None:
    """The head of `events` if every link holds under `link`, else None."""
    prev = ""
    for i, ev in enumerate(events, start=1):
        if ev.seq != i or ev.prev_hash != prev or not equal(ev.hash, link(ev, prev)):
            return None
        prev = ev.hash
    return prev


def chain_rekey(
    *, case_model: Any = None, event_model: Any = None, batch: int = 500
) -> RekeyResult:
    """Re-hash under the key every chain whose links are still the unkeyed SHA-256 of before
    the key (a database migrated from, or restored from a backup of, that time).

    Only a chain that is whole under the old links and was never checkpointed is re-keyed; any
    other is left untouched, so verify goes on reporting it: a broken chain is never laundered
    into a valid one. Safe to run again. The migration that introduced the key passes its historical
    models; the command passes none (the live models)."""
    from wangge.cases.models import workflow_writes

    if case_model is None or event_model is None:
        from wangge.cases.models import Case, CaseEvent

        case_model, event_model = Case, CaseEvent

    rekeyed, current, skipped = 0, 0, []
    last_pk = 0
    top = case_model.objects.aggregate(m=Max("pk"))["m"] or 0
    while last_pk < top:
        with transaction.atomic(), workflow_writes():
            ids = list(
                case_model.objects.filter(pk__gt=last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                break
            last_pk = ids[-1]
            cases = {c.pk: c for c in case_model.objects.select_for_update().filter(pk__in=ids)}
            by_case: dict[int, list[Any]] = {pk: [] for pk in cases}
            for ev in event_model.objects.filter(case_id__in=cases).order_by("case_id", "seq"):
                by_case[ev.case_id].append(ev)
            changed_events: list[Any] = []
            changed_cases: list[Any] = []
            # A checkpointed chain was keyed when it was anchored: finding it "whole under the
            # old links" now means it was rewritten without the key, not that it is old.
            anchored = set(_latest_checkpoints(list(cases)))
            for pk, events in by_case.items():
                case = cases[pk]
                if len(events) != case.event_count or pk in anchored:
                    skipped.append(pk)
                    continue
                if _intact(events, hash_of) == case.chain_head:
                    current += 1
                    continue
                if _intact(events, legacy_hash_of) != case.chain_head:
                    skipped.append(pk)
                    continue
                prev = ""
                for ev in events:
                    ev.prev_hash = prev
                    ev.hash = hash_of(ev, prev)
                    prev = ev.hash
                changed_events += events
                case.chain_head = prev
                changed_cases.append(case)
            event_model.objects.bulk_update(changed_events, ["prev_hash", "hash"], batch_size=2000)
            case_model.objects.bulk_update(changed_cases, ["chain_head"], batch_size=2000)
            rekeyed += len(changed_cases)
    return RekeyResult(rekeyed=rekeyed, current=current, skipped=skipped)
