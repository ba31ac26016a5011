"""The case answers (wangge.cases.api) render as the REST framework's own loop renders them:
`FieldsOnce`'s plain-field path changes nothing a client reads."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from tests.conftest import GRID_B
from wangge.cases.api import CaseDetailOut, CaseOut, EventOut, PublicCaseOut
from wangge.cases.selectors import case_events
from wangge.cases.workflow import case_transition


def _stock(serializer: serializers.Serializer, instance) -> dict:
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.fixture
def cases(submit, resident, operator, worker_a):
    reported = submit(resident, contact_name="王明", contact_phone="13800138000")
    anonymous = submit(None, GRID_B, anonymous=True, category_code="", description="路灯不亮")
    claimed = submit(resident, description="井盖松动")
    case_transition(case=claimed, actor=worker_a, action="claim")
    return [reported, anonymous, claimed]


@pytest.mark.parametrize("staff", [True, False])
def test_case_answers_are_the_frameworks(cases, resident, operator, staff):
    for case in cases:
        ctx = {"user": operator if staff else resident, "staff": staff}
        for out in (CaseDetailOut, CaseOut):
            assert out(case, context=ctx).data == _stock(out(case, context=ctx), case)
        assert PublicCaseOut(case).data == _stock(PublicCaseOut(case), case)
        for event in case_events(case):
            assert EventOut(event).data == _stock(EventOut(event), event)


def test_a_list_renders_each_case_as_alone(cases, operator):
    ctx = {"user": operator, "staff": True}
    assert CaseOut(cases, many=True, context=ctx).data == [
        _stock(CaseOut(c, context=ctx), c) for c in cases
    ]


def test_a_case_just_written_answers_its_departments_without_a_read(
    cases, django_assert_num_queries
):
    """`case_prefetched` attaches the co-handling departments: none (an empty set that stays
    empty whatever is asked of it) or the ones written, and reading them costs no query."""
    from wangge.cases.selectors import case_prefetched
    from wangge.grids.models import Department, DepartmentKind

    case = cases[0]
    department = Department.objects.create(
        code="cg-test", name="城管", kind=DepartmentKind.values[0], service_area=case.grid
    )
    case_prefetched(case, co_departments=[], events=[])
    with django_assert_num_queries(0):
        assert list(case.co_departments.all()) == []
        assert not case.co_departments.filter(code="cg-test").exists()
        assert CaseDetailOut().get_co_departments(case) == []
    case_prefetched(case, co_departments=[department], events=[])
    with django_assert_num_queries(0):
        assert CaseDetailOut().get_co_departments(case) == [{"code": "cg-test", "name": "城管"}]
