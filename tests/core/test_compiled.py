"""Reads and inserts compiled once (wangge.core.compiled) do what the ORM does, on any database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from wangge.accounts.models import User
from wangge.core.compiled import CompiledInsert, CompiledQuery, numbered, statement_cursor
from wangge.notify.models import InboxItem

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def users() -> list[User]:
    return [
        User.objects.create(
            username=f"u{i}", display_name=f"用户{i}", date_joined=T0 + timedelta(hours=i)
        )
        for i in range(6)
    ]


def _joined_since(since: datetime, prefix: str):
    return (
        User.objects.filter(date_joined__gte=since, username__startswith="u")
        .exclude(username=prefix)
        .order_by("-date_joined")
        .values_list("username", "date_joined", "is_active", "display_name")[:3]
    )


JOINED = CompiledQuery(_joined_since, datetime, str)


def test_rows_are_what_the_orm_answers_for_each_set_of_values(users):
    for since, skip in [
        (T0, "u5"),
        (T0 + timedelta(hours=2), "u0"),
        (T0 + timedelta(days=1), "u1"),
    ]:
        assert JOINED.rows(since, skip) == list(_joined_since(since, skip))
    # The datetimes come back aware, through the same converters as the ORM's.
    first = JOINED.rows(T0, "none")[0]
    assert first == ("u5", T0 + timedelta(hours=5), True, "用户5")
    assert first[1].tzinfo is not None


def test_a_compiled_read_is_one_query(users):
    JOINED.rows(T0, "x")  # compiled on first use
    with CaptureQueriesContext(connection) as ctx:
        assert [r[0] for r in JOINED.rows(T0 + timedelta(hours=4), "x")] == ["u5", "u4"]
    assert len(ctx.captured_queries) == 1


def test_ints_and_floats_fill_their_slots(users):
    by_pk = CompiledQuery(lambda pk: User.objects.filter(pk=pk).values_list("username"), int)
    assert by_pk.rows(users[3].pk) == [("u3",)]
    assert by_pk.rows(-1) == []


def test_each_thread_compiles_its_own_and_gets_its_own_rows(users, transactional_db):
    seen: dict[int, list] = {}

    def read(i: int) -> None:
        try:
            seen[i] = JOINED.rows(T0 + timedelta(hours=i), "none")
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [len(seen[i]) for i in range(3)] == [3, 3, 3]
    assert seen[2][-1][0] == "u3"


def test_a_lookup_that_rewrites_its_value_is_refused():
    contains = CompiledQuery(
        lambda s: User.objects.filter(username__contains=s).values_list("pk"), str
    )
    with pytest.raises(ValueError, match="plain values"):
        contains.rows("u")


def test_wrong_arguments_are_refused():
    with pytest.raises(TypeError):
        JOINED.rows(T0)
    with pytest.raises(TypeError):
        CompiledQuery(lambda d: User.objects.filter(pk=d), dict)
    with pytest.raises(ValueError, match="naive"):
        JOINED.rows(datetime(2026, 1, 1), "u")


def test_a_bound_query_embeds_the_sql_the_orm_would_compile(users):
    """`bind` keeps the values; `sql_with_params` gives the statement to embed in another one
    (an INSERT … SELECT), equal to what the ORM compiles for those values."""
    bound = JOINED.bind(T0 + timedelta(hours=1), "u3")
    assert bound.db == "default"
    sql, params = bound.sql_with_params()
    orm_sql, orm_params = (
        _joined_since(T0 + timedelta(hours=1), "u3").query.get_compiler(using="default").as_sql()
    )
    assert sql == orm_sql
    assert list(params) == list(orm_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) x", params)
        assert cursor.fetchone()[0] == 3
    with pytest.raises(TypeError):
        JOINED.bind(T0)


INBOX_INSERT = CompiledInsert(InboxItem)
USER_INSERT = CompiledInsert(User)


def _inbox(user: User, n: int, **extra) -> list[InboxItem]:
    return [
        InboxItem(
            user=user,
            topic="case.created",
            title=f"标题{i}",
            body="碎玻璃\n'引号'",
            link=f"/cases/X{i}/",
            payload={"seq": i, "words": ["玻璃", None], "ok": True},
            dedupe_key=f"k{i}",
            **extra,
        )
        for i in range(n)
    ]


def _stored(ids) -> list[dict]:
    rows = InboxItem.objects.filter(pk__in=ids).order_by("pk").values()
    return [{k: v for k, v in r.items() if k not in ("id", "user_id", "created_at")} for r in rows]


def test_an_insert_writes_what_bulk_create_writes_and_numbers_the_rows(users):
    """Values prepared as the ORM prepares them (JSON, quotes, a foreign key, the time an
    auto_now_add field takes); ids from the database, set on the objects in their order."""
    compiled = _inbox(users[0], 3)
    with CaptureQueriesContext(connection) as ctx:
        INBOX_INSERT.insert(compiled)
    assert len(ctx.captured_queries) == 1
    assert all(item.pk is not None and not item._state.adding for item in compiled)
    assert len({item.pk for item in compiled}) == 3
    by_orm = InboxItem.objects.bulk_create(_inbox(users[1], 3))
    assert _stored([i.pk for i in compiled]) == _stored([i.pk for i in by_orm])
    for item in compiled:
        stored = InboxItem.objects.get(pk=item.pk)
        assert (stored.title, stored.payload) == (item.title, item.payload)
        assert stored.created_at == item.created_at and item.created_at.tzinfo is not None


def test_rows_that_carry_their_ids_are_written_with_them(users):
    made = [User(pk=9_000_001 + i, username=f"given{i}", date_joined=T0) for i in range(2)]
    USER_INSERT.insert(made)
    assert list(
        User.objects.filter(pk__gt=9_000_000).order_by("pk").values_list("pk", "username")
    ) == [(9_000_001, "given0"), (9_000_002, "given1")]
    with pytest.raises(ValueError, match="with and without"):
        USER_INSERT.insert([User(pk=9_000_010, username="a"), User(username="b")])


def test_the_statement_is_built_once_per_row_count(users):
    INBOX_INSERT.insert(_inbox(users[1], 2))
    INBOX_INSERT.insert(_inbox(users[2], 2))
    INBOX_INSERT.insert(_inbox(users[3], 1))
    mine = {k: v for k, v in INBOX_INSERT._sql.items() if k[0] == connection.alias}
    assert {rows for _alias, _with_pk, rows in mine} >= {1, 2}
    assert InboxItem.objects.filter(user__in=users[1:4]).count() == 5
    INBOX_INSERT.insert([])  # nothing to write: no statement


def test_values_of_another_type_are_prepared_as_the_orm_prepares_them(users):
    """Text, numbers and ids already of their field's type go to the driver as they are; any
    other value takes the field's own preparation, as in `bulk_create`."""
    kinds = {f.name: kind for f, kind in INBOX_INSERT._without_pk}
    assert (kinds["title"], kinds["user"], kinds["payload"]) == (str, int, None)

    def odd(a: User, b: User) -> list[InboxItem]:
        rows = _inbox(a, 2)
        rows[0].title = 2026  # an int for a text field: stored as its text
        rows[1].user_id = str(b.pk)  # a text id: the integer key
        return rows

    compiled, by_orm = odd(users[0], users[1]), odd(users[2], users[3])
    INBOX_INSERT.insert(compiled)
    InboxItem.objects.bulk_create(by_orm)
    assert _stored([i.pk for i in compiled]) == _stored([i.pk for i in by_orm])
    first, second = (InboxItem.objects.get(pk=i.pk) for i in compiled)
    assert (first.title, first.user_id, second.user_id) == ("2026", users[0].pk, users[1].pk)


