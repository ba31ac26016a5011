"""The event chain is tamper-evident, and only the workflow assigns Case.state."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from wangge.cases.models import CaseEvent
from wangge.cases.workflow import case_transition

SOURCE = Path(__file__).resolve().parents[2] / "wangge"
WRITE_CALLS = {"update", "create", "bulk_create", "get_or_create", "update_or_create", "Case"}


def test_chain_verifies_and_reports_tampering(submit, resident, worker_a, capsys):
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫")
    call_command("cases_verify_chain")
    assert "哈希链完整" in capsys.readouterr().out

    # Someone edits a reason behind the application's back.
    CaseEvent.objects.filter(case=case, seq=3).update(reason="从未认领")
    with pytest.raises(CommandError):
        call_command("cases_verify_chain")
    out = capsys.readouterr().out
    assert case.tracking_code in out and "第 3 条" in out


def test_chain_reports_a_deleted_event(submit, resident, worker_a, capsys):
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    CaseEvent.objects.filter(case=case, seq=3).delete()
    with pytest.raises(CommandError):
        call_command("cases_verify_chain", case.tracking_code)
    assert "被删除" in capsys.readouterr().out


def test_events_link_to_their_predecessor(submit, resident, worker_a):
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    events = list(case.events.order_by("seq"))
    assert events[0].prev_hash == ""
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    case.refresh_from_db()
    assert case.chain_head == events[-1].hash and case.event_count == len(events)


def _about_cases(node: ast.AST) -> bool:
    # Other apps may have a `state` of their own (an outbox row, an import job): only
    # expressions that name a case are checked.
    return "case" in ast.unparse(node).lower()


def _state_writes(path: Path) -> list[str]:
    """Places in `path` that assign a case state: `x.state = …`, `setattr(x, "state", …)`, or
    a `state=` keyword to a create/update call."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for t in targets:
            if isinstance(t, ast.Attribute) and t.attr == "state" and _about_cases(t.value):
                found.append(f"{path}:{node.lineno}")
        if isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", "")
            if name == "setattr" and len(node.args) > 1:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and arg.value == "state":
                    found.append(f"{path}:{node.lineno}")
            if (
                name in WRITE_CALLS
                and _about_cases(fn)
                and any(k.arg == "state" for k in node.keywords)
            ):
                found.append(f"{path}:{node.lineno}")
    return found


def test_only_the_workflow_assigns_case_state():
    allowed = {SOURCE / "cases" / "workflow.py"}
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path in allowed or "migrations" in path.parts:
            continue
        offenders += _state_writes(path)
    assert offenders == [], f"Case.state assigned outside wangge/cases/workflow.py: {offenders}"


def test_the_guard_itself_catches_assignments(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "case.state = 'closed'\n"
        "Case.objects.filter(pk=1).update(state='closed')\n"
        "setattr(case, 'state', 'closed')\n"
        "Case(state='closed')\n"
        "Case.objects.bulk_create([c for c in cases if c.state])\n"
        "job.state = 'done'\n"
    )
    assert len(_state_writes(bad)) == 4
