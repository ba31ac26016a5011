"""The API's JSON answers (wangge.core.renderers) are the bytes the REST framework's own renderer
writes, and the answers go through it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from wangge.core.renderers import JSONRenderer

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Point:
    lat: float
    lng: float


ANSWERS = [
    {},
    [],
    "",
    0,
    {
        "tracking_code": "WG7K2M9QX",
        "title": "16号楼楼下一地碎玻璃",
        "lat": 26.0714,
        "lng": 119.2965,
    },
    {"created_at": datetime(2026, 12, 5, 11, 30, 5, 123456, tzinfo=SHANGHAI)},
    {"at": datetime(2026, 12, 5, 3, 30, tzinfo=UTC), "naive": datetime(2026, 12, 5, 3, 30)},
    {"day": date(2026, 12, 5), "time": time(8, 30, 15, 500000), "span": timedelta(hours=26)},
    {"amount": Decimal("1234.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"label": gettext_lazy("待受理"), "error": ErrorDetail("不能为空", code="required")},
    {1: "one", 2.5: "float key", None: "none key", False: "bool key"},
    {"separators": "行\u2028段\u2029", "quotes": '"\\/', "control": "\x00\x1f"},
    ReturnDict({"a": ReturnList([1, 2, 3], serializer=None)}, serializer=None),
    {"nested": [{"deep": [[{"x": None, "y": False, "z": 1.5}]]}]},
    {"big": 2**70, "negative": -(2**63)},
    ("tuple", "becomes", "list"),
]


@pytest.mark.parametrize("data", ANSWERS, ids=range(len(ANSWERS)))
def test_same_bytes_as_the_rest_framework(data):
    theirs = renderers.JSONRenderer().render(data, "application/json")
    assert JSONRenderer().render(data, "application/json") == theirs


def test_exponents_written_shorter_the_same_numbers():
    data = {"small": 1.5e-7, "large": 1e22, "plain": 0.1}
    ours = JSONRenderer().render(data)
    assert ours == b'{"small":1.5e-7,"large":1e+22,"plain":0.1}'
    assert json.loads(ours) == json.loads(renderers.JSONRenderer().render(data)) == data


def test_nothing_renders_empty():
    assert JSONRenderer().render(None) == b""


def test_indented_answers_as_the_rest_framework():
    data = {"a": [1, {"b": "二"}]}
    for media_type, context in (
        ("application/json; indent=4", {}),
        ("application/json", {"indent": 2}),
    ):
        theirs = renderers.JSONRenderer().render(data, media_type, context)
        assert JSONRenderer().render(data, media_type, context) == theirs
        assert b"\n" in theirs


def test_unknown_objects_refused_as_the_rest_framework():
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"x": object()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"point": Point(26.07, 119.29)})
    with pytest.raises(TypeError):
        JSONRenderer().render({"point": Point(26.07, 119.29)})


def test_not_a_number_written_as_null():
    with pytest.raises(ValueError):
        renderers.JSONRenderer().render({"nan": float("nan")})
    assert JSONRenderer().render({"nan": float("nan"), "inf": float("inf")}) == (
        b'{"nan":null,"inf":null}'
    )


def test_the_api_answers_through_it(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_RENDERER_CLASSES[0] is JSONRenderer


ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/html",
    "application/*",
]


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("fmt", [None, "json", "api"])
def test_renderer_chosen_as_the_rest_framework_chooses(accept, fmt):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from wangge.core.renderers import ContentNegotiation

    headers = {"HTTP_ACCEPT": accept} if accept else {}
    query = {"format": fmt} if fmt else {}
    renderer_set = [JSONRenderer(), renderers.BrowsableAPIRenderer()]

    def outcome(negotiation):
        request = Request(APIRequestFactory().get("/api/v1/me/", query, **headers))
        try:
            return negotiation.select_renderer(request, renderer_set)
        except Exception as exc:  # a refusal is an outcome too
            return type(exc)

    for _twice in range(2):
        assert outcome(ContentNegotiation()) == outcome(DefaultContentNegotiation())


def test_refusals_as_the_rest_framework():
    from django.http import Http404
    from rest_framework.exceptions import NotAcceptable
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from wangge.core.renderers import ContentNegotiation

    for _twice in range(2):
        request = Request(APIRequestFactory().get("/", HTTP_ACCEPT="image/png"))
        with pytest.raises(NotAcceptable):
            ContentNegotiation().select_renderer(request, [JSONRenderer()])
        request = Request(APIRequestFactory().get("/", {"format": "xml"}))
        with pytest.raises(Http404):
            ContentNegotiation().select_renderer(request, [JSONRenderer()])
