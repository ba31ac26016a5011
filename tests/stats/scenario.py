"""A small, hand-built week of cases whose expected figures are worked out by hand."""

from __future__ import annotations

from tests.conftest import GRID_A, GRID_B
from tests.stats.conftest import at


def build_week(
    report, act, *, resident, worker_a, worker_b, community_staff, operator, between=None
) -> dict:
    cases = {}
    # c1: claimed in 30 min, resolved, confirmed, then answered solved / satisfied: closed on
    # time, solved, satisfied, followed up.
    c1 = report(at(2, 10))
    act(c1, worker_a, "claim", at(2, 10, 30))
    act(c1, worker_a, "resolve", at(2, 11))
    act(c1, resident, "close", at(2, 12))
    act(
        c1,
        resident,
        "rate",
        at(2, 12, 5),
        payload={"solved": "solved", "satisfaction": "satisfied"},
    )
    cases["c1"] = c1
    step = between or (lambda: None)
    step()
    # c2: resolved, answered partly / basically, reopened (返工), resolved again, closed, answered
    # not solved / not satisfied: the latest answer (of the second closure) counts.
    c2 = report(at(2, 14))
    act(c2, worker_a, "claim", at(2, 15))
    act(c2, worker_a, "resolve", at(2, 16))
    act(c2, resident, "rate", at(2, 16, 5), payload={"solved": "partly", "satisfaction": "basic"})
    act(c2, resident, "reopen", at(2, 17))
    act(c2, worker_a, "claim", at(3, 9))
    act(c2, worker_a, "resolve", at(3, 10))
    act(c2, resident, "close", at(3, 11))
    act(
        c2,
        resident,
        "rate",
        at(3, 11, 5),
        payload={"solved": "not_solved", "satisfaction": "not_satisfied"},
    )
    cases["c2"] = c2
    step()
    # c3: suspended (挂账) by the community.
    c3 = report(at(3, 10))
    act(c3, community_staff, "suspend", at(3, 11))
    cases["c3"] = c3
    step()
    # c4: claimed, extension requested and approved; still in progress.
    c4 = report(at(3, 15))
    act(c4, worker_a, "claim", at(3, 16))
    act(c4, worker_a, "extend_request", at(3, 17), payload={"amount": 2, "unit": "working_days"})
    act(c4, community_staff, "extend_approve", at(4, 9))
    cases["c4"] = c4
    step()
    # c5: no point → district triage, then not accepted (不予立案).
    c5 = report(at(3, 16), lat=None, lng=None)
    act(c5, operator, "reject", at(3, 17))
    cases["c5"] = c5
    step()
    # c6: grid B, claimed, then flagged overdue by the sweep: overdue and open.
    c6 = report(at(4, 10), grid_code=GRID_B)
    act(c6, worker_b, "claim", at(4, 11))
    act(c6, None, "overdue", at(10, 10))
    cases["c6"] = c6
    step()
    # c7: resolved long after its deadline, then closed: closed, not on time.
    c7 = report(at(4, 11), grid_code=GRID_A)
    act(c7, worker_a, "claim", at(4, 12))
    act(c7, worker_a, "resolve", at(20, 10))
    act(c7, community_staff, "close", at(20, 11))
    cases["c7"] = c7
    return cases


EXPECTED_DISTRICT = {
    "registered": 7,
    "accepted": 6,
    "due": 5,
    "closed": 3,
    "closed_on_time": 2,
    "suspended": 1,
    "reworked": 1,
    "extended": 1,
    "responded": 5,
    "rated": 2,
    "satisfied": 1,
    "solve_answered": 2,
    "solved": 1,
    "followed_up": 2,
    "open": 2,
    "overdue_open": 1,
    "completion_rate": 0.75,
    "on_time_rate": 0.5,
    "rework_rate": round(1 / 6, 4),
    "extension_rate": round(1 / 6, 4),
    "response_rate": round(5 / 6, 4),
    "response_on_time_rate": 1.0,
    "satisfaction_rate": 0.5,
    "solved_rate": 0.5,
    # c1 and c2 answered among the closed c1, c2, c7.
    "follow_up_rate": round(2 / 3, 4),
}

__all__ = ["EXPECTED_DISTRICT", "GRID_A", "build_week"]
