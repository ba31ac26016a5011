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
