from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.core.api import ServiceError

API_PREFIXES = ("/api/", "/open311/")


class PageMessages(MessageMiddleware):
    """Django's messages ("已保存") for pages only. The API and Open311 answer in JSON and show
    no message; setting up the message storage (a cookie signer and the session's) cost every
    API request ~30 µs. A message added on such a path fails loudly, as without the middleware."""

    def process_request(self, request: HttpRequest) -> None:
        if not request.path.startswith(API_PREFIXES):
            super().process_request(request)


class ServiceErrorPages:
    """A service refusal raised in a page view becomes a page with its Chinese message.

    Selectors raise `NotFound` for objects outside the caller's scope and services raise
    `Conflict`/`Forbidden`/…; the API turns those into JSON (core.api.exception_handler), and
    this does the same for HTML pages so views need no try/except for the common cases. htmx
    requests get just the message, to swap into the page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ServiceError) or request.path.startswith(API_PREFIXES):
            return None
        template = "web/_error.html" if getattr(request, "htmx", False) else "web/error.html"
        return render(
            request,
            template,
            {"message": exception.message, "status": exception.status_code},
            status=exception.status_code,
        )
