"""Reads and inserts the ORM compiles once, then runs with new values.

Turning a QuerySet into SQL (resolving lookups and joins, quoting names, building the select
list) costs Django 0.3–0.5 ms of CPU whatever the query, more than the database spends on an
indexed read. The few reads every request makes — the API token, the user's data scope, an
Open311 client's earlier post, the duplicate search at intake — pay it on every call. A
`CompiledQuery` builds its QuerySet once per thread and database from sample values, keeps the
SQL and the slots its arguments fill, and later runs that SQL with the new values; the rows
come back through the compiler's own converters, as `values_list` would give them.

Only plain values fill slots (an int, a str, a float, an aware datetime compared with `=`, `<`,
`>=` …): a lookup that rewrites its value (`contains`, `in` with a list argument) cannot be
compiled this way and is refused when the query is first built.

`CompiledInsert` does the same for the rows every intake writes: a case is 47 columns, and
`save()` or `bulk_create()` builds an insert compiler, a placeholder and a quoted name per column
on every call (0.4–0.5 ms of CPU for the case, as much again for its two events); the statement
depends only on the model, the database and the number of rows, so it is built once for them.

On PostgreSQL both run as prepared statements (`statement_cursor`): the values travel apart
from the SQL and, once a statement has run `prepare_threshold` times on a connection (settings:
`WANGGE_DB_PREPARE_THRESHOLD`), PostgreSQL keeps its parse and plan, which cost it more than
running these small statements (0.2–0.35 ms of planning each for the token's read and the
duplicate search). A compiled read's constants (the open states of the duplicate search) stay
in its SQL as literals, so a plan kept for every value still sees them and uses the partial
indexes they name. Every other query keeps Django's client-side binding, where a plan is made
for the values at hand.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import psycopg
from django.db import connections, models, router
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.models import Field, Model, QuerySet
from psycopg.pq import Format

# Sample values unlikely to occur among a query's own constants; the compiled parameters are
# searched for them to learn which slot each argument fills.
_SAMPLES: dict[type, Callable[[int], Any]] = {
    int: lambda i: -7_340_000_000_017 - i,
    str: lambda i: f"\ue000compiled-{i}\ue001",
    float: lambda i: -7.340000000017e15 - i,
    datetime: lambda i: datetime(1901, 2, 3, 4, 5, 6, 700_000 + i, tzinfo=UTC),
}


class CompiledQuery:
    """`build(*args)` → a values_list QuerySet; `rows(*args)` runs it without recompiling.

    `kinds` names each argument's type (int, str, float or datetime). The database is chosen
    by the router for the QuerySet's model at each call, as the ORM would choose it.
    """

    def __init__(self, build: Callable[..., QuerySet], *kinds: type) -> None:
        unknown = [k for k in kinds if k not in _SAMPLES]
        if unknown:
            raise TypeError(f"unsupported argument kinds: {unknown}")
        self.build = build
        self.kinds = kinds
        self.model = build(*(_SAMPLES[k](i) for i, k in enumerate(kinds))).model
        self._local = threading.local()

    def _compiled(self, alias: str) -> _Compiled:
        cache = self._local.__dict__.setdefault("by_alias", {})
        hit = cache.get(alias)
        if hit is not None:
            return hit
        connection = connections[alias]
        samples = [_SAMPLES[k](i) for i, k in enumerate(self.kinds)]
        prepared = [_prepare(connection, v) for v in samples]
        compiler = self.build(*samples).query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots: list[int | None] = []
        for p in params:
            matches = [i for i, v in enumerate(prepared) if type(p) is type(v) and p == v]
            slots.append(matches[0] if matches else None)
        missing = set(range(len(samples))) - {s for s in slots if s is not None}
        if missing:
            raise ValueError(
                f"arguments {sorted(missing)} do not reach the SQL as plain values: {sql}"
            )
        # The converters depend on the select list only: found once, as results_iter would.
        converters = compiler.get_converters([s[0] for s in compiler.select[: compiler.col_count]])
        prepared_sql = _with_constants(connection, sql, list(params), slots)
        hit = _Compiled(sql, list(params), slots, compiler, converters, prepared_sql)
        cache[alias] = hit
        return hit

    def sql_with_params(self, alias: str, *args: Any) -> tuple[str, list[Any]]:
        """The compiled SQL and its parameters for these values on database `alias`."""
        hit = self._compiled(alias)
        return hit.sql, hit.params(self._values(alias, args))

    def _values(self, alias: str, args: tuple[Any, ...]) -> list[Any]:
        """The arguments as the ORM hands them to the driver of database `alias`."""
        if len(args) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} arguments, got {len(args)}")
        return [_prepare(connections[alias], a) for a in args]

    def bind(self, *args: Any) -> BoundQuery:
        """These values, kept to be compiled into another statement (an INSERT … SELECT)."""
        if len(args) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} arguments, got {len(args)}")
        return BoundQuery(self, args)

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        alias = router.db_for_read(self.model)
        hit = self._compiled(alias)
        values = self._values(alias, args)
        with statement_cursor(alias) as (cursor, server_side):
            if server_side:  # the constants are in the SQL: only the arguments travel
                cursor.execute(hit.prepared_sql, [values[s] for s in hit.slots if s is not None])
            else:
                cursor.execute(hit.sql, hit.params(values))
            fetched = cursor.fetchall()
        if not hit.converters:
            return [tuple(r) for r in fetched]
        return [tuple(r) for r in hit.compiler.apply_converters(fetched, hit.converters)]


class _Compiled(NamedTuple):
    sql: str
    constants: list[Any]  # the parameters as compiled from the samples
    slots: list[int | None]  # per parameter: the argument that fills it, None for a constant
    compiler: Any
    converters: dict  # the compiler's, for the select list
    prepared_sql: str  # PostgreSQL: the constants written in, a placeholder per argument

    def params(self, values: list[Any]) -> list[Any]:
        """The parameters of `sql`: each slot's argument, or the constant compiled there."""
        return [self.constants[n] if s is None else values[s] for n, s in enumerate(self.slots)]


