"""The runtime with the ext branch's pieces: the cache invalidated by the hook, audit by actor."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from blog.generated.queries import taxonomy
from postsql.ext.cache import QueryCache
from postsql.runtime.database import Database


async def test_the_cache_is_invalidated_when_the_database_writes_a_table_it_reads(
    database: Database,
) -> None:
    # The shipped query carries `-- @cache ttl=60s`: no override needed.
    assert taxonomy.LIST_CATEGORIES_WITH_POST_COUNTS.cache_ttl == 60
    cache = QueryCache()
    database.add_query_hook(cache.on_query)
    try:
        before = await cache.call(taxonomy.list_categories_with_post_counts, database)
        assert await cache.call(taxonomy.list_categories_with_post_counts, database) == before
        assert cache.stats.hits == 1
        await taxonomy.create_category(database, name="Fresh", slug="fresh", description=None)
        after = await cache.call(taxonomy.list_categories_with_post_counts, database)
    finally:
        database.remove_query_hook(cache.on_query)
    assert "fresh" in {row.slug for row in after}
    assert "fresh" not in {row.slug for row in before}
    assert cache.stats.invalidations >= 1


async def test_audit_rows_carry_the_transaction_actor(database: Database) -> None:
    async with database.transaction(actor="alice@example.com") as tx:
        await taxonomy.create_category(tx, name="Audited", slug="audited", description=None)
    await taxonomy.create_category(database, name="Anonymous", slug="anonymous", description=None)
    rows = await database.fetch(
        "SELECT new_data->>'slug' AS slug, actor, db_role FROM audit_log"
        " WHERE table_name = 'categories' AND action = 'INSERT' ORDER BY id"
    )
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["audited"]["actor"] == "alice@example.com"
    assert by_slug["anonymous"]["actor"] is None
    assert by_slug["anonymous"]["db_role"]  # the fallback: who connected


async def test_the_cache_never_keeps_rows_a_rolled_back_transaction_wrote(
    database: Database,
) -> None:
    cache = QueryCache()
    database.add_query_hook(cache.on_query)
    try:
        await cache.call(taxonomy.list_categories_with_post_counts, database)

        async def write_read_and_roll_back() -> None:
            async with database.transaction() as tx:
                await taxonomy.create_category(tx, name="Ghost", slug="ghost", description=None)
                inside = await cache.call(taxonomy.list_categories_with_post_counts, tx)
                assert "ghost" in {row.slug for row in inside}  # read your own writes
                also = await cache.call(taxonomy.list_categories_with_post_counts, database)
                assert "ghost" in {row.slug for row in also}  # db from the transaction's task
                raise RuntimeError("roll back")

        with pytest.raises(RuntimeError, match="roll back"):
            await write_read_and_roll_back()
        after = await cache.call(taxonomy.list_categories_with_post_counts, database)
    finally:
        database.remove_query_hook(cache.on_query)
    assert "ghost" not in {row.slug for row in after}  # the uncommitted rows were never cached
    assert cache.stats.bypassed == 2


async def test_the_cache_bypasses_a_plain_connection_inside_a_transaction(
    db: asyncpg.Connection,
) -> None:
    cache = QueryCache()

    async def write_read_and_roll_back() -> None:
        async with db.transaction():
            await taxonomy.create_category(db, name="Ghost", slug="ghost", description=None)
            await cache.call(taxonomy.list_categories_with_post_counts, db)
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        await write_read_and_roll_back()
    after = await cache.call(taxonomy.list_categories_with_post_counts, db)
    assert "ghost" not in {row.slug for row in after}


async def test_a_read_cached_while_a_transaction_wrote_is_invalidated_at_its_commit(
    database: Database,
) -> None:
    cache = QueryCache()
    database.add_query_hook(cache.on_query)
    try:
        async with database.transaction() as tx:
            await taxonomy.create_category(tx, name="New", slug="new", description=None)
            # Another task reads meanwhile: it sees (and caches) the committed rows, without "new".
            during = await asyncio.create_task(
                cache.call(taxonomy.list_categories_with_post_counts, database)
            )
            assert "new" not in {row.slug for row in during}
        after = await cache.call(taxonomy.list_categories_with_post_counts, database)
    finally:
        database.remove_query_hook(cache.on_query)
    assert "new" in {row.slug for row in after}  # not the entry cached before the commit
