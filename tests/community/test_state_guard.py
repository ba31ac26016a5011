"""Only `order_transition` changes an order's state: the source says so, and at run time the
model and its queryset refuse any other write."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import time_machine

import wangge
from wangge.community.models import ServiceOrder

ROOT = Path(wangge.__file__).parent
WORKFLOW = ROOT / "community" / "workflow.py"


def _order_state_writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        text = ast.unparse(node)
        if "order" not in text.lower():
            continue
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and t.attr == "state":
                    found.append(f"{path.name}:{node.lineno}")
        elif isinstance(node, ast.Call) and any(k.arg == "state" for k in node.keywords):
            name = ast.unparse(node.func)
            if "ServiceOrder" in name or (name.endswith(("update", "create")) and "Order" in text):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_only_the_workflow_assigns_order_state():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path == WORKFLOW or "migrations" in path.parts:
            continue
        offenders += _order_state_writes(path)
    assert offenders == [], (
        f"ServiceOrder.state assigned outside community/workflow.py: {offenders}"
    )


def test_the_detector_detects(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "order.state = 'closed'\n"
        "ServiceOrder.objects.filter(pk=1).update(state='closed')\n"
        "ServiceOrder(state='closed')\n"
        "job.state = 'done'\n"
    )
    assert len(_order_state_writes(bad)) == 3


@time_machine.travel("2026-11-17T09:30:00+08:00", tick=False)
def test_runtime_refuses_other_writes(zhao, catalogue):
    from wangge.community.services import order_place

    order = order_place(actor=zhao, item=catalogue["理发"], description="理发")
    with pytest.raises(RuntimeError):
        ServiceOrder.objects.filter(pk=order.pk).update(state="closed")
    order.state = "closed"
    with pytest.raises(RuntimeError):
        order.save()
    assert ServiceOrder.objects.get(pk=order.pk).state == "ordered"
