"""The audit log is one keyed hash chain: rewriting a record and recomputing the hashes
without the key, or deleting the newest records and stepping the head back, is reported by
`audit_verify_chain` (issue 15, item 13). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from wangge.core.auditchain import anchor_audit, audit_chain_verify, audit_hash
from wangge.core.hashchain import canonical_json, canonical_time
from wangge.core.models import AuditLog, ChainHead
from wangge.core.services import audit_record


@pytest.fixture
def records(db, operator):
    for i in range(4):
        audit_record(
            action=AuditLog.Action.REVEAL,
            actor=operator,
            reason=f"回访核实 {i}",
            target_type="people.resident",
            target_id=str(i),
            detail={"fields": ["phone"], 3: "int key"},
        )
    return list(AuditLog.objects.order_by("seq"))  # the operator's role grant comes first


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def problems() -> str:
    return " ".join(b.problem for b in audit_chain_verify())


def test_records_form_a_verified_chain(records, capsys):
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(records))
    head = ChainHead.objects.get(name="audit")
    assert (head.seq, head.hash) == (len(records), records[-1].hash)
    call_command("audit_verify_chain")
    assert "审计日志哈希链完整" in capsys.readouterr().out


def test_rewritten_reason_with_sha256_rehash_is_detected(records, capsys):
    """The forger changes what was revealed and why, and recomputes plain SHA-256 links."""
    target = records[-3]
    sql("UPDATE core_auditlog SET reason=%s WHERE id=%s", ["例行检查", target.pk])
    prev = target.prev_hash
    for row in AuditLog.objects.filter(seq__gte=target.seq).order_by("seq"):
        body = canonical_json([row.seq, canonical_time(row.created_at), row.reason])
        new = hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()
        sql("UPDATE core_auditlog SET prev_hash=%s, hash=%s WHERE id=%s", [prev, new, row.pk])
        prev = new
    sql("UPDATE core_chainhead SET hash=%s", [prev])
    with pytest.raises(CommandError):
        call_command("audit_verify_chain")
    assert f"第 {target.seq} 条：内容与哈希不符" in capsys.readouterr().out


def test_deleted_record_in_the_middle_is_detected(records):
    sql("DELETE FROM core_auditlog WHERE id=%s", [records[-2].pk])
    assert "序号不连续" in problems()


def test_truncation_is_detected_after_an_anchor(records):
    anchor_audit(now=timezone.now())
    last = records[-1]
    sql("DELETE FROM core_auditlog WHERE id=%s", [last.pk])
    sql("UPDATE core_chainhead SET seq=seq-1, hash=%s", [last.prev_hash])
    assert "记录被截断" in problems()


def test_truncation_and_rewrite_behind_an_anchor(records, operator):
    """Cut the last record and write a new one in its place through the service."""
    anchor_audit(now=timezone.now())
    last = records[-1]
    sql("DELETE FROM core_auditlog WHERE id=%s", [last.pk])
    sql("UPDATE core_chainhead SET seq=seq-1, hash=%s", [last.prev_hash])
    audit_record(action=AuditLog.Action.OTHER, actor=operator, reason="替换")
    assert "与锚点记录的哈希不符" in problems()


def test_a_row_inserted_past_the_service_is_reported(records):
    sql(
        "INSERT INTO core_auditlog (created_at, username, action, target_type, target_id, "
        "reason, user_agent, detail, prev_hash, hash) VALUES (%s, '', 'other', '', '', '', '', "
        "'{}', '', '')",
        [timezone.now()],
    )
    assert "不在哈希链中" in problems()


def test_hash_covers_what_the_auditor_reads(records):
    row = records[-1]
    assert row.hash == audit_hash(row, row.prev_hash)
    row.username = "someone_else"
    assert audit_hash(row, row.prev_hash) != records[-1].hash
    assert json.loads(json.dumps(row.detail)) == {"fields": ["phone"], "3": "int key"}


def test_anchor_only_when_the_head_moved(records, operator):
    first = anchor_audit(now=timezone.now())
    assert first is not None and (first.seq, first.entries) == (1, len(records))
    assert anchor_audit(now=timezone.now()) is None
    audit_record(action=AuditLog.Action.OTHER, actor=operator)
    second = anchor_audit(now=timezone.now())
    assert second is not None and (second.seq, second.entries) == (2, len(records) + 1)
    assert audit_chain_verify() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain(operator):
    """Eight threads append at once: the head's row lock puts them in one line."""
    barrier = threading.Barrier(8)

    def write(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            for j in range(5):
                audit_record(action=AuditLog.Action.OTHER, actor=operator, reason=f"{i}-{j}")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert AuditLog.objects.filter(action=AuditLog.Action.OTHER).count() == 40
    assert audit_chain_verify() == []
