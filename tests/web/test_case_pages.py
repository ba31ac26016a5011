"""The case pages through Django's test client: scoping, forms, refusals (the browser tests
cover the same pages end to end in Chromium)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GRID_A, GRID_B, grid_centre

DESCRIPTION = "16号楼楼下有一地碎玻璃，小孩容易踩到"


@pytest.fixture
def case_a(county, categories, resident):
    from wangge.cases.services import case_submit

    lat, lng = grid_centre(county[GRID_A])
    return case_submit(
        actor=resident, channel="h5", description=DESCRIPTION, lat=lat, lng=lng,
        category_code="E0104",
    ).case  # fmt: skip


def jpeg(name: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 160, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_worker_b_cannot_see_or_touch_grid_a_case(case_a, worker_b):
    client = client_for(worker_b)
    code = case_a.tracking_code
    assert client.get(f"/cases/{code}/").status_code == 404
    assert client.post(f"/cases/{code}/claim/").status_code == 404
    assert client.post(f"/cases/{code}/do/resolve/", {"reason": "x"}).status_code == 404
    assert code not in client.get("/grid-work/queue/").content.decode()
    case_a.refresh_from_db()
    assert case_a.state == "dispatched"


@pytest.mark.django_db
def test_worker_a_queue_lists_the_case_and_claims_it(case_a, worker_a):
    client = client_for(worker_a)
    code = case_a.tracking_code
    assert code in client.get("/grid-work/queue/", HTTP_HX_REQUEST="true").content.decode()
    response = client.post(f"/cases/{code}/claim/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{code}/"
    case_a.refresh_from_db()
    assert case_a.state == "claimed" and case_a.assignee == worker_a


@pytest.mark.django_db
def test_resolve_without_a_note_is_refused_next_to_the_field(case_a, worker_a):
    from wangge.cases.services import case_transition

    case_transition(case=case_a, actor=worker_a, action="claim")
    response = client_for(worker_a).post(f"/cases/{case_a.tracking_code}/do/resolve/", {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写处置的理由或说明" in html
    assert 'details class="action" open data-action="resolve"' in html
    case_a.refresh_from_db()
    assert case_a.state == "claimed"


@pytest.mark.django_db
def test_unknown_action_is_refused(case_a, operator):
    response = client_for(operator).post(f"/cases/{case_a.tracking_code}/do/explode/")
    assert response.status_code == 400
    assert "未知操作" in response.content.decode()


@pytest.mark.django_db
def test_report_form_keeps_input_and_shows_chinese_error(county, categories):
    response = client_for().post("/report/", {"address": "府前路口", "contact_phone": "138"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请描述您遇到的问题" in html
    assert 'value="府前路口"' in html


@pytest.mark.django_db
def test_anonymous_report_gets_a_tracking_code_and_is_routed(county, categories):
    from wangge.cases.models import Case

    lat, lng = grid_centre(county[GRID_B])
    client = client_for()
    form = client.get("/report/").context["form"]
    response = client.post(
        "/report/",
        {
            "description": DESCRIPTION,
            "category": "E0104",
            "lat": lat,
            "lng": lng,
            "anonymous": "on",
            "contact_name": "不该留下",
            "idempotency_key": form.initial["idempotency_key"],
        },
    )
    assert response.status_code == 302
    code = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(tracking_code=code)
    assert case.anonymous and case.contact_name == "" and case.reporter is None
    assert case.grid.code == GRID_B and case.state == "dispatched"
    done = client.get(response["Location"])
    assert code in done.content.decode()
    # The same form sent twice (a double tap) files one case.
    again = client.post(
        "/report/",
        {"description": DESCRIPTION, "category": "E0104", "lat": lat, "lng": lng,
         "anonymous": "on", "contact_name": "不该留下",
         "idempotency_key": form.initial["idempotency_key"]},
    )  # fmt: skip
    assert again.status_code == 302
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_public_tracking_page_shows_plain_words_and_no_staff_names(case_a, worker_a):
    from wangge.cases.services import case_transition

    case_transition(case=case_a, actor=worker_a, action="claim")
    case_transition(case=case_a, actor=worker_a, action="comment", reason="内部备注：物业推诿")
    html = client_for().get(f"/track/{case_a.tracking_code}/").content.decode()
    assert "工作人员已接单，正在处理" in html
    assert "物业推诿" not in html
    assert "worker_a" not in html
    assert client_for().get("/track/ZZZZZZZZ/").status_code == 404


@pytest.mark.django_db
def test_only_the_reporter_answers(case_a, worker_a, resident):
    from tests.conftest import make_user
    from wangge.cases.services import case_transition

    case_transition(case=case_a, actor=worker_a, action="claim")
    case_transition(case=case_a, actor=worker_a, action="resolve", reason="已清扫")
    stranger = make_user("neighbour")
    url = f"/track/{case_a.tracking_code}/answer/"
    answer = {"solved": "solved", "satisfaction": "satisfied"}
    response = client_for(stranger).post(url, answer)
    assert response.status_code == 403 and "只有反映人" in response.content.decode()
    # Both questions must be answered; the refusal keeps the typed words.
    response = client_for(resident).post(url, {"solved": "solved", "comment": "很好"})
    assert response.status_code == 400
    assert "请回答“对处理满意吗？”" in response.content.decode()
    assert "很好" in response.content.decode()
    case_a.refresh_from_db()
    assert case_a.state == "resolved"
    # Not solved: back to work.
    response = client_for(resident).post(
        url, {"solved": "not_solved", "satisfaction": "not_satisfied", "comment": "玻璃还在"}
    )
    assert response.status_code == 302
    case_a.refresh_from_db()
    assert case_a.state == "dispatched" and case_a.rework_count == 1


@pytest.mark.django_db
def test_console_is_for_centre_and_community_staff(case_a, operator, worker_a, resident):
    assert client_for(resident).get("/console/").status_code == 403
    assert client_for(worker_a).get("/console/").status_code == 403
    html = client_for(operator).get("/console/?tab=open").content.decode()
    assert case_a.tracking_code in html


@pytest.mark.django_db
def test_phone_entry_and_patrol_settle(county, categories, operator, worker_a):
    from wangge.cases.models import Case

    lat, lng = grid_centre(county[GRID_A])
    client = client_for(operator)
    response = client.post(
        "/console/phone/",
        {"description": "来电：路灯不亮", "contact_name": "王先生", "contact_phone": "13800000000",
         "lat": lat, "lng": lng},
    )  # fmt: skip
    assert response.status_code == 302
    assert Case.objects.get(channel="phone").contact_name == "王先生"

    response = client_for(worker_a).post(
        "/grid-work/patrol/",
        {"description": "绿化带里有垃圾", "category": "E0104", "lat": lat, "lng": lng,
         "settle": "on", "resolution": "已当场清理",
         "photos": [jpeg("before.jpg")], "result_photos": [jpeg("after.jpg")]},
    )  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get(channel="patrol")
    assert case.state == "closed"
    kinds = {e.kind: e.payload.get("attachments", []) for e in case.events.all()}
    assert len(kinds["submit"]) == 1 and len(kinds["settle_on_spot"]) == 1
    # Settling needs a note, shown next to its field.
    response = client_for(worker_a).post(
        "/grid-work/patrol/",
        {"description": "绿化带里有垃圾", "lat": lat, "lng": lng, "settle": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "现场结案请填写处置情况" in html
    assert "现场结案请附处置后照片" in html


@pytest.mark.django_db
def test_report_map_outlines_are_public_and_carry_only_names(county):
    response = client_for().get("/report/grids.geojson")
    assert response.status_code == 200
    features = response.json()["features"]
    assert {f["properties"]["level"] for f in features} == {"community", "zone", "micro"}
    assert set(features[0]["properties"]) == {"code", "name", "level"}
    assert GRID_A in {f["properties"]["code"] for f in features}


@pytest.mark.django_db
def test_category_suggestion_fragment(categories):
    html = client_for().get("/report/suggest/", {"description": "楼下一地碎玻璃"}).content.decode()
    assert 'data-accept-category="E0104"' in html
    assert client_for().get("/report/suggest/", {"description": "你好"}).content.strip() == b""
