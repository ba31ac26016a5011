"""Training runs store versions; a process loads the newest and reloads when it changes; the
periodic task trains only when the history moved."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from wangge.core.periodic import PERIODIC_TASKS
from wangge.suggest.models import ModelKind, TextModel
from wangge.suggest.selectors import learned_model
from wangge.suggest.services import text_model_train, text_models_train_due

NOW = "2026-11-19T09:40:00+08:00"


def test_fresh_deployment_trains_nothing(categories, close_case):
    close_case("楼下一地碎玻璃", "E0104")
    with time_machine.travel(NOW, tick=False):
        from django.utils import timezone

        assert text_model_train(kind=ModelKind.CATEGORY, now=timezone.now()) is None
    assert not TextModel.objects.exists()
    assert learned_model(ModelKind.CATEGORY) is None


@time_machine.travel(NOW, tick=False)
def test_versions_are_numbered_and_measured(history):
    from django.utils import timezone

    v1 = text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    assert v1 is not None and v1.version == 1
    assert v1.samples == 24 and v1.heldout_size == 6
    assert 0 <= v1.heldout_accuracy <= 1 and v1.heldout_top3 is None
    assert v1.labels == ["C0101", "E0104", "E0201"]
    assert v1.trained_at == timezone.now() and v1.features > 50
    v2 = text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    assert v2 is not None and v2.version == 2


def test_old_versions_are_pruned(history, settings):
    from django.utils import timezone

    settings.SUGGEST_KEEP_VERSIONS = 2
    for _ in range(3):
        text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    assert list(TextModel.objects.values_list("version", flat=True)) == [3, 2]


def test_process_reloads_when_the_version_changes(history, close_case, settings):
    from django.utils import timezone

    text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    first = learned_model(ModelKind.CATEGORY)
    assert first is not None and first.version == 1
    assert learned_model(ModelKind.CATEGORY) is first  # same version: kept, not re-read

    # A new category appears in the history; the next version knows it.
    for text in ["楼道口堆了一堆拆下来的瓷砖", "装修的水泥袋子堆在单元门口", "花坛里倒满了建渣"]:
        close_case(text, "C0403")
    text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    # Within the reload interval the process keeps what it has…
    settings.SUGGEST_RELOAD_SECONDS = 3600
    assert learned_model(ModelKind.CATEGORY) is first
    # …and after it, it loads version 2.
    settings.SUGGEST_RELOAD_SECONDS = 0
    second = learned_model(ModelKind.CATEGORY)
    assert second is not None and second.version == 2 and "C0403" in second.labels


def test_a_damaged_row_falls_back_to_no_model(history, caplog):
    from django.utils import timezone

    row = text_model_train(kind=ModelKind.CATEGORY, now=timezone.now())
    TextModel.objects.filter(pk=row.pk).update(weights=b"\x00garbage")
    assert learned_model(ModelKind.CATEGORY) is None
    assert "cannot be read" in caplog.text


def test_periodic_task_trains_when_the_history_changed(history, close_case):
    from django.utils import timezone

    assert ("wangge.suggest.tasks.train_models", 6 * 3600) in PERIODIC_TASKS
    start = timezone.now() + timedelta(hours=1)  # after the history was written
    with time_machine.travel(start, tick=False):
        trained = text_models_train_due(now=timezone.now())
        assert {(r.kind, r.version) for r in trained} == {
            (ModelKind.CATEGORY, 1),
            (ModelKind.REQUEST, 1),
        }
    with time_machine.travel(start + timedelta(hours=6), tick=False):
        assert text_models_train_due(now=timezone.now()) == []  # nothing new: nothing trained
    with time_machine.travel(start + timedelta(hours=12), tick=False):
        close_case("又有人在楼上半夜拖椅子", "C0101")
    with time_machine.travel(start + timedelta(hours=18), tick=False):
        trained = text_models_train_due(now=timezone.now())
        # A new case, closed: both models learn from it.
        assert sorted((r.kind, r.version) for r in trained) == [
            (ModelKind.CATEGORY, 2),
            (ModelKind.REQUEST, 2),
        ]


def test_the_task_runs_through_the_task_backend(history):
    from wangge.suggest.tasks import train_models

    result = train_models.call()
    assert result == ["事件类别 v1", "群消息诉求识别 v1"]
