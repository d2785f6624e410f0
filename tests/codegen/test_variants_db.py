"""Dynamic queries against the server: every variant described, merged, and run."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest

from codegen.helpers import CASES, generate_case, write_package
from postsql.errors import InvalidArgument, QueryCheckError
from postsql.runtime.registry import QueryRegistry

pytestmark = pytest.mark.db

SCHEMA = """
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, author_id bigint NOT NULL);
"""


def _case(tmp_path: Path, queries: str) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "queries" / "posts.sql").write_text(queries, encoding="utf-8")
    return tmp_path


async def test_a_variant_the_server_refuses_is_reported_at_its_line_naming_the_variant(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: q(author_id)\n-- @sort newest: id DESC\n-- @sort title: titel, id\n"
        "SELECT id FROM posts\nWHERE true\n    AND author_id = :author_id -- @if author_id\n"
        "ORDER BY id DESC -- @sort\n;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    # Only the variants ordered by title fail: two of four, each named.
    assert message.startswith("2 problems found:")
    assert (
        'queries/posts.sql:7: q [given: none; order: title]: column "titel" does not exist'
        in message
    )
    assert "q [given: author_id; order: title]" in message
    assert "order: newest" not in message


async def test_variants_returning_other_columns_are_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: q(author_id)\nSELECT\n    id\n    , title -- @if author_id\n"
        "FROM posts\nWHERE true\n    AND author_id = :author_id -- @if author_id\n;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    assert str(caught.value) == (
        "queries/posts.sql:1: q: variant (given: author_id) returns (id bigint, title text), "
        "but variant (given: none) returns (id bigint); every variant must return the same "
        "columns"
    )


async def test_a_column_nullable_in_one_variant_is_nullable_in_the_row(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: q(author_id)\nSELECT\n    id,\n    NULL::text AS title -- @if not author_id\n"
        "    title -- @if author_id\nFROM posts\nWHERE true\n"
        "    AND author_id = :author_id -- @if author_id\n;\n",
    )
    generated = await generate_case(case, admin_url)
    (query,) = generated.project.queries
    assert [(c.name, c.nullable) for c in query.columns] == [("id", False), ("title", True)]
    by_given = {v.given: v.query for v in query.variants}
    assert by_given[("author_id",)].columns[1].nullable is False


async def _dynamic_case(directory: Path, admin_url: str) -> ModuleType:
    generated = await generate_case(CASES / "dynamic_queries", admin_url, package="dynq")
    write_package(generated, directory, "dynq")
    return importlib.import_module("dynq.queries.posts")


async def _seed(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await conn.execute((CASES / "dynamic_queries" / "schema.sql").read_text(encoding="utf-8"))
    await conn.execute(
        """
        INSERT INTO authors (name) VALUES ('ann'), ('bob');
        INSERT INTO posts (author_id, title, status, view_count, created_at) VALUES
            (1, 'b-title', 'published', 5, '2026-01-01Z'),
            (1, 'a-title', 'draft', 50, '2026-02-01Z'),
            (2, 'c-title', 'published', 7, '2026-03-01Z');
        INSERT INTO post_tags (post_id, tag) VALUES (1, 'pg'), (3, 'pg');
        """
    )
    return conn


async def test_the_generated_function_runs_the_variant_of_the_arguments_given(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    conn = await _seed(empty_db_url)
    try:
        everything = await posts.find_posts(conn, limit=10)
        assert [p.id for p in everything] == [3, 2, 1]  # newest, the default
        by_title = await posts.find_posts(conn, limit=10, order="title")
        assert [p.title for p in by_title] == ["a-title", "b-title", "c-title"]
        viewed = await posts.find_posts(conn, limit=10, order="most_viewed")
        assert [p.view_count for p in viewed] == [50, 7, 5]
        oldest_of_ann = await posts.find_posts(conn, limit=10, author_id=1, order="oldest")
        assert [p.id for p in oldest_of_ann] == [1, 2]
        tagged = await posts.find_posts(conn, limit=10, tag="pg", status="published")
        assert [p.id for p in tagged] == [3, 1]
        recent = await posts.find_posts(
            conn, limit=10, created_after=datetime(2026, 1, 15, tzinfo=UTC), author_id=None
        )
        assert [p.id for p in recent] == [3, 2]
        assert await posts.count_posts(conn) == 3
        assert await posts.count_posts(conn, author_id=1, status="draft") == 1
        latest = await posts.latest_post(conn)
        assert latest is not None
        assert latest.id == 3
        assert latest.author_name is None
        of_ann = await posts.latest_post(conn, author_id=1)
        assert of_ann is not None
        assert of_ann.id == 2
        assert of_ann.author_name == "ann"
    finally:
        await conn.close()


async def test_an_undeclared_order_is_refused_by_name_before_any_round_trip(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    with pytest.raises(InvalidArgument) as caught:
        await posts.find_posts(None, limit=1, order="random")
    assert str(caught.value) == "order: must be one of newest, oldest, most_viewed, title"


async def test_every_variant_has_its_query_info_and_its_own_statement(
    importable_dir: Path, admin_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    variants = posts._FIND_POSTS_VARIANTS
    assert len(variants) == 64
    assert len({info.sql for info in variants.values()}) == 64
    info = variants[(("author_id",), "title")]
    assert info.name == "find_posts"
    assert info.params == ("author_id", "limit")
    assert "ORDER BY p.title, p.id" in info.sql
    assert "post_tags" not in info.sql


async def test_the_registry_knows_every_variant_by_its_sql(
    importable_dir: Path, admin_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    registry = QueryRegistry.from_package("dynq.queries")
    for info in posts._FIND_POSTS_VARIANTS.values():
        found = registry.lookup(info.sql)
        assert found is info
    assert registry.lookup(posts._COUNT_POSTS_VARIANTS[((), "")].sql) is not None


async def test_keyset_pages_in_every_order_cover_every_row_once_in_that_order(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    conn = await _seed(empty_db_url)
    try:
        await conn.execute(
            "INSERT INTO posts (author_id, title, view_count, created_at)"
            " SELECT 1 + i % 2, 't' || (i % 4), i % 3,"
            " '2026-01-01Z'::timestamptz + i % 5 * interval '1 day'"
            " FROM generate_series(1, 20) AS i"
        )
        for order in ("newest", "title", "most_viewed"):
            everything = await posts.scroll_posts(conn, limit=1000, order=order)
            seen: list[int] = []
            after = None
            while True:
                page = await posts.scroll_posts(conn, limit=3, order=order, after=after)
                seen.extend(row.id for row in page)
                if len(page) < 3:
                    break
                after = posts.scroll_posts_cursor(page[-1], order)
            assert seen == [row.id for row in everything], order
            ann = await posts.scroll_posts(conn, limit=1000, order=order, author_id=1)
            first = await posts.scroll_posts(conn, limit=2, order=order, author_id=1)
            rest = await posts.scroll_posts(
                conn,
                limit=1000,
                order=order,
                author_id=1,
                after=posts.scroll_posts_cursor(first[-1], order),
            )
            assert [r.id for r in first + rest] == [r.id for r in ann], order
    finally:
        await conn.close()


async def test_a_cursor_of_another_order_is_refused(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    posts = await _dynamic_case(importable_dir, admin_url)
    conn = await _seed(empty_db_url)
    try:
        (row,) = await posts.scroll_posts(conn, limit=1, order="title")
        cursor = posts.scroll_posts_cursor(row, "title")
        with pytest.raises(InvalidArgument) as caught:
            await posts.scroll_posts(conn, limit=1, order="newest", after=cursor)
        assert caught.value.parameter == "after"
        with pytest.raises(InvalidArgument):
            await posts.scroll_posts(conn, limit=1, order="title", after=("title", (1,)))
    finally:
        await conn.close()


async def test_an_order_key_the_query_does_not_return_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: q(limit)\n-- @sort newest: id DESC\n-- @sort title: title, id\n"
        "SELECT id FROM posts\nWHERE true\n    -- @after\nORDER BY id DESC -- @sort\n"
        "LIMIT :limit;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    assert str(caught.value) == (
        "queries/posts.sql:1: q: order title: a cursor holds the last row's title, which the "
        "query does not return (select it)"
    )


async def test_a_query_named_like_a_keyset_querys_cursor_helper_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: q(limit)\n-- @sort newest: id DESC\nSELECT id FROM posts\nWHERE true\n"
        "    -- @after\nORDER BY id DESC -- @sort\nLIMIT :limit;\n\n"
        "-- name: q_cursor()$\nSELECT 1 AS one;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    assert "the generated name 'q_cursor' is also generated for query 'q'" in str(caught.value)
