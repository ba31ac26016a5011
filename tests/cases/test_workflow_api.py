"""The case loop through the API, as each persona, with the side paths and refusals."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, DISTRICT, GRID_A, GRID_A2, ZONE_A, grid_centre
from wangge.cases.models import Case, CaseEvent, CaseFeedback, ExtensionRequest


@pytest.fixture
def report(api, county, categories, resident):
    """The resident reports glass at building 16 in grid A through the API; returns the code."""

    def _report(**extra):
        lat, lng = grid_centre(county[GRID_A])
        body = {
            "description": "小区16号楼楼下掉了一地的碎玻璃渣儿",
            "lat": lat,
            "lng": lng,
            "category_code": "E0104",
            "contact_phone": "13812345678",
            **extra,
        }
        r = api.as_user(resident).post("/api/v1/cases/", body, format="json")
        assert r.status_code == 201, r.data
        return r.data["tracking_code"]

    return _report


def act(api, user, code, action, expect=200, **body):
    r = api.as_user(user).post(f"/api/v1/cases/{code}/actions/{action}/", body, format="json")
    assert r.status_code == expect, r.data
    return r.data


def test_full_loop(api, report, resident, worker_a, community_staff):
    code = report()
    detail = api.as_user(worker_a).get(f"/api/v1/cases/{code}/").data
    assert detail["state"] == "dispatched" and detail["handling_unit"]["code"] == GRID_A
    assert "claim" in detail["allowed_actions"]
    assert detail["contact_phone"] == "138****5678"  # masked for staff

    claimable = api.as_user(worker_a).get("/api/v1/cases/?claimable=1").data["results"]
    assert [c["tracking_code"] for c in claimable] == [code]
    act(api, worker_a, code, "claim")
    act(api, worker_a, code, "resolve", reason="已清扫干净，并提醒物业加装防护网")
    mine = api.as_user(resident).get("/api/v1/cases/mine/").data
    assert mine[0]["public_status"] == "answered"
    # One answer confirms and rates: 问题解决了吗？对处理满意吗？
    answer = {"solved": "solved", "satisfaction": "satisfied", "comment": "很快"}
    out = act(api, resident, code, "rate", payload=answer)
    assert out["state"] == "closed" and out["open311_status"] == "closed"
    assert CaseFeedback.objects.get().satisfaction == "satisfied"
    kinds = [e["kind"] for e in out["timeline"]]
    assert kinds == ["submit", "accept", "claim", "resolve", "rate", "close"]
    # Once per closure.
    act(api, resident, code, "rate", expect=409, payload=answer)
    public = api.get(f"/api/v1/cases/public/{code}/").data
    assert public["public_status"] == "done"
    assert "已清扫干净" in public["replies"][0]["text"]
    assert "contact_phone" not in public and "lat" not in public


def test_claim_twice_says_who_won(api, report, worker_a, county):
    from tests.conftest import make_user
    from wangge.accounts.models import Role

    colleague = make_user("colleague", Role.GRID_WORKER, county[GRID_A])
    code = report()
    act(api, worker_a, code, "claim")
    r = api.as_user(colleague).post(f"/api/v1/cases/{code}/actions/claim/", {}, format="json")
    assert r.status_code == 409 and "已被 worker_a 认领" in r.data["detail"]


def test_escalate_two_levels(api, report, worker_a, community_staff, county):
    code = report()
    act(api, worker_a, code, "claim")
    out = act(api, worker_a, code, "escalate", reason="需要片区协调物业")
    assert out["handling_unit"]["code"] == ZONE_A and out["state"] == "dispatched"
    assert out["assignee_name"] is None
    out = act(api, community_staff, code, "escalate", reason="涉及多个片区")
    assert out["handling_unit"]["code"] == COMMUNITY_A and out["escalation_count"] == 2
    act(api, community_staff, code, "claim")  # the community is now the unit


def test_return_to_triage_then_operator_dispatches(api, report, handler, operator, county):
    code = report(category_code="A0205", description="电动车车棚顶漏雨")  # owned by 城管
    act(api, handler, code, "claim")
    out = act(api, handler, code, "return", reason="车棚属小区物业，不属城管")
    assert out["state"] == "submitted" and out["handling_unit"]["code"] == DISTRICT
    # The handler no longer sees it; the operator triages it to the grid.
    assert api.as_user(handler).get(f"/api/v1/cases/{code}/").status_code == 404
    out = act(api, operator, code, "accept", target_grid=GRID_A2)
    assert out["handling_unit"]["code"] == GRID_A2


def test_transfer_between_grids(api, report, operator, worker_a):
    code = report()
    out = act(api, operator, code, "transfer", reason="位置在相邻网格", target_grid=GRID_A2)
    assert out["handling_unit"]["code"] == GRID_A2
    r = api.as_user(worker_a).post(f"/api/v1/cases/{code}/actions/claim/", {}, format="json")
    assert r.status_code == 403


def test_suspend_explains_to_the_resident_then_resume(api, report, community_staff):
    code = report()
    act(api, community_staff, code, "suspend", reason="需列入明年旧改计划，届时统一维修")
    public = api.get(f"/api/v1/cases/public/{code}/").data
    assert public["public_status"] == "suspended" and public["open311_status"] == "open"
    assert "旧改计划" in public["replies"][-1]["text"]
    out = act(api, community_staff, code, "resume")
    assert out["state"] == "dispatched"


def test_reopen_counts_rework(api, report, resident, worker_a):
    code = report()
    act(api, worker_a, code, "claim")
    act(api, worker_a, code, "resolve", reason="已清理")
    out = act(api, resident, code, "reopen", reason="还有玻璃渣没扫干净")
    assert out["state"] == "dispatched" and out["rework_count"] == 1
    act(api, worker_a, code, "claim")


def test_merge_a_duplicate(api, report, operator):
    first = report()
    second = report(description="16号楼下面好多碎玻璃")
    detail = api.as_user(operator).get(f"/api/v1/cases/{second}/").data
    assert detail["duplicate_candidates"][0]["tracking_code"] == first
    out = act(api, operator, second, "merge", merge_into=first)
    assert out["state"] == "merged" and out["merged_into"] == first


def test_extension_request_and_approval(api, report, worker_a, community_staff):
    code = report()
    act(api, worker_a, code, "claim")
    before = Case.objects.get(tracking_code=code).resolve_by
    act(api, worker_a, code, "extend_request", reason="需等配件", payload={"amount": 2})
    act(api, worker_a, code, "extend_request", expect=409, reason="再申请", payload={"amount": 1})
    out = act(api, community_staff, code, "extend_approve")
    case = Case.objects.get(tracking_code=code)
    assert case.resolve_by > before and out["extension_count"] == 1
    assert ExtensionRequest.objects.get().status == "approved"


@pytest.mark.parametrize(
    ("who", "action", "body", "status"),
    [
        ("resident", "claim", {}, 403),  # residents do not claim
        ("leader", "claim", {}, 403),  # leaders only watch
        ("worker_a", "close", {}, 403),  # grid worker cannot close (not theirs to verify)
        ("worker_a", "resolve", {}, 403),  # only the assignee resolves
        ("worker_a", "fly", {}, 404),  # unknown action
        ("operator", "reject", {}, 409),  # already dispatched: reject only from submitted
        ("worker_b", "claim", {}, 404),  # another grid: indistinguishable from nonexistent
    ],
)
def test_refusals_write_nothing(
    api, report, resident, leader, worker_a, worker_b, operator, who, action, body, status
):
    code = report()
    user = {"resident": resident, "leader": leader, "worker_a": worker_a}.get(who)
    user = user or {"worker_b": worker_b, "operator": operator}[who]
    before = CaseEvent.objects.count(), Case.objects.get(tracking_code=code).version
    act(api, user, code, action, expect=status, **body)
    assert (CaseEvent.objects.count(), Case.objects.get(tracking_code=code).version) == before


def test_reason_is_required_where_the_table_says(api, report, worker_a):
    code = report()
    act(api, worker_a, code, "claim")
    r = api.as_user(worker_a).post(f"/api/v1/cases/{code}/actions/resolve/", {}, format="json")
    assert r.status_code == 400 and "理由" in r.data["detail"]


def test_answer_must_say_solved_and_satisfied(api, report, resident, worker_a):
    code = report()
    act(api, worker_a, code, "claim")
    act(api, worker_a, code, "resolve", reason="好了")
    act(api, resident, code, "rate", expect=400, payload={"score": 9})
    act(api, resident, code, "rate", expect=400, payload={"solved": "solved"})
    assert not CaseFeedback.objects.exists()
    assert Case.objects.get().state == "resolved"
