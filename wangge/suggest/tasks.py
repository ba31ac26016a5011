"""Background tasks of the learned suggestions (run by `manage.py wangge_worker`)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from wangge.suggest.services import text_models_train_due


@task()
def train_models() -> list[str]:
    """Periodic: retrain the category and request models when the history changed."""
    return [str(row) for row in text_models_train_due(now=timezone.now())]
