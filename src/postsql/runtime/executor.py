"""What generated query functions need at run time, and nothing more.

- :class:`Executor`: the five methods generated functions call; both ``asyncpg.Connection`` and
  ``asyncpg.Pool`` satisfy it. Cursors (the ``iter_*`` functions) need a connection: a
  ``Connection`` or the proxy ``pool.acquire()`` lends.
- :class:`QueryInfo`: one frozen record per query (name, file:line, operation, tables, read-only),
  exported by every generated module as data for hooks, caches and replica routing.
- :func:`construct_rows` / :func:`construct_row`: rows of a query whose every column codegen
  proved to arrive as its field's type (see below); :func:`validate_rows` / :func:`validate_row`
  for the others.
- :func:`init_connection`: the JSON codecs. asyncpg returns ``json``/``jsonb`` as ``str`` unless a
  codec is set; generated code expects decoded Python values. Pass it as ``init=`` to
  ``asyncpg.create_pool`` (or await it on a fresh connection).

Example::

    pool = await asyncpg.create_pool(url, init=init_connection)
    posts = await queries.posts.list_published_posts(pool, limit=10)
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol, TypeAlias, TypeVar

import asyncpg
from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    InstanceOf,
    TypeAdapter,
    model_validator,
)

from postsql.errors import InvalidArgument

__all__ = [
    "CompositeModel",
    "Executor",
    "Numeric",
    "Operation",
    "PgBitString",
    "PgBox",
    "PgCircle",
    "PgLine",
    "PgLineSegment",
    "PgPath",
    "PgPoint",
    "PgPolygon",
    "PgRange",
    "QueryInfo",
    "RowValue",
    "affected_rows",
    "construct_row",
    "construct_rows",
    "init_connection",
    "query_failed",
    "require_aware",
    "set_strict_rows",
    "strict_rows",
    "validate_row",
    "validate_rows",
]

Operation = Literal[
    "select",
    "select_one",
    "select_value",
    "insert_returning",
    "insert_update_delete",
    "insert_update_delete_many",
    "script",
]

M = TypeVar("M", bound=BaseModel)

Numeric: TypeAlias = Annotated[Decimal, AllowInfNan()]
"""PostgreSQL ``numeric`` as generated code types it: a ``Decimal`` that may also be ``NaN`` or
(PostgreSQL 14 and later) ``±Infinity``, since a numeric column can hold them. Plain ``Decimal``
in pydantic refuses them, so a row holding one would fail validation."""

# asyncpg's own classes for bit strings and geometric types, as generated models type them:
# pydantic checks the instance (asyncpg built it). Named Pg... so that a table named like one
# (boxes, points) keeps its model's name.
PgBitString: TypeAlias = InstanceOf[asyncpg.BitString]
PgPoint: TypeAlias = InstanceOf[asyncpg.Point]
PgLine: TypeAlias = InstanceOf[asyncpg.Line]
PgLineSegment: TypeAlias = InstanceOf[asyncpg.LineSegment]
PgBox: TypeAlias = InstanceOf[asyncpg.Box]
PgPath: TypeAlias = InstanceOf[asyncpg.Path]
PgPolygon: TypeAlias = InstanceOf[asyncpg.Polygon]
PgCircle: TypeAlias = InstanceOf[asyncpg.Circle]

if TYPE_CHECKING:
    from asyncpg import Range as PgRange
else:

    class PgRange:
        """PostgreSQL ranges as generated code types them: ``PgRange[int]`` (int4range),
        ``PgRange[AwareDatetime]`` (tstzrange)... To a type checker this is ``asyncpg.Range``
        of that bound type, which asyncpg returns; pydantic checks that a value is an
        ``asyncpg.Range`` (asyncpg already decoded its bounds). ``asyncpg.Range`` itself cannot
        be subscripted at run time, hence this alias."""

        def __class_getitem__(cls, bound: object) -> object:
            return InstanceOf[asyncpg.Range]


def _record_items(value: object) -> object:
    return dict(value.items()) if isinstance(value, asyncpg.Record) else value


RowValue: TypeAlias = Annotated[M, BeforeValidator(_record_items)]
"""A table's or view's row used as a value (``SELECT s FROM staff AS s``, a column of type
``staff``): asyncpg returns it as a ``Record``, which ``RowValue[Staff]`` validates into the
table's own model."""


class Executor(Protocol):
    """The subset of ``asyncpg.Connection`` / ``asyncpg.Pool`` generated functions use."""

    async def execute(self, query: str, *args: object) -> str: ...

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None: ...

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]: ...

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None: ...

    async def fetchval(self, query: str, *args: object, column: int = ...) -> Any: ...


