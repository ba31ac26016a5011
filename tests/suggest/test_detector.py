"""The chat request detector: the seed's glass warning is a request, by the rules on a fresh
deployment and by the model learned from cases against chit-chat."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.chat.test_detector import CHAT, REQUESTS
from wangge.chat.detector import detect
from wangge.suggest.models import ModelKind
from wangge.suggest.selectors import learned_model
from wangge.suggest.services import text_model_train

# The resident's message in the seed story, word for word.
GLASS = (
    "刚刚下班回来，经过咱们小区16号楼的时候，发现楼下掉了一地的碎玻璃渣儿，"
    "大家经过那里的时候，一定要小心一些，千万别被玻璃伤到。"
)


def test_seed_glass_message_is_a_request_by_the_rules():
    found = detect(GLASS)
    assert found.is_request and found.source == "rules"


@pytest.fixture
def request_model(history):
    row = text_model_train(kind=ModelKind.REQUEST, now=timezone.now())
    assert row is not None and set(row.labels) == {"chat", "request"}
    model = learned_model(ModelKind.REQUEST)
    assert model is not None
    return model


def test_learned_detector_takes_the_glass_message_for_a_request(request_model):
    found = detect(GLASS, learned=request_model)
    assert found.is_request and found.source == "model"
    assert found.probability is not None


def test_learned_detector_keeps_chit_chat_and_requests_apart(request_model):
    for text in CHAT:
        assert not detect(text, learned=request_model).is_request, text
    wrong = [t for t in REQUESTS if not detect(t, learned=request_model).is_request]
    assert not wrong


def test_short_messages_and_bare_mentions_stay_chit_chat(request_model):
    assert not detect("好", learned=request_model).is_request
    found = detect("@王网格员 早上好", mentions=["wx"], staff_ids=["wx"], learned=request_model)
    assert not found.is_request


def test_model_and_rules_are_weighed_together(request_model):
    # With the rules weighed at 0 the model alone decides…
    alone = detect(GLASS, learned=request_model, rules_weight=0.0)
    assert alone.is_request == (alone.probability >= 0.5)
    # …at 1 the glass warning's hazard words count as well.
    assert detect(GLASS, learned=request_model, rules_weight=1.0).is_request
    # "It is fixed now" stays chit-chat though it names the pipe.
    fixed = detect("水管已经修好了，感谢物业", learned=request_model)
    assert not fixed.is_request and fixed.source == "model"
