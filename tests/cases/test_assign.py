"""指派: a supervisor hands a dispatched case to a named worker of its unit — through the
workflow table, with an event, the worker's inbox, the unit rule and the claim race."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import GRID_A, GRID_A2, make_user
from wangge.accounts.models import Role
from wangge.cases.models import Case, CaseEvent
from wangge.cases.workflow import case_transition
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.notify.models import InboxItem


def _inbox(user) -> list[str]:
    return list(InboxItem.objects.filter(user=user).values_list("topic", flat=True))


def _act(api, user, code, action, expect, **body):
    r = api.as_user(user).post(f"/api/v1/cases/{code}/actions/{action}/", body, format="json")
    assert r.status_code == expect, r.data
    return r.data


def test_supervisor_assigns_to_a_worker_of_the_unit(api, submit, resident, worker_a, operator):
    case = submit(resident)
    assert case.state == "dispatched" and case.handling_grid.code == GRID_A
    out = _act(api, operator, case.tracking_code, "assign", 200, assignee=worker_a.username)
    assert out["state"] == "claimed" and out["assignee_name"] == worker_a.display_name
    event = CaseEvent.objects.filter(case=case).last()
    assert event.kind == "assign" and event.actor_id == operator.pk
    assert event.payload["assignee"] == worker_a.username
    assert event.from_state == "dispatched" and event.to_state == "claimed"
    # The worker hears it by name (besides the dispatch every unit member heard).
    assert sorted(_inbox(worker_a)) == ["case.assigned", "case.dispatched"]
    item = InboxItem.objects.get(user=worker_a, topic="case.assigned")
    assert item.payload["tracking_code"] == case.tracking_code
    # The assignee works it from here like a claimer.
    _act(api, worker_a, case.tracking_code, "resolve", 200, reason="已清扫")


def test_another_grids_worker_is_refused_and_nothing_written(
    api, submit, resident, worker_b, community_staff
):
    case = submit(resident)
    before = case.event_count
    out = _act(api, community_staff, case.tracking_code, "assign", 400, assignee=worker_b.username)
    assert out["code"] == "assignee_outside" and "不是该事件处置单位的工作人员" in out["detail"]
    case.refresh_from_db()
    assert case.state == "dispatched" and case.assignee_id is None
    assert case.event_count == before and _inbox(worker_b) == []


def test_bad_names_and_roles_are_refused(api, submit, resident, worker_a, leader, county):
    case = submit(resident)
    code = case.tracking_code
    # Read-only and working roles without supervision may not assign at all.
    assert _act(api, leader, code, "assign", 403, assignee=worker_a.username)
    assert _act(api, worker_a, code, "assign", 403, assignee=worker_a.username)
    # Nobody named, an unknown account, the neighbouring micro-grid's worker, an inactive one.
    sup = make_user("sup_a", Role.COMMUNITY_STAFF, county[GRID_A].parent.parent)
    assert _act(api, sup, code, "assign", 400)["code"] == "assignee_required"
    assert _act(api, sup, code, "assign", 400, assignee="nobody")["code"] == "assignee_outside"
    neighbour = make_user("worker_a2", Role.GRID_WORKER, county[GRID_A2])
    assert _act(api, sup, code, "assign", 400, assignee=neighbour.username)["code"] == (
        "assignee_outside"
    )
    gone = make_user("gone_a", Role.GRID_WORKER, county[GRID_A])
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    assert _act(api, sup, code, "assign", 400, assignee=gone.username)["code"] == (
        "assignee_outside"
    )
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_assign_after_a_claim_says_who_won(submit, resident, worker_a, community_staff, county):
    other = make_user("worker_a2", Role.GRID_WORKER, county[GRID_A])
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    with pytest.raises(Conflict) as exc:
        case_transition(case=case, actor=community_staff, action="assign", assignee=other)
    assert exc.value.code == "already_claimed" and worker_a.display_name in exc.value.message
    # A worker of the unit may claim, not assign (not even to themself).
    fresh = submit(resident, description="另一处碎玻璃")
    with pytest.raises(Forbidden):
        case_transition(case=fresh, actor=other, action="assign", assignee=other)


def test_picker_lists_the_units_workers_only(api, submit, resident, worker_a, worker_b, operator):
    case = submit(resident)
    url = f"/api/v1/cases/{case.tracking_code}/assignees/"
    names = [u["username"] for u in api.as_user(operator).get(url).data]
    assert worker_a.username in names and worker_b.username not in names
    assert api.as_user(operator).get(url, {"q": "zzz"}).data == []
    assert api.as_user(operator).get(url, {"q": worker_a.username[:4]}).data[0]["username"] == (
        worker_a.username
    )
    assert api.as_user(worker_b).get(url).status_code == 404  # another grid: not even seen
    assert api.as_user(worker_a).get(url).status_code == 403  # a worker cannot assign


def test_console_page_picker_and_refusal(submit, resident, worker_a, worker_b, community_staff):
    case = submit(resident)
    client = Client()
    client.force_login(community_staff)
    html = client.get(f"/cases/{case.tracking_code}/").content.decode()
    assert 'data-action="assign"' in html and "data-assignee-picker" in html
    assert f'value="{worker_a.username}"' in html and f'value="{worker_b.username}"' not in html
    r = client.post(f"/cases/{case.tracking_code}/do/assign/", {"assignee": worker_b.username})
    assert r.status_code == 400
    body = r.content.decode()
    assert "不是该事件处置单位的工作人员" in body
    assert f'<option value="{worker_b.username}"' not in body
    r = client.post(
        f"/cases/{case.tracking_code}/do/assign/", {"assignee": worker_a.username, "reason": "就近"}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.assignee_id == worker_a.pk and case.state == "claimed"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_assign_races_claims_one_winner_per_case(county, categories, submit):
    """On PostgreSQL: a supervisor assigning while the grid's workers press 认领 on the same
    cases — every case ends with exactly one owner and one winning event."""
    reporter = make_user("reporter")
    sup = make_user("sup", Role.COMMUNITY_STAFF, county[GRID_A].parent.parent)
    workers = [make_user(f"w{i}", Role.GRID_WORKER, county[GRID_A]) for i in range(3)]
    ids = [submit(reporter, description=f"第{i}处积水").pk for i in range(40)]
    barrier = threading.Barrier(len(workers) + 1)
    wins: dict[int, list[str]] = {pk: [] for pk in ids}
    errors: list[BaseException] = []

    def run(actor, action, kw):
        try:
            barrier.wait()
            for pk in ids:
                try:
                    case_transition(case=Case(pk=pk), actor=actor, action=action, **kw)
                    wins[pk].append(actor.username)
                except Conflict:
                    pass
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w, "claim", {})) for w in workers]
    threads.append(threading.Thread(target=run, args=(sup, "assign", {"assignee": workers[0]})))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(len(w) == 1 for w in wins.values()), wins
    for case in Case.objects.filter(pk__in=ids):
        assert case.state == "claimed"
        kinds = list(case.events.values_list("kind", flat=True))
        assert kinds.count("claim") + kinds.count("assign") == 1


def test_service_refuses_a_missing_worker(submit, resident, community_staff):
    case = submit(resident)
    with pytest.raises(ServiceError) as exc:
        case_transition(case=case, actor=community_staff, action="assign", assignee=None)
    assert exc.value.code == "assignee_required"
