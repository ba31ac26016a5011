"""Reading the learned models: the newest version per process, and category suggestions.

`learned_model` keeps the newest stored version of each kind in the process and looks at most
every `SUGGEST_RELOAD_SECONDS` whether a newer one was trained (one small query); a newer
version is loaded, replacing the old one for every later call.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from wangge.suggest.features import LinearTextModel
from wangge.suggest.models import ModelKind, TextModel

logger = logging.getLogger(__name__)


@dataclass
class _Loaded:
    checked_at: float
    version: int | None
    model: LinearTextModel | None


_loaded: dict[str, _Loaded] = {}
_lock = threading.Lock()


def learned_model(kind: ModelKind) -> LinearTextModel | None:
    """The newest trained model of `kind`, or None on a deployment without one."""
    now = time.monotonic()
    entry = _loaded.get(kind)
    if entry is not None and now - entry.checked_at < settings.SUGGEST_RELOAD_SECONDS:
        return entry.model
    latest = (
        TextModel.objects.filter(kind=kind)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    if entry is not None and entry.version == latest:
        entry.checked_at = now
        return entry.model
    model = None
    if latest is not None:
        blob = TextModel.objects.filter(kind=kind, version=latest).values_list("weights", flat=True)
        try:
            model = LinearTextModel.from_bytes(bytes(blob[0]), version=latest)
        except (ValueError, IndexError):
            # A damaged row must not stop intake: the rules decide until the next training.
            logger.exception("suggest: %s model v%s cannot be read", kind, latest)
    with _lock:
        _loaded[kind] = _Loaded(now, latest, model)
    return model


def forget_loaded_models() -> None:
    """Drop the per-process copies (tests; a restart does the same)."""
    with _lock:
        _loaded.clear()
