"""Linking uploads to their owner, the access registry, and purging stale uploads."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from tests.attachments.conftest import jpeg_bytes
from tests.conftest import GRID_A, GRID_A2, GRID_B
from wangge.attachments.access import owner_visible, register_access
from wangge.attachments.models import Attachment
from wangge.attachments.selectors import attachment_list_for_owner
from wangge.attachments.services import attachment_link, attachment_store, attachments_link
from wangge.core.api import Conflict, NotFound, ServiceError
from wangge.core.models import AuditLog

pytestmark = pytest.mark.django_db


def photo(actor, name: str = "a.jpg") -> Attachment:
    return attachment_store(actor=actor, upload=jpeg_bytes((64, 48)), filename=name)


def test_link_the_named_photos_in_order(worker_a, county, grid_photos):
    photos = [photo(worker_a, f"{i}.jpg") for i in range(3)]
    ids = [str(p.pk) for p in reversed(photos)]
    linked = attachments_link(actor=worker_a, attachment_ids=ids, owner=county[GRID_A])
    assert [str(a.pk) for a in linked] == ids
    assert [str(a.pk) for a in attachment_list_for_owner(county[GRID_A])] == ids
    row = Attachment.objects.get(pk=photos[0].pk)
    assert row.owner_label == "grids.grid" and row.owner_id == str(county[GRID_A].pk)
    assert row.linked_at is not None


def test_retrying_the_same_submission_is_harmless(worker_a, county, grid_photos):
    p = photo(worker_a)
    attachments_link(actor=worker_a, attachment_ids=[p.pk], owner=county[GRID_A])
    again = attachments_link(actor=worker_a, attachment_ids=[p.pk, p.pk], owner=county[GRID_A])
    assert [a.pk for a in again] == [p.pk]


def test_a_photo_belongs_to_one_owner(worker_a, county, grid_photos):
    p = photo(worker_a)
    attachment_link(attachment=p, owner=county[GRID_A])
    with pytest.raises(Conflict, match="已用于其他记录"):
        attachments_link(actor=worker_a, attachment_ids=[p.pk], owner=county[GRID_A2])
    stale = Attachment.objects.get(pk=p.pk)
    stale.owner_type = None  # a copy read before the link: the guarded update still refuses
    stale.owner_id = ""
    with pytest.raises(Conflict):
        attachment_link(attachment=stale, owner=county[GRID_A2])
    assert Attachment.objects.get(pk=p.pk).owner_id == str(county[GRID_A].pk)


def test_someone_elses_upload_cannot_be_linked(worker_a, worker_b, county, grid_photos):
    mine = photo(worker_a)
    theirs = photo(worker_b)
    with pytest.raises(NotFound, match="不存在或已失效"):
        attachments_link(actor=worker_a, attachment_ids=[mine.pk, theirs.pk], owner=county[GRID_A])
    # All or nothing: the first was not linked either.
    assert not Attachment.objects.get(pk=mine.pk).is_linked
    with pytest.raises(NotFound):
        attachments_link(actor=worker_a, attachment_ids=[uuid.uuid4()], owner=county[GRID_A])


def test_anonymous_uploads_are_linkable_by_whoever_holds_the_id(resident, county, grid_photos):
    anonymous = photo(None)
    linked = attachments_link(
        actor=AnonymousUser(), attachment_ids=[str(anonymous.pk)], owner=county[GRID_B]
    )
    assert linked[0].is_linked
    also = photo(None)
    assert attachments_link(actor=resident, attachment_ids=[also.pk], owner=county[GRID_B])


def test_bad_ids_and_too_many(worker_a, county, grid_photos):
    with pytest.raises(ServiceError, match="无效"):
        attachments_link(actor=worker_a, attachment_ids=["../etc"], owner=county[GRID_A])
    photos = [photo(worker_a) for _ in range(3)]
    with pytest.raises(ServiceError, match="最多只能附 2 张图片"):
        attachments_link(
            actor=worker_a, attachment_ids=[p.pk for p in photos], owner=county[GRID_A], max_count=2
        )
    assert not Attachment.objects.filter(owner_type__isnull=False).exists()


def test_linking_to_an_owner_without_access_check_fails_loudly(worker_a, county):
    with pytest.raises(ImproperlyConfigured, match="register_access"):
        attachment_link(attachment=photo(worker_a), owner=county[GRID_A])


def test_register_access_rules(monkeypatch):
    from wangge.attachments import access

    monkeypatch.setattr(access, "_checks", {})

    def check(user, owner_id):
        return owner_id == 7

    register_access("grids.Grid", check)
    register_access("grids.grid", check)  # the same check again: fine
    with pytest.raises(ImproperlyConfigured, match="already"):
        register_access("grids.grid", lambda user, owner_id: True)
    with pytest.raises(ImproperlyConfigured, match="no installed model"):
        register_access("nowhere.thing", check)
    with pytest.raises(ImproperlyConfigured):
        register_access("grid", check)
    # The owner id reaches the check in the model's key type; junk ids are refused.
    assert owner_visible(AnonymousUser(), "grids.grid", "7") is True
    assert owner_visible(AnonymousUser(), "grids.grid", "8") is False
    assert owner_visible(AnonymousUser(), "grids.grid", "seven") is False
    assert owner_visible(AnonymousUser(), "accounts.user", "7") is False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_link_a_photo_once(worker_a, county, grid_photos):
    p = photo(worker_a)
    owners = [county[GRID_A], county[GRID_A2]] * 4
    barrier = threading.Barrier(len(owners))
    results: list[str] = []

    def submit(owner):
        try:
            barrier.wait()
            attachments_link(actor=worker_a, attachment_ids=[p.pk], owner=owner)
            results.append(f"ok:{owner.pk}")
        except Conflict:
            results.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = Attachment.objects.get(pk=p.pk).owner_id
    oks = [r for r in results if r.startswith("ok")]
    # Retries to the winning owner are no-ops; every submission for the other owner lost.
    assert set(oks) == {f"ok:{winner}"}
    assert len(oks) == 4 and results.count("conflict") == 4


def test_purge_is_a_dry_run_unless_committed(worker_a, county, grid_photos):
    old_unlinked = photo(worker_a, "old.jpg")
    new_unlinked = photo(worker_a, "new.jpg")
    old_linked = attachment_link(attachment=photo(worker_a, "kept.jpg"), owner=county[GRID_A])
    long_ago = timezone.now() - timedelta(days=30)
    Attachment.objects.filter(pk__in=[old_unlinked.pk, old_linked.pk]).update(created_at=long_ago)
    stray = default_storage.save("attachments/2020/01/stray.jpg", ContentFile(b"x"))
    # Files as old as their rows: only the one without a row is stray.
    for name in (stray, old_linked.storage_name, old_linked.thumb_name, old_unlinked.storage_name):
        os.utime(default_storage.path(name), (long_ago.timestamp(), long_ago.timestamp()))

    out = StringIO()
    call_command("attachments_purge", "--days", "7", stdout=out)
    assert "将删除" in out.getvalue() and "1 张未关联图片" in out.getvalue()
    assert "1 个无记录文件" in out.getvalue()
    assert Attachment.objects.count() == 3 and default_storage.exists(stray)

    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("attachments_purge", "--days", "7", "--commit", stdout=out)
    assert "已删除: 1 张未关联图片" in out.getvalue()
    assert set(Attachment.objects.values_list("pk", flat=True)) == {new_unlinked.pk, old_linked.pk}
    assert not default_storage.exists(old_unlinked.storage_name)
    assert not default_storage.exists(old_unlinked.thumb_name)
    assert not default_storage.exists(stray)
    assert default_storage.exists(old_linked.storage_name)
    assert AuditLog.objects.filter(detail__attachments=1).exists()


def test_purge_refuses_zero_days():
    with pytest.raises(CommandError):
        call_command("attachments_purge", "--days", "0")
