"""What the schema fuzzing (test_fuzz.py) found, each kept as its own regression test: answers
that did not match the OpenAPI document, and a 500 on an offset past bigint."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from rest_framework import serializers

from wangge.core.spreadsheets import XLSX_TYPE

# The paged lists that answer {count, limit, offset, results}, not a bare array.
COUNTED_LISTS = [
    "/api/v1/council/topics/",
    "/api/v1/council/meetings/",
    "/api/v1/council/decisions/",
    "/api/v1/notices/",
    "/api/v1/funds/accounts/",
    "/api/v1/funds/requests/",
    "/api/v1/community/orders/",
    "/api/v1/community/party-members/",
    "/api/v1/community/volunteers/",
    "/api/v1/community/teams/",
    "/api/v1/points/redemptions/",
]


@pytest.fixture(scope="module")
def openapi() -> dict:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def component(openapi: dict, ref: str) -> dict:
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def answer_schema(openapi: dict, path: str, method: str, status: str, media: str) -> dict:
    schema = openapi["paths"][path][method]["responses"][status]["content"][media]["schema"]
    return component(openapi, schema["$ref"]) if "$ref" in schema else schema


def project_serializers() -> list[type[serializers.Serializer]]:
    for config in apps.get_app_configs():
        if config.name.startswith("wangge."):
            try:
                importlib.import_module(f"{config.name}.api")
            except ModuleNotFoundError:
                continue
    found, todo = [], [serializers.Serializer]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("wangge."):
            found.append(cls)
    return found


def test_every_output_field_that_may_be_null_says_so():
    """`CharField(source="category.code", default=None)` answers null for a case without a
    category; the schema said "string" (cases, categories, grids, orders, funds, points …)."""
    wrong = []
    for cls in project_serializers():
        try:
            fields = cls().fields
        except Exception:
            continue
        for name, field in fields.items():
            if field.default is None and not field.allow_null:
                wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert wrong == [], "\n".join(wrong)


def test_case_answer_without_category_or_grid_matches_its_schema(api, operator, openapi):
    response = api.as_user(operator).post(
        "/api/v1/cases/", {"description": "有人反映情况，未说明地点"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    schema = component(openapi, "CaseDetailOut")["properties"]
    for name in ("category_code", "category_name", "grid_code", "merged_into"):
        assert body[name] is None and schema[name].get("nullable") is True, name
    assert schema["suggested_category"].get("nullable") is True


@pytest.mark.parametrize("path", COUNTED_LISTS)
def test_counted_lists_declare_the_page_they_answer(path, openapi):
    page = answer_schema(openapi, path, "get", "200", "application/json")
    assert page["type"] == "object"
    assert {"count", "limit", "offset", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["type"] == "array"


def test_counted_list_answer_has_the_declared_keys(api, operator, openapi):
    body = api.as_user(operator).get("/api/v1/council/topics/?limit=1").json()
    page = answer_schema(openapi, "/api/v1/council/topics/", "get", "200", "application/json")
    assert set(body) == set(page["properties"])


@pytest.mark.parametrize(
    "path", ["/api/v1/council/topics/", "/api/v1/notices/", "/api/v1/funds/requests/"]
)
def test_offset_past_bigint_is_refused_or_clamped_never_a_500(api, operator, path):
    client = api.as_user(operator)
    response = client.get(path, {"offset": "9" * 19})  # past 2⁶³: was a 500 (SQL overflow)
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.get(path, {"offset": "9" * 30, "limit": "x"})
    assert response.status_code == 400 and "须为整数" in response.json()["detail"]


def test_api_path_no_route_matches_answers_json_404(api, operator):
    # A source code outside the route's pattern never reaches the view: Django's HTML 404 before.
    response = api.as_user(operator).post(
        "/api/v1/hotline/sources/我的诉求/orders/", {}, format="json"
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    page = api.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_downloads_declare_the_spreadsheet_types_they_send(openapi):
    for path, method in [
        ("/api/v1/people/export/", "get"),
        ("/api/v1/people/export/", "post"),
        ("/api/v1/exports/{id}/download/", "get"),
    ]:
        content = openapi["paths"][path][method]["responses"]["200"]["content"]
        assert set(content) == {XLSX_TYPE, "text/csv"}, path
    content = openapi["paths"]["/api/v1/funds/accounts/{id}/statement.xlsx"]["get"]["responses"]
    assert set(content["200"]["content"]) == {XLSX_TYPE}


def test_grid_import_refusal_before_parsing_matches_its_schema(api, admin_user, openapi):
    response = api.as_user(admin_user).post(
        "/api/v1/grids/import/",
        '{"type": "FeatureCollection", "x": "\\u0000"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    refusal = answer_schema(openapi, "/api/v1/grids/import/", "post", "400", "application/json")
    assert set(refusal.get("required", [])) <= set(response.json())
