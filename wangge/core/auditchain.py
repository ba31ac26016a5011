"""The security audit log as one keyed hash chain.

Every record carries its position (`seq`), the previous record's hash and its own: HMAC-SHA256
under the chain key (`wangge.core.hashchain`) over that previous hash and the record's content.
`audit_chain_append` links a record under a lock on the chain's head row, so records join the
chain one at a time, in commit order. The periodic anchor pins the head (`anchor_audit`), and
`audit_chain_verify` (`manage.py audit_verify_chain`) reports an edited, inserted or deleted
record, and a chain cut back below its last anchor.

The actor's user id is not hashed (deleting a user sets it to NULL by design); the username,
which names the actor in every record, is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from wangge.core.hashchain import (
    AnchorLine,
    anchor_problems,
    canonical_time,
    equal,
    export_anchor,
    link_hash,
)
from wangge.core.models import AuditLog, ChainAnchor, ChainHead

AUDIT_CHAIN = "audit"


def _ip(value: str | None) -> str:
    # The form the database keeps (IPv6 compressed), so the hash is the same after reading back.
    field = AuditLog._meta.get_field("ip_address")
    return field.get_prep_value(value) or ""


def audit_hash(row: Any, prev_hash: str) -> str:
    """The hash an audit record (an AuditLog or a migration's historical copy) must carry."""
    return link_hash(
        prev_hash,
        [
            row.seq,
            canonical_time(row.created_at),
            row.username,
            row.action,
            row.target_type,
            row.target_id,
            row.reason,
            _ip(row.ip_address),
            row.user_agent,
            row.detail,
        ],
    )


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(name=AUDIT_CHAIN).first()
    if head is None:  # an empty database (the migration makes it; a test flush removes it)
        try:
            with transaction.atomic():
                ChainHead.objects.create(name=AUDIT_CHAIN)
        except IntegrityError:
            pass  # another writer made it first
        head = ChainHead.objects.select_for_update().get(name=AUDIT_CHAIN)
    return head


def audit_chain_append(row: AuditLog) -> AuditLog:
    """Link `row` (not yet saved, `created_at` set) to the head of the chain and insert it."""
    # The detail as it reads back (keys as text, tuples as lists), so verify hashes the same.
    row.detail = json.loads(json.dumps(row.detail))
    with transaction.atomic():
        head = _locked_head()
        row.seq = head.seq + 1
        row.prev_hash = head.hash
        row.hash = audit_hash(row, head.hash)
        row.save(force_insert=True)
        # 1 row: we hold its lock.
        ChainHead.objects.filter(pk=head.pk).update(seq=row.seq, hash=row.hash)
    return row


@dataclass(frozen=True)
class AuditBreak:
    seq: int | None
    problem: str


def audit_chain_verify(*, batch: int = 5000) -> list[AuditBreak]:
    """Recompute the whole audit chain; return each place it is broken."""
    breaks: list[AuditBreak] = []
    unlinked = AuditLog.objects.filter(seq__isnull=True).count()
    if unlinked:
        breaks.append(AuditBreak(None, f"{unlinked} 条记录不在哈希链中（绕过了审计服务写入）"))
    anchor = ChainAnchor.objects.filter(kind=ChainAnchor.Kind.AUDIT).order_by("-seq").first()
    at_anchor = ""
    n, prev = 0, ""
    rows = AuditLog.objects.filter(seq__isnull=False).order_by("seq")
    for row in rows.iterator(chunk_size=batch):
        if row.seq != n + 1:
            breaks.append(AuditBreak(row.seq, f"序号不连续：应为 {n + 1}（记录被删除或插入）"))
        if not equal(row.prev_hash, prev):
            breaks.append(AuditBreak(row.seq, "prev_hash 与上一条记录不符"))
        if not equal(row.hash, audit_hash(row, row.prev_hash)):
            breaks.append(AuditBreak(row.seq, "内容与哈希不符（记录被改动）"))
        if anchor is not None and row.seq == anchor.entries:
            at_anchor = row.hash
        n, prev = row.seq or 0, row.hash
    head = ChainHead.objects.filter(name=AUDIT_CHAIN).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    if head_seq != n or not equal(head_hash, prev):
        breaks.append(AuditBreak(None, "链头与记录不符（记录被删除或插入）"))
    if anchor is not None:
        if n < anchor.entries:
            breaks.append(AuditBreak(None, f"记录少于锚点的 {anchor.entries} 条（记录被截断）"))
        elif not equal(at_anchor, anchor.digest):
            breaks.append(AuditBreak(anchor.entries, "与锚点记录的哈希不符（记录被改写）"))
    breaks += [AuditBreak(None, p) for p in anchor_problems(ChainAnchor.Kind.AUDIT)]
    return breaks


def anchor_audit(*, now: datetime) -> AnchorLine | None:
    """Anchor the audit chain's head (its length and last hash); None when it has not moved."""
    kind = ChainAnchor.Kind.AUDIT
    head = ChainHead.objects.filter(name=AUDIT_CHAIN).first()
    if head is None or head.seq == 0:
        return None
    last = ChainAnchor.objects.filter(kind=kind).order_by("-seq").first()
    if last is not None and last.entries == head.seq and last.digest == head.hash:
        return None
    line = AnchorLine(
        kind=kind,
        seq=(last.seq + 1) if last else 1,
        created_at=now,
        entries=head.seq,
        digest=head.hash,
        prev_mac=last.mac if last else "",
    )
    try:
        with transaction.atomic():
            ChainAnchor.objects.create(
                kind=kind,
                seq=line.seq,
                created_at=now,
                entries=line.entries,
                digest=line.digest,
                prev_mac=line.prev_mac,
                mac=line.mac(),
            )
            transaction.on_commit(lambda: export_anchor(line))
    except IntegrityError:
        return None  # another run took this sequence number first
    return line
