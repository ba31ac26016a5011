"""Each action's effect on its own: a pure function of the case and a MoveInput.

The rows here are built in memory and never saved; every effect runs under
`django_assert_num_queries(0)`, which is what "pure" means for them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wangge.accounts.models import User
from wangge.cases import effects
from wangge.cases.effects import EFFECTS, Effect, MoveInput
from wangge.cases.models import Case, Category, ExtensionRequest
from wangge.cases.sla import deadline
from wangge.cases.workflow import ACTIONS
from wangge.core.api import Conflict, ServiceError
from wangge.grids.models import Department, Grid, GridLevel

# A Thursday morning in Beijing time (01:30 UTC), a working day.
NOW = datetime(2026, 11, 19, 1, 30, tzinfo=UTC)


@pytest.fixture
def tree():
    district = Grid(pk=1, code="350427", name="沙溪区", level=GridLevel.DISTRICT, path="1/")
    street = Grid(
        pk=2, code="350427001", name="凤岗街道", level=GridLevel.STREET, path="1/2/",
        parent=district, root=district,
    )  # fmt: skip
    micro_a = Grid(
        pk=3, code="350427001001001001", name="怡园一网格", level=GridLevel.MICRO,
        path="1/2/3/", parent=street, root=district,
    )  # fmt: skip
    micro_b = Grid(
        pk=4, code="350427001002001001", name="府前一网格", level=GridLevel.MICRO,
        path="1/2/4/", parent=street, root=district,
    )  # fmt: skip
    elsewhere = Grid(pk=9, code="350428", name="邻县", level=GridLevel.DISTRICT, path="9/")
    water = Department(pk=7, code="water", name="自来水公司", service_area=district)
    return {"district": district, "street": street, "a": micro_a, "b": micro_b,
            "elsewhere": elsewhere, "water": water}  # fmt: skip


@pytest.fixture
def category():
    return Category(
        pk=11, code="E0104", name="道路不洁", response_limit=2, response_unit="working_hours",
        handling_limit=1, handling_unit="working_days", urgent=False,
    )  # fmt: skip


@pytest.fixture
def case(tree, category):
    return Case(
        pk=100, tracking_code="ABCDEFGH", channel="patrol", state="dispatched",
        category=category, root=tree["district"], grid=tree["a"], grid_path=tree["a"].path,
        handling_grid=tree["a"], unit_path=tree["a"].path, created_at=NOW, updated_at=NOW,
        reporter_id=5,
    )  # fmt: skip


@pytest.fixture
def worker():
    return User(pk=5, username="worker_a", display_name="王网格员")


@pytest.fixture
def pure(db, django_assert_num_queries, settings):
    """run(action, case, **input) → the Effect, asserting no query is made."""
    # The calendar is loaded once here; the caches' periodic stamp checks (every few seconds)
    # are not the effect's doing, and a slow machine can pass that mark mid-test.
    settings.CONFIG_CHECK_SECONDS = settings.WORKCAL_CHECK_SECONDS = 3600
    deadline(NOW, 1, "working_days")  # load the working-time calendar once

    def run(action: str, case: Case, **kw) -> Effect:
        with django_assert_num_queries(0):
            return EFFECTS[action](case, MoveInput(now=kw.pop("now", NOW), **kw))

    return run


def test_every_action_of_the_table_has_an_effect():
    assert set(EFFECTS) == set(ACTIONS)


def test_accept_sends_to_the_unit_with_deadlines_and_names_it(pure, case, tree, category):
    case.state, case.handling_grid, case.unit_path = "submitted", None, ""
    e = pure("accept", case, actor=None, target_grid=tree["a"], co_departments=(tree["water"],))
    assert e.changes["handling_grid"] is tree["a"] and e.changes["unit_path"] == "1/2/3/"
    assert e.changes["assignee"] is None and e.changes["dispatched_at"] == NOW
    assert e.changes["respond_by"] == deadline(NOW, 2, "working_hours")
    assert e.changes["resolve_by"] == deadline(NOW, 1, "working_days")
    assert e.payload == {
        "to_unit": tree["a"].code,
        "to_unit_name": "怡园一网格",
        "co_departments": ["water"],
    }
    assert e.co_departments == [tree["water"]]
    assert "state" not in e.changes  # the table sets the state, not the effect


def test_accept_of_an_unlocated_case_places_it_and_a_hotline_deadline_stands(pure, case, tree):
    case.state, case.grid, case.grid_path = "submitted", None, tree["district"].path
    due = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    e = pure("accept", case, actor=None, target_grid=tree["b"], deadline_override=due)
    assert e.changes["grid"] is tree["b"] and e.changes["grid_path"] == tree["b"].path
    assert e.changes["resolve_by"] == due


@pytest.mark.parametrize(
    ("targets", "code"),
    [({}, "target_required"), ({"target_grid": "a", "target_department": "water"},
      "target_ambiguous"), ({"target_grid": "elsewhere"}, "target_outside")],
)  # fmt: skip
def test_accept_refuses_bad_targets(pure, case, tree, targets, code):
    case.state = "submitted"
    with pytest.raises(ServiceError) as exc:
        pure("accept", case, actor=None, **{k: tree[v] for k, v in targets.items()})
    assert exc.value.code == code


def test_accept_needs_a_category(pure, case, tree):
    case.category = None
    with pytest.raises(ServiceError) as exc:
        pure("accept", case, actor=None, target_grid=tree["a"])
    assert exc.value.code == "category_required"


def test_claim_resolve_close(pure, case, worker):
    assert pure("claim", case, actor=worker).changes == {"assignee": worker, "claimed_at": NOW}
    assert pure("resolve", case, actor=worker).changes == {"resolved_at": NOW}
    assert pure("close", case, actor=None).changes == {"closed_at": NOW}
    assert pure("reject", case, actor=None).changes == {"closed_at": NOW}


def test_escalate_keeps_the_handling_deadline_and_counts(pure, case, tree):
    case.resolve_by = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    e = pure("escalate", case, actor=None, target_grid=tree["street"])
    assert e.changes["handling_grid"] is tree["street"]
    assert e.changes["escalation_count"] == 1 and "resolve_by" not in e.changes
    assert e.payload == {"to_unit": "350427001", "to_unit_name": "凤岗街道",
                         "from_unit": "怡园一网格"}  # fmt: skip
    with pytest.raises(Conflict) as exc:
        pure("escalate", case, actor=None, target_grid=None)
    assert exc.value.code == "top_level"


def test_transfer_to_the_same_unit_is_refused(pure, case, tree):
    with pytest.raises(ServiceError) as exc:
        pure("transfer", case, actor=None, target_grid=tree["a"])
    assert exc.value.code == "target_same"
    e = pure("transfer", case, actor=None, target_department=tree["water"])
    assert e.changes["handling_department"] is tree["water"] and e.changes["unit_path"] == ""
    assert e.payload["to_unit_name"] == "自来水公司" and e.payload["from_unit"] == "怡园一网格"


def test_return_goes_to_the_district_triage(pure, case, tree, worker):
    case.assignee = worker
    e = pure("return", case, actor=worker)
    assert e.changes["handling_grid"] is tree["district"] and e.changes["assignee"] is None
    assert e.changes["respond_by"] is None and e.payload == {"from_unit": "怡园一网格"}


def test_suspend_keeps_the_assignee_resume_restarts_the_clock(pure, case, worker):
    case.state, case.assignee = "claimed", worker
    e = pure("suspend", case, actor=None)
    assert e.changes == {"respond_by": None}  # the assignee stays
    case.state = "suspended"
    e = pure("resume", case, actor=None)
    assert e.changes["assignee"] is None and e.changes["resolve_by"] > NOW


def test_reopen_counts_rework_and_clears_the_result(pure, case):
    case.state, case.rework_count = "closed", 1
    e = pure("reopen", case, actor=None)
    assert e.changes["rework_count"] == 2
    assert e.changes["resolved_at"] is None and e.changes["closed_at"] is None
    assert e.changes["dispatched_at"] == NOW


def test_merge(pure, case, tree):
    other = Case(pk=101, tracking_code="HGFEDCBA", state="dispatched", root=tree["district"])
    e = pure("merge", case, actor=None, merge_into=other)
    assert e.changes == {"merged_into": other, "closed_at": NOW}
    assert e.payload == {"merged_into": "HGFEDCBA"}
    with pytest.raises(ServiceError):
        pure("merge", case, actor=None, merge_into=case)
    other.state = "merged"
    with pytest.raises(Conflict):
        pure("merge", case, actor=None, merge_into=other)


def test_settle_on_spot_only_own_patrol(pure, case, worker):
    e = pure("settle_on_spot", case, actor=worker)
    assert e.changes == {"assignee": worker, "claimed_at": NOW, "resolved_at": NOW,
                         "closed_at": NOW}  # fmt: skip
    case.channel = "h5"
    with pytest.raises(Conflict):
        pure("settle_on_spot", case, actor=worker)


def test_extension_request_then_decision(pure, case, worker):
    e = pure("extend_request", case, actor=worker, reason="等配件",
             payload={"amount": 2, "unit": "working_days"})  # fmt: skip
    req = e.extension_request
    assert (req.amount, req.unit, req.requested_by, req.created_at) == (
        2.0, "working_days", worker, NOW)  # fmt: skip
    with pytest.raises(Conflict):
        pure("extend_request", case, actor=worker, payload={"amount": 1},
             pending_extension=req)  # fmt: skip
    with pytest.raises(ServiceError):
        pure("extend_request", case, actor=worker, payload={"amount": 0})
    req.pk = 3
    case.resolve_by = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    e = pure("extend_approve", case, actor=None, pending_extension=req)
    assert e.changes["resolve_by"] == deadline(case.resolve_by, 2, "working_days")
    assert e.changes["extension_count"] == 1 and e.changes["overdue"] is False
    assert e.extension_decision.status == ExtensionRequest.Status.APPROVED
    assert e.payload["request_id"] == 3
    e = pure("extend_reject", case, actor=None, pending_extension=req)
    assert e.changes == {} and e.extension_decision.status == ExtensionRequest.Status.REJECTED
    with pytest.raises(Conflict):
        pure("extend_approve", case, actor=None)


@pytest.mark.parametrize("score", [0, 6, "5", True, None])
def test_rate_refuses_bad_scores(pure, case, score):
    with pytest.raises(ServiceError):
        pure("rate", case, actor=None, payload={"score": score})


def test_answer_makes_a_feedback_row_once_per_closure(pure, case, worker):
    answer = {"solved": "partly", "satisfaction": "basic", "comment": "太慢"}
    e = pure("follow_up", case, actor=worker, payload=answer)
    assert {k: e.payload[k] for k in answer} == answer and e.payload["closure"] == 1
    assert (e.feedback.closure, e.feedback.solved, e.feedback.actor) == (1, "partly", worker)
    with pytest.raises(ServiceError):
        pure("rate", case, actor=worker, payload={"score": 2})
    with pytest.raises(Conflict):
        pure("rate", case, actor=worker, payload=answer, closure_answered=True)


def test_urge_overdue_and_the_quiet_ones(pure, case):
    case.urge_count = 2
    assert pure("urge", case, actor=None).changes == {"urge_count": 3}
    assert pure("overdue", case, actor=None).changes == {"overdue": True}
    case.overdue = True
    with pytest.raises(Conflict):
        pure("overdue", case, actor=None)
    for action in ("comment", "reply"):
        assert pure(action, case, actor=None) == Effect()


def test_effects_do_not_touch_their_inputs(pure, case, tree):
    before = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
    payload = {"note": "x"}
    pure("transfer", case, actor=None, target_grid=tree["b"], payload=payload)
    assert {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields} == before
    assert payload == {"note": "x"}


def test_default_limits_without_a_category():
    assert effects.limits(None) == effects.DEFAULT_LIMITS


def test_the_model_knows_every_column_an_effect_moves(pure, case, tree, worker, category):
    """`Case.save()` leaves these alone outside the workflow: the list must stay complete."""
    from wangge.cases.models import EFFECT_FIELDS

    moved: set[str] = set()
    target = Case(pk=7, tracking_code="X", state="submitted", root=tree["district"])
    pending = ExtensionRequest(pk=1, amount=1, unit="working_days")
    calls = {
        "accept": {"target_grid": tree["b"], "category": category},
        "escalate": {"target_grid": tree["street"]},
        "transfer": {"target_grid": tree["b"]},
        "merge": {"merge_into": target},
        "extend_request": {"payload": {"amount": 1}},
        "extend_approve": {"pending_extension": pending},
        "extend_reject": {"pending_extension": pending},
        "rate": {"payload": {"solved": "solved", "satisfaction": "satisfied"}},
        "follow_up": {"payload": {"solved": "solved", "satisfaction": "satisfied"}},
        "recategorize": {"category": Category(pk=99999, code="E0199", name="其他")},
        "assign": {"assignee": worker},
        "prioritize": {"payload": {"priority": 2}},
    }
    case.grid = None
    for action in EFFECTS:
        moved |= set(pure(action, case, actor=worker, **calls.get(action, {})).changes)
    assert moved <= EFFECT_FIELDS
    assert moved == EFFECT_FIELDS
