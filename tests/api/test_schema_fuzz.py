"""Schemathesis over the whole OpenAPI schema, as an operator and as a grid worker (issue 15,
item 14): no answer is a server error, and every documented answer matches its schema.

Bounded so the suite stays well inside CI's time: a few generated examples per operation, no
shrinking, a fixed seed (the same examples on every run, so a failure reproduces)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from wangge.accounts.tokens import token_issue

EXAMPLES = 4

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(db):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    from wangge.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application
    return loaded


@pytest.fixture
def operator_token(operator, categories, departments) -> str:
    return token_issue(user=operator).key


@pytest.fixture
def worker_token(worker_a, categories, departments) -> str:
    return token_issue(user=worker_a).key


BOUNDS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def call_and_check(case, token: str) -> None:
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@schema.parametrize()
@BOUNDS
def test_api_as_operator(case, operator_token):
    call_and_check(case, operator_token)


@schema.parametrize()
@BOUNDS
def test_api_as_grid_worker(case, worker_token):
    call_and_check(case, worker_token)
