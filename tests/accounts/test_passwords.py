"""The two password profiles and the 90-day change under 等保."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from wangge.accounts.middleware import PasswordExpiryMiddleware
from wangge.accounts.services import user_create

STANDARD = [
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
]
DENGBAO = [
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {
        "NAME": "wangge.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": 3},
    },
]


@pytest.mark.parametrize(
    ("profile", "password", "ok"),
    [
        (STANDARD, "short1A!", False),
        (STANDARD, "password1234", False),  # common
        (STANDARD, "quiet river lantern", True),  # long, no composition rules
        (DENGBAO, "Ab1!xyz", False),  # 7 characters
        (DENGBAO, "abcdefgh1", False),  # two classes
        (DENGBAO, "Grid2026work", True),
        (DENGBAO, "grid-2026-x", True),  # lower, digit, symbol
    ],
)
def test_password_profiles(settings, profile, password, ok):
    settings.AUTH_PASSWORD_VALIDATORS = profile
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


def test_character_class_message_is_chinese(settings):
    settings.AUTH_PASSWORD_VALIDATORS = DENGBAO
    with pytest.raises(ValidationError, match="至少 3 类"):
        validate_password("abcdefgh1")


def test_user_create_refuses_weak_password(db):
    with pytest.raises(ValidationError):
        user_create(actor=None, username="weak", password="123")


def test_expired_password_forces_change_under_dengbao(settings, client, db):
    settings.PASSWORD_PROFILE = "dengbao"
    settings.AUTH_PASSWORD_VALIDATORS = DENGBAO
    user = user_create(actor=None, username="old", password="Grid2026work")
    user.password_changed_at = timezone.now() - dt.timedelta(days=91)
    user.save(update_fields=["password_changed_at"])
    client.force_login(user)
    r = client.get("/")
    assert r.status_code == 302 and r.url.endswith("/accounts/password/")
    assert client.get("/api/v1/me/").json()["code"] == "password_expired"
    r = client.post(
        "/accounts/password/",
        {
            "old_password": "Grid2026work",
            "new_password1": "Fresh2026grid",
            "new_password2": "Fresh2026grid",
        },
    )
    assert r.status_code == 302
    assert client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize(
    ("profile", "cookie", "read"),
    [("dengbao", True, True), ("dengbao", False, False), ("standard", True, False)],
)
def test_expiry_check_reads_the_session_user_only_when_it_can_matter(
    settings, profile, cookie, read
):
    """A request without a session cookie (an API client with a token), or any request without
    the dengbao profile, passes without its session's user being looked up."""
    settings.PASSWORD_PROFILE = profile
    looked_up = []

    def anonymous():
        looked_up.append(True)
        return AnonymousUser()

    request = RequestFactory().get("/api/v1/cases/", HTTP_AUTHORIZATION="Token abc")
    if cookie:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "k"
    request.user = SimpleLazyObject(anonymous)
    response = PasswordExpiryMiddleware(lambda r: HttpResponse("ok"))(request)
    assert response.status_code == 200
    assert looked_up == ([True] if read else [])


def test_standard_profile_never_expires(settings, client, db):
    settings.PASSWORD_PROFILE = "standard"
    user = user_create(actor=None, username="long", password="quiet river lantern")
    user.password_changed_at = timezone.now() - dt.timedelta(days=400)
    user.save(update_fields=["password_changed_at"])
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 200
