"""The generated ``iter_*`` functions (server-side cursors) on connections lent by a Database."""

from __future__ import annotations

import contextlib
import uuid

import asyncpg
import pytest

from blog.generated.queries import taxonomy
from postsql.runtime.database import Database


async def make_tags(db: Database, count: int) -> None:
    for _ in range(count):
        slug = f"t-{uuid.uuid4().hex[:10]}"
        await taxonomy.create_tag(db, name=slug, slug=slug)


async def count_tags(db: Database, prefix: str) -> int:
    return int(await db.fetchval("SELECT count(*) FROM tags WHERE slug LIKE $1", prefix + "%"))


async def test_a_cursor_loop_left_by_break_cannot_silently_lose_the_writes_after_it(
    database: Database,
) -> None:
    # The generator and its transaction stay open after `break` until the garbage collector
    # closes the generator in a task of its own: the INSERT below runs inside that transaction
    # and was acknowledged, then rolled back when the connection went back to the pool.
    await make_tags(database, 3)
    lend = database.acquire()
    conn = await lend.__aenter__()
    rows = taxonomy.iter_list_tags_with_post_counts(conn)
    async for _ in rows:
        break
    status = await conn.execute("INSERT INTO tags (name, slug) VALUES ('lost', 'lost-1')")
    assert status == "INSERT 0 1"
    with pytest.raises(asyncpg.InterfaceError, match=r"came back inside a transaction"):
        await lend.__aexit__(None, None, None)
    assert await count_tags(database, "lost-") == 0  # what the error reports
    with contextlib.suppress(asyncpg.InterfaceError):
        await rows.aclose()
    async with database.acquire() as conn:  # the pool gave back a clean connection
        assert not conn.is_in_transaction()


async def test_a_cursor_loop_closed_with_aclosing_ends_its_transaction_on_break(
    database: Database,
) -> None:
    await make_tags(database, 3)
    async with database.acquire() as conn:
        async with contextlib.aclosing(taxonomy.iter_list_tags_with_post_counts(conn)) as rows:
            async for _ in rows:
                break
        assert not conn.is_in_transaction()
        await conn.execute("INSERT INTO tags (name, slug) VALUES ('kept', 'kept-1')")
    assert await count_tags(database, "kept-") == 1


async def test_a_cursor_inside_a_transaction_is_a_savepoint_and_the_transaction_goes_on(
    database: Database,
) -> None:
    await make_tags(database, 3)
    async with database.transaction() as tx:
        async with contextlib.aclosing(
            taxonomy.iter_list_tags_with_post_counts(tx.connection)
        ) as rows:
            seen = [row.name async for row in rows]
        assert len(seen) >= 3
        assert tx.connection.is_in_transaction()
        await tx.execute("INSERT INTO tags (name, slug) VALUES ('after', 'after-1')")
    assert await count_tags(database, "after-") == 1
