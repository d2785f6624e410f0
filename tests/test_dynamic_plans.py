"""The variants of the dynamic find_posts keep their indexes under a generic plan.

asyncpg prepares every statement, and PostgreSQL plans a prepared statement generically after
five runs. The old ``($1 IS NULL OR p.author_id = $1)`` filter could then no longer use the index
on author_id (the plan must also serve NULL); each variant of the dynamic query states only the
filters given, so its generic plan can. Asserted here with EXPLAIN of each variant forced to a
generic plan, for the blog's indexed filters in every sort order.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from blog.generated.queries import posts

ORDERS = ("newest", "oldest", "most_viewed", "title")
# filter -> (the index its variants must use, how the test picks a value)
INDEXED = {
    "author_id": ("posts_author_created_idx", "SELECT min(id) FROM users"),
    "tag_id": ("post_tags_tag_post_idx", "SELECT min(id) FROM tags"),
    "category_id": ("post_categories_category_post_idx", "SELECT min(id) FROM categories"),
}


def _indexes(plan: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for value in plan.values():
            found |= _indexes(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= _indexes(value)
    return found


@pytest.fixture
async def many_posts(db: asyncpg.Connection) -> asyncpg.Connection:
    """20,000 live posts by 200 authors, each with one of 100 tags and one of 50 categories."""
    await db.execute(
        """
        INSERT INTO users (email, name)
        SELECT 'u' || i || '@example.com', 'User ' || i FROM generate_series(1, 200) AS i;
        INSERT INTO tags (name, slug)
        SELECT 'Tag ' || i, 'tag-' || i FROM generate_series(1, 100) AS i;
        INSERT INTO categories (name, slug)
        SELECT 'Category ' || i, 'category-' || i FROM generate_series(1, 50) AS i;
        INSERT INTO posts (title, content, slug, author_id, view_count, created_at)
        SELECT
            'Post ' || i, 'Text of post ' || i, 'post-' || i,
            (SELECT min(id) FROM users) + i % 200, i % 997,
            '2026-01-01Z'::timestamptz + i * interval '1 minute'
        FROM generate_series(1, 20000) AS i;
        INSERT INTO post_tags (post_id, tag_id)
        SELECT p.id, (SELECT min(id) FROM tags) + p.id % 100 FROM posts AS p;
        INSERT INTO post_categories (post_id, category_id)
        SELECT p.id, (SELECT min(id) FROM categories) + p.id % 50 FROM posts AS p;
        ANALYZE users, tags, categories, posts, post_tags, post_categories;
        SET plan_cache_mode = force_generic_plan;
        """
    )
    return db


async def _generic_plan(db: asyncpg.Connection, sql: str, args: list[object]) -> set[str]:
    statement = await db.prepare(sql)
    literals = ", ".join("NULL" if a is None else str(a) for a in args)
    rows = await db.fetch(
        f"EXPLAIN (FORMAT JSON) EXECUTE {statement.get_name()}" + (f"({literals})" if args else "")
    )
    return _indexes(json.loads(rows[0][0]) if isinstance(rows[0][0], str) else rows[0][0])


async def test_every_selective_variant_uses_its_index_under_a_generic_plan(
    many_posts: asyncpg.Connection,
) -> None:
    # One seeded database for all twelve variants (filter x order); every miss is listed.
    missed: list[str] = []
    for given, (index, pick) in sorted(INDEXED.items()):
        value = await many_posts.fetchval(pick)
        for order in ORDERS:
            info = posts._FIND_POSTS_VARIANTS[((given,), order)]
            args = {given: value, "since": None, "until": None, "limit": 20, "offset": 0}
            used = await _generic_plan(many_posts, info.sql, [args[name] for name in info.params])
            if index not in used:
                missed.append(f"{given} ordered {order} uses {sorted(used)}, not {index}")
    assert missed == []


async def test_the_old_is_null_or_filter_loses_the_author_index_under_a_generic_plan(
    many_posts: asyncpg.Connection,
) -> None:
    # Why find_posts is dynamic: the same filter written the old way, on the same data.
    old = (
        "SELECT p.id FROM posts AS p WHERE p.deleted_at IS NULL"
        " AND ($1::bigint IS NULL OR p.author_id = $1::bigint)"
        " ORDER BY p.created_at DESC, p.id DESC LIMIT 20"
    )
    author = await many_posts.fetchval("SELECT min(id) FROM users")
    assert "posts_author_created_idx" not in await _generic_plan(many_posts, old, [author])
