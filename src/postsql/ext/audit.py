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

__all__ = ["ACTOR_SETTING", "acting_as", "history", "recent", "record_key", "set_actor"]

ACTOR_SETTING = "postsql.actor"
_SET_ACTOR = "SELECT set_config('postsql.actor', $1, true)"


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
    if not isinstance(actor, str) or not actor.strip():
        raise AuditError(f"actor: expected a non-empty string, got {actor!r}")
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
    if limit < 1:
        raise AuditError(f"limit: expected a positive number of rows, got {limit!r}")
    return await list_audit_history(db, table_name=table, record_id=record_key(key), limit=limit)


async def recent(db: Executor, *, limit: int = 100) -> list[ListRecentAuditRow]:
    """The most recent audit rows of every audited table, newest first.

    Example::

        latest = await recent(pool, limit=20)
    """
    if limit < 1:
        raise AuditError(f"limit: expected a positive number of rows, got {limit!r}")
    return await list_recent_audit(db, limit=limit)
