"""Attacks on the event chain by someone who can write the database but lacks the chain key.

Both reproduce issue 15, item 13: rewriting a reason and recomputing the hashes (plain SHA-256,
or HMAC under a guessed key), and deleting the newest event while stepping the case's head
back. They run on SQLite and on PostgreSQL (the suite runs twice). The attacker works in SQL,
as they would, past the application's guards.
"""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from wangge.cases.chain import (
    anchor_cases,
    chain_rekey,
    chain_verify,
    event_hash,
    hash_of,
    legacy_hash_of,
)
from wangge.cases.models import Case, CaseCheckpoint, CaseEvent
from wangge.cases.workflow import case_transition
from wangge.core.models import ChainAnchor


@pytest.fixture
def handled(submit, resident, worker_a):
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫")
    case.refresh_from_db()
    return case


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.WANGGE_CHAIN_ANCHOR_LOG = str(tmp_path / "anchors.log")
    return tmp_path / "anchors.log"


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def rehash_without_key(case: Case, link) -> None:
    """Recompute every link of `case` with `link` (what a forger can do) and move the head."""
    prev = ""
    for ev in CaseEvent.objects.filter(case=case).order_by("seq"):
        new = link(ev, prev)
        sql("UPDATE cases_caseevent SET prev_hash=%s, hash=%s WHERE id=%s", [prev, new, ev.pk])
        prev = new
    sql("UPDATE cases_case SET chain_head=%s WHERE id=%s", [prev, case.pk])


def truncate_last(case: Case) -> None:
    last = CaseEvent.objects.get(case=case, seq=case.event_count)
    sql("DELETE FROM cases_caseevent WHERE id=%s", [last.pk])
    sql(
        "UPDATE cases_case SET event_count=%s, chain_head=%s WHERE id=%s",
        [case.event_count - 1, last.prev_hash, case.pk],
    )


def problems(case: Case) -> str:
    return " ".join(b.problem for b in chain_verify(case_ids=[case.pk]))


def test_links_are_keyed(handled, settings):
    ev = CaseEvent.objects.get(case=handled, seq=2)
    assert ev.hash == hash_of(ev, ev.prev_hash)
    assert ev.hash != legacy_hash_of(ev, ev.prev_hash)
    settings.WANGGE_CHAIN_KEY = "another-key-" + "x" * 40
    assert hash_of(ev, ev.prev_hash) != ev.hash


def test_rewritten_reason_with_sha256_rehash_is_detected(handled, capsys):
    sql("UPDATE cases_caseevent SET reason=%s WHERE case_id=%s AND seq=3", ["从未处理", handled.pk])
    rehash_without_key(handled, legacy_hash_of)
    with pytest.raises(CommandError):
        call_command("cases_verify_chain", handled.tracking_code)
    out = capsys.readouterr().out
    assert handled.tracking_code in out and "内容与哈希不符" in out


def test_rewritten_reason_with_a_guessed_key_is_detected(handled):
    sql("UPDATE cases_caseevent SET reason=%s WHERE case_id=%s AND seq=3", ["从未处理", handled.pk])

    def guessed(ev, prev):
        return event_hash(key="dev-only-not-secret-wangge", **_fields(ev, prev))

    rehash_without_key(handled, guessed)
    assert "内容与哈希不符" in problems(handled)


def _fields(ev, prev):
    return {
        "prev_hash": prev,
        "case_id": ev.case_id,
        "seq": ev.seq,
        "kind": ev.kind,
        "actor_id": ev.actor_id,
        "from_state": ev.from_state,
        "to_state": ev.to_state,
        "reason": ev.reason,
        "payload": ev.payload,
        "public": ev.public,
        "created_at": ev.created_at,
    }


def test_truncation_passes_without_a_checkpoint_and_fails_after_one(handled, capsys):
    # The hole the key alone leaves: a chain cut at its end is still a whole chain …
    other = Case.objects.get(pk=handled.pk)
    anchor_cases(now=timezone.now())
    truncate_last(other)
    with pytest.raises(CommandError):
        call_command("cases_verify_chain")
    out = capsys.readouterr().out
    assert handled.tracking_code in out and "记录被截断" in out


