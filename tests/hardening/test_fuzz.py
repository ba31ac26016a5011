"""Schemathesis over the whole OpenAPI schema, as an operator and as a grid worker (issue 15,
"How it will be checked"): no answer is a server error, and every documented answer matches its
schema and content type.

The schema is the one `/api/schema/` serves (drf-spectacular's generator, built once at
collection, before any database exists); the requests go in-process to the project's WSGI
application, so they run against the test database of each test. One test per operation and
role, each with a fresh county, so nothing one operation does (a logout, a revoked token) leaks
into another.

Bounded so the suite stays inside CI's time: a few examples per operation, the explicit and
generate phases only (no shrinking), a fixed seed (the same requests on every run and database,
so a failure reproduces).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from wangge.accounts.tokens import token_issue

EXAMPLES = 3


def _load_schema() -> schemathesis.BaseSchema:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from wangge.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application  # as schemathesis.openapi.from_wsgi sets it: calls go in-process
    return loaded


schema = _load_schema()

BOUNDS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _connection_kept():
    """The WSGI handler closes the database connection when a request finishes, as it must in
    production; here that connection holds the test's transaction (its county, its token).
    Django's own test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def operator_token(operator, categories, departments) -> str:
    return token_issue(user=operator).key


@pytest.fixture
def worker_token(worker_a, categories, departments) -> str:
    return token_issue(user=worker_a).key


def call_and_check(case, token: str) -> None:
    headers = {"Authorization": f"Token {token}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)


@schema.parametrize()
@BOUNDS
def test_api_as_operator(case, operator_token):
    call_and_check(case, operator_token)


@schema.parametrize()
@BOUNDS
def test_api_as_grid_worker(case, worker_token):
    call_and_check(case, worker_token)
