"""Constraint violations → :class:`~postsql.errors.IntegrityViolation`, naming what broke.

asyncpg reports a violated constraint as a ``PostgresError`` whose ``detail`` repeats the
offending value (``Key (email)=(alice@example.com) already exists.``). The mapped error keeps what
a caller needs — the constraint, its table, the column and the generated model's field name, the
SQLSTATE — and never the value, which may be a secret or personal data. The original exception
is not chained (``from None``), so a traceback does not print the value either. The mapped error
is an instance of asyncpg's class too (``except asyncpg.UniqueViolationError`` still catches it)
and keeps its ``sqlstate``, ``constraint_name`` and ``table_name``; only ``detail`` is dropped.
:class:`postsql.Database` maps every constraint violation of the queries it runs.

Which column: NOT NULL violations name it; unique, primary key, foreign key and exclusion
violations name it in ``detail`` (``Key (col1, col2)=...``, only the names are read); a CHECK
constraint's columns come from the generated ``CHECK_CONSTRAINTS`` registry (codegen reads them
from ``pg_constraint``).

Example::

    try:
        await conn.execute("INSERT INTO users (email, name) VALUES ($1, $2)", "A@X", "A")
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise map_integrity_error(exc) from None
    # IntegrityViolation: users.email (field email) violates CHECK constraint
    # users_email_lower_check
"""

from __future__ import annotations

import contextlib
import keyword
import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

import asyncpg
from pydantic import BaseModel

from postsql.errors import IntegrityViolation