def test_truncation_is_only_undetectable_before_its_first_checkpoint(handled):
    truncate_last(handled)
    assert chain_verify(case_ids=[handled.pk]) == []  # the window WANGGE_CHAIN_ANCHOR_SECONDS


def test_truncation_then_new_events_in_place_is_detected(handled, worker_a):
    """Cut the last event and append a different one at the same position: longer than the
    checkpoint again, but the event at the checkpoint no longer carries its hash."""
    anchor_cases(now=timezone.now())
    truncate_last(handled)
    handled.refresh_from_db()
    case_transition(case=handled, actor=worker_a, action="comment", reason="另写的说明")
    assert "与检查点记录的哈希不符" in problems(handled)


def test_deleting_the_checkpoint_too_breaks_the_signed_anchor(handled):
    anchor_cases(now=timezone.now())
    truncate_last(handled)
    sql("DELETE FROM cases_casecheckpoint WHERE case_id=%s", [handled.pk])
    found = [b.problem for b in chain_verify()]
    assert any("检查点被改动或删除" in p for p in found)


def test_deleting_the_whole_last_anchor_is_caught_by_the_anchor_file(
    handled, anchor_file, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # exported after the commit
        anchor_cases(now=timezone.now())
    line = json.loads(anchor_file.read_text().splitlines()[-1])
    assert line["kind"] == "cases" and line["seq"] == 1 and len(line["mac"]) == 64
    truncate_last(handled)
    sql("DELETE FROM cases_casecheckpoint", [])
    sql("DELETE FROM core_chainanchor", [])
    found = [b.problem for b in chain_verify()]
    assert any("在数据库中缺失" in p for p in found)


def test_forged_anchor_signature_is_detected(handled):
    anchor_cases(now=timezone.now())
    sql("UPDATE core_chainanchor SET entries=entries+1", [])
    assert any("签名不符" in b.problem for b in chain_verify())


def test_anchor_runs_checkpoint_only_moved_chains(handled, submit, resident, worker_a):
    first = anchor_cases(now=timezone.now())
    assert first is not None and first.entries == 1
    assert anchor_cases(now=timezone.now()) is None  # nothing moved
    case_transition(case=handled, actor=worker_a, action="comment", reason="补充")
    submit(resident)
    second = anchor_cases(now=timezone.now())
    assert second is not None and second.entries == 2 and second.seq == 2
    assert CaseCheckpoint.objects.filter(case=handled).count() == 2
    assert chain_verify() == []


def test_periodic_task_anchors_both_chains(handled, operator):
    from wangge.cases.tasks import anchor_chains
    from wangge.core.services import audit_record

    audit_record(action="other", actor=operator)
    result = anchor_chains.call()
    assert result["cases"] == 1 and result["audit"] >= 1
    assert set(ChainAnchor.objects.values_list("kind", flat=True)) == {"cases", "audit"}


def test_rekey_keys_legacy_chains_and_leaves_broken_ones(submit, resident, worker_a):
    old = submit(resident)
    case_transition(case=old, actor=worker_a, action="claim")
    broken = submit(resident)
    # A database from before the key: plain SHA-256 links.
    rehash_without_key(old, legacy_hash_of)
    rehash_without_key(broken, legacy_hash_of)
    sql("UPDATE cases_caseevent SET reason=%s WHERE case_id=%s", ["改过", broken.pk])
    assert "内容与哈希不符" in problems(old)
    result = chain_rekey()
    assert (result.rekeyed, result.skipped) == (1, [broken.pk])
    assert chain_verify(case_ids=[old.pk]) == []
    assert "内容与哈希不符" in problems(broken)
    assert chain_rekey().rekeyed == 0  # again: nothing left to key


def test_rekey_never_launders_an_anchored_chain(handled):
    """A forger who rehashes with plain SHA-256 cannot have the re-key command bless it."""
    anchor_cases(now=timezone.now())
    sql("UPDATE cases_caseevent SET reason=%s WHERE case_id=%s AND seq=3", ["从未处理", handled.pk])
    rehash_without_key(handled, legacy_hash_of)
    call_command("cases_chain_rekey")
    assert "内容与哈希不符" in problems(handled)
