"""Navigation follows roles: each person is offered their own pages and no one else's."""

from __future__ import annotations

import pytest
from django.test import Client


def _nav(user) -> tuple[str, str]:
    client = Client()
    if user is not None:
        client.force_login(user)
    html = client.get("/").content.decode()
    return html, client


@pytest.mark.django_db
def test_visitor_is_offered_staff_sign_in_and_no_staff_pages(county):
    html, _ = _nav(None)
    assert 'data-tile="login"' in html
    assert 'data-nav="map"' not in html
    assert 'data-tile="admin"' not in html


@pytest.mark.django_db
def test_resident_gets_no_staff_pages(resident):
    html, client = _nav(resident)
    assert 'data-nav="map"' not in html
    assert 'data-tile="admin"' not in html
    assert client.get("/console/map/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["worker_a", "community_staff", "operator", "leader"])
def test_grid_roles_get_the_map(request, persona):
    html, _ = _nav(request.getfixturevalue(persona))
    assert 'data-nav="map"' in html
    assert 'data-tile="admin"' not in html


@pytest.mark.django_db
def test_administrator_gets_the_admin_link(admin_user):
    html, _ = _nav(admin_user)
    assert 'data-tile="admin"' in html
    assert 'href="/admin/"' in html


@pytest.mark.django_db
def test_department_handler_has_no_grid_map(handler):
    # A handler's scope is their department's service area for cases, not grid management.
    html, client = _nav(handler)
    assert 'data-nav="map"' not in html
    assert client.get("/console/map/").status_code == 403


@pytest.mark.browser
def test_nav_in_the_browser_differs_by_role(browser_factory, worker_a, admin_user, resident):
    from tools.browser import DESKTOP

    worker = browser_factory(DESKTOP)
    worker.log_in(worker_a)
    assert worker.page.locator(".mainnav [data-nav=map]").is_visible()
    assert worker.page.locator("[data-tile=admin]").count() == 0

    admin = browser_factory(DESKTOP)
    admin.log_in(admin_user)
    assert admin.page.locator("[data-tile=admin]").is_visible()

    person = browser_factory()
    person.log_in(resident)
    assert person.page.locator("[data-nav=map]").count() == 0