@dataclass(frozen=True)
class BoundQuery:
    """A compiled query with its values, not yet run: `sql_with_params()` gives what to embed.
    `db` is the database the ORM would read it from, as `QuerySet.db`."""

    query: CompiledQuery
    args: tuple[Any, ...]

    @property
    def db(self) -> str:
        return router.db_for_read(self.query.model)

    def sql_with_params(self, alias: str | None = None) -> tuple[str, list[Any]]:
        return self.query.sql_with_params(alias or self.db, *self.args)


_PLACEHOLDER = re.compile(r"%%|%s")


def _with_constants(connection: Any, sql: str, params: list[Any], slots: list[int | None]) -> str:
    """`sql` with the parameters no argument fills written in as literals (as Django's
    client-side binding sends them), a placeholder left for each argument. Only on
    PostgreSQL, where compiled statements are prepared."""
    if connection.vendor != "postgresql":
        return sql
    placeholders = iter(zip(params, slots, strict=True))

    def fill(match: re.Match) -> str:
        if match.group() == "%%":
            return "%%"
        value, slot = next(placeholders)
        if slot is not None:
            return "%s"
        return connection.ops.compose_sql("%s", [value]).replace("%", "%%")

    out = _PLACEHOLDER.sub(fill, sql)
    if next(placeholders, None) is not None:
        raise ValueError(f"more parameters than placeholders: {sql}")
    return out


@contextmanager
def statement_cursor(alias: str) -> Iterator[tuple[Any, bool]]:
    """A cursor for a compiled statement, and whether it binds its values on the server.

    On PostgreSQL with prepared statements allowed (the connection's `prepare_threshold`), a
    server-side binding cursor (`NumberedCursor`, one kept per connection): psycopg prepares a
    statement once it has run that many times on the connection. Wrapped as Django wraps its
    own (the health check on first use in a request, errors translated, the query logged where
    queries are), so it counts as any query does. Elsewhere Django's own cursor."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        if connection.connection.prepare_threshold is not None:
            connection.validate_thread_sharing()
            wrap = (
                connection.make_debug_cursor
                if connection.queries_logged
                else connection.make_cursor
            )
            kept: Any = _kept_cursor(connection)
            yield wrap(kept), True
            return
    with connection.cursor() as cursor:
        yield cursor, False


_TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


def _kept_cursor(connection: Any) -> NumberedCursor:
    """The connection's `NumberedCursor`, made once per psycopg connection and time zone and
    kept open: psycopg finds the adapters of a cursor's values and columns once per cursor, and
    a cursor made for each statement paid that, with its own setup, on every statement (20–60 µs
    of CPU; an intake runs three)."""
    raw = connection.connection
    zone = connection.timezone
    kept = getattr(connection, "_numbered_cursor", None)
    if kept is not None and kept[0] is raw and kept[1] is zone and not kept[2].closed:
        return kept[2]
    with connection.wrap_database_errors:
        cursor = NumberedCursor(raw)
    # As Django's own cursors: times read in the connection's zone if it has moved.
    if zone != raw.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT).timezone:
        register_tzloader(zone, cursor)
    connection._numbered_cursor = (raw, zone, cursor)
    return cursor


class NumberedCursor(psycopg.RawCursor):
    """psycopg's server-binding cursor for SQL written with Django's `%s`: the placeholders are
    numbered once per statement text (`numbered`), where psycopg's own cursor parses the text
    again on every call once it is over 4 kB or 50 parameters, as an intake's one-statement
    write is (0.2 ms of CPU per intake)."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        # Without parameters Django's SQL is not escaped: sent as it is, as psycopg does.
        return super().execute(query if params is None else numbered(query), params, **kwargs)


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """`sql` with its `%s` placeholders written as PostgreSQL's `$1`, `$2` … and `%%` as `%`."""
    count = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(count)}", sql)


