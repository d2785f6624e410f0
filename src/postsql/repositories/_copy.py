"""Bulk inserts through COPY, typed by the generated insert models.

COPY writes every listed column, so a column left out of a model (one with a default) must be left
out of the column list too, or it would be written as NULL instead of getting its default. Rows are
therefore grouped by the set of fields they were given (usually one group: all rows built the same
way), one COPY per group, all groups in one transaction.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from pydantic import BaseModel

from postsql.errors import InvalidArgument
from postsql.repositories._common import copied_rows, copy_target

M = TypeVar("M", bound=BaseModel)


async def copy_models(
    db: object, table: str, model: type[M], rows: Sequence[M], *, parameter: str = "rows"
) -> int:
    """COPY ``rows`` (instances of ``model``) into ``table``; returns the number of rows written.

    ``db`` must be able to COPY (a Connection or a Pool); the rows are checked first.
    """
    groups: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
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
        groups.setdefault(shape[0], []).append(shape[1](row))
    if not groups:
        return 0
    target = copy_target(db)
    if len(groups) == 1:
        ((columns, records),) = groups.items()
        return copied_rows(
            await target.copy_records_to_table(table, records=records, columns=columns)
        )
    if isinstance(db, asyncpg.Connection):
        return await _copy_groups(db, table, groups)
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn:
            return await _copy_groups(conn, table, groups)
    raise InvalidArgument(
        parameter,
        "rows with different sets of fields need a Connection or a Pool (one transaction)",
    )


def _getter(columns: tuple[str, ...]) -> Callable[[Any], tuple[object, ...]]:
    if len(columns) == 1:  # attrgetter of one name returns the value, not a 1-tuple
        (name,) = columns
        return lambda row: (getattr(row, name),)
    return operator.attrgetter(*columns)


async def _copy_groups(
    conn: asyncpg.Connection | PoolConnectionProxy[asyncpg.Record],
    table: str,
    groups: dict[tuple[str, ...], list[tuple[object, ...]]],
) -> int:
    written = 0
    async with conn.transaction():
        for columns, records in groups.items():
            status = await conn.copy_records_to_table(table, records=records, columns=columns)
            written += copied_rows(status)
    return written
