"""/attachments/<id>/ and /thumb/: the only door to the files, checked by the owner's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.attachments.conftest import jpeg_bytes, png_bytes
from tests.conftest import GRID_A, GRID_B
from wangge.accounts.tokens import token_issue
from wangge.attachments.services import attachment_link, attachment_store
from wangge.attachments.signing import attachment_url

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def photo_of_grid_a(worker_a, county, grid_photos):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes(gps=True), filename="井盖.jpg")
    return attachment_link(attachment=attachment, owner=county[GRID_A])


def test_headers_of_a_served_photo(worker_a):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes(), filename="井盖.jpg")
    r = browser(worker_a).get(attachment_url(attachment))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''%E4%BA%95%E7%9B%96.jpg" in r["Content-Disposition"]
    assert "private" in r["Cache-Control"] and "public" not in r["Cache-Control"]
    assert "sandbox" in r["Content-Security-Policy"]
    body = b"".join(r.streaming_content)
    assert len(body) == attachment.size and b"Exif" not in body


def test_png_keeps_its_type_and_the_thumbnail_is_jpeg(worker_a):
    attachment = attachment_store(actor=worker_a, upload=png_bytes(transparent=True), filename="a")
    client = browser(worker_a)
    assert client.get(attachment_url(attachment))["Content-Type"] == "image/png"
    r = client.get(attachment_url(attachment, thumb=True))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_unlinked_upload_is_the_uploaders_alone(worker_a, worker_b, admin_user, resident):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes((80, 60)), filename="a.jpg")
    assert browser(worker_a).get(attachment_url(attachment)).status_code == 200
    for other in (worker_b, admin_user, resident, None):
        assert browser(other).get(attachment_url(attachment)).status_code == 404
        assert browser(other).get(attachment_url(attachment, thumb=True)).status_code == 404


def test_linked_photo_follows_the_owner_scope(
    photo_of_grid_a, worker_a, worker_b, community_staff, operator, admin_user, resident
):
    url = attachment_url(photo_of_grid_a)
    # The grid of A, its community and the district centre see it …
    for user in (worker_a, community_staff, operator):
        assert browser(user).get(url).status_code == 200, user
    # … the worker of grid B, a resident, an anonymous visitor do not: 404, as if absent.
    for user in (worker_b, resident, None):
        assert browser(user).get(url).status_code == 404
        assert browser(user).get(attachment_url(photo_of_grid_a, thumb=True)).status_code == 404
    # Administrators configure; they get no look at residents' photos unless the owner says so
    # (here the grid check grants them, as their scope covers everything).
    assert browser(admin_user).get(url).status_code == 200


def test_grid_b_photo_is_hidden_from_grid_a(worker_a, worker_b, county, grid_photos, api):
    attachment = attachment_store(actor=worker_b, upload=jpeg_bytes((80, 60)), filename="b.jpg")
    attachment_link(attachment=attachment, owner=county[GRID_B])
    assert browser(worker_a).get(attachment_url(attachment)).status_code == 404
    assert api.as_user(worker_a).get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    assert browser(worker_b).get(attachment_url(attachment)).status_code == 200
    assert api.as_user(worker_b).get(f"/api/v1/attachments/{attachment.pk}/").status_code == 200


def test_no_registered_check_means_no_access(
    photo_of_grid_a, worker_a, community_staff, monkeypatch
):
    from wangge.attachments import access

    monkeypatch.delitem(access._checks, "grids.grid")
    # The uploader still sees their own photo; nobody else does.
    assert browser(worker_a).get(attachment_url(photo_of_grid_a)).status_code == 200
    assert browser(community_staff).get(attachment_url(photo_of_grid_a)).status_code == 404


def test_token_header_works_for_apps(photo_of_grid_a, worker_a, worker_b):
    url = attachment_url(photo_of_grid_a)
    token_a = token_issue(user=worker_a).key
    token_b = token_issue(user=worker_b).key
    assert Client().get(url, HTTP_AUTHORIZATION=f"Token {token_a}").status_code == 200
    assert Client().get(url, HTTP_AUTHORIZATION=f"Token {token_b}").status_code == 404
    assert Client().get(url, HTTP_AUTHORIZATION="Token nonsense").status_code == 404


def test_signed_url_lets_a_checked_page_show_the_photo(photo_of_grid_a):
    url = attachment_url(photo_of_grid_a, signed=True)
    assert Client().get(url).status_code == 200
    thumb = attachment_url(photo_of_grid_a, thumb=True, signed=True)
    assert Client().get(thumb).status_code == 200
    # Tampered, or for another attachment: refused.
    assert Client().get(url[:-3] + "abc").status_code == 404
    other = attachment_store(actor=None, upload=jpeg_bytes((40, 30)), filename="x.jpg")
    token = url.split("?", 1)[1]
    assert Client().get(f"{attachment_url(other)}?{token}").status_code == 404


def test_signed_url_expires(photo_of_grid_a, settings):
    settings.WANGGE_ATTACHMENT_SIGNED_URL_SECONDS = 600
    url = attachment_url(photo_of_grid_a, signed=True)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert Client().get(url).status_code == 404


def test_etag_answers_304(worker_a):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes((80, 60)), filename="a.jpg")
    client = browser(worker_a)
    first = client.get(attachment_url(attachment))
    again = client.get(attachment_url(attachment), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["X-Content-Type-Options"] == "nosniff"
    # A stranger with a guessed ETag learns nothing: 404 before the ETag is looked at.
    assert (
        Client().get(attachment_url(attachment), HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 404
    )


def test_only_safe_methods(worker_a):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes((80, 60)), filename="a.jpg")
    client = browser(worker_a)
    assert client.head(attachment_url(attachment)).status_code == 200
    assert client.post(attachment_url(attachment)).status_code == 405
    assert client.delete(attachment_url(attachment)).status_code == 405


def test_media_is_never_served_directly(worker_a, settings):
    attachment = attachment_store(actor=worker_a, upload=jpeg_bytes((80, 60)), filename="a.jpg")
    assert (settings.MEDIA_ROOT / attachment.storage_name).is_file()
    r = browser(worker_a).get(f"/{settings.MEDIA_URL}{attachment.storage_name}")
    assert r.status_code == 404


def test_unknown_id_is_404(worker_a):
    r = browser(worker_a).get("/attachments/00000000-0000-4000-8000-000000000000/")
    assert r.status_code == 404
