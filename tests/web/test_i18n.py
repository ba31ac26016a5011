"""Chinese first; English one tap away, remembered for the session."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_switch_to_english_and_back(phone, worker_a):
    phone.log_in(worker_a)
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "常用功能" in page.content()

    page.click("[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Hello, worker_a" in page.locator("h1").inner_text()
    assert "Grid map" in page.locator("[data-tile=map]").inner_text()
    # The choice sticks on the next page.
    phone.goto("/console/map/")
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("[data-lang=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "网格地图" in page.locator(".map-bar h1").inner_text()


def test_login_page_in_english(desktop, worker_a):
    desktop.goto("/accounts/login/")
    page = desktop.page
    page.click("[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    page.fill("#id_username", "worker_a")
    page.fill("#id_password", "wrong-password-1")
    page.click("form button[type=submit]")
    assert "correct username and password" in page.locator("#login-error").inner_text()