__all__ = ["CheckInfo", "map_integrity_error", "mapped_integrity_errors"]


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A CHECK constraint as codegen saw it: its table, columns and model field names."""

    table: str
    columns: tuple[str, ...]
    fields: tuple[str, ...]


_KINDS = {
    "23502": "NOT NULL constraint",
    "23503": "foreign key constraint",
    "23505": "unique constraint",
    "23514": "CHECK constraint",
    "23P01": "exclusion constraint",
    "23001": "restrict constraint",
}


_RESERVED = frozenset(dir(BaseModel)) | {"model_config", "model_fields"}


def _field(column: str) -> str:
    # The generated models' rule (postsql.codegen.naming.python_field, which the runtime does not
    # import): a field is named after its column unless that is no usable Python name, then it
    # gets an aliased, cleaned name ending in "_". The registry carries exact names for CHECKs.
    if (
        column.isidentifier()
        and not keyword.iskeyword(column)
        and not column.startswith("_")
        and column not in _RESERVED
    ):
        return column
    cleaned = re.sub(r"\W+", "_", column).strip("_") or "column"
    if cleaned[0].isdigit():
        cleaned = f"c_{cleaned}"
    return f"{cleaned.lstrip('_')}_"


def _key_columns(detail: str | None) -> tuple[str, ...]:
    """The key's columns (or index expressions, as the server wrote them) from ``Key (...)=``.

    Only the parenthesised list before ``=`` is read, never the values after it. An expression
    index's key holds nested parentheses and commas (``Key (lower(email::text))=``), so the list
    is split at top-level commas by a scan that follows parentheses and double quotes.
    """
    text = detail or ""
    if not text.startswith("Key ("):
        return ()
    parts: list[str] = []
    depth, start, quoted = 0, len("Key ("), False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif ch == ")":
            if text[i + 1 : i + 2] != "=":
                return ()
            parts.append(text[start:i])
            return tuple(_unquoted(p.strip()) for p in parts)
        elif ch == "," and not depth:
            parts.append(text[start:i])
            start = i + 1
    return ()


def _unquoted(part: str) -> str:
    if len(part) >= 2 and part[0] == part[-1] == '"':
        return part[1:-1].replace('""', '"')
    return part


def _is_column(name: str) -> bool:
    """A plain column name rather than an index expression (``lower(email::text)``)."""
    return not any(c in name for c in "():")


def map_integrity_error(
    exc: asyncpg.IntegrityConstraintViolationError,
    *,
    checks: Mapping[str, CheckInfo] | None = None,
) -> IntegrityViolation:
    """The :class:`IntegrityViolation` for a constraint violation asyncpg raised.

    ``checks`` maps CHECK constraint names to their columns: a generated package's
    ``models.CHECK_CONSTRAINTS`` (without it, a CHECK violation names no column).

    Example::

        except asyncpg.IntegrityConstraintViolationError as exc:
            raise map_integrity_error(exc) from None
    """
    sqlstate = str(getattr(exc, "sqlstate", "") or "23000")
    constraint: str | None = getattr(exc, "constraint_name", None)
    table: str | None = getattr(exc, "table_name", None)
    schema: str | None = getattr(exc, "schema_name", None)
    columns: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    if sqlstate == "23502" and getattr(exc, "column_name", None):
        columns = (str(exc.column_name),)
    elif sqlstate in ("23503", "23505", "23P01", "23001"):
        columns = _key_columns(getattr(exc, "detail", None))
    elif sqlstate == "23514" and constraint:
        info = (checks or {}).get(constraint)
        if info is not None:
            columns, fields = info.columns, info.fields
            table = table or info.table
    if columns and not fields:
        fields = tuple(_field(c) for c in columns if _is_column(c))
    qualified = table if not schema or schema == "public" or not table else f"{schema}.{table}"
    column = ", ".join(columns) or None
    field = ", ".join(fields) or None
    where = qualified or "a table"
    if column:
        where += "." + (column if len(columns) == 1 else f"({column})")
    if field:
        where += f" (field {field})"
    kind = _KINDS.get(sqlstate, "integrity constraint")
    message = f"{where} violates {kind}" + (f" {constraint}" if constraint else "")
    if sqlstate == "23505":
        message += ": a row with the same value already exists"
    elif sqlstate == "23503":
        message += ": the referenced row does not exist, or is still referenced"
    mapped = _dual_class(type(exc)).__new__(_dual_class(type(exc)))
    # asyncpg's own fields stay (sqlstate, constraint_name, table_name, schema_name, hint...), so
    # ``except asyncpg.UniqueViolationError`` and ``exc.sqlstate`` keep working; ``detail`` goes:
    # it repeats the offending values ("Key (email)=(alice@...)", "Failing row contains (...)").
    mapped.__dict__.update(vars(exc))
    mapped.__dict__["detail"] = None
    IntegrityViolation.__init__(
        mapped,
        message,
        constraint=constraint,
        table=qualified,
        column=column,
        field=field,
        sqlstate=sqlstate,
    )
    return mapped


_DUAL_CLASSES: dict[type[BaseException], type[IntegrityViolation]] = {}


def _dual_class(pg_class: type[BaseException]) -> type[IntegrityViolation]:
    """``IntegrityViolation`` and asyncpg's class at once (``UniqueViolationError``...).

    Not registered with asyncpg's SQLSTATE map: asyncpg only registers its own module's classes.
    """
    found = _DUAL_CLASSES.get(pg_class)
    if found is None:
        doc = f"An :class:`IntegrityViolation` that is also asyncpg's ``{pg_class.__name__}``."
        made = types.new_class(
            pg_class.__name__,
            (IntegrityViolation, pg_class),
            exec_body=lambda ns: ns.update({"__module__": __name__, "__doc__": doc}),
        )
        found = _DUAL_CLASSES[pg_class] = cast(type[IntegrityViolation], made)
    return found


@contextlib.contextmanager
def mapped_integrity_errors(*, checks: Mapping[str, CheckInfo] | None = None) -> Iterator[None]:
    """Re-raise constraint violations inside the block as :class:`IntegrityViolation`.

    Example::

        with mapped_integrity_errors():
            await create_user(conn, email="Alice@Example.com", ...)
    """
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise map_integrity_error(exc, checks=checks) from None
