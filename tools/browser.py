"""Driving Debian's Chromium through Playwright, for the browser tests and the screenshots.

Playwright's own browser downloads are not used (intranet machines cannot fetch them): the
system Chromium from the distribution (`apt-get install chromium fonts-wqy-microhei`) is
launched with flags that keep it from calling home. `LoopbackGuard` then fails any page that
asks for anything outside 127.0.0.1 — a page that needs a CDN would not work on an intranet.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("WANGGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
LOCAL_HOSTS = frozenset({"127.0.0.1"})
# Schemes that never leave the page (inline images, generated blobs).
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


def chromium_path() -> str | None:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    return shutil.which("chromium")


def launch(playwright):
    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium not found: apt-get install -y chromium fonts-wqy-microhei")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


@dataclass
class LoopbackGuard:
    """A context-wide route handler: requests to 127.0.0.1 go through, anything else is
    aborted and remembered, so a test can fail with the offending URLs."""

    outside: list[str] = field(default_factory=list)

    def install(self, context) -> LoopbackGuard:
        context.route("**/*", self._handle)
        return self

    def _handle(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        assert not self.outside, f"requests left 127.0.0.1: {self.outside}"


def new_context(browser, *, viewport: dict, locale: str = "zh-CN", **kwargs):
    """A context sized like a phone or a desktop, with the loopback guard installed.

    Returns (context, guard). The phone context has touch and a mobile user agent, as the
    pages for residents and grid workers are used on phones.
    """
    options: dict = {"viewport": viewport, "locale": locale, **kwargs}
    if viewport["width"] < 768:
        options.setdefault("is_mobile", True)
        options.setdefault("has_touch", True)
        options.setdefault("device_scale_factor", 2)
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    guard = LoopbackGuard().install(context)
    return context, guard


def log_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the real login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
