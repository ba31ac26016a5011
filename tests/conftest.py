"""Shared fixtures: a small county and named personas, built through the real services.

Personas (as in the demo): `worker_a` works micro-grid A in 怡园社区, `worker_b` works
micro-grid B in 府前社区, `community_staff` supervises 怡园社区, `operator` runs the district
centre, `leader` watches, `handler` works for 城管, `admin_user` configures, `resident` reports.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from wangge.accounts.models import Role
from wangge.accounts.services import role_grant, user_create
from wangge.grids.locator import locator
from wangge.grids.models import Department, DepartmentKind, Grid
from wangge.grids.services import grid_tree_import
from wangge.grids.synth import Shape, generate_county

# The Playwright harness (phone, desktop, browser_factory): one driver per test process.
pytest_plugins = ["tests.browser"]

PASSWORD = "Correct-Horse-42-battery"
DISTRICT = "350427"
STREET = "350427001"
COMMUNITY_A = "350427001001"  # 怡园社区
COMMUNITY_B = "350427001002"  # 府前社区
ZONE_A = "350427001001001"
GRID_A = "350427001001001001"
GRID_A2 = "350427001001001002"
GRID_B = "350427001002001001"
# 2 streets × 2 communities × 2 zones × 2 micro-grids, in a row west→east.
TEST_SHAPE = Shape(street=(2, 1), community=(2, 1), zone=(2, 1), micro=(2, 1), cell_m=200.0)


# The suite passes at any moment. `--clock=ISO` (or WANGGE_TEST_CLOCK) moves "now" for every
# test to that moment, the clock then running on, so CI can run the whole suite a second time
# at an awkward instant (New Year's Eve at 23:59 in Asia/Shanghai, the eve of Spring Festival).
# Tests that need a particular moment still pin their own, inside this one.
CLOCK_ENV = "WANGGE_TEST_CLOCK"


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=os.environ.get(CLOCK_ENV) or None,
        help=f"ISO 8601 moment with zone that every test starts at (env {CLOCK_ENV})",
    )


def pytest_configure(config):
    value = config.getoption("--clock")
    if value:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise pytest.UsageError(f"--clock needs a zone offset, e.g. {value}+08:00")
        config._wangge_clock = moment


def pytest_report_header(config):
    moment = getattr(config, "_wangge_clock", None)
    return f"wangge clock: every test starts at {moment.isoformat()}" if moment else None


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the test database is a file of this test process, never `:memory:`.

    With an in-memory database the live server's threads and the test share one connection
    object, so a request still running when the next test sets up (a page's poll, a form
    posted as a context closes) interleaves with the test's own statements on that connection
    and can leave it half inside a transaction. With a file each thread has its own connection,
    as the web process and the worker have in production.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(autouse=True)
def _suite_clock(request):
    moment = getattr(request.config, "_wangge_clock", None)
    if moment is None:
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    vendor = connection.vendor
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(
                    reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (make test does)"
                )
            )
        if "browser" in item.keywords and not shutil.which("chromium"):
            if os.environ.get("CI") == "true":
                # In CI a missing browser is a failure, never a silent skip.
                raise pytest.UsageError("CI=true but chromium is missing (.ci/run installs it)")
            item.add_marker(
                pytest.mark.skip(reason="needs Debian's chromium: apt-get install chromium")
            )


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Rate-limit counters live in the database cache table, which a flush does not empty."""
    yield
    used_db = {"_django_db_helper", "db", "transactional_db"} & set(request.fixturenames)
    if used_db:
        from django.core.cache import cache

        with request.getfixturevalue("django_db_blocker").unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_locator():
    # Each test has its own database contents: never reuse an index built for another test.
    locator._index = None
    locator.invalidate()
    yield
    locator._index = None


@pytest.fixture(autouse=True)
def _fresh_config():
    # Each test has its own database contents: the per-process settings copies, the tokens kept
    # and the case ids taken ahead belong to the test that loaded them (a rollback reuses
    # version numbers).
    from wangge.accounts.tokencache import token_cache
    from wangge.cases.services import case_ids
    from wangge.core.config import config_cache

    config_cache.invalidate()
    token_cache.invalidate()
    case_ids.discard()
    yield
    config_cache.invalidate()
    token_cache.invalidate()
    case_ids.discard()


@pytest.fixture
def local_cache(settings, request):
    """A per-test in-process cache instead of the shared database cache.

    Query-count tests count the view's own queries: the throttles' counters live in whatever
    cache is configured (no database queries at all with Redis), and tests/hardening tests them
    in the shared database cache.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def county(db):
    result = grid_tree_import(actor=None, collection=generate_county(shape=TEST_SHAPE))
    assert result.ok, result.rejects
    return {g.code: g for g in Grid.objects.all()}


@pytest.fixture
def departments(county):
    return {
        "chengguan": Department.objects.create(
            code="chengguan",
            name="区城市管理局",
            kind=DepartmentKind.CHENGGUAN,
            service_area=county[DISTRICT],
        ),
        "water": Department.objects.create(
            code="water",
            name="自来水公司",
            kind=DepartmentKind.WATER,
            service_area=county[DISTRICT],
        ),
    }


def make_user(username: str, role: str | None = None, grid=None, department=None):
    user = user_create(actor=None, username=username, password=PASSWORD, display_name=username)
    if role:
        role_grant(actor=None, user=user, role=role, grid=grid, department=department)
    return user


@pytest.fixture
def worker_a(county):
    return make_user("worker_a", Role.GRID_WORKER, county[GRID_A])


@pytest.fixture
def worker_b(county):
    return make_user("worker_b", Role.GRID_WORKER, county[GRID_B])


@pytest.fixture
def community_staff(county):
    return make_user("community_a", Role.COMMUNITY_STAFF, county[COMMUNITY_A])


@pytest.fixture
def operator(county):
    return make_user("operator", Role.OPERATOR, county[DISTRICT])


@pytest.fixture
def leader(county):
    return make_user("leader", Role.LEADER, county[DISTRICT])


@pytest.fixture
def handler(departments):
    return make_user("handler", Role.DEPARTMENT_HANDLER, department=departments["chengguan"])


@pytest.fixture
def admin_user(county):
    return make_user("admin", Role.ADMINISTRATOR)


@pytest.fixture
def resident(db):
    return make_user("resident")


@pytest.fixture
def api():
    """An API client; `api.as_user(u)` authenticates with a real token."""

    class Client(APIClient):
        """Tokens expire when idle: a test that moves the clock on gets a fresh one, as an app
        that logs in again would."""

        _user = None
        _key = ""

        def as_user(self, user):
            self._user = user
            self._fresh_token()
            return self

        def _fresh_token(self):
            from django.utils import timezone

            from wangge.accounts.tokens import token_issue

            self.keys = getattr(self, "keys", {})
            now = timezone.now()
            key, issued = self.keys.get(self._user.pk, ("", None))
            if not key or not (issued <= now < issued + timedelta(minutes=30)):
                key = token_issue(user=self._user).key
                self.keys[self._user.pk] = (key, now)
            self._key = key
            self.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        def request(self, **kwargs):
            ours = self._credentials.get("HTTP_AUTHORIZATION") == f"Token {self._key}"
            if self._user is not None and self._key and ours:
                self._fresh_token()
            return super().request(**kwargs)

    return Client()


def grid_centre(grid) -> tuple[float, float]:
    """(lat, lng) of a point well inside `grid`."""
    from shapely.geometry import shape

    p = shape(grid.geometry).representative_point()
    return p.y, p.x
