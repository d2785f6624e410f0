"""Slow queries are mapped back to our query names: pure matching, then the live extension."""

from __future__ import annotations

import asyncpg
import pytest

from blog.generated.queries import posts
from postsql.builtin.queries import monitoring
from postsql.ops.monitoring import (
    CREATE_PG_STAT_STATEMENTS,
    ENABLE_PG_STAT_STATEMENTS,
    match_query,
    normalize_sql,
    query_registry,
    slow_queries,
)
from postsql.runtime.executor import QueryInfo
from postsql.runtime.registry import QueryRegistry

# The example project's generated queries and postsql's own, as `postsql report` reads them.
PROJECT = QueryRegistry.from_package("postsql.builtin.queries", "blog.generated.queries")


def as_pg_stat_statements_shows(info: QueryInfo, first_free: int) -> str:
    """What pg_stat_statements records: constants replaced by $n, no trailing semicolon."""
    import re

    counter = iter(range(first_free, first_free + 1000))
    text = re.sub(r"'(?:[^']|'')*'", lambda _m: f"${next(counter)}", info.sql)
    return text.rstrip().rstrip(";")


def test_normalization_ignores_comments_constants_parameters_and_spacing() -> None:
    a = "SELECT a, 'x' -- note\nFROM t  WHERE b = $1 AND c = 42 AND d IS NULL;"
    b = "SELECT a, $2 FROM t WHERE b = $1 AND c = $3 AND d IS NULL"
    assert (
        normalize_sql(a)
        == normalize_sql(b)
        == "SELECT a, ? FROM t WHERE b = ? AND c = ? AND d IS ?"
    )


def test_identifiers_with_digits_and_quoted_names_survive() -> None:
    assert normalize_sql('SELECT "col 1", t2.x1 FROM t2') == 'SELECT "col 1", t2.x1 FROM t2'


def test_registry_holds_every_generated_query() -> None:
    registry = query_registry(PROJECT)
    names = {info.name for info in registry.values()}
    assert {"count_posts", "find_posts", "slow_queries", "server_info"} <= names


def test_a_query_with_literals_matches_its_recorded_text() -> None:
    # count_posts has string literals ('english', '%', ...) that pg_stat_statements replaces.
    recorded = as_pg_stat_statements_shows(posts.COUNT_POSTS, first_free=6)
    assert recorded != posts.COUNT_POSTS.sql
    info = match_query(recorded, query_registry(PROJECT))
    assert info is not None
    assert (info.name, info.location) == ("count_posts", posts.COUNT_POSTS.location)


def test_unknown_statements_have_no_name() -> None:
    assert match_query("SELECT 1", query_registry(PROJECT)) is None


async def test_slow_queries_name_our_queries_or_explain_how_to_enable(
    conn: asyncpg.Connection,
) -> None:
    state = await monitoring.pg_stat_statements_state(conn)
    assert state is not None
    await posts.count_posts(
        conn, search="x", status=None, author_id=None, category_id=None, tag_id=None
    )
    result = await slow_queries(conn, limit=1000, registry=query_registry(PROJECT))
    if state.created and state.preloaded:
        assert result.state == "enabled"
        assert result.hint is None
        named = {q.name: q for q in result.queries if q.name}
        assert "count_posts" in named
        entry = named["count_posts"]
        assert entry.calls >= 1
        assert entry.mean_ms >= 0
        assert entry.location == posts.COUNT_POSTS.location
    else:
        # A server without the preload (the Debian PostgreSQL 15 at :5432, for one).
        assert result.state == ("not_preloaded" if state.created else "not_created")
        assert result.queries == ()
        assert result.hint in (
            ENABLE_PG_STAT_STATEMENTS,
            CREATE_PG_STAT_STATEMENTS,
            f"{ENABLE_PG_STAT_STATEMENTS}; then {CREATE_PG_STAT_STATEMENTS}",
        )


async def test_without_the_extension_the_state_says_how_to_create_it(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("DROP EXTENSION IF EXISTS pg_stat_statements")
    state = await monitoring.pg_stat_statements_state(conn)
    assert state is not None
    result = await slow_queries(conn)
    assert result.state == "not_created"
    assert result.hint is not None
    assert "CREATE EXTENSION pg_stat_statements" in result.hint
    # A server that does not preload the library needs that step too, and first.
    assert ("shared_preload_libraries" in result.hint) == (not state.preloaded)


async def test_codegen_scratch_databases_are_not_slow_queries_of_the_project(
    conn: asyncpg.Connection,
) -> None:
    state = await monitoring.pg_stat_statements_state(conn)
    assert state is not None
    if not (state.created and state.preloaded):
        pytest.skip("pg_stat_statements is not preloaded on this server")
    await conn.execute('CREATE DATABASE "postsql_codegen_0123456789ab"')
    await conn.execute('DROP DATABASE "postsql_codegen_0123456789ab"')
    await conn.execute('CREATE DATABASE "postsql_user_db_0123456789ab"')
    await conn.execute('DROP DATABASE "postsql_user_db_0123456789ab"')
    texts = [q.query for q in (await slow_queries(conn, limit=1000)).queries]
    assert not [t for t in texts if "postsql_codegen_" in t]
    assert [t for t in texts if "postsql_user_db_" in t]  # other DDL is still reported
