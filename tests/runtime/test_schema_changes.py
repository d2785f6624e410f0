"""A migration under a running pool: statements and type layouts the connections cached go stale.

asyncpg re-prepares a stale plan outside a transaction by itself; these tests cover the rest:
a read whose composite result type changed, the error inside a transaction, and
``Database.expire_connections()`` as the step after a migration.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from postsql.runtime.database import Database
from postsql.runtime.executor import QueryInfo
from postsql.runtime.registry import QueryRegistry

READ_ITEM = QueryInfo(
    name="read_item",
    file="sql/queries/probe.sql",
    line=1,
    operation="select_one",
    sql="SELECT id, shape FROM probe_item WHERE id = $1",
    params=("id",),
    tables_read=frozenset({"probe_item"}),
    read_only=True,
)
BUMP_ITEM = QueryInfo(
    name="bump_item",
    file="sql/queries/probe.sql",
    line=5,
    operation="insert_returning",
    sql="UPDATE probe_item SET n = n + 1 WHERE id = $1 RETURNING shape",
    params=("id",),
    tables_read=frozenset({"probe_item"}),
    tables_written=frozenset({"probe_item"}),
)
PLAIN = "SELECT * FROM probe_item WHERE id = $1"


@pytest.fixture
async def probe(db_url: str) -> AsyncIterator[tuple[Database, asyncpg.Connection]]:
    """A one-connection Database knowing READ_ITEM and BUMP_ITEM, and a second session that
    plays the migration."""
    migrator = await asyncpg.connect(db_url)
    await migrator.execute(
        "CREATE TYPE probe_shape AS (w int, h int);"
        "CREATE TABLE probe_item (id int PRIMARY KEY, n int NOT NULL, shape probe_shape);"
        "INSERT INTO probe_item VALUES (1, 0, ROW(2, 3))"
    )
    registry = QueryRegistry([READ_ITEM, BUMP_ITEM])
    try:
        async with Database(
            url=db_url, pool_min_size=1, pool_max_size=1, log_queries=False, registry=registry
        ) as db:
            yield db, migrator
    finally:
        await migrator.close()


async def test_a_read_whose_composite_type_changed_is_run_again_instead_of_failing(
    probe: tuple[Database, asyncpg.Connection],
) -> None:
    db, migrator = probe
    assert await db.fetchval("SELECT (shape).w FROM probe_item WHERE id = 1") == 2
    assert await db.fetchrow(READ_ITEM.sql, 1) is not None  # the layout is cached now
    await migrator.execute("ALTER TYPE probe_shape ADD ATTRIBUTE d int")
    row = await db.fetchrow(READ_ITEM.sql, 1)
    assert row is not None
    assert dict(row["shape"]) == {"w": 2, "h": 3, "d": None}


async def test_a_write_whose_result_type_changed_is_not_run_twice_and_says_it_ran(
    probe: tuple[Database, asyncpg.Connection],
) -> None:
    db, migrator = probe
    await db.fetchrow(BUMP_ITEM.sql, 1)
    await migrator.execute("ALTER TYPE probe_shape ADD ATTRIBUTE d int")
    with pytest.raises(asyncpg.exceptions.OutdatedSchemaCacheError) as caught:
        await db.fetchrow(BUMP_ITEM.sql, 1)
    assert await migrator.fetchval("SELECT n FROM probe_item WHERE id = 1") == 2  # once each
    notes = "\n".join(caught.value.__notes__)
    assert "the statement ran on the server" in notes
    assert "bump_item (sql/queries/probe.sql:5)" in notes


async def test_a_stale_plan_inside_a_transaction_says_what_happened_and_what_to_do(
    probe: tuple[Database, asyncpg.Connection],
) -> None:
    db, migrator = probe
    await db.fetchrow(PLAIN, 1)  # prepared and cached on the pool's one connection
    await migrator.execute("ALTER TABLE probe_item ADD COLUMN note text")
    with pytest.raises(asyncpg.exceptions.InvalidCachedStatementError) as caught:
        async with db.transaction() as tx:
            await tx.fetchrow(PLAIN, 1)
    notes = "\n".join(caught.value.__notes__)
    assert "a migration ran while the pool was open" in notes
    assert "the transaction is aborted" in notes
    assert "db.expire_connections()" in notes
    async with db.transaction() as tx:  # asyncpg dropped its caches: running it again works
        again = await tx.fetchrow(PLAIN, 1)
        assert again is not None
        assert again["note"] is None


async def test_expire_connections_after_a_migration_keeps_transactions_working(
    probe: tuple[Database, asyncpg.Connection],
) -> None:
    db, migrator = probe
    await db.fetchrow(PLAIN, 1)
    before = await db.fetchval("SELECT pg_backend_pid()")
    await migrator.execute("ALTER TABLE probe_item ALTER COLUMN n TYPE bigint")
    await db.expire_connections()
    async with db.transaction() as tx:
        row = await tx.fetchrow(PLAIN, 1)
        assert row is not None
        assert await tx.fetchval("SELECT pg_backend_pid()") != before
    assert row["n"] == 0
