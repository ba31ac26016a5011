"""Shared API pieces: one error shape for every endpoint."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
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
    parent, and two requests render on two threads at once."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_once = built  # type: ignore[attr-defined]
        return {name: _shallow(field) for name, field in built.items()}


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
