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

# The search variants of the dynamic find_posts and count_posts, with a 200-character term.
SEARCH = {
    "find_posts": posts._FIND_POSTS_VARIANTS[(("search",), "newest")],
    "count_posts": posts._COUNT_POSTS_VARIANTS[(("search",), "")],
}
VALUES: dict[str, object] = {
    "search": "'" * 200, "since": None, "until": None, "limit": 20, "offset": 0,
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SEARCH))
async def test_a_generic_plan_builds_the_search_once_not_per_post(
    db: asyncpg.Connection, name: str
) -> None:
    query = SEARCH[name]
    args = [VALUES[param] for param in query.params]
    await db.execute("SET plan_cache_mode = force_generic_plan")
    statement = await db.prepare(query.sql)
    await statement.fetch(*args)
    plan = await db.fetch(f"EXPLAIN (COSTS OFF) EXECUTE {statement.get_name()}" + _params(args))
    per_row = [
        r[0]
        for r in plan
        if ("Filter:" in r[0] or "Cond:" in r[0]) and "websearch_to_tsquery" in r[0]
    ]
    assert per_row == []


def _params(values: list[object]) -> str:
    literals = [
        "NULL" if v is None else repr(v) if isinstance(v, int) else f"$${v}$$" for v in values
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
    assert "ILIKE" not in SEARCH["find_posts"].sql
    assert "lower(p.title) LIKE s.pattern" in SEARCH["find_posts"].sql


async def test_the_ranked_scan_carries_only_keys_and_the_date_index_is_not_scanned(
    db: asyncpg.Connection,
) -> None:
    # The matches go through count(*) OVER () and the sort as (rank, id, sort keys): merged
    # with the page, the planner carried search_vector and content of every match (3 times the
    # cost). And a generic plan guesses the since/until range narrow: inside the scan it made a
    # BitmapAnd with a scan of the whole date index whenever both are NULL.
    query = SEARCH["find_posts"]
    args = [{**VALUES, "search": "postgres"}[param] for param in query.params]
    await db.execute("SET plan_cache_mode = force_generic_plan")
    statement = await db.prepare(query.sql)
    await statement.fetch(*args)
    plan = [
        r[0]
        for r in await db.fetch(
            f"EXPLAIN (VERBOSE, COSTS OFF) EXECUTE {statement.get_name()}" + _params(args)
        )
    ]
    window = next(i for i, line in enumerate(plan) if "WindowAgg" in line)
    output = next(line for line in plan[window:] if "Output:" in line)
    assert "search_vector" not in output
    assert "content" not in output
    assert not any("posts_live_created_idx" in line for line in plan)


async def test_the_search_vector_is_kept_in_the_row(db: asyncpg.Connection) -> None:
    storage = await db.fetchval(
        "SELECT attstorage::text FROM pg_attribute"
        " WHERE attrelid = 'posts'::regclass AND attname = 'search_vector'"
    )
    assert storage == "m"
