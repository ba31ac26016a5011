"""Who may see a linked attachment: a registry that the owning apps fill.

An attachment linked to an owner row (a case, a case event, a care visit, …) is shown to a
user only when the owner's app says that user may see that row. Each owning app registers one
check per owner model, normally in its `AppConfig.ready()`::

    # wangge/cases/apps.py
    class CasesConfig(AppConfig):
        def ready(self) -> None:
            from wangge.attachments.access import register_access
            from wangge.cases.selectors import case_visible_to

            register_access("cases.case", case_visible_to)

The check is called as ``check(user, owner_id) -> bool``:

- ``user`` is the requesting user and may be ``AnonymousUser`` (a resident who is not logged
  in) — return False unless anonymous people may see the row;
- ``owner_id`` is the owner's primary key, already converted to the model's key type (an
  ``int`` for an ``AutoField``/``BigAutoField``, a ``uuid.UUID`` for a ``UUIDField``);
- it must apply the same scope rules as the owner's own getter (a worker of grid A gets
  False for a case of grid B) and return False for a row that does not exist;
- it should cost one or two queries: it runs for every photo request.

There is no default: an owner model without a registered check shows its photos to nobody
(but the uploader), and linking to such a model fails at once (`ImproperlyConfigured`), so a
forgotten registration is found by the first test that links a photo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured, ValidationError

logger = logging.getLogger(__name__)

AccessCheck = Callable[[Any, Any], bool]

_checks: dict[str, AccessCheck] = {}


def _normalise(owner_label: str) -> str:
    label = owner_label.strip().lower()
    if label.count(".") != 1:
        raise ImproperlyConfigured(f"owner label must be 'app_label.model', got {owner_label!r}")
    return label


def register_access(owner_label: str, check: AccessCheck) -> None:
    """Register `check(user, owner_id) -> bool` for attachments owned by `owner_label` rows.

    `owner_label` is the model's ``_meta.label_lower`` ("cases.case"). Registering the same
    check twice is harmless; registering a different one for a label already taken raises
    ImproperlyConfigured (two apps must not disagree on who sees a row's photos).
    """
    label = _normalise(owner_label)
    try:
        apps.get_model(label)
    except LookupError as exc:
        raise ImproperlyConfigured(f"register_access: no installed model {label!r}") from exc
    existing = _checks.get(label)
    if existing is not None and existing is not check:
        raise ImproperlyConfigured(f"register_access: {label!r} already has a check")
    _checks[label] = check


def has_access_check(owner_label: str) -> bool:
    return _normalise(owner_label) in _checks


def owner_visible(user: Any, owner_label: str, owner_id: str) -> bool:
    """Whether `user` may see the owner row (and so its attachments). Fails closed."""
    label = _normalise(owner_label)
    check = _checks.get(label)
    if check is None:
        logger.warning("attachments: no access check registered for %s; refusing", label)
        return False
    try:
        model = apps.get_model(label)
        pk = model._meta.pk.to_python(owner_id)
    except (LookupError, ValidationError):
        return False
    return bool(check(user, pk))
