import base64

import pytest
from django.core.management import call_command
from django.db import connection

from wangge.people.crypto import DecryptionError, cipher
from wangge.people.models import Resident
from wangge.people.selectors import resident_list_for_user

from .conftest import id_number


def _key(byte: int) -> str:
    return base64.urlsafe_b64encode(bytes([byte]) * 32).decode()


def test_round_trip_and_column_binding():
    c = cipher()
    token = c.encrypt("13805981234", column="a")
    assert token.startswith("g1.") and "13805981234" not in token
    assert c.decrypt(token, column="a") == "13805981234"
    with pytest.raises(DecryptionError):
        c.decrypt(token, column="b")  # copied into another column: refused
    assert c.encrypt("x", column="a") != c.encrypt("x", column="a")  # fresh nonce


def test_database_holds_no_plain_id_or_phone(resident_a, resident_b):
    """Scan every text column of the table with raw SQL for the numbers in clear."""
    secrets = [id_number(101), "13805981234", id_number(203), "13905985678"]
    # The tails a mask shows must not be stored either (with the birth date they give it all).
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_resident")
        rows = cur.fetchall()
    assert len(rows) == 2
    blob = " ".join(str(v) for row in rows for v in row)
    for s in secrets:
        assert s not in blob
        assert s[:10] not in blob


def test_key_rotation_reencrypts_and_old_key_still_reads(settings, resident_a):
    old = list(settings.PEOPLE_FIELD_KEYS)
    settings.PEOPLE_FIELD_KEYS = [_key(7), *old]
    before = Resident.objects.get(pk=resident_a.pk).id_cipher
    assert cipher().needs_rotation(before)
    call_command("people_rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = Resident.objects.get(pk=resident_a.pk)
    assert not cipher().needs_rotation(after.id_cipher)
    settings.PEOPLE_FIELD_KEYS = [_key(7)]  # the old key can now be dropped
    assert cipher().decrypt(after.id_cipher, column="people_resident.id") == id_number(101)


def test_lookup_by_hash_finds_exact_person(resident_a, worker_a):
    assert list(resident_list_for_user(worker_a, id_number=id_number(101))) == [resident_a]
    assert list(resident_list_for_user(worker_a, id_number=id_number(102))) == []
    assert list(resident_list_for_user(worker_a, phone="13805981234")) == [resident_a]
