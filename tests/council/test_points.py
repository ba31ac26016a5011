"""Taking part in a council day earns civility points through the points ledger (rule
"council_day", per person), once per meeting; a sign-in without a bound household earns none."""

from __future__ import annotations

from decimal import Decimal

import time_machine

from tests.community.conftest import bld_a, hh_a, rules, zhao  # noqa: F401  (fixtures)
from tests.conftest import COMMUNITY_A
from wangge.council.models import Attendance
from wangge.council.services import meeting_schedule, meeting_sign_in
from wangge.points.models import PointsEntry


@time_machine.travel("2026-11-17T19:35:00+08:00", tick=False)
def test_attendance_earns_points_once(api, county, community_staff, rules, zhao, resident):  # noqa: F811
    from datetime import datetime
    from zoneinfo import ZoneInfo

    meeting = meeting_schedule(
        actor=community_staff,
        community=county[COMMUNITY_A],
        title="第47期周二说事",
        starts_at=datetime(2026, 11, 17, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        place="红色议事厅",
    )
    r = api.as_user(zhao).post(f"/api/v1/council/meetings/{meeting.pk}/sign-in/")
    assert r.status_code == 201
    row = Attendance.objects.get(meeting=meeting, user=zhao)
    assert row.points == Decimal("2.00")
    entry = PointsEntry.objects.get(source_type="council_meeting", source_id=str(meeting.pk))
    assert entry.amount == Decimal("2.00") and entry.rule.code == "council_day"
    # Twice is refused before anything is written, so no second award either.
    assert (
        api.as_user(zhao).post(f"/api/v1/council/meetings/{meeting.pk}/sign-in/").status_code == 409
    )
    assert PointsEntry.objects.filter(source_type="council_meeting").count() == 1
    # A resident without a household bound to the account is signed in without points.
    row = meeting_sign_in(actor=resident, meeting=meeting)
    assert row.points is None
