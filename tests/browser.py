"""Browser harness, shared by every browser test: Debian's Chromium driven by Playwright
against pytest-django's live server.

One session-wide Playwright driver per test process (a second `sync_playwright()` in the same
process fails), so the fixtures live here, loaded once through `pytest_plugins`.
Every context gets a loopback guard: a test fails if any page asked for anything outside
127.0.0.1 (a CDN, a font service, a tile server) — government intranets have none of those.
Every context gets an axe-core audit too: each page it loads, and each page's final state when
the test ends, has no serious or critical accessibility violation (tests/workspace/axe.py).
"""

from __future__ import annotations

import os
import threading

import pytest

from tests.conftest import PASSWORD
from tests.workspace.axe import PageAudit
from tools import browser as wb

# The live server must listen where the guard allows requests to go.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by fixtures
# in that thread are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class InFlight:
    """Requests the live server is still answering (counted in its threads only).

    Closing a browser context does not stop a request the server already took; waiting for
    them keeps one test's last request from landing in the next test's database.
    """

    def __init__(self) -> None:
        self.count = 0
        self.changed = threading.Condition()

    def started(self, **_kwargs) -> None:
        if threading.current_thread() is not threading.main_thread():
            with self.changed:
                self.count += 1

    def finished(self, **_kwargs) -> None:
        if threading.current_thread() is not threading.main_thread():
            with self.changed:
                self.count = max(0, self.count - 1)
                self.changed.notify_all()

    def wait_idle(self, timeout: float = 15.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count == 0, timeout)


in_flight = InFlight()


@pytest.fixture(scope="session", autouse=True)
def _count_live_requests():
    from django.core.signals import request_finished, request_started

    request_started.connect(in_flight.started, dispatch_uid="tests.browser.in_flight")
    request_finished.connect(in_flight.finished, dispatch_uid="tests.browser.in_flight")
    yield
    request_started.disconnect(dispatch_uid="tests.browser.in_flight")
    request_finished.disconnect(dispatch_uid="tests.browser.in_flight")


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = wb.launch(pw)
        yield browser
        browser.close()


class Session:
    """One browser context (phone or desktop) with helpers for the live server."""

    def __init__(self, context, guard, base_url: str) -> None:
        self.context = context
        self.guard = guard
        self.audit = PageAudit().watch(context)
        self.base_url = base_url
        self.page = context.new_page()

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        return self.page.goto(self.url(path))

    def log_in(self, user, password: str = PASSWORD) -> None:
        wb.log_in(self.page, self.base_url, user.username, password)

    def close(self) -> None:
        """Audit the pages as the test left them, then close the context."""
        try:
            self.audit.check_final(self.context)
        finally:
            self.context.close()

    def assert_clean(self) -> None:
        self.guard.assert_clean()
        self.audit.assert_clean()


def _session(chromium, live_server, viewport):
    context, guard = wb.new_context(chromium, viewport=viewport)
    session = Session(context, guard, live_server.url)
    yield session
    session.close()
    in_flight.wait_idle()
    session.assert_clean()


@pytest.fixture
def phone(chromium, live_server):
    """A phone-sized browser (390×844, touch)."""
    yield from _session(chromium, live_server, wb.PHONE)


@pytest.fixture
def desktop(chromium, live_server):
    """A desktop-sized browser (1440×900)."""
    yield from _session(chromium, live_server, wb.DESKTOP)


@pytest.fixture
def browser_factory(chromium, live_server):
    """More browsers in one test (two people at once): `browser_factory(wb.PHONE)`."""
    made: list[Session] = []

    def make(viewport=wb.PHONE, **options):
        context, guard = wb.new_context(chromium, viewport=viewport, **options)
        made.append(Session(context, guard, live_server.url))
        return made[-1]

    yield make
    for session in made:
        session.close()
    in_flight.wait_idle()
    failures = []
    for session in made:
        try:
            session.assert_clean()
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)