@dataclass(frozen=True, slots=True)
class QueryInfo:
    """A generated query, as data: what it is, where it was written, what it touches.

    ``sql`` is the ``$n`` form sent to the server; ``params`` name ``$1``, ``$2``... in order.
    ``cache_ttl`` is the seconds of a ``@cache ttl=...`` directive (``None``: not cacheable).
    """

    name: str
    file: str
    line: int
    operation: Operation
    sql: str
    params: tuple[str, ...] = ()
    tables_read: frozenset[str] = frozenset()
    tables_written: frozenset[str] = frozenset()
    read_only: bool = False
    cache_ttl: float | None = None

    @property
    def location(self) -> str:
        """``file:line`` of the query's ``-- name:`` line."""
        return f"{self.file}:{self.line}"


def affected_rows(status: str) -> int:
    """Rows affected according to a command status tag: ``"UPDATE 3"`` → 3, ``"INSERT 0 1"`` → 1.

    Tags without a count (``"CREATE TABLE"``) give 0.
    """
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else 0


def validate_rows(adapter: TypeAdapter[list[M]], records: Sequence[asyncpg.Record]) -> list[M]:
    """Validate every record into the adapter's model in one pydantic call.

    Every record of one result has the same columns in the same order (asyncpg builds them all
    from the statement's one row description), so the names are read once and zipped with each
    record's values. ``dict(record)`` looks every value up by name and costs a quarter more, and
    ``zip(..., strict=True)`` a third more, checking a length that cannot differ (see
    docs/benchmarks.md). Validation itself stays full: no ``model_construct``.
    """
    if not records:
        return []
    names = tuple(records[0].keys())
    # One row description for all records: the lengths match by construction.
    return adapter.validate_python([dict(zip(names, r)) for r in records])  # noqa: B905


def query_failed(info: QueryInfo, exc: BaseException) -> None:
    """Name the query (and the parameter behind any ``$n`` the error mentions) on ``exc``, which
    a generated function then re-raises unchanged: class, sqlstate and message stay asyncpg's.
    A bare ``ValueError``, ``OverflowError`` or ``TypeError`` (an argument asyncpg could not
    encode nor describe) is raised here as ``asyncpg.DataError``, the class of every other
    argument asyncpg refuses.

    The note reads ``postsql: in query find_posts (sql/queries/posts.sql:4): $1 is :status``; the
    runtime ``Database`` may have named the query already (with the server), then only the
    parameters are added.
    """
    notes = getattr(exc, "__notes__", ())
    named = f"in query {info.name} (" in " ".join(str(note) for note in notes)
    message = str(exc)
    arguments = sorted({int(n) for n in _ARGUMENT.findall(message)})
    params = [f"${n} is :{info.params[n - 1]}" for n in arguments if 0 < n <= len(info.params)]
    parts = [] if named else [f"in query {info.name} ({info.location})"]
    if params:
        parts.append(", ".join(params))
    if parts:
        exc.add_note("postsql: " + ": ".join(parts))
    if type(exc) in (ValueError, OverflowError, TypeError):
        # An argument asyncpg failed to encode and could not even report: its DataError message
        # repeats the value, and repr() of an int over 4,300 digits raises ValueError.
        raise asyncpg.DataError(
            f"invalid input for a query argument of {info.name} ({info.location}): "
            f"{type(exc).__name__}: {exc}"
        ) from exc


_ARGUMENT = re.compile(r"\$([0-9]+)")


def require_aware(info: QueryInfo, parameter: str, value: object) -> None:
    """Refuse a naive ``datetime`` for a ``timestamptz`` parameter (typed ``AwareDatetime``):
    asyncpg would read it as UTC, whatever zone the caller meant. Raises
    :class:`~postsql.errors.InvalidArgument` naming the parameter and the query."""
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidArgument(
            parameter,
            "must be a timezone-aware datetime (the column is timestamptz), got a naive one; "
            f"in query {info.name} ({info.location})",
        )


def validate_row(model: type[M], record: asyncpg.Record | None) -> M | None:
    """Validate one record (or pass ``None`` through)."""
    return None if record is None else model.model_validate(dict(record))


# Trusted rows. asyncpg decodes each column by its type OID with a fixed codec: int8 is always an
# int, text a str, timestamptz an aware datetime... For a query whose every column has such a
# codec and the Python type it yields, and whose non-nullness codegen proved, validating the row
# again checks what cannot differ, and is most of the cost of a large result
# (docs/benchmarks.md). construct_rows builds those models the way pydantic's model_construct
# does (instance, __dict__, fields set), without its per-field Python loop. Codegen uses it only
# for such queries (codegen.typemap.WIRE_EXACT); JSON, enums, arrays, composites and overridden
# columns are always validated. Strict mode validates every row of every query: the test suite
# runs in it, so a nullability that codegen got wrong still fails loudly there.

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def _strict_from_environment() -> bool:
    value = os.environ.get("POSTSQL_STRICT_ROWS", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"POSTSQL_STRICT_ROWS: expected 1/true/yes/on or 0/false/no/off, got {value!r}"
    )


