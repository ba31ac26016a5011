"""Shared API pieces: one error shape for every endpoint."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from functools import cached_property, partial
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import BindingDict
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(Exception):
    """A business rule refused an operation. Views turn it into a 4xx with the message."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(ServiceError):
    status_code = 429
    code = "throttled"


class Unprocessable(ServiceError):
    status_code = 422
    code = "unprocessable"


def request_body(request: Request) -> dict[str, Any]:
    """The request body as a mapping (JSON object or form); 400 for a JSON array or scalar."""
    data = request.data
    if not isinstance(data, dict):
        raise ServiceError("请求体应为 JSON 对象", code="body_not_object")
    return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors as {"detail": "...", "code": "...", "errors": {...}} with a human message."""
    if isinstance(exc, ServiceError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.details is not None:
            body["errors"] = exc.details
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = response.data
        first = _first_message(data)
        response.data = {"detail": first, "code": "invalid", "errors": data}
    return response


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            msg = _first_message(value)
            return msg if key in ("non_field_errors", "detail") else f"{key}: {msg}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


class FieldsOnce:
    """Serializer mixin for answers (and request bodies) whose fields depend on nothing but the
    class: the fields are built once per class and each instance gets shallow copies to bind.
    A field's own child (a ListField's) stays shared: it validates and renders statelessly.

    A ModelSerializer derives its fields from the model on every instantiation (a case's detail
    answer spent 3 ms of CPU there, more than the rest of its rendering); a plain Serializer
    deep-copies its declared ones. Copies, not the cached fields themselves: binding sets the
    parent, and two requests render on two threads at once.

    Rendering an object (not a mapping) reads the plain fields (`_PLAIN`: text, numbers,
    booleans, times, choices, JSON, whose rendering reads nothing but the value and the field's
    own settings) through the cached fields themselves, unbound, and binds copies only of the
    others (method fields, nested serializers): the same answer as the REST framework's loop,
    without binding forty copies and asking `inspect.signature` of every `get_…_display` per
    answer (a case's detail: 377 → 206 µs; tests/core/test_fields_once.py)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _shallow(field) for name, field in _fields_once(self).items()}

    @cached_property
    def fields(self) -> BindingDict:
        # Binding names a field and finds its source from the name alone: done once per class
        # (`_bound_once`); each instance's copies only take it as their parent.
        serializer: Any = self  # a Serializer subclass's
        fields = BindingDict(serializer)
        for name, bound in _bound_once(self).items():
            clone = _shallow(bound)
            clone.parent = serializer
            fields.fields[name] = clone
        return fields

    def to_representation(self, instance: Any) -> Any:
        if isinstance(instance, Mapping):
            return super().to_representation(instance)  # type: ignore[misc]
        serializer: Any = self  # a Serializer subclass's
        bound = self.__dict__.get("_bound_once")
        if bound is None:
            bound = self.__dict__["_bound_once"] = {}
        ret: dict[str, Any] = {}
        for name, attrs, field in _plan(self):
            if attrs is None:  # rendered by a bound copy, as the REST framework does
                own = bound.get(name)
                if own is None:
                    own = bound[name] = _shallow(_bound_once(self)[name])
                    own.parent = serializer
                try:
                    value = own.get_attribute(instance)
                except serializers.SkipField:
                    continue
                ret[name] = None if value is None else own.to_representation(value)
                continue
            value = instance
            try:
                for attr in attrs:
                    value = value[attr] if isinstance(value, Mapping) else getattr(value, attr)
                    if callable(value) and _simple_callable(value):
                        value = value()
            except ObjectDoesNotExist:
                value = None
            except (KeyError, AttributeError):
                if field.default is not empty:
                    value = field.default
                elif field.allow_null:
                    value = None
                elif not field.required:
                    continue
                else:
                    raise
            ret[name] = None if value is None else field.to_representation(value)
        return ret


# Fields whose `to_representation` reads only the value and the field's own settings (never its
# parent or the context): rendered by the class's cached, unbound instance. Exact types only.
_PLAIN = frozenset(
    {
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.EmailField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.JSONField,
        serializers.ReadOnlyField,
        serializers.UUIDField,
    }
)


def _fields_once(serializer: Any) -> dict[str, serializers.Field]:
    cls = type(serializer)
    built = cls.__dict__.get("_fields_once")
    if built is None:
        built = super(FieldsOnce, serializer).get_fields()
        cls._fields_once = built
    return built


def _bound_once(serializer: Any) -> dict[str, serializers.Field]:
    """The class's fields, each copied and bound as the REST framework binds it, with no parent
    (`Field.bind` sets the name, label, source and source path; a method field its method)."""
    cls = type(serializer)
    bound = cls.__dict__.get("_bound_fields_once")
    if bound is None:
        bound = {}
        for name, field in _fields_once(serializer).items():
            copy = _shallow(field)
            copy.bind(name, serializer)
            copy.parent = None  # type: ignore[assignment]  # a template: no instance's field
            bound[name] = copy
        cls._bound_fields_once = bound
    return bound


def _plan(serializer: Any) -> list[tuple[str, tuple[str, ...] | None, serializers.Field]]:
    """(name, attribute path or None for a bound copy, the class's field), in answer order."""
    cls = type(serializer)
    plan = cls.__dict__.get("_plan_once")
    if plan is None:
        plan = []
        for name, field in _fields_once(serializer).items():
            if field.write_only:
                continue
            source = field.source or name
            plain = (
                type(field) in _PLAIN
                and source != "*"
                and (field.default is empty or not callable(field.default))
            )
            plan.append((name, tuple(source.split(".")) if plain else None, field))
        cls._plan_once = plan
    return plan


def _simple_callable(value: Any) -> bool:
    # As the REST framework's `is_simple_callable`: a method such as `get_state_display`.
    return inspect.ismethod(value) or inspect.isfunction(value) or isinstance(value, partial)


def _shallow(field: serializers.Field) -> serializers.Field:
    """`copy.copy` of a field without its pickle protocol detour (a field has no __copy__ and
    no slots: the copy is a new instance sharing the attributes), several times faster."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class ErrorOut(serializers.Serializer):
    """The body of every API error (`exception_handler`), for the OpenAPI schema."""

    detail = serializers.CharField()
    code = serializers.CharField()
    # The serializer metaclass moves declared fields off the class: no clash with `.errors`.
    errors = serializers.DictField(required=False)  # type: ignore[assignment]


ERROR_RESPONSE = ErrorOut
