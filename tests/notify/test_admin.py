"""The administrator's screens: webhook endpoints, dead letters, calendar entries."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.notify.conftest import SECRET
from wangge.core.models import AuditLog
from wangge.grids.models import Grid
from wangge.notify.models import OutboxMessage, OutboxStatus, WebhookEndpoint
from wangge.notify.services import outbox_enqueue
from wangge.workcal.calendar import get_calendar
from wangge.workcal.models import CalendarEntry, CalendarVersion

pytestmark = pytest.mark.django_db


def dead_letter() -> OutboxMessage:
    ep = WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/", secret=SECRET, topics=["*"]
    )
    outbox_enqueue(topic="case.overdue", title="超期", body="", payload={}, dedupe_key="k1")
    msg = OutboxMessage.objects.get(endpoint=ep)
    OutboxMessage.objects.filter(pk=msg.pk).update(
        status=OutboxStatus.DEAD, attempts=8, last_error="HTTP 500: busy"
    )
    return msg


def test_admin_resends_dead_letters(client, admin_user):
    msg = dead_letter()
    client.force_login(admin_user)
    url = "/admin/notify/outboxmessage/"
    assert client.get(url).status_code == 200
    res = client.post(url, {"action": "retry_dead_letters", "_selected_action": [msg.pk]})
    assert res.status_code == 302
    msg.refresh_from_db()
    assert (msg.status, msg.attempts) == (OutboxStatus.PENDING, 0)
    assert msg.next_attempt_at <= timezone.now()
    assert AuditLog.objects.filter(reason="重发死信", actor=admin_user).exists()


def test_others_cannot_resend(client, worker_a, admin_user):
    msg = dead_letter()
    client.force_login(worker_a)
    res = client.post(
        "/admin/notify/outboxmessage/",
        {"action": "retry_dead_letters", "_selected_action": [msg.pk]},
    )
    assert res.status_code == 302 and "/login/" in res["Location"]
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.DEAD


def test_admin_calendar_entry_change_is_seen_at_once(client, admin_user):
    assert get_calendar().is_working_day(date(2026, 3, 10))
    before = CalendarVersion.objects.get().version
    client.force_login(admin_user)
    res = client.post(
        "/admin/workcal/calendarentry/add/",
        {"date": "2026-03-10", "kind": "local_closure", "source": "local", "name": "台风停工"},
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    assert CalendarVersion.objects.get().version == before + 1
    assert not get_calendar().is_working_day(date(2026, 3, 10))
    # A scoped entry must be "local": the form refuses an "official" one with a message.
    community = Grid.objects.get(code="350427001001")
    res = client.post(
        "/admin/workcal/calendarentry/add/",
        {"date": "2026-03-11", "kind": "holiday", "source": "official", "grid": community.pk},
    )
    assert res.status_code == 200
    assert "本地规定" in res.content.decode()
    assert not CalendarEntry.objects.filter(date=date(2026, 3, 11)).exists()
