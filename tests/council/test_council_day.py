"""A council day (周二说事日) replayed end to end through the API, as its people do it:
three topics (a resident's from the phone, one from a case in one click, one from staff), a
meeting with attendance, minutes, decisions with owners, answers, follow-up, archive, and the
printable minutes sheet."""

from __future__ import annotations

import time_machine
from django.test import Client

from tests.conftest import COMMUNITY_A, GRID_A, GRID_A2
from wangge.council.models import Attendance, Meeting, Topic, TopicEvent
from wangge.notify.models import InboxItem, OutboxMessage

MONDAY = "2026-11-16T10:00:00+08:00"
TUESDAY_EVENING = "2026-11-17T19:25:00+08:00"
TWO_WEEKS_LATER = "2026-12-01T10:00:00+08:00"


def test_council_day_end_to_end(
    api, county, community_staff, worker_a, grid_head, resident, submit
):
    with time_machine.travel(MONDAY, tick=False) as clock:
        # 问事 — three ways in.
        api.as_user(resident)
        r = api.post(
            "/api/v1/council/topics/",
            {
                "community": COMMUNITY_A,
                "grid": GRID_A,
                "title": "16号楼前停车难",
                "description": "晚上电动车和汽车挤在一起，消防通道被堵。",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        t_resident = r.json()
        assert t_resident["source"] == "resident" and t_resident["step"] == "asked"

        case = submit(resident, description="3栋楼道的窗户玻璃碎了，小孩进出很危险")
        api.as_user(community_staff)
        r = api.post(
            "/api/v1/council/topics/from-case/",
            {"tracking_code": case.tracking_code},
            format="json",
        )
        assert r.status_code == 201, r.json()
        t_case = r.json()
        assert t_case["source"] == "case" and t_case["case"] == case.tracking_code
        # The same click twice: one topic per case.
        again = api.post(
            "/api/v1/council/topics/from-case/",
            {"tracking_code": case.tracking_code},
            format="json",
        )
        assert again.status_code == 409 and "已列入议事" in again.json()["detail"]

        r = api.post(
            "/api/v1/council/topics/",
            {
                "community": COMMUNITY_A,
                "title": "小区广场舞音响扰民时段",
                "description": "协商跳舞时段和音量。",
            },
            format="json",
        )
        t_staff = r.json()
        assert r.status_code == 201 and t_staff["source"] == "staff"

        # The meeting: date, place, grids it covers, invited representatives.
        r = api.post(
            "/api/v1/council/meetings/",
            {
                "community": COMMUNITY_A,
                "title": "怡园社区第47期周二说事",
                "starts_at": "2026-11-17T19:30:00+08:00",
                "place": "社区红色议事厅",
                "grids": [GRID_A, GRID_A2],
                "invitees": [grid_head.username, resident.username],
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        meeting = r.json()
        assert {g["code"] for g in meeting["grids"]} == {GRID_A, GRID_A2}
        for t in (t_resident, t_case, t_staff):
            r = api.post(
                f"/api/v1/council/meetings/{meeting['id']}/agenda/",
                {"topic": t["id"]},
                format="json",
            )
            assert r.status_code == 200, r.json()
        agenda = r.json()["agenda"]
        assert [a["id"] for a in agenda] == [t_resident["id"], t_case["id"], t_staff["id"]]
        assert [a["agenda_order"] for a in agenda] == [1, 2, 3]

        # 说事 — the evening of the meeting: sign-in on the phone and by staff.
        clock.move_to(TUESDAY_EVENING)
        api.as_user(resident)
        r = api.post(f"/api/v1/council/meetings/{meeting['id']}/sign-in/", {}, format="json")
        assert r.status_code == 201 and r.json()["method"] == "self"
        twice = api.post(f"/api/v1/council/meetings/{meeting['id']}/sign-in/", {}, format="json")
        assert twice.status_code == 409 and "已签到" in twice.json()["detail"]
        api.as_user(community_staff)
        r = api.post(
            f"/api/v1/council/meetings/{meeting['id']}/sign-in/",
            {"user": grid_head.username, "role_note": "网格长"},
            format="json",
        )
        assert r.status_code == 201 and r.json()["method"] == "staff"
        r = api.post(
            f"/api/v1/council/meetings/{meeting['id']}/sign-in/",
            {"name": "王大爷", "role_note": "楼栋代表"},
            format="json",
        )
        assert r.status_code == 201
        assert Attendance.objects.filter(meeting_id=meeting["id"]).count() == 3
        # Participation is announced for the points ledger (one message per attendee).
        assert OutboxMessage.objects.filter(topic="council.attended").count() == 0  # no endpoint

        minutes = {
            t_resident["id"]: "居民代表、物业、网格长讨论：划定电动车集中停放区。",
            t_case["id"]: "物业同意本周内更换玻璃，费用从应急资金列支。",
            t_staff["id"]: "广场舞队同意晚上八点半后降低音量。",
        }
        for tid, text in minutes.items():
            r = api.post(f"/api/v1/council/topics/{tid}/discuss/", {"minutes": text}, format="json")
            assert r.status_code == 200, r.json()
            assert r.json()["step"] == "discussed"
        assert Meeting.objects.get(pk=meeting["id"]).state == "held"

        # 解事 — decisions with owners and due dates; the case decision links its case.
        owners = {t_resident["id"]: worker_a, t_case["id"]: grid_head, t_staff["id"]: worker_a}
        for tid, owner in owners.items():
            body = {
                "text": "落实：" + minutes[tid],
                "owner": owner.username,
                "due_on": "2026-11-24",
            }
            if tid == t_case["id"]:
                body["case"] = case.tracking_code
            r = api.post(f"/api/v1/council/topics/{tid}/decide/", body, format="json")
            assert r.status_code == 200, r.json()
            d = r.json()["decision"]
            assert d["owner"] == owner.username and d["due_on"] == "2026-11-24"
        assert r.json()["step"] == "decided"
        # The owners hear of it in their inbox.
        assert (
            InboxItem.objects.filter(user=worker_a, topic="council.decision_assigned").count() == 2
        )

        # 息事 — answers through the proposer's channel (the inbox of their account).
        for tid in minutes:
            r = api.post(
                f"/api/v1/council/topics/{tid}/answer/",
                {"text": "经议事会商议，已明确责任人和完成时限。"},
                format="json",
            )
            assert r.status_code == 200, r.json()
            assert r.json()["step"] == "answered"
        answers = InboxItem.objects.filter(user=resident, topic="council.answered")
        assert answers.count() == 2  # her own topic and the case she reported

        # The owner reports done; 回访宁事 records settled and satisfaction.
        api.as_user(worker_a)
        mine = api.get("/api/v1/council/decisions/?mine=1").json()
        assert mine["count"] == 2
        r = api.post(
            f"/api/v1/council/decisions/{mine['results'][0]['id']}/done/",
            {"note": "停放区已划线"},
            format="json",
        )
        assert r.status_code == 200 and r.json()["done_at"]

        clock.move_to(TWO_WEEKS_LATER)
        api.as_user(community_staff)
        for tid, (settled, score) in zip(minutes, [(True, 5), (True, 4), (False, 2)], strict=True):
            r = api.post(
                f"/api/v1/council/topics/{tid}/follow-up/",
                {"settled": settled, "satisfaction": score, "note": "电话回访"},
                format="json",
            )
            assert r.status_code == 200, r.json()
            assert r.json()["step"] == "followed"

        # 归档完事.
        r = api.post(
            f"/api/v1/council/meetings/{meeting['id']}/archive/",
            {"summary": "三项议题均已明确责任人，两项已解决。"},
            format="json",
        )
        assert r.status_code == 200, r.json()
        assert r.json()["state"] == "archived"
        assert {a["step"] for a in r.json()["agenda"]} == {"archived"}

        # Each topic walked the six steps in order, one event per step.
        for tid in minutes:
            moves = TopicEvent.objects.filter(topic_id=tid).order_by("seq")
            steps = [e.to_step for e in moves if e.from_step and e.from_step != e.to_step]
            assert steps == ["discussed", "decided", "answered", "followed", "archived"]

        # Statistics of the day.
        stats = api.get("/api/v1/council/stats/?start=2026-11-01&end=2026-12-31").json()
        assert stats["meetings_held"] == 1
        assert stats["topics"] == 3
        assert stats["settled_rate"] == round(2 / 3, 4)
        assert stats["satisfaction"] == round((5 + 4 + 2) / 3, 2)

        # The printable minutes sheet (print stylesheet page).
        web = Client()
        web.force_login(community_staff)
        page = web.get(f"/council/meetings/{meeting['id']}/minutes/")
        assert page.status_code == 200
        html = page.content.decode()
        for text in [*minutes.values(), "王大爷", "社区红色议事厅", "三项议题均已明确责任人"]:
            assert text in html
        assert "@media print" in html or "print.css" in html


def test_topic_never_moves_backwards(api, county, community_staff, worker_a):
    with time_machine.travel(TUESDAY_EVENING, tick=False):
        api.as_user(community_staff)
        t = api.post(
            "/api/v1/council/topics/",
            {"community": COMMUNITY_A, "title": "楼道堆物", "description": "清理楼道堆物"},
            format="json",
        ).json()
        m = api.post(
            "/api/v1/council/meetings/",
            {
                "community": COMMUNITY_A,
                "title": "说事",
                "starts_at": "2026-11-17T19:30:00+08:00",
                "place": "议事厅",
            },
            format="json",
        ).json()
        api.post(f"/api/v1/council/meetings/{m['id']}/agenda/", {"topic": t["id"]}, format="json")
        api.post(f"/api/v1/council/topics/{t['id']}/discuss/", {"minutes": "讨论"}, format="json")
        api.post(
            f"/api/v1/council/topics/{t['id']}/decide/",
            {"text": "清理", "owner": worker_a.username, "due_on": "2026-11-20"},
            format="json",
        )
        before = TopicEvent.objects.filter(topic_id=t["id"]).count()
        r = api.post(
            f"/api/v1/council/topics/{t['id']}/discuss/", {"minutes": "再讨论"}, format="json"
        )
        assert r.status_code == 409
        assert r.json()["detail"] == "议题已到「解事」环节，不能退回「说事」"
        assert TopicEvent.objects.filter(topic_id=t["id"]).count() == before
        assert Topic.objects.get(pk=t["id"]).minutes == "讨论"
