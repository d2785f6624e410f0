"""Bulk inserts through COPY, typed by the generated insert models: :func:`copy_models`.

Example::

    from myapp.db.models import CommentInsert

    written = await copy_models(db, "comments", CommentInsert, [CommentInsert(...), ...])

``db`` is a :class:`~postsql.Database` (the rows go in one transaction; inside
``db.transaction()`` they join it), a transaction, an ``asyncpg`` pool or a connection.

COPY writes every listed column, so a column left out of a model (one with a default) must be left
out of the column list too, or it would be written as NULL instead of getting its default. Rows are
therefore grouped by the set of fields they were given (usually one group: all rows built the same
way), one COPY per group, all groups in one transaction.

Every row is checked before the first byte is sent, for what a model accepts but PostgreSQL
cannot hold (a NUL character, a lone surrogate, an integer outside bigint) and for the repositories'
length limits (``short`` columns as names, every other text as free text): :class:`InvalidArgument`
names the item and the field. A row the server refuses fails the whole COPY (nothing is written);
a constraint violation is raised as :class:`~postsql.errors.IntegrityViolation` (never repeating
the row's values) whose message starts with the index of the offending item, as
``rows item 5: ...``.
"""

from __future__ import annotations

import contextlib
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from pydantic import BaseModel

from postsql.errors import IntegrityViolation, InvalidArgument
from postsql.runtime.integrity import CheckInfo, map_integrity_error

__all__ = ["CopyTarget", "copy_models", "storable"]

M = TypeVar("M", bound=BaseModel)
# Integers COPY can carry (a bigint column's range; smaller columns are checked by the server).
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1


@runtime_checkable
class CopyTarget(Protocol):
    """What COPY needs: ``Database``, its transactions, ``asyncpg.Connection`` and ``Pool``."""

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Iterable[Sequence[object]],
        columns: Iterable[str] | None = ...,
    ) -> str: ...


class _Transactional(Protocol):
    def transaction(self) -> Any: ...


async def copy_models(
    db: object,
    table: str,
    model: type[M],
    rows: Sequence[M],
    *,
    parameter: str = "rows",
    max_lengths: Mapping[str, int] | None = None,
) -> int:
    """COPY ``rows`` (instances of ``model``) into ``table``; returns the number of rows written.

    ``db``: a ``Database``, a transaction, a Connection or a Pool. The rows are checked first
    (:class:`~postsql.errors.InvalidArgument` names the item and field): text PostgreSQL can
    store and, for the fields ``max_lengths`` names, at most that many characters; integers
    within bigint. Nothing is written unless every row passes.
    """
    limits = max_lengths or {}
    groups: dict[tuple[str, ...], _Group] = {}
    order = list(model.model_fields)
    # Per distinct set of given fields: its columns in table order and a C-level getter of them.
    shapes: dict[frozenset[str], tuple[tuple[str, ...], Callable[[M], tuple[object, ...]]]] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, model):
            raise InvalidArgument(
                parameter, f"item {index} is a {type(row).__name__}, not a {model.__name__}"
            )
        given = frozenset(row.model_fields_set)
        shape = shapes.get(given)
        if shape is None:
            columns = tuple(name for name in order if name in given)
            shape = shapes[given] = (columns, _getter(columns))
        record = shape[1](row)
        for column, value in zip(shape[0], record, strict=True):
            if isinstance(value, str):
                _storable(parameter, index, column, value, limits.get(column))
            elif isinstance(value, int) and not _BIGINT_MIN <= value <= _BIGINT_MAX:
                raise InvalidArgument(
                    parameter, f"item {index}: {column}: is outside bigint (-2**63 .. 2**63-1)"
                )
        group = groups.get(shape[0])
        if group is None:
            group = groups[shape[0]] = _Group([], [])
        group.records.append(record)
        group.indices.append(index)
    if not groups:
        return 0
    target = copy_target(db)
    # The generated models module beside the insert model names each CHECK's columns.
    checks: Mapping[str, CheckInfo] | None = getattr(
        sys.modules.get(model.__module__), "CHECK_CONSTRAINTS", None
    )
    if len(groups) == 1:
        ((columns, group),) = groups.items()
        with _row_errors(parameter, columns, group, checks):
            status = await target.copy_records_to_table(
                table, records=group.records, columns=columns
            )
        return copied_rows(status)
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await _copy_groups(conn, table, groups, parameter, checks)
    return await _copy_groups(cast("_Transactional", target), table, groups, parameter, checks)


