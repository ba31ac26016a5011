from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from wangge.accounts.services import password_expired


class PasswordExpiryMiddleware:
    """Under the "dengbao" profile, a password older than the limit must be changed first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a signed-in session's user is checked here: without the profile, or without a
        # session cookie (an API client with a token), the session is not read at all.
        if (
            settings.PASSWORD_PROFILE != "dengbao"
            or settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and password_expired(user):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
            if not request.path.startswith(allowed) and not request.path.startswith("/static/"):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": "密码已超过有效期，请先修改密码", "code": "password_expired"},
                        status=403,
                    )
                return redirect("accounts:password_change")
        return self.get_response(request)
