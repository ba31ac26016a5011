"""`FieldsOnce` renders as the REST framework's own loop renders (wangge.core.api): the plain
fields through the class's cached fields, the others through bound copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from wangge.core.api import FieldsOnce, _fields_once, _shallow


class Upper(serializers.CharField):
    def to_representation(self, value: Any) -> str:
        return str(value).upper()


@dataclass
class Unit:
    code: str
    name: str


class Missing:
    @property
    def owner(self) -> Any:
        raise ObjectDoesNotExist("no owner")


@dataclass
class Thing(Missing):
    title: str = "碎玻璃"
    count: int = 3
    ratio: float = 0.5
    amount: Decimal = Decimal("12.50")
    flag: bool = True
    kind: str = "a"
    at: datetime = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    unit: Unit | None = None
    payload: dict = field(default_factory=lambda: {"words": ["碎", "玻璃"], "n": 2})
    secret: str = "hidden"

    def get_kind_display(self) -> str:
        return {"a": "甲", "b": "乙"}[self.kind]


class ThingOut(FieldsOnce, serializers.Serializer):
    title = serializers.CharField()
    loud = Upper(source="title")
    count = serializers.IntegerField()
    ratio = serializers.FloatField()
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    flag = serializers.BooleanField()
    kind = serializers.ChoiceField(choices=[("a", "甲"), ("b", "乙")])
    kind_display = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField()
    unit_code = serializers.CharField(source="unit.code", default=None, allow_null=True)
    unit_name = serializers.CharField(source="unit.name", allow_null=True)
    unit_label = serializers.CharField(source="unit.name", required=False)
    owner_name = serializers.CharField(source="owner.name")
    words = serializers.JSONField(source="payload.words")
    payload = serializers.JSONField()
    secret = serializers.CharField(write_only=True)
    viewer = serializers.SerializerMethodField()
    whole = serializers.SerializerMethodField()

    def get_viewer(self, thing: Thing) -> str:
        return f"{self.context['user']}:{thing.count}"

    def get_whole(self, thing: Thing) -> int:
        return thing.count * 2


def _stock(serializer: serializers.Serializer, instance: Any) -> dict:
    """The REST framework's own rendering of the same serializer."""
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.mark.parametrize(
    "thing",
    [Thing(unit=Unit("E01", "环卫所")), Thing(kind="b", unit=None), Thing(title="x", count=0)],
)
def test_the_answer_is_the_rest_frameworks(thing):
    out = ThingOut(thing, context={"user": "王明"}).data
    assert out == _stock(ThingOut(thing, context={"user": "王明"}), thing)
    assert list(out) == list(_stock(ThingOut(thing, context={"user": "王明"}), thing))
    assert out["loud"] == thing.title.upper()
    assert out["viewer"] == f"王明:{thing.count}"
    assert "secret" not in out
    assert out["owner_name"] is None  # ObjectDoesNotExist on the way: None, as the framework


def test_a_missing_link_takes_the_default_or_null_or_leaves_the_field_out():
    out = ThingOut(Thing(unit=None), context={"user": "u"}).data
    assert out["unit_code"] is None  # default
    assert out["unit_name"] is None  # allow_null
    assert "unit_label" not in out  # not required: skipped


def test_many_renders_each_item_with_its_own_context():
    things = [Thing(count=i) for i in range(3)]
    out = ThingOut(things, many=True, context={"user": "李"}).data
    assert [o["viewer"] for o in out] == ["李:0", "李:1", "李:2"]
    assert out == [_stock(ThingOut(t, context={"user": "李"}), t) for t in things]


def test_a_mapping_is_rendered_by_the_rest_framework_loop():
    class PairOut(FieldsOnce, serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField(source="label.name", default="")

    assert PairOut({"code": "A", "label": {"name": "甲"}}).data == {"code": "A", "name": "甲"}
    assert PairOut({"code": "B", "label": {}}).data == {"code": "B", "name": ""}


def test_a_required_field_that_cannot_be_read_is_an_error_as_in_the_framework():
    class StrictOut(FieldsOnce, serializers.Serializer):
        name = serializers.CharField(source="unit.name")

    with pytest.raises(AttributeError):
        StrictOut(Thing(unit=None)).data  # noqa: B018
    with pytest.raises(AttributeError):
        _stock(StrictOut(Thing(unit=None)), Thing(unit=None))


def test_two_threads_rendering_at_once_share_nothing_bound():
    import threading

    results: dict[int, list] = {}

    def render(k: int) -> None:
        results[k] = [
            ThingOut(Thing(count=i), context={"user": f"u{k}"}).data["viewer"] for i in range(200)
        ]

    threads = [threading.Thread(target=render, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(results[k] == [f"u{k}:{i}" for i in range(200)] for k in range(4))


def test_fields_bound_as_the_rest_framework_binds_them_each_instance_its_own():
    class Stock(serializers.Serializer):
        pass

    first, second = ThingOut(Thing()), ThingOut(Thing())
    for name, bound in first.fields.items():
        stock = _shallow(_fields_once(first)[name])
        stock.bind(name, Stock())
        for attr in ("field_name", "label", "source", "source_attrs", "method_name"):
            assert getattr(bound, attr, None) == getattr(stock, attr, None), (name, attr)
        assert bound.parent is first and second.fields[name].parent is second
        assert bound is not second.fields[name]
    # Validation reads the bound copies: errors name the fields, values land under them.
    data = ThingOut(data={"title": "", "count": "x"})
    assert not data.is_valid()
    assert set(data.errors) >= {"title", "count"}
