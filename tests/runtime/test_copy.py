"""The public bulk insert, ``postsql.copy_models``: one typed function over a Database, its
transactions, a pool and a connection, reported to the hooks so that caches invalidate."""

from __future__ import annotations

from typing import cast

import asyncpg
import pytest

from blog.generated.models import CommentInsert
from postsql import Database, copy_models
from postsql.errors import IntegrityViolation, InvalidArgument
from postsql.runtime.hooks import QueryRecord


async def _post(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        author = await conn.fetchval(
            "INSERT INTO users (email, name) VALUES ('copy@example.com', 'C') RETURNING id"
        )
        post = await conn.fetchval(
            "INSERT INTO posts (author_id, title, slug, content) "
            "VALUES ($1, 'T', 'copy-post', 'body') RETURNING id",
            author,
        )
    finally:
        await conn.close()
    return post, author


async def test_copy_models_takes_a_database_and_reports_the_write(db_url: str) -> None:
    post, author = await _post(db_url)
    seen: list[QueryRecord] = []
    async with Database(url=db_url, pool_min_size=1, log_queries=False) as db:
        db.add_query_hook(seen.append)
        rows = [CommentInsert(post_id=post, author_id=author, content=f"c{i}") for i in range(5)]
        assert await copy_models(db, "comments", CommentInsert, rows) == 5
        assert await db.fetchval("SELECT count(*) FROM comments") == 5
    assert any("comments" in record.tables_written for record in seen)


async def test_copy_models_inside_a_transaction_joins_it(db_url: str) -> None:
    post, author = await _post(db_url)
    async with Database(url=db_url, pool_min_size=1, log_queries=False) as db:
        row = CommentInsert(post_id=post, author_id=author, content="kept?")

        async def copy_then_fail() -> None:
            async with db.transaction() as tx:
                assert await copy_models(tx, "comments", CommentInsert, [row]) == 1
                assert await tx.fetchval("SELECT count(*) FROM comments") == 1
                raise RuntimeError("roll back")

        with pytest.raises(RuntimeError, match="roll back"):
            await copy_then_fail()
        assert await db.fetchval("SELECT count(*) FROM comments") == 0
        # Rows given different sets of fields: two COPYs, one transaction on the Database.
        mixed = [
            CommentInsert(post_id=post, author_id=author, content="a"),
            CommentInsert(post_id=post, author_id=author, content="b", deleted_at=None),
        ]
        assert await copy_models(db, "comments", CommentInsert, mixed) == 2


async def test_copy_models_names_the_row_and_column_a_constraint_refuses(db_url: str) -> None:
    post, author = await _post(db_url)
    pool = await asyncpg.create_pool(db_url, min_size=1, max_size=2)
    try:
        rows = [CommentInsert(post_id=post, author_id=author, content="ok") for _ in range(3)]
        rows[2] = CommentInsert(post_id=post + 1_000, author_id=author, content="orphan")
        with pytest.raises(IntegrityViolation, match=r"^rows item 2: comments\.post_id"):
            await copy_models(pool, "comments", CommentInsert, rows)
        with pytest.raises(InvalidArgument, match="not a CommentInsert"):
            await copy_models(pool, "comments", CommentInsert, [cast(CommentInsert, object())])
        with pytest.raises(InvalidArgument, match="pass a Database, a transaction"):
            await copy_models(object(), "comments", CommentInsert, rows[:1])
    finally:
        await pool.close()
