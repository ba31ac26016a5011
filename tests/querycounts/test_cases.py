"""Case lists and details (REST API): as many queries for 3N rows as for N."""

from __future__ import annotations

import pytest

from tests.querycounts.conftest import MICRO
from wangge.cases.models import Case, Category
from wangge.cases.workflow import case_transition
from wangge.core.pagination import cursor_encode

pytestmark = pytest.mark.django_db


def _results(response) -> int:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return len(body["results"] if isinstance(body, dict) else body)


@pytest.mark.parametrize("who", ["operator", "community_staff", "worker_a"])
def test_case_list_is_flat(request, api, flat, make_cases, resident, who):
    user = request.getfixturevalue(who)
    api.as_user(user)
    make_cases(2, actor=resident, codes=MICRO if who == "worker_a" else ("E0104", "C0403", "E0101"))
    flat(
        lambda: api.get("/api/v1/cases/"),
        lambda: make_cases(
            4, actor=resident, codes=MICRO if who == "worker_a" else ("E0104", "C0403", "E0101")
        ),
        budget=8,
        rows=_results,
    )


def test_case_list_of_a_department_is_flat(api, flat, make_cases, resident, handler, departments):
    api.as_user(handler)
    make_cases(2, actor=resident, codes=("E0101",))
    flat(
        lambda: api.get("/api/v1/cases/"),
        lambda: make_cases(4, actor=resident, codes=("E0101",)),
        budget=8,
        rows=_results,
    )


def test_my_cases_is_flat(api, flat, make_cases, resident, worker_a):
    """居民“我反映的”: each case's public replies came with one query per case (206 for 200)."""
    api.as_user(resident)
    cases = make_cases(2, actor=resident, codes=MICRO, grids=("350427001001001001",))

    def reply_to(batch):
        for case in batch:
            case_transition(case=case, actor=worker_a, action="claim")
            case_transition(case=case, actor=worker_a, action="reply", reason="已安排保洁")

    reply_to(cases)

    def grow():
        reply_to(make_cases(4, actor=resident, codes=MICRO, grids=("350427001001001001",)))

    body = flat(lambda: api.get("/api/v1/cases/mine/"), grow, budget=6, rows=_results)
    assert all(r["replies"] for r in body.json())


def test_case_detail_is_flat_in_its_events(api, flat, make_cases, resident, worker_a):
    case = make_cases(1, actor=resident, codes=MICRO, grids=("350427001001001001",))[0]
    case_transition(case=case, actor=worker_a, action="claim")
    api.as_user(worker_a)

    def note(n):
        for i in range(n):
            case_transition(case=case, actor=worker_a, action="comment", reason=f"第{i}次联系物业")
            case_transition(case=case, actor=worker_a, action="reply", reason=f"进展{i}")

    note(2)
    flat(
        lambda: api.get(f"/api/v1/cases/{case.tracking_code}/"),
        lambda: note(6),
        budget=14,
        rows=lambda r: sum(e["kind"] in ("comment", "reply") for e in r.json()["timeline"]),
    )


def test_public_case_is_flat_in_its_replies(api, flat, make_cases, resident, worker_a):
    case = make_cases(1, actor=resident, codes=MICRO, grids=("350427001001001001",))[0]
    case_transition(case=case, actor=worker_a, action="claim")

    def reply(n):
        for i in range(n):
            case_transition(case=case, actor=worker_a, action="reply", reason=f"进展{i}")

    reply(2)
    flat(
        lambda: api.get(f"/api/v1/cases/public/{case.tracking_code}/"),
        lambda: reply(4),
        budget=4,
        rows=lambda r: len(r.json()["replies"]) if r.status_code == 200 else 0,
    )


def test_category_list_is_flat(api, flat, categories):
    majors = list(Category.objects.filter(parent=None)[:3])

    def add(n):
        for i in range(n):
            parent = majors[i % len(majors)]
            Category.objects.create(
                code=f"{parent.code}{99 - i // len(majors):02d}",
                name=f"新增类别{i}",
                parent=parent,
                kind=parent.kind,
                handling_level=4,
            )

    before = Category.objects.filter(is_active=True).count()
    flat(
        lambda: api.get("/api/v1/case-categories/"),
        lambda: add(2 * before),
        budget=2,
        rows=lambda r: len(r.json()),
    )


def test_case_list_next_page_is_flat(api, flat, make_cases, resident, operator):
    """A page reached by cursor: the same queries however many cases there are."""
    api.as_user(operator)
    make_cases(4, actor=resident, photo=False)

    def second_page():
        # Everything after the newest case, by the cursor its first page links to.
        newest = Case.objects.order_by("-created_at", "-id").values_list("created_at", "id")[0]
        return api.get(f"/api/v1/cases/?limit=200&cursor={cursor_encode(newest)}")

    first = api.get("/api/v1/cases/?limit=1").json()["next"]
    assert cursor_encode(Case.objects.values_list("created_at", "id").first()) in first
    flat(
        second_page,
        lambda: make_cases(9, actor=resident, photo=False),
        budget=8,
        rows=_results,
    )
