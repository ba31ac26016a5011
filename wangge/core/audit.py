"""Business data changes in the audit log, with the old and new value of every changed field.

One helper for every write of configuration and base data (residents, categories, routing
rules, departments, calendar entries, care levels …), called by the services and, through
`wangge.core.admin.AuditedAdmin`, by the admin's saves:

    before = audit_snapshot(resident)          # None for a new row
    ... change and save ...
    audit_data_change(actor=actor, target=resident, before=before, request=request)

Personal data stays out of the log: encrypted columns (`*_cipher`) are never read, and a
change of a value kept only as a keyed hash (`*_hash`, e.g. an ID number) is recorded as
"changed" without any value. The auditor reads the records in the admin (审计日志); the
administrator who made the change cannot.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import HttpRequest

from wangge.core.models import AuditLog
from wangge.core.services import audit_record

HIDDEN = "（已加密，不记录）"
_SECRET_SUFFIX = "_hash"
_SKIPPED_SUFFIXES = ("_cipher",)
_SKIPPED_NAMES = frozenset({"password", "secret", "key_hash", "token"})


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text, decimals and ids as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def audit_snapshot(obj: Model) -> dict[str, Any]:
    """The audited values of one row: its columns (foreign keys as ids) and many-to-many ids."""
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        name = f.name
        if name in _SKIPPED_NAMES or name.endswith(_SKIPPED_SUFFIXES):
            continue
        if getattr(f, "auto_now", False):  # "updated at" changes with every save
            continue
        if name.endswith(_SECRET_SUFFIX):
            # Compared, never shown: "id_hash" changed means the ID number changed.
            values[name.removesuffix(_SECRET_SUFFIX)] = ("hash", getattr(obj, f.attname))
            continue
        values[name] = _plain(getattr(obj, f.attname))
    if obj.pk is not None:
        for m2m in obj._meta.many_to_many:
            related = getattr(obj, m2m.name).values_list("pk", flat=True)
            values[m2m.name] = sorted(_plain(pk) for pk in related)
    return values


def _shown(value: Any) -> Any:
    return HIDDEN if isinstance(value, tuple) and value[:1] == ("hash",) else value


def audit_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """{field: [old, new]} for every field that differs (a new row: old None; deleted: new None)."""
    before, after = before or {}, after or {}
    return {
        name: [_shown(before.get(name)), _shown(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_data_change(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    target: Model,
    before: dict[str, Any] | None,
    deleted: bool = False,
    request: HttpRequest | None = None,
    reason: str = "",
) -> AuditLog | None:
    """Record what changed in `target` since `before` (None: it was created; `deleted`: it is
    gone). Nothing is recorded when no audited field changed."""
    after = None if deleted else audit_snapshot(target)
    changes = audit_changes(before, after)
    if not changes:
        return None
    if before is None:
        action = AuditLog.Action.DATA_CREATE
    elif deleted:
        action = AuditLog.Action.DATA_DELETE
    else:
        action = AuditLog.Action.DATA_UPDATE
    return audit_record(
        action=action,
        actor=actor,
        request=request,
        target=target,
        reason=reason,
        detail={"object": str(target)[:200], "changes": changes},
    )
