"""Audit: who changed what and when, written by database triggers into ``audit_log``.

The triggers (migration ``20261125002000_add_audit_triggers.sql``) fire on every INSERT, UPDATE
and DELETE of the audited tables (users, user_profiles, roles, posts, comments, categories, tags,
post_categories, post_tags), whoever writes: postsql, psql, another service. Each row records
``actor`` (the transaction-local setting ``postsql.actor``, NULL when unset), ``db_role`` (the
database role, ``session_user``: the fallback when no actor is set), the action, the record's key,
old and new rows as jsonb (minus noise such as ``posts.search_vector``), the changed columns of an
UPDATE, the transaction id and time. An UPDATE that changes nothing audited is not recorded.

The triggers are statement-level (transition tables): one set-based insert per statement, so bulk
writes such as COPY pay little for auditing; rows of one statement are written in key order. An
UPDATE that changes a key column is recorded as a DELETE of the old key and an INSERT of the new.

With the runtime's ``Database``, pass the actor to the transaction::

    async with db.transaction(actor="alice@example.com") as tx:
        await users.update_user(tx, id=1, ...)

On a plain asyncpg connection, use :func:`acting_as` (or :func:`set_actor` inside your own
transaction), then read the history back with :func:`history`::

    async with acting_as(conn, "alice@example.com"):
        await users.update_user(conn, id=1, ...)
    rows = await history(conn, "users", 1)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from postsql.builtin.queries.audit import (
    ListAuditHistoryRow,
    ListRecentAuditRow,
    list_audit_history,
    list_recent_audit,
)
from postsql.errors import AuditError
from postsql.runtime.executor import Executor

__all__ = [
    "ACTOR_SETTING",
    "MAX_AUDIT_ROWS",
    "MAX_AUDIT_TEXT",
    "acting_as",
    "check_audit_text",
    "history",
    "recent",
    "record_key",
    "set_actor",
]

ACTOR_SETTING = "postsql.actor"
_SET_ACTOR = "SELECT set_config('postsql.actor', $1, true)"

#: The most rows one :func:`history` or :func:`recent` call returns.
MAX_AUDIT_ROWS = 10_000
#: The longest actor, table name or record key (characters).
MAX_AUDIT_TEXT = 256


def _shown(value: object) -> str:
    # A refused value is echoed as a short prefix only (it may be huge, or an int too long to
    # print).
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value[:40] if isinstance(value, str) else value)
    except Exception:
        return f"a {type(value).__name__}"
    return text if len(text) <= 60 else f"{text[:60]}…"


def check_audit_text(parameter: str, value: object) -> str:
    """``value`` as an actor, table name or record key: a non-blank string of at most
    :data:`MAX_AUDIT_TEXT` characters that PostgreSQL text can hold (no NUL, valid Unicode);
    else :class:`~postsql.errors.AuditError` naming ``parameter``.

    Example: ``check_audit_text("actor", "alice@example.com")``.
    """
    if not isinstance(value, str) or not value.strip():
        raise AuditError(f"{parameter}: expected a non-empty string, got {_shown(value)}")
    if len(value) > MAX_AUDIT_TEXT:
        raise AuditError(
            f"{parameter}: expected at most {MAX_AUDIT_TEXT} characters, got {len(value)}"
        )
    if "\x00" in value:
        raise AuditError(f"{parameter}: must not contain NUL characters (\\x00)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise AuditError(f"{parameter}: is not valid Unicode text ({exc.reason})") from None
    return value


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_ROWS:
        raise AuditError(
            f"limit: expected a whole number of rows from 1 to {MAX_AUDIT_ROWS}, "
            f"got {_shown(limit)}"
        )
    return limit


async def set_actor(conn: asyncpg.Connection, actor: str) -> None:
    """Name the actor of the current transaction's writes (``set_config(..., is_local => true)``).

    The setting ends with the transaction, so a pooled connection never carries it over. Raises
    :class:`~postsql.errors.AuditError` outside a transaction (the setting would be lost at once)
    or for an empty actor.

    Example::

        async with conn.transaction():
            await set_actor(conn, "alice@example.com")
            await posts.soft_delete_post(conn, id=7)
    """
    check_audit_text("actor", actor)
    if not conn.is_in_transaction():
        raise AuditError(
            "set_actor needs an open transaction: postsql.actor is transaction-local "
            "(use `async with conn.transaction():` or `acting_as(conn, actor)`)"
        )
    await conn.execute(_SET_ACTOR, actor)


@asynccontextmanager
async def acting_as(conn: asyncpg.Connection, actor: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction on ``conn`` whose writes are audited as ``actor``.

    Example::

        async with acting_as(conn, "alice@example.com") as tx:
            await users.soft_delete_user(tx, id=3)
    """
    async with conn.transaction():
        await set_actor(conn, actor)
        yield conn


def record_key(key: object) -> str:
    """The ``record_id`` text the triggers write for a key: ``7`` → ``"7"``, ``(1, 2)`` → ``"1,2"``.

    Example::

        >>> record_key((3, 9))
        '3,9'
    """
    if isinstance(key, Sequence) and not isinstance(key, str | bytes):
        return ",".join(str(part) for part in key)
    return str(key)


async def history(
    db: Executor, table: str, key: object, *, limit: int = 100
) -> list[ListAuditHistoryRow]:
    """The audit rows of one record, newest first (``key``: its id, or a tuple for a composite key).

    Example::

        for row in await history(pool, "posts", 7):
            print(row.changed_at, row.action, row.actor or row.db_role, row.changed_columns)
    """
    checked = _check_limit(limit)
    return await list_audit_history(
        db,
        table_name=check_audit_text("table", table),
        record_id=check_audit_text("key", record_key(key)),
        limit=checked,
    )


async def recent(db: Executor, *, limit: int = 100) -> list[ListRecentAuditRow]:
    """The most recent audit rows of every audited table, newest first.

    Example::

        latest = await recent(pool, limit=20)
    """
    return await list_recent_audit(db, limit=_check_limit(limit))
