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

import pytest

from tests.conftest import PASSWORD
from tests.workspace.axe import PageAudit
from tools import browser as wb

# The live server must listen where the guard allows requests to go.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by fixtures
# in that thread are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
        """Audit the pages as the test left them, close the context, fail on what was found."""
        try:
            self.audit.check_final(self.context)
        finally:
            self.context.close()
        self.guard.assert_clean()
        self.audit.assert_clean()


def _session(chromium, live_server, viewport):
    context, guard = wb.new_context(chromium, viewport=viewport)
    session = Session(context, guard, live_server.url)
    yield session
    session.close()


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
    failures = []
    for session in made:
        try:
            session.close()
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)
