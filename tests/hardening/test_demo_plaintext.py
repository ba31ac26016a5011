"""After the demo load, no personal phone or ID number is stored in plaintext: every text
column of every table is scanned for 11-digit mobile numbers and 18-character ID numbers with
a valid GB 11643 check character and birth date (issue 15, "How it will be checked").

Masked values (138****5678, 350427********1234) do not match; neither do ciphertexts, hashes
and grid codes (no birth date in them)."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from wangge.cases.categories import category_seed
from wangge.people.idcard import IdNumberError, parse_id_number

# Not inside a longer run of letters or digits (hashes, ciphertext, codes).
MOBILE = re.compile(r"(?<![0-9A-Za-z_-])1[3-9]\d{9}(?![0-9A-Za-z_-])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z_-])\d{17}[\dXx](?![0-9A-Za-z_-])")
TEXT_FIELDS = {
    "CharField",
    "TextField",
    "JSONField",
    "SlugField",
    "EmailField",
    "URLField",
    "FilePathField",
    "FileField",
    "ImageField",
}


def plaintext_hits(text: str) -> list[str]:
    hits = MOBILE.findall(text)
    for candidate in ID_NUMBER.findall(text):
        try:
            parse_id_number(candidate)
        except IdNumberError:
            continue  # 18 digits that are no ID number (a grid code, a counter)
        hits.append(candidate)
    return hits


def scan_database() -> dict[str, list[str]]:
    """{table.column: [a few plaintext values]} over every text column of every table Django
    manages (the models' own fields, and the many-to-many tables)."""
    found: dict[str, list[str]] = {}
    qn = connection.ops.quote_name
    tables: dict[str, set[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_concrete_fields:
            if field.get_internal_type() in TEXT_FIELDS:
                tables.setdefault(model._meta.db_table, set()).add(field.column)
    with connection.cursor() as cur:
        for table, column_set in sorted(tables.items()):
            columns = sorted(column_set)
            cur.execute(f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(table)}")
            for row in cur.fetchall():
                for name, value in zip(columns, row, strict=True):
                    hits = plaintext_hits(str(value)) if value else []
                    if hits:
                        found.setdefault(f"{table}.{name}", []).extend(hits[:3])
    return found


def test_the_scanner_finds_what_it_looks_for():
    assert plaintext_hits('{"phone": "13912345678"}') == ["13912345678"]
    assert plaintext_hits("身份证 11010519491231002X 登记") == ["11010519491231002X"]
    assert plaintext_hits("g1.abcd.x13912345678y 350427001001001001") == []
    assert plaintext_hits("139****5678 110105********002X 12345678901") == []


# The demo load takes minutes: run once, in the PostgreSQL pass of the suite (the scan itself
# is the same on SQLite).
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel("2026-11-21T09:40:00+08:00", tick=False)
def test_demo_leaves_no_plaintext_phone_or_id_number(monkeypatch):
    from wangge.cases import demo as cases_demo
    from wangge.community import demo as community_demo
    from wangge.council import demo as council_demo
    from wangge.people import demo as people_demo

    # The whole county, a smaller history: every kind of row is there, fewer of each.
    monkeypatch.setattr(cases_demo, "CASES_PER_DAY", 3)
    monkeypatch.setattr(people_demo, "BUILDINGS_PER_MICRO", 1)
    monkeypatch.setattr(community_demo, "ORDERS_PER_COMMUNITY", 6)
    monkeypatch.setattr(council_demo, "WEEKS", 4)
    # A transactional test before this one may have flushed what migrations seed.
    category_seed()
    call_command("demo_load", "--quiet-logins", stdout=io.StringIO())
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM people_resident WHERE phone_cipher <> ''")
        assert cur.fetchone()[0] > 100  # the scan had phones to find
    found = scan_database()
    assert found == {}, "plaintext phone or ID number in: " + ", ".join(sorted(found))
