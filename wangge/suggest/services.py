"""Training runs: each one that has enough data stores a new version (wangge.suggest.models)."""

from __future__ import annotations

import logging
from datetime import datetime
from itertools import chain

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max

from wangge.suggest.chitchat import CHITCHAT
from wangge.suggest.models import ModelKind, TextModel
from wangge.suggest.training import Algorithm, NotEnoughData, fit

logger = logging.getLogger(__name__)

REQUEST, CHAT = "request", "chat"


def category_training_pairs(*, limit: int) -> list[tuple[str, str]]:
    """(description, final category code) of the most recently closed cases.

    Closed cases only: their category is the one the handling confirmed. Merged reports carry
    the master's outcome, not a check of their own, and are left out.
    """
    from wangge.cases.models import Case, CaseState

    rows = (
        Case.objects.filter(
            state=CaseState.CLOSED, category__isnull=False, merged_into__isnull=True
        )
        .order_by("-closed_at", "-id")
        .values_list("description", "category__code")[:limit]
    )
    return [(d, c) for d, c in rows]


def request_training_pairs(*, limit: int) -> list[tuple[str, str]]:
    """Case descriptions (requests, from every channel) and the problem catalogue's keywords
    against chit-chat: the seed list plus the deployment's own chat messages that raised no
    case. The keywords teach the words of problems the history has not seen yet."""
    from wangge.cases.models import Case, Category
    from wangge.chat.models import ChatMessage, MessageKind

    requests = Case.objects.order_by("-created_at", "-id").values_list("description", flat=True)
    chats = (
        ChatMessage.objects.filter(kind=MessageKind.CHAT, case__isnull=True)
        .order_by("-received_at", "-id")
        .values_list("text", flat=True)
    )
    keywords = [k for cat in Category.objects.filter(is_active=True) for k in cat.keyword_list()]
    return list(
        chain(
            ((t, REQUEST) for t in requests[:limit]),
            ((k, REQUEST) for k in keywords),
            ((t, CHAT) for t in CHITCHAT),
            ((t, CHAT) for t in chats[:limit]),
        )
    )


def configured_algorithm() -> Algorithm:
    value = settings.SUGGEST_ALGORITHM
    if value == "logreg":
        return "logreg"
    if value == "svm":
        return "svm"
    raise ImproperlyConfigured(f"WANGGE_SUGGEST_ALGORITHM must be logreg or svm, not {value!r}")


def text_model_train(
    *, kind: ModelKind, now: datetime, algorithm: Algorithm | None = None
) -> TextModel | None:
    """Fit a model of `kind` on the current history and store it as the next version.

    Returns None (and stores nothing) when the history is still too small: the keyword rules
    keep deciding until then.
    """
    limit = settings.SUGGEST_TRAINING_LIMIT
    pairs = (
        category_training_pairs(limit=limit)
        if kind == ModelKind.CATEGORY
        else request_training_pairs(limit=limit)
    )
    try:
        fitted = fit(
            pairs,
            min_samples=settings.SUGGEST_MIN_SAMPLES,
            min_per_label=settings.SUGGEST_MIN_PER_LABEL,
            algorithm=algorithm or configured_algorithm(),
        )
    except NotEnoughData as exc:
        logger.info("suggest: no %s model trained: %s", kind, exc)
        return None
    blob = fitted.model.to_bytes()
    try:
        with transaction.atomic():
            latest = TextModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
            row = TextModel.objects.create(
                kind=kind,
                version=latest + 1,
                trained_at=now,
                samples=fitted.samples,
                heldout_size=fitted.heldout_size,
                heldout_accuracy=fitted.accuracy,
                heldout_top3=fitted.top3,
                labels=fitted.model.labels,
                features=len(fitted.model.vocabulary),
                weights=blob,
            )
            # Old versions are history only; their weights are what takes the room.
            keep = settings.SUGGEST_KEEP_VERSIONS
            TextModel.objects.filter(kind=kind, version__lte=row.version - keep).delete()
    except IntegrityError:
        # Another trainer stored this version number first; its model is as fresh as ours.
        logger.info("suggest: %s version %s stored by another run", kind, latest + 1)
        return None
    logger.info(
        "suggest: %s v%s on %s samples, held-out accuracy %.3f",
        kind,
        row.version,
        row.samples,
        row.heldout_accuracy,
    )
    return row


def text_models_train_due(*, now: datetime) -> list[TextModel]:
    """Train each kind whose history changed since its newest version (the periodic task)."""
    from wangge.cases.models import Case, CaseState
    from wangge.chat.models import ChatMessage

    trained = []
    for kind in ModelKind:
        last = TextModel.objects.filter(kind=kind).order_by("-version").first()
        if last is not None:
            if kind == ModelKind.CATEGORY:
                changed = Case.objects.filter(
                    state=CaseState.CLOSED, closed_at__gt=last.trained_at
                ).exists()
            else:
                changed = (
                    Case.objects.filter(created_at__gt=last.trained_at).exists()
                    or ChatMessage.objects.filter(received_at__gt=last.trained_at).exists()
                )
            if not changed:
                continue
        row = text_model_train(kind=kind, now=now)
        if row is not None:
            trained.append(row)
    return trained
