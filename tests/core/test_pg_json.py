"""JSON values written through orjson on PostgreSQL (wangge.core.pgbackend) are the values the
standard library's encoder wrote; what orjson refuses goes to it and fails as it always did."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from wangge.core.models import AuditLog
from wangge.core.pgbackend.base import json_dumps

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

VALUES = [
    {},
    [],
    {"duplicates": [{"tracking_code": "WG7K2M9QX", "distance_m": 12.5, "similarity": 88.0}]},
    {"text": "16号楼楼下一地碎玻璃", "quote": '"\\/', "control": "\x01\x1f", "sep": "\u2028"},
    {"small": 1.5e-7, "large": 1e22, "negative": -0.0, "int": -(2**63)},
    {1: "int key", 2.5: "float key", None: "none key", False: "bool key"},
    {"nested": [[[{"x": None, "y": True}]]], "tuple": (1, 2)},
    {"big": 2**70},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_stored_as_the_standard_encoder_stored_it(value):
    adapted = connection.ops.adapt_json_value(value, None)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT %s::jsonb = %s::jsonb, %s::jsonb", [adapted, json.dumps(value), adapted]
        )
        same, stored = cur.fetchone()
    assert same
    assert json.loads(stored) == json.loads(json.dumps(value))


def test_a_model_field_round_trips():
    detail = {"原因": "测试", "n": [1, 2.5, None], "deep": {"a": {"b": "c"}}}
    row = AuditLog.objects.create(action=AuditLog.Action.LOGIN_SUCCESS, detail=detail)
    assert AuditLog.objects.get(pk=row.pk).detail == detail


def test_refused_as_before():
    with pytest.raises(TypeError):
        json_dumps({"x": object()})
    with pytest.raises(TypeError):
        json.dumps({"x": object()})
    assert json_dumps({"big": 2**70}) == '{"big": 1180591620717411303424}'


def test_not_a_number_stored_as_null():
    """NaN is no JSON: the standard encoder wrote it anyway and PostgreSQL refused the row;
    orjson writes null, as the API's answers do (wangge.core.renderers)."""
    adapted = connection.ops.adapt_json_value({"x": float("nan")}, None)
    with connection.cursor() as cur:
        cur.execute("SELECT %s::jsonb", [adapted])
        assert json.loads(cur.fetchone()[0]) == {"x": None}