def _getter(columns: tuple[str, ...]) -> Callable[[Any], tuple[object, ...]]:
    if len(columns) == 1:  # attrgetter of one name returns the value, not a 1-tuple
        (name,) = columns
        return lambda row: (getattr(row, name),)
    return operator.attrgetter(*columns)


async def _copy_groups(
    conn: asyncpg.Connection | PoolConnectionProxy[asyncpg.Record] | _Transactional,
    table: str,
    groups: dict[tuple[str, ...], _Group],
    parameter: str,
    checks: Mapping[str, CheckInfo] | None,
) -> int:
    """Every group in one transaction (a ``Database``'s or a connection's; a savepoint in one)."""
    written = 0
    async with conn.transaction() as tx:
        # asyncpg's transaction yields None: its statements run on the connection itself.
        target = copy_target(conn if tx is None else tx)
        for columns, group in groups.items():
            with _row_errors(parameter, columns, group, checks):
                status = await target.copy_records_to_table(
                    table, records=group.records, columns=columns
                )
            written += copied_rows(status)
    return written


def copy_target(db: object) -> CopyTarget:
    """``db`` itself when it can COPY, else a clear error naming the ``db`` parameter."""
    if not isinstance(db, CopyTarget):
        raise InvalidArgument(
            "db",
            "bulk inserts use COPY: pass a Database, a transaction, a Connection or a Pool, "
            f"not {type(db).__name__}",
        )
    return db


def copied_rows(status: str) -> int:
    """Rows COPY wrote, from its status tag (``"COPY 1000"``)."""
    return int(status.rpartition(" ")[2])


def storable(parameter: str, value: str) -> str:
    """``value``, unless PostgreSQL text cannot hold it: a NUL character (the server refuses it)
    or a lone surrogate (not encodable as UTF-8, asyncpg refuses it naming only ``$n``)."""
    if "\x00" in value:
        raise InvalidArgument(parameter, "must not contain NUL characters (\\x00)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgument(
            parameter, f"is not valid Unicode text ({exc.reason} at position {exc.start})"
        ) from None
    return value


@dataclass(slots=True)
class _Group:
    """The records of one column set, and the index in the caller's sequence of each."""

    records: list[tuple[object, ...]]
    indices: list[int]


def _storable(parameter: str, index: int, column: str, value: str, max_length: int | None) -> None:
    try:
        if max_length is not None and len(value) > max_length:
            raise InvalidArgument(
                column, f"must be at most {max_length} characters, got {len(value)}"
            )
        storable(column, value)
    except InvalidArgument as exc:
        raise InvalidArgument(parameter, f"item {index}: {exc}") from None


# The server's error context for a row it refused while reading: "COPY comments, line 5".
_COPY_LINE = re.compile(r"^COPY .*, line (?P<line>[0-9]+)", re.MULTILINE)
# A single-column key in a violation's detail: "Key (post_id)=(42) is not present in ...".
_KEY_VALUE = re.compile(r'^Key \((?P<col>[^(),"]+)\)=\((?P<value>.*)\) is not present')


@contextlib.contextmanager
def _row_errors(
    parameter: str, columns: tuple[str, ...], group: _Group, checks: Mapping[str, CheckInfo] | None
) -> Iterator[None]:
    """Constraint violations as :class:`IntegrityViolation`, naming the offending item.

    The server names the line (row) it was reading; a foreign key is checked after the last row,
    so its offending row is found by the key value the server reports (its first occurrence).
    """
    try:
        yield
    except asyncpg.PostgresError as exc:
        position = _failed_position(exc, columns, group)
        where = f"{parameter} item {group.indices[position]}" if position is not None else None
        if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
            mapped = map_integrity_error(exc, checks=checks)
            if where is not None:
                IntegrityViolation.__init__(
                    mapped,
                    f"{where}: {mapped}",
                    constraint=mapped.constraint,
                    table=mapped.table,
                    column=mapped.column,
                    field=mapped.field,
                    sqlstate=mapped.sqlstate,
                )
            raise mapped from None
        if where is not None:
            exc.add_note(f"while copying {where}")
        raise


def _failed_position(
    exc: asyncpg.PostgresError, columns: tuple[str, ...], group: _Group
) -> int | None:
    line = _COPY_LINE.search(str(getattr(exc, "context", None) or ""))
    if line is not None:
        position = int(line.group("line")) - 1
        return position if 0 <= position < len(group.records) else None
    key = _KEY_VALUE.match(str(getattr(exc, "detail", None) or ""))
    if key is None or key.group("col") not in columns:
        return None
    column = columns.index(key.group("col"))
    value = key.group("value")
    return next((i for i, record in enumerate(group.records) if str(record[column]) == value), None)