def test_values_the_orm_would_write_as_sql_are_refused(users):
    with pytest.raises(ValueError, match="expression"):
        INBOX_INSERT.insert(_inbox(users[0], 1, read_at=Now()))
    with pytest.raises(ValueError, match="expression"):
        INBOX_INSERT.insert([InboxItem(user=users[0], topic=Value("x"), dedupe_key="v")])
    assert not InboxItem.objects.exists()


def test_placeholders_are_numbered_as_postgresql_writes_them():
    assert numbered("a = %s AND b LIKE 'x%%' AND c IN (%s, %s)") == (
        "a = $1 AND b LIKE 'x%' AND c IN ($2, $3)"
    )
    # An escaped percent sign followed by "s" is a literal, not a placeholder.
    assert numbered("SELECT '%%s', %s") == "SELECT '%s', $1"
    assert numbered("SELECT 1") == "SELECT 1"


@pytest.mark.postgres
def test_a_long_statement_runs_with_its_placeholders_numbered_once():
    """A statement over psycopg's own cache limits (4 kB, 50 parameters), as an intake's
    one-statement write is, is numbered once for its text and answers as Django's cursor does;
    without parameters the SQL goes as written, as Django sends it."""
    terms = [f"%s::int * {i} AS c{i}" for i in range(80)]
    sql = "SELECT '100%%' AS pct, " + ", ".join(terms) + ", '" + "x" * 4096 + "' AS pad"
    values = list(range(80))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        expected = cursor.fetchone()
    numbered.cache_clear()
    for _ in range(3):
        with statement_cursor(connection.alias) as (cursor, server_side):
            assert server_side
            cursor.execute(sql, values)
            assert cursor.fetchone() == expected
    assert expected[:3] == ("100%", 0, 1)
    info = numbered.cache_info()
    assert (info.misses, info.hits) == (1, 2)
    with statement_cursor(connection.alias) as (cursor, _server_side):
        cursor.execute("SELECT '100%'")
        assert cursor.fetchone() == ("100%",)


