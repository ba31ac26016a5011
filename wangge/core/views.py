from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from wangge.accounts.selectors import scope_for_user, user_role_list


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for_user(request.user)
    return render(
        request,
        "home.html",
        {"roles": user_role_list(request.user), "scope": scope},
    )