_strict = _strict_from_environment()


def set_strict_rows(enabled: bool) -> None:
    """Validate every row of every query (True), or trust the wire where codegen proved it can.

    The default comes from the environment variable ``POSTSQL_STRICT_ROWS`` (``1`` / ``0``,
    unset: off). Turn it on in tests, and wherever the connections decode ``text``, integers or
    timestamps with codecs of their own (``set_type_codec``): trusted rows take what asyncpg
    returns as it is.

    Example::

        set_strict_rows(True)  # e.g. in tests/conftest.py
    """
    global _strict
    _strict = bool(enabled)


def strict_rows() -> bool:
    """Whether every row is validated (see :func:`set_strict_rows`)."""
    return _strict


_new = object.__new__
# BaseModel's slots, set through their descriptors: object.__setattr__ would look each name up
# in the model's MRO first, four times per row.
_SLOTS: Mapping[str, Any] = vars(BaseModel)
_set_dict = _SLOTS["__dict__"].__set__
_set_fields = _SLOTS["__pydantic_fields_set__"].__set__
_set_extra = _SLOTS["__pydantic_extra__"].__set__
_set_private = _SLOTS["__pydantic_private__"].__set__
# Per model: its field names, or None when building it must run code of its own (validators,
# model_post_init) and so goes through validation. model_fields costs microseconds per access.
_plain_fields: dict[type[BaseModel], frozenset[str] | None] = {}


def _fields_of(model: type[BaseModel]) -> frozenset[str] | None:
    if model in _plain_fields:
        return _plain_fields[model]
    decorators = model.__pydantic_decorators__
    plain = not (
        decorators.validators
        or decorators.field_validators
        or decorators.model_validators
        or model.__pydantic_post_init__
        or model.__pydantic_root_model__
    )
    names = _plain_fields[model] = frozenset(model.model_fields) if plain else None
    return names


def construct_rows(
    model: type[M], adapter: TypeAdapter[list[M]], records: Sequence[asyncpg.Record]
) -> list[M]:
    """Rows of ``model`` built from ``records`` as they were decoded, without validating them.

    Only for models whose every field's type is what asyncpg's codec yields for its column, as
    generated code uses it. In strict mode, when the columns are not exactly the model's fields
    (a schema that changed under the code), or when the model has validators or
    ``model_post_init`` of its own, every row is validated with ``adapter``.
    """
    if _strict or not records:
        return validate_rows(adapter, records)
    names = tuple(records[0].keys())
    fields = set(names)
    expected = _fields_of(model)
    if expected is None or fields != expected:
        return validate_rows(adapter, records)
    copy = fields.copy
    rows: list[M] = []
    append = rows.append
    for record in records:
        row = _new(model)
        # One row description for all records: the lengths match by construction.
        _set_dict(row, dict(zip(names, record)))  # noqa: B905
        _set_fields(row, copy())
        _set_extra(row, None)
        _set_private(row, None)
        append(row)
    return rows


def construct_row(model: type[M], record: asyncpg.Record) -> M:
    """One row of ``model`` built from ``record`` as decoded (see :func:`construct_rows`)."""
    if _strict:
        return model.model_validate(dict(record))
    values = dict(record.items())
    expected = _fields_of(model)
    if expected is None or values.keys() != expected:
        return model.model_validate(values)
    row = _new(model)
    _set_dict(row, values)
    _set_fields(row, set(values))
    _set_extra(row, None)
    _set_private(row, None)
    return row


class CompositeModel(BaseModel):
    """Base of models generated for composite types: asyncpg returns those as ``Record``."""

    @model_validator(mode="before")
    @classmethod
    def _from_record(cls, value: object) -> object:
        if isinstance(value, asyncpg.Record):
            return dict(value.items())
        return value


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode ``json``/``jsonb`` into Python values (and encode Python values as JSON).

    Generated code relies on this: without it asyncpg returns JSON columns as ``str``. The codecs
    use the binary wire format, so binary ``COPY`` (``copy_records_to_table``) of JSON columns
    keeps working on a connection that has them (a text-format codec makes it fail).
    """
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_dumps, decoder=json.loads, format="binary"
    )
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=_dumps_jsonb,
        decoder=_loads_jsonb,
        format="binary",
    )


# jsonb's binary format is a version byte (1) followed by the JSON text; json's is the text.
_JSONB_VERSION = b"\x01"


def _dumps(value: object) -> bytes:
    if isinstance(value, BaseModel):
        return value.model_dump_json().encode()
    return json.dumps(value, default=_default).encode()


def _dumps_jsonb(value: object) -> bytes:
    return _JSONB_VERSION + _dumps(value)


def _loads_jsonb(data: bytes) -> object:
    if data[:1] != _JSONB_VERSION:
        raise ValueError(f"unsupported jsonb binary format version {data[:1]!r}")
    return json.loads(data[1:])


def _default(value: object) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
