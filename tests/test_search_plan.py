"""The search queries build the tsquery and the LIKE pattern once per call, not once per post.

Inlined (``NOT MATERIALIZED``), a prepared statement's generic plan (asyncpg prepares every
statement; PostgreSQL switches to a generic plan after five runs) evaluated
``websearch_to_tsquery('english', btrim($1))`` and the escaped pattern in the filter of every post
it read, so a long term cost its length times the posts (450 ms for a 200-character term on
12,500 posts, against 27 ms once per call). And the title match is ``lower(title) LIKE``, served by
the trigram index on ``lower(title)``: ILIKE lower-cased its pattern again for every row.
"""

from __future__ import annotations

import asyncpg
import pytest

from blog.generated.queries import posts
from postsql.runtime.executor import QueryInfo

ARGS = {
    "search_posts": ("'" * 200, None, None, None, None, 20, 0),
    "count_matching_posts": ("'" * 200, None, None, None, None),
}


@pytest.mark.parametrize("query", [posts.SEARCH_POSTS, posts.COUNT_MATCHING_POSTS])
async def test_a_generic_plan_builds_the_search_once_not_per_post(
    db: asyncpg.Connection, query: QueryInfo
) -> None:
    await db.execute("SET plan_cache_mode = force_generic_plan")
    statement = await db.prepare(query.sql)
    await statement.fetch(*ARGS[query.name])
    plan = await db.fetch(f"EXPLAIN (COSTS OFF) EXECUTE {statement.get_name()}" + _params(query))
    per_row = [
        r[0]
        for r in plan
        if ("Filter:" in r[0] or "Cond:" in r[0]) and "websearch_to_tsquery" in r[0]
    ]
    assert per_row == []


def _params(query: QueryInfo) -> str:
    values = ARGS[query.name]
    literals = [
        "NULL" if v is None else repr(v) if isinstance(v, int) else "$$" + v + "$$" for v in values
    ]
    return "(" + ", ".join(literals) + ")"


async def test_the_title_substring_match_has_an_index_on_lower_title(
    db: asyncpg.Connection,
) -> None:
    definition = await db.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'posts_title_lower_trgm_idx'"
    )
    assert definition is not None
    assert "lower(title) gin_trgm_ops" in definition
    assert "ILIKE" not in posts.SEARCH_POSTS.sql
    assert "lower(p.title) LIKE s.pattern" in posts.SEARCH_POSTS.sql
