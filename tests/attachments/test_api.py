"""POST /api/v1/attachments/ and GET /api/v1/attachments/<id>/."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.attachments.conftest import PDF_BYTES, garbage_bytes, jpeg_bytes, png_bomb_bytes
from wangge.attachments.models import Attachment

pytestmark = pytest.mark.django_db

URL = "/api/v1/attachments/"


def upload(client, payload: bytes, name: str = "photo.jpg", **extra):
    data = {"file": SimpleUploadedFile(name, payload, "image/jpeg"), **extra}
    return client.post(URL, data, format="multipart")


def media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_upload_returns_the_id_and_urls(api, worker_a):
    r = upload(api.as_user(worker_a), jpeg_bytes(gps=True), purpose="before")
    assert r.status_code == 201, r.content
    body = r.json()
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.uploaded_by == worker_a
    assert body["purpose"] == "before"
    assert body["content_type"] == "image/jpeg"
    assert (body["width"], body["height"]) == (800, 600)
    assert body["url"].endswith(f"/attachments/{attachment.pk}/")
    assert body["thumb_url"].endswith(f"/attachments/{attachment.pk}/thumb/")
    assert reverse("api-attachment-upload") == URL


def test_thirty_megabytes_is_refused_before_anything_is_stored(api, resident, settings):
    r = upload(api.as_user(resident), os.urandom(30 * 1024 * 1024))
    assert r.status_code == 413
    # Refused from its declared length, before the body is read (the upload path's cap).
    assert "上限" in r.json()["detail"]
    assert Attachment.objects.count() == 0
    assert media_files(settings) == []


def test_file_just_over_the_cap_is_stopped_while_streaming(api, resident, settings):
    # Within the Content-Length allowance, so the upload handler is what stops it.
    settings.WANGGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    r = upload(api.as_user(resident), jpeg_bytes((64, 64)) + b"\x00" * (2 * 1024 * 1024))
    assert r.status_code == 413
    assert r.json()["detail"] == "图片超过 2 MB 上限"
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (PDF_BYTES, "这个文件实际是PDF 文档"),
        (garbage_bytes(), "无法识别这个文件的内容"),
        (png_bomb_bytes(), "图片尺寸过大"),
    ],
)
def test_bad_files_get_a_clear_chinese_400(api, resident, payload, words):
    r = upload(api.as_user(resident), payload, "IMG_2024.jpg")
    assert r.status_code == 400
    assert words in r.json()["detail"]
    assert Attachment.objects.count() == 0


def test_missing_or_several_files(api, resident):
    client = api.as_user(resident)
    r = client.post(URL, {"purpose": "photo"}, format="multipart")
    assert r.status_code == 400 and "请选择要上传的图片" in r.json()["detail"]
    two = [SimpleUploadedFile(f"{i}.jpg", jpeg_bytes((40, 30))) for i in range(2)]
    r = client.post(URL, {"file": two}, format="multipart")
    assert r.status_code == 400 and r.json()["detail"] == "一次只能上传一张图片"
    assert Attachment.objects.count() == 0


def test_unknown_purpose_is_a_400(api, resident):
    r = upload(api.as_user(resident), jpeg_bytes((40, 30)), purpose="selfie")
    assert r.status_code == 400 and "用途" in r.json()["detail"]


def test_anonymous_upload_is_rate_limited_per_ip(settings):
    settings.WANGGE_UPLOAD_ANON_RATE = "3/hour"
    client = APIClient(REMOTE_ADDR="10.1.2.3")
    for _ in range(3):
        assert upload(client, jpeg_bytes((40, 30))).status_code == 201
    r = upload(client, jpeg_bytes((40, 30)))
    assert r.status_code == 429
    assert r.json()["detail"].startswith("上传太频繁了。 请 ")
    assert int(r["Retry-After"]) > 0
    assert Attachment.objects.count() == 3
    # Another address has its own allowance.
    assert upload(APIClient(REMOTE_ADDR="10.9.9.9"), jpeg_bytes((40, 30))).status_code == 201


def test_accounts_are_not_held_to_the_anonymous_rate(api, worker_a, settings):
    settings.WANGGE_UPLOAD_ANON_RATE = "1/hour"
    settings.WANGGE_UPLOAD_USER_RATE = "3/hour"
    client = api.as_user(worker_a)
    assert [upload(client, jpeg_bytes((40, 30))).status_code for _ in range(4)] == [
        201,
        201,
        201,
        429,
    ]


def test_anonymous_uploader_sees_their_upload_in_the_same_session_only():
    client = APIClient()
    r = upload(client, jpeg_bytes((80, 60)))
    assert r.status_code == 201
    attachment = Attachment.objects.get(pk=r.json()["id"])
    assert attachment.uploaded_by is None
    assert client.get(f"{URL}{attachment.pk}/").status_code == 200
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 200
    stranger = APIClient()
    assert stranger.get(f"{URL}{attachment.pk}/").status_code == 404
    assert stranger.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_detail_of_someone_elses_upload_is_404(api, worker_a, worker_b, admin_user):
    r = upload(api.as_user(worker_a), jpeg_bytes((80, 60)))
    pk = r.json()["id"]
    assert api.as_user(worker_a).get(f"{URL}{pk}/").status_code == 200
    for other in (worker_b, admin_user):
        r = api.as_user(other).get(f"{URL}{pk}/")
        assert r.status_code == 404
        assert r.json()["detail"] == "图片不存在或无权查看"
    assert api.as_user(worker_b).get(f"{URL}not-a-uuid/").status_code == 404


def test_schema_documents_the_upload(api, admin_user):
    r = api.as_user(admin_user).get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    post = r.json()["paths"][URL]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "413", "429"} <= set(post["responses"])


def test_web_form_upload_with_session_needs_the_csrf_token(worker_a):
    client = APIClient(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # sets the CSRF cookie, as the page the form sits on does
    token = client.cookies["csrftoken"].value
    client.force_login(worker_a)
    assert upload(client, jpeg_bytes((40, 30))).status_code == 403
    data = {"file": SimpleUploadedFile("a.jpg", jpeg_bytes((40, 30)))}
    r = client.post(URL, data, format="multipart", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201, r.content
    assert Attachment.objects.get().uploaded_by == worker_a


def test_uploads_spooled_to_disk_are_read_the_same(api, resident, settings):
    # Past FILE_UPLOAD_MAX_MEMORY_SIZE Django writes the upload to a temporary file.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    r = upload(api.as_user(resident), jpeg_bytes((1600, 1200), gps=True))
    assert r.status_code == 201, r.content
    assert (r.json()["width"], r.json()["height"]) == (1600, 1200)
