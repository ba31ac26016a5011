"""Signing in through the real form, in Chromium."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_worker_signs_in_on_a_phone_and_lands_on_their_home(phone, worker_a):
    phone.log_in(worker_a)
    page = phone.page
    assert page.url == phone.url("/")
    assert "您好，worker_a" in page.locator("h1").inner_text()
    assert "网格员" in page.locator(".hello .roles").inner_text()


def test_wrong_password_shows_the_chinese_error_and_keeps_the_username(phone, worker_a):
    page = phone.page
    phone.goto("/accounts/login/")
    page.fill("#id_username", "worker_a")
    page.fill("#id_password", "wrong-password-1")
    page.click("form button[type=submit]")
    error = page.locator("#login-error")
    error.wait_for()
    assert "请输入一个正确的用户名和密码" in error.inner_text()
    assert page.input_value("#id_username") == "worker_a"
    assert page.input_value("#id_password") == ""
    # The password box, where the person retypes, is the one asking for focus.
    assert page.get_attribute("#id_password", "autofocus") is not None
    assert page.get_attribute("#id_username", "autofocus") is None


def test_sign_out_from_the_user_menu(desktop, operator):
    desktop.log_in(operator)
    page = desktop.page
    page.click(".usermenu summary")
    page.click("[data-action=logout]")
    page.wait_for_url(desktop.url("/accounts/login/"))
    desktop.goto("/console/map/")
    assert "/accounts/login/" in page.url
