"""The runtime with the ext branch's pieces: the cache invalidated by the hook, audit by actor."""

from __future__ import annotations

from postsql.database import Database
from postsql.ext.cache import QueryCache
from postsql.generated.queries import taxonomy


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