def _prepare(connection: Any, value: Any) -> Any:
    """A value as the ORM hands it to the driver (what a DateTimeField's lookup does)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return connection.ops.adapt_datetimefield_value(value)
    return value


# Fields whose `pre_save` reads the attribute and whose `get_db_prep_save` hands a value of
# this exact type (or None) back unchanged, on every database: exact field classes only, so a
# subclass with its own preparation takes the ORM's path.
_AS_IS_TYPES: dict[type[Field], type] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
    models.BooleanField: bool,
    models.FloatField: float,
}


def _as_is(field: Field) -> type | None:
    """The value type `field` passes to the driver unchanged, or None."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        # An integer id of the referenced row (a text key's empty string becomes NULL).
        kind = _as_is(cast(Any, field).target_field)
        return kind if kind is int else None
    kind = _AS_IS_TYPES.get(type(field))
    if kind is None or type(field).pre_save is not Field.pre_save:
        return None
    return kind


class CompiledInsert:
    """`insert(objs)`: one INSERT of new rows of `model`, as `bulk_create(objs)` writes them.

    Every concrete column is written, the primary key too when the rows carry one (ids drawn
    ahead, as a case's are); otherwise the database numbers them and they are set on the objects
    (RETURNING, in the order of the rows). Each field prepares its value as the ORM's insert does
    (`pre_save` with add, then `get_db_prep_save`), except a value that is already what the
    driver takes for its field (`_AS_IS`: text for a text field, a whole number for an integer
    field or an integer-keyed reference, a boolean, a float, or None), which is passed as it is:
    for those the two calls hand back the same object. Rows whose values the ORM would have to write
    as SQL (an expression, a default left to the database) or fields with their own placeholder
    are refused: they are not what this is for. Like `bulk_create`, no model signal is sent.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated]
        custom = [f.name for f in fields if hasattr(f, "get_placeholder")]
        if custom or meta.parents:
            raise TypeError(f"{meta.label}: {custom or 'inherited'} need the ORM's insert")
        self._with_pk = [(f, _as_is(f)) for f in fields]
        self._without_pk = [(f, kind) for f, kind in self._with_pk if f is not meta.pk]
        self._sql: dict[tuple[str, bool, int], str] = {}

    def _statement(self, alias: str, with_pk: bool, rows: int) -> str:
        key = (alias, with_pk, rows)
        sql = self._sql.get(key)
        if sql is None:
            ops = connections[alias].ops
            meta = self.model._meta
            fields = self._with_pk if with_pk else self._without_pk
            row = f"({', '.join(['%s'] * len(fields))})"
            sql = (
                f"INSERT INTO {ops.quote_name(meta.db_table)} "
                f"({', '.join(ops.quote_name(cast(str, f.column)) for f, _k in fields)}) "
                f"VALUES {', '.join([row] * rows)}"
            )
            if not with_pk:
                sql += f" RETURNING {ops.quote_name(cast(str, meta.pk.column))}"
            self._sql[key] = sql  # a race builds the same string twice
        return sql

    def insert(self, objs: Sequence[Model]) -> None:
        if not objs:
            return
        alias = router.db_for_write(self.model)
        sql, params = self.statement(objs, alias)
        with statement_cursor(alias) as (cursor, _server_side):
            cursor.execute(sql, params)
            self.stored(objs, alias, cursor.fetchall() if objs[0].pk is None else [])

    def statement(self, objs: Sequence[Model], alias: str) -> tuple[str, list[Any]]:
        """The INSERT of `objs` on database `alias` and its parameters, not run (a caller may
        embed it in a larger statement; then `stored` with the ids it returned)."""
        with_pk = objs[0].pk is not None
        if any((obj.pk is not None) != with_pk for obj in objs):
            raise ValueError("rows with and without a primary key in one insert")
        connection = connections[alias]
        fields = self._with_pk if with_pk else self._without_pk
        params = []
        for obj in objs:
            for field, kind in fields:
                if kind is not None:
                    value = getattr(obj, field.attname)
                    if value is None or type(value) is kind:
                        params.append(value)
                        continue
                value = field.pre_save(obj, True)
                if hasattr(value, "resolve_expression"):
                    raise ValueError(f"{field.name}: an expression needs the ORM's insert")
                params.append(field.get_db_prep_save(value, connection))
        return self._statement(alias, with_pk, len(objs)), params

    def stored(self, objs: Sequence[Model], alias: str, ids: Sequence[tuple[Any, ...]]) -> None:
        """Mark `objs` as written to `alias`, with the ids the database returned (in the order of
        the rows) when it numbered them."""
        if objs and objs[0].pk is None:
            for obj, (pk,) in zip(objs, ids, strict=True):
                obj.pk = pk
        for obj in objs:
            obj._state.adding = False
            obj._state.db = alias
