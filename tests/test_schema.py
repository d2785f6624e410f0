"""The blog schema behaves as documented: the database, not the client, keeps it true."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest


async def _user(conn: asyncpg.Connection, email: str = "ann@example.com") -> int:
    return int(
        await conn.fetchval(
            "INSERT INTO users (email, name) VALUES ($1, 'Ann') RETURNING id", email
        )
    )


async def _post(conn: asyncpg.Connection, author: int, slug: str, content: str) -> int:
    return int(
        await conn.fetchval(
            "INSERT INTO posts (title, content, slug, author_id) VALUES ($1, $2, $3, $4) "
            "RETURNING id",
            f"Title of {slug}",
            content,
            slug,
            author,
        )
    )


async def test_ids_defaults_and_timestamps_come_from_the_database(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    row = await conn.fetchrow("SELECT * FROM users WHERE id = $1", author)
    assert row is not None
    assert row["role"] == "USER"
    assert row["created_at"] is not None
    assert row["deleted_at"] is None


async def test_a_client_cannot_supply_ids(conn: asyncpg.Connection) -> None:
    with pytest.raises(asyncpg.GeneratedAlwaysError):
        await conn.execute("INSERT INTO users (id, email, name) VALUES (1, 'a@b.c', 'A')")


async def test_updated_at_is_stamped_by_the_trigger_whatever_the_client_sends(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    before = await conn.fetchval("SELECT updated_at FROM users WHERE id = $1", author)
    await asyncio.sleep(0.01)
    await conn.execute(
        "UPDATE users SET name = 'Ann B', updated_at = '2000-01-01' WHERE id = $1", author
    )
    after = await conn.fetchval("SELECT updated_at FROM users WHERE id = $1", author)
    assert after > before


async def test_the_generated_search_vector_finds_a_post_by_a_word_of_its_content(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    wanted = await _post(conn, author, "a", "Migrating herons cross the estuary at dawn")
    await _post(conn, author, "b", "Nothing about birds here")
    found = await conn.fetch(
        "SELECT id FROM posts WHERE search_vector @@ websearch_to_tsquery('english', $1)",
        "heron",
    )
    assert [r["id"] for r in found] == [wanted]


async def test_the_search_vector_follows_content_updates(conn: asyncpg.Connection) -> None:
    author = await _user(conn)
    post = await _post(conn, author, "a", "alpha")
    await conn.execute("UPDATE posts SET content = 'kingfisher' WHERE id = $1", post)
    hits = await conn.fetchval(
        "SELECT count(*) FROM posts WHERE search_vector @@ to_tsquery('english', 'kingfisher')"
    )
    assert hits == 1


async def test_deleting_a_user_with_posts_fails_naming_the_foreign_key(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    await _post(conn, author, "a", "text")
    # PostgreSQL 18 reports RESTRICT as restrict_violation (23001), 15 as foreign_key_violation.
    with pytest.raises(asyncpg.IntegrityConstraintViolationError) as info:
        await conn.execute("DELETE FROM users WHERE id = $1", author)
    assert info.value.sqlstate in {"23001", "23503"}
    assert info.value.constraint_name == "posts_author_id_fkey"
    assert await conn.fetchval("SELECT count(*) FROM users WHERE id = $1", author) == 1


async def test_deleting_a_user_without_posts_cascades_to_the_profile(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    await conn.execute("INSERT INTO user_profiles (user_id, bio) VALUES ($1, 'hi')", author)
    await conn.execute("DELETE FROM users WHERE id = $1", author)
    assert await conn.fetchval("SELECT count(*) FROM user_profiles") == 0


async def test_deleting_a_post_takes_its_comments_and_links_with_it(
    conn: asyncpg.Connection,
) -> None:
    author = await _user(conn)
    post = await _post(conn, author, "a", "text")
    category = await conn.fetchval(
        "INSERT INTO categories (name, slug) VALUES ('Birds', 'birds') RETURNING id"
    )
    await conn.execute("INSERT INTO post_categories VALUES ($1, $2)", post, category)
    await conn.execute(
        "INSERT INTO comments (post_id, author_id, content) VALUES ($1, $2, 'nice')", post, author
    )
    await conn.execute("DELETE FROM posts WHERE id = $1", post)
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0
    assert await conn.fetchval("SELECT count(*) FROM post_categories") == 0


async def test_profile_json_columns_default_to_empty_objects(conn: asyncpg.Connection) -> None:
    author = await _user(conn)
    await conn.execute("INSERT INTO user_profiles (user_id) VALUES ($1)", author)
    row = await conn.fetchrow(
        "SELECT preferences::text AS p, metadata::text AS m FROM user_profiles"
    )
    assert row is not None
    assert (row["p"], row["m"]) == ("{}", "{}")


async def test_every_foreign_key_is_covered_by_an_index(conn: asyncpg.Connection) -> None:
    # A foreign key whose columns do not lead some index makes cascades and joins scan.
    uncovered = await conn.fetch(
        """
        SELECT c.conrelid::regclass::text AS tbl, c.conname
        FROM pg_constraint c
        WHERE c.contype = 'f'
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i
            WHERE i.indrelid = c.conrelid
              AND i.indpred IS NULL
              AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey
          )
        """
    )
    assert [dict(r) for r in uncovered] == []


async def test_the_search_vector_is_derived_again_when_written_and_not_on_a_status_update(
    conn: asyncpg.Connection,
) -> None:
    # search_vector is kept by a BEFORE trigger that fires only for INSERT and UPDATE OF title,
    # content or search_vector: a stored generated column was computed again on every UPDATE
    # (to_tsvector over unchanged content for each post of a bulk status change).
    author = await _user(conn)
    post = await _post(conn, author, "a", "alpha")
    await conn.execute("UPDATE posts SET search_vector = 'bogus' WHERE id = $1", post)
    await conn.execute("UPDATE posts SET title = 'Kingfisher' WHERE id = $1", post)
    document = await conn.fetchval("SELECT search_vector::text FROM posts WHERE id = $1", post)
    assert document == "'alpha':2B 'kingfish':1A"
    generated = await conn.fetchval(
        "SELECT attgenerated::text FROM pg_attribute"
        " WHERE attrelid = 'posts'::regclass AND attname = 'search_vector'"
    )
    assert generated == ""
    columns = await conn.fetchval(
        "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_trigger AS t"
        " JOIN pg_attribute AS a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr)"
        " WHERE t.tgname = 'posts_search_vector'"
    )
    assert columns == ["content", "search_vector", "title"]
