"""Django's messages are set up for pages, not for the API or Open311 (wangge.web.middleware)."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from wangge.web.middleware import PageMessages


def _through(path: str) -> tuple[object, list[str]]:
    request = RequestFactory().get(path)
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    seen: list[str] = []

    def view(req):
        messages.success(req, "已保存", fail_silently=True)
        seen.extend(str(m) for m in get_messages(req))
        return HttpResponse()

    PageMessages(view)(request)
    return request, seen


@pytest.mark.parametrize("path", ["/console/", "/community/desk/", "/"])
def test_pages_keep_their_messages(path):
    request, seen = _through(path)
    assert hasattr(request, "_messages")
    assert seen == ["已保存"]


@pytest.mark.parametrize("path", ["/api/v1/cases/", "/open311/v2/requests.json"])
def test_api_and_open311_requests_carry_no_message_storage(path):
    request, seen = _through(path)
    assert not hasattr(request, "_messages")
    assert seen == []
    with pytest.raises(messages.MessageFailure):
        messages.info(request, "无处显示")