@pytest.mark.postgres
def test_compiled_statements_are_prepared_on_postgresql(users):
    """After `prepare_threshold` runs on a connection PostgreSQL keeps the statement (its parse
    and plan); the answers stay the ORM's, and each run is still counted as a query."""
    threshold = connection.connection.prepare_threshold
    assert threshold is not None  # settings: WANGGE_DB_PREPARE_THRESHOLD
    for i in range(threshold + 1):
        since = T0 + timedelta(hours=i % 3)
        assert JOINED.rows(since, "u0") == list(_joined_since(since, "u0"))
    USER_INSERT.insert([User(username=f"p{i}") for i in range(1)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"accounts_user"."date_joined" >= $1' in s for s in prepared)
    with CaptureQueriesContext(connection) as ctx:
        JOINED.rows(T0, "u0")
    assert len(ctx.captured_queries) == 1


@pytest.mark.postgres
def test_a_prepared_read_keeps_its_constants_and_so_its_partial_index():
    """The duplicate search's open states are written into its SQL, not sent as values: a plan
    kept for all values can still use the partial index `case_open_point` they name."""
    from wangge.cases.matching import _nearby_open_of_category

    hit = _nearby_open_of_category._compiled(connection.alias)
    assert "IN ('submitted', 'dispatched', 'claimed', 'resolved', 'suspended')" in hit.prepared_sql
    assert hit.prepared_sql.count("%s") == 6  # since, the box, the category
    sql = numbered(hit.prepared_sql)
    # The arguments in the order of the placeholders they fill.
    args = (datetime.now(UTC), 26.4, 26.5, 117.7, 117.8, 1)
    values = [args[slot] for slot in hit.slots if slot is not None]
    with connection.cursor() as cursor:
        cursor.execute("PREPARE nearby_generic AS " + sql)
        try:
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN EXECUTE nearby_generic(%s, %s, %s, %s, %s, %s)", values)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE nearby_generic")
    assert "case_open_point" in plan, plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_keeps_one_statement_cursor_until_it_reconnects_or_moves_zone():
    """The server-binding cursor is made once per connection (psycopg finds its adapters once);
    a new connection, or a new time zone for the connection, gets a new one that reads times as
    Django's own cursors then do."""
    from django.test import override_settings

    def cursor_and_rows():
        with statement_cursor(connection.alias) as (cursor, server_side):
            assert server_side
            cursor.execute("SELECT %s::timestamptz", [T0])
            return cursor.cursor, cursor.fetchall()[0][0]

    first, at = cursor_and_rows()
    again, _ = cursor_and_rows()
    assert again is first and at == T0
    with override_settings(USE_TZ=False):  # the connection's zone is now none
        moved, at = cursor_and_rows()
        assert moved is not first
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::timestamptz", [T0])
            assert at == cursor.fetchone()[0]  # as Django's own cursor reads it
    connection.close()
    renewed, at = cursor_and_rows()
    assert renewed is not first and renewed is not moved and at == T0
