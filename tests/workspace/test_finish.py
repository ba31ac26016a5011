"""Finish: the admin speaks Chinese on django-axes' and the task queue's pages; navigation
offers the new pages to the people who use them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_axes_admin_pages_are_in_chinese(client_for, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    html = client_for(admin_user).get("/admin/axes/accessattempt/").content.decode()
    assert "登录尝试" in html and "access attempt" not in html
    html = client_for(admin_user).get("/admin/axes/accesslog/").content.decode()
    assert "登录日志" in html


@pytest.mark.parametrize(
    ("persona", "present", "absent"),
    [
        ("worker_a", ["care", "journal", "queue"], ["people", "cockpit"]),
        ("community_staff", ["people", "cockpit", "console"], ["care"]),
        ("operator", ["console", "cockpit"], ["people", "care"]),
        ("resident", ["report"], ["people", "care", "cockpit"]),
    ],
)
def test_navigation_offers_the_workspace_by_role(request, client_for, persona, present, absent):
    html = client_for(request.getfixturevalue(persona)).get("/").content.decode()
    for key in present:
        assert f'data-nav="{key}"' in html, key
    for key in absent:
        assert f'data-nav="{key}"' not in html, key


def test_console_and_cockpit_count_overdue_the_same_way(client_for, operator, county):
    from django.utils import timezone

    from tests.conftest import DISTRICT, GRID_A
    from wangge.cases.models import Case, CaseState, workflow_writes

    now = timezone.now()
    grid, root = county[GRID_A], county[DISTRICT]
    # Cases in given states, written directly as the demo loader does (not through intake).
    with workflow_writes():
        for i, state in enumerate(["submitted", "dispatched", "resolved", "closed"]):
            Case.objects.create(
                tracking_code=f"OV{i:06d}",
                title="超期",
                description="超期",
                channel="phone",
                state=state,
                overdue=True,
                event_count=0 if state == "submitted" else 2,
                grid=grid,
                grid_path=grid.path,
                root=root,
                created_at=now,
                updated_at=now,
                closed_at=now if state == CaseState.CLOSED else None,
            )
    html = client_for(operator).get("/console/").content.decode()
    # Not yet closed and past the deadline: the three open ones, not the closed one.
    assert 'data-overdue-open="3"' in html and "与驾驶舱“超期在办”相同" in html
