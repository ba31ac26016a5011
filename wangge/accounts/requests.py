"""Request types for views that only signed-in users reach.

Django and REST framework type `request.user` as "a user or the anonymous user". Views behind
`login_required`, `IsAuthenticated` or a role check annotate their request with these instead,
so the services they call get the `User` they are typed for.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from wangge.accounts.models import User


class AuthedHttpRequest(HttpRequest):
    """A Django request from a signed-in user (the view is behind `login_required`)."""

    user: User
    htmx: HtmxDetails  # django-htmx's middleware sets it on every request


class AuthedRequest(Request):
    """A REST framework request from a signed-in user (the view requires `IsAuthenticated`)."""

    user: User


def request_user(request: HttpRequest | Request) -> User:
    """The signed-in user of `request`; NotAuthenticated (401) for a visitor.

    For code that is reached with a request typed as possibly anonymous (generic views'
    `self.request`, helpers shared by pages and the API) but only runs for signed-in users.
    """
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user
