"""抢单 on real PostgreSQL: of 8+ takers pressing "take" at once, exactly one wins."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.conftest import COMMUNITY_A, make_user
from wangge.community.models import ServiceOrder, ServiceOrderEvent
from wangge.community.services import order_place, order_transition, volunteer_register
from wangge.core.api import Conflict

TAKERS = 10
ORDERS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_takers_one_winner_per_order(county, zhao, community_staff, catalogue):
    takers = []
    for i in range(TAKERS):
        u = make_user(f"taker{i}")
        volunteer_register(actor=None, community=county[COMMUNITY_A], name=f"志愿者{i}", user=u)
        takers.append(u)
    codes = []
    for i in range(ORDERS):
        o = order_place(actor=zhao, item=catalogue["理发"], description=f"第{i}位老人上门理发")
        order_transition(order=o, actor=community_staff, action="confirm")
        codes.append(o.pk)
    barrier = threading.Barrier(TAKERS)
    wins: dict[int, list[int]] = {pk: [] for pk in codes}
    losses: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(user):
        try:
            barrier.wait()
            for pk in codes:
                try:
                    order_transition(order=ServiceOrder(pk=pk), actor=user, action="take")
                    with lock:
                        wins[pk].append(user.pk)
                except Conflict as exc:
                    assert "已被" in exc.message or exc.code == "stale", exc.message
                    with lock:
                        losses.append(exc.code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in takers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(len(w) == 1 for w in wins.values()), wins
    assert len(losses) == ORDERS * (TAKERS - 1)
    for pk in codes:
        o = ServiceOrder.objects.get(pk=pk)
        assert o.state == "taken" and o.assignee_id == wins[pk][0]
        assert ServiceOrderEvent.objects.filter(order_id=pk, kind="take").count() == 1
    assert len({w[0] for w in wins.values()}) > 1  # a real race, not one thread doing it all
