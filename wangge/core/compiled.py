"""Reads the ORM compiles once, then runs with new values.

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
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connections, router
from django.db.models import QuerySet

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
        hit = _Compiled(sql, list(params), slots, compiler, converters)
        cache[alias] = hit
        return hit

    def sql_with_params(self, alias: str, *args: Any) -> tuple[str, list[Any]]:
        """The compiled SQL and its parameters for these values on database `alias`."""
        return self._filled(self._compiled(alias), alias, args)

    def _filled(self, hit: _Compiled, alias: str, args: tuple[Any, ...]) -> tuple[str, list]:
        if len(args) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} arguments, got {len(args)}")
        values = [_prepare(connections[alias], a) for a in args]
        params = [hit.constants[n] if s is None else values[s] for n, s in enumerate(hit.slots)]
        return hit.sql, params

    def bind(self, *args: Any) -> BoundQuery:
        """These values, kept to be compiled into another statement (an INSERT … SELECT)."""
        if len(args) != len(self.kinds):
            raise TypeError(f"expected {len(self.kinds)} arguments, got {len(args)}")
        return BoundQuery(self, args)

    def rows(self, *args: Any) -> list[tuple[Any, ...]]:
        alias = router.db_for_read(self.model)
        hit = self._compiled(alias)
        sql, params = self._filled(hit, alias, args)
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
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


def _prepare(connection: Any, value: Any) -> Any:
    """A value as the ORM hands it to the driver (what a DateTimeField's lookup does)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return connection.ops.adapt_datetimefield_value(value)
    return value
