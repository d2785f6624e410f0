"""The blog queries in sql/queries, run through aiosql against a freshly migrated database.

Each test loads a small known dataset and checks a query's results against the data or against a
plain recomputation. The files are loaded exactly as services load them before code generation:
``aiosql.from_path(..., "asyncpg")``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiosql
import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.generated.queries import posts as generated_posts
from postsql.runtime.executor import init_connection

QUERIES_DIR = Path(__file__).resolve().parent.parent / "sql" / "queries"
# The files this module tests; seed.sql has its own tests.
FILES = ("posts.sql", "users.sql", "comments.sql", "taxonomy.sql", "roles.sql")
Q = {name: aiosql.from_path(QUERIES_DIR / name, "asyncpg") for name in FILES}
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NO_FILTER: dict[str, Any] = {
    "status": None,
    "author_id": None,
    "category_id": None,
    "tag_id": None,
    "search": None,
}


def _fn(name: str) -> Any:
    for queries in Q.values():
        if name in queries.available_queries:
            return getattr(queries, name)
    raise KeyError(name)


async def many(conn: asyncpg.Connection, query: str, /, **params: Any) -> list[asyncpg.Record]:
    return [row async for row in _fn(query)(conn, **params)]


async def call(conn: asyncpg.Connection, query: str, /, **params: Any) -> Any:
    return await _fn(query)(conn, **params)


async def affected(conn: asyncpg.Connection, query: str, /, **params: Any) -> int:
    """Row count of an ``!`` query (aiosql returns the command tag, e.g. ``UPDATE 2``)."""
    status: str = await call(conn, query, **params)
    return int(status.rsplit(" ", 1)[1])


async def _generated(conn: asyncpg.Connection, call: Any) -> Any:
    # With the JSON codecs generated code expects, only for this call: the other queries here
    # run through plain aiosql, which returns JSON as text.
    await init_connection(conn)
    try:
        return await call
    finally:
        await conn.reset_type_codec("json", schema="pg_catalog")
        await conn.reset_type_codec("jsonb", schema="pg_catalog")


def _dynamic_params(params: dict[str, Any]) -> dict[str, Any]:
    # None is "not given" (the fragment is left out); a blank term is no filter, as the
    # repository passes it.
    if not (params.get("search") or "").strip():
        params = {**params, "search": None}
    return params


async def find_posts(conn: asyncpg.Connection, **params: Any) -> list[dict[str, Any]]:
    """find_posts is a dynamic query (-- @if fragments, -- @sort orders): plain aiosql runs its
    text with every fragment, so it is called through its generated function, which picks the
    statement of the filters given."""
    args = _dynamic_params({"limit": 100, "offset": 0, **params})
    rows = await _generated(conn, generated_posts.find_posts(conn, **args))
    return [row.model_dump() for row in rows]


async def scroll_posts(
    conn: asyncpg.Connection, **params: Any
) -> list[generated_posts.ScrollPostsRow]:
    """scroll_posts (keyset pages in each order), dynamic as find_posts is."""
    rows: list[generated_posts.ScrollPostsRow] = await _generated(
        conn, generated_posts.scroll_posts(conn, **params)
    )
    return rows


async def count_posts(conn: asyncpg.Connection, **params: Any) -> int:
    """count_posts, dynamic as find_posts is."""
    count: int = await _generated(
        conn, generated_posts.count_posts(conn, **_dynamic_params(params))
    )
    return count


@dataclass
class Blog:
    alice: int
    bob: int
    databases: int
    python: int
    sql_tag: int
    async_tag: int
    posts: dict[str, int]


async def _post(
    conn: asyncpg.Connection,
    slug: str,
    title: str,
    content: str,
    status: str,
    author: int,
    minute: int,
    *,
    deleted: bool = False,
) -> int:
    post_id: int = await conn.fetchval(
        """
        INSERT INTO posts (title, content, slug, status, author_id, created_at, published_at,
                           deleted_at)
        VALUES ($1, $2, $3, $4::post_status, $5, $6::timestamptz,
                CASE WHEN $4::post_status <> 'DRAFT' THEN $6::timestamptz END,
                CASE WHEN $7::boolean THEN $6::timestamptz END)
        RETURNING id
        """,
        title,
        content,
        slug,
        status,
        author,
        T0 + dt.timedelta(minutes=minute),
        deleted,
    )
    return post_id


@pytest.fixture
async def blog(conn: asyncpg.Connection) -> Blog:
    alice = (
        await call(
            conn,
            "create_user",
            email="alice@example.com",
            name="Alice",
            avatar=None,
            role=None,
            bio="Writes about databases",
            website=None,
            location=None,
        )
    )["id"]
    bob = (
        await call(
            conn,
            "create_user",
            email="bob@example.com",
            name="Bob",
            avatar=None,
            role="ADMIN",
            bio=None,
            website=None,
            location="Paris",
        )
    )["id"]
    databases = (
        await call(conn, "create_category", name="Databases", slug="databases", description=None)
    )["id"]
    python = (
        await call(conn, "create_category", name="Python", slug="python", description="Snakes")
    )["id"]
    sql_tag = (await call(conn, "create_tag", name="sql", slug="sql"))["id"]
    async_tag = (await call(conn, "create_tag", name="async", slug="async"))["id"]
    posts = {
        "tuning": await _post(
            conn,
            "tuning",
            "Tuning Postgres indexes",
            "btree and gin indexes make queries fast",
            "PUBLISHED",
            alice,
            1,
        ),
        "asyncpg": await _post(
            conn,
            "asyncpg",
            "Async Python with asyncpg",
            "connection pools and coroutines",
            "PUBLISHED",
            bob,
            2,
        ),
        "coverage": await _post(
            conn,
            "coverage",
            "100% coverage_report guide",
            "testing code thoroughly",
            "DRAFT",
            alice,
            3,
        ),
        "plain": await _post(
            conn, "plain", "1000 users and a coverage report", "scaling stories", "DRAFT", bob, 4
        ),
        "archived": await _post(
            conn, "archived", "Release notes", "old postgres release notes", "ARCHIVED", bob, 5
        ),
        "deleted": await _post(
            conn,
            "deleted",
            "Deleted Postgres post",
            "postgres coroutines",
            "PUBLISHED",
            alice,
            6,
            deleted=True,
        ),
        "windows": await _post(
            conn, "windows", "Paths like C:\\temp on Windows", "drive letters", "PUBLISHED", bob, 7
        ),
    }
    for post, category in [
        ("tuning", databases),
        ("asyncpg", python),
        ("asyncpg", databases),
        ("coverage", python),
        ("deleted", databases),
    ]:
        await call(conn, "attach_category", post_id=posts[post], category_id=category)
    for post, tag in [("tuning", sql_tag), ("asyncpg", async_tag), ("deleted", sql_tag)]:
        await call(conn, "attach_tag", post_id=posts[post], tag_id=tag)
    await conn.execute("UPDATE posts SET view_count = id * 10")
    return Blog(alice, bob, databases, python, sql_tag, async_tag, posts)


def _slugs(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return [r["slug"] for r in rows]


# -- loading ---------------------------------------------------------------------------------


def test_every_query_file_loads_with_plain_aiosql_from_path() -> None:
    queries = aiosql.from_path(QUERIES_DIR, "asyncpg")
    for name in ("find_posts", "create_user", "add_comment", "attach_tag", "upsert_role"):
        assert name in queries.available_queries


def test_every_query_has_a_docstring_and_soft_deleted_reads_say_so() -> None:
    # A heuristic, not a proof: every read of a soft-deletable table is matched by a
    # `deleted_at IS NULL` filter, or the docstring says the query reads deleted rows on purpose.
    reads = re.compile(r"\b(?:FROM|JOIN|UPDATE)\s+(?:users|posts|comments)\b")
    for queries in Q.values():
        for name in queries.available_queries:
            fn = getattr(queries, name)
            assert fn.__doc__, name
            if "Deliberately includes soft-deleted rows." in fn.__doc__:
                continue
            assert fn.sql.count("deleted_at IS NULL") >= len(reads.findall(fn.sql)), name


# -- find_posts --------------------------------------------------------------------------------


async def test_find_posts_lists_live_posts_newest_first_with_total(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    rows = await find_posts(conn)
    assert _slugs(rows) == ["windows", "archived", "plain", "coverage", "asyncpg", "tuning"]
    assert {r["total_count"] for r in rows} == {6}
    assert all(r["rank"] is None and r["headline"] is None for r in rows)


async def test_find_posts_pages_with_limit_and_offset_keep_the_total(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    page = await find_posts(conn, limit=2, offset=2)
    assert _slugs(page) == ["plain", "coverage"]
    assert {r["total_count"] for r in page} == {6}
    assert await find_posts(conn, limit=2, offset=100) == []


async def test_find_posts_nests_author_categories_and_comment_count(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    await call(
        conn, "add_comment", post_id=blog.posts["asyncpg"], author_id=blog.alice, content="nice"
    )
    gone = await call(
        conn, "add_comment", post_id=blog.posts["asyncpg"], author_id=blog.bob, content="thanks"
    )
    await call(conn, "soft_delete_comment", id=gone["id"])
    (row,) = [r for r in await find_posts(conn) if r["slug"] == "asyncpg"]
    assert row["author"] == {"id": blog.bob, "name": "Bob", "email": "bob@example.com"}
    assert [c["name"] for c in row["categories"]] == ["Databases", "Python"]
    assert row["comment_count"] == 1
    (lonely,) = [r for r in await find_posts(conn) if r["slug"] == "windows"]
    assert lonely["categories"] == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "PUBLISHED"}, ["windows", "asyncpg", "tuning"]),
        ({"status": "DRAFT"}, ["plain", "coverage"]),
        ({"author_id": "alice"}, ["coverage", "tuning"]),
        ({"category_id": "databases"}, ["asyncpg", "tuning"]),
        ({"tag_id": "sql_tag"}, ["tuning"]),
        ({"status": "PUBLISHED", "category_id": "python"}, ["asyncpg"]),
        ({"search": "   "}, ["windows", "archived", "plain", "coverage", "asyncpg", "tuning"]),
        ({"search": ""}, ["windows", "archived", "plain", "coverage", "asyncpg", "tuning"]),
    ],
)
async def test_find_posts_filters_combine_and_none_means_no_filter(
    conn: asyncpg.Connection, blog: Blog, filters: dict[str, Any], expected: list[str]
) -> None:
    params = {
        key: getattr(blog, value) if key in ("author_id", "category_id", "tag_id") else value
        for key, value in filters.items()
    }
    rows = await find_posts(conn, **params)
    assert _slugs(rows) == expected
    count = await count_posts(conn, **params)
    assert count == len(expected)
    assert all(r["total_count"] == len(expected) for r in rows)


async def test_search_finds_a_word_of_the_content_with_a_highlighted_excerpt(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    rows = await find_posts(conn, search="coroutine")
    assert _slugs(rows) == ["asyncpg"]
    assert "<mark>coroutines</mark>" in rows[0]["headline"]
    assert rows[0]["rank"] > 0


async def test_search_ranks_title_matches_above_content_matches_before_recency(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    # "archived" is newer but mentions postgres only in its content (weight B, title is A).
    assert _slugs(await find_posts(conn, search="postgres")) == ["tuning", "archived"]


async def test_search_pages_keep_the_rank_order_and_the_total(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    first = await find_posts(conn, search="postgres", limit=1)
    second = await find_posts(conn, search="postgres", limit=1, offset=1)
    assert _slugs(first) + _slugs(second) == ["tuning", "archived"]
    assert {r["total_count"] for r in first + second} == {2}
    assert first[0]["rank"] > second[0]["rank"]
    assert await find_posts(conn, search="postgres", limit=1, offset=2) == []


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [
        ({"since": 2}, ["archived"]),  # since is inclusive
        ({"until": 5}, ["tuning"]),  # until is exclusive
        ({"since": 1, "until": 6}, ["tuning", "archived"]),
        ({"since": 2, "until": 5}, []),
    ],
)
async def test_search_with_a_creation_range_ranks_and_counts_the_matches_inside_it(
    conn: asyncpg.Connection, blog: Blog, bounds: dict[str, int], expected: list[str]
) -> None:
    # The range filters the matches the term's indexes find (it is not pushed into their scan).
    params: dict[str, Any] = {
        key: T0 + dt.timedelta(minutes=minute) for key, minute in bounds.items()
    }
    rows = await find_posts(conn, search="postgres", **params)
    assert _slugs(rows) == expected
    assert all(r["total_count"] == len(expected) for r in rows)
    assert await count_posts(conn, search="postgres", **params) == len(expected)


async def test_search_understands_websearch_syntax(conn: asyncpg.Connection, blog: Blog) -> None:
    assert _slugs(await find_posts(conn, search="postgres -btree")) == ["archived"]
    assert _slugs(await find_posts(conn, search='"release notes"')) == ["archived"]
    assert _slugs(await find_posts(conn, search="coroutines or btree")) == ["asyncpg", "tuning"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("0%", ["coverage"]),  # unescaped, % would also match "1000 users"
        ("e_r", ["coverage"]),  # unescaped, _ would also match "coverage report"
        ("c:\\t", ["windows"]),  # a backslash is a character, not an escape
        ("gE_Rep", ["coverage"]),  # case-insensitive
    ],
)
async def test_search_matches_title_substrings_literally(
    conn: asyncpg.Connection, blog: Blog, term: str, expected: list[str]
) -> None:
    assert _slugs(await find_posts(conn, search=term)) == expected


HOSTILE_PIECES = st.sampled_from(
    [
        "'",
        '"',
        "&",
        "|",
        "!",
        ":*",
        "(",
        ")",
        "<->",
        "<2>",
        "-",
        "or",
        "AND",
        "\\",
        "%",
        "_",
        " ",
        "postgres",
        "*",
        ":",
        "''",
        "\\'",
        "$1",
        "/*",
        "--",
        ";",
        "\t",
        "\u00e9t\u00e9",
        "\u6f22",
    ]
)
HOSTILE = st.one_of(
    st.lists(HOSTILE_PIECES, max_size=12).map("".join),
    st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"])),
)


def test_hostile_search_terms_never_error_and_count_matches_the_page(db_url: str) -> None:
    loop = asyncio.new_event_loop()
    conn: asyncpg.Connection = loop.run_until_complete(asyncpg.connect(db_url))
    try:
        author = loop.run_until_complete(
            conn.fetchval("INSERT INTO users (email, name) VALUES ('h@x', 'H') RETURNING id")
        )
        for n, title in enumerate(["it's 100% (postgres)", "a & b | !c", "C:\\temp :* <->"]):
            loop.run_until_complete(_post(conn, f"h{n}", title, title, "PUBLISHED", author, n))

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(HOSTILE)
        def check(term: str) -> None:
            rows = loop.run_until_complete(find_posts(conn, search=term))
            total = loop.run_until_complete(count_posts(conn, search=term))
            assert len(rows) == total
            assert all(r["total_count"] == total for r in rows)

        check()
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


# -- keyset pages ------------------------------------------------------------------------------


async def _many_posts(conn: asyncpg.Connection, blog: Blog) -> None:
    # Ties on created_at and published_at (every third post shares a minute) test the id tiebreak.
    for i in range(40):
        await _post(
            conn,
            f"bulk-{i}",
            f"Bulk {i}",
            "filler",
            "PUBLISHED" if i % 4 else "DRAFT",
            blog.alice if i % 2 else blog.bob,
            100 + i // 3,
            deleted=i % 7 == 0,
        )


async def test_keyset_pages_cover_every_live_post_exactly_once_in_order(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    await _many_posts(conn, blog)
    expected = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM posts WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC"
        )
    ]
    seen: list[int] = []
    after = None
    while page := await scroll_posts(conn, after=after, limit=7):
        seen += [r.id for r in page]
        after = generated_posts.scroll_posts_cursor(page[-1], "newest")
    assert seen == expected
    assert len(set(seen)) == len(seen)


async def test_keyset_pages_respect_status_and_author_filters(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    await _many_posts(conn, blog)
    expected = [r["id"] for r in await find_posts(conn, status="DRAFT", author_id=blog.bob)]
    seen: list[int] = []
    after = None
    while page := await scroll_posts(
        conn, status="DRAFT", author_id=blog.bob, after=after, limit=2
    ):
        seen += [r.id for r in page]
        after = generated_posts.scroll_posts_cursor(page[-1], "newest")
    assert seen == expected


async def test_published_keyset_pages_cover_the_public_feed_exactly_once(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    await _many_posts(conn, blog)
    expected = [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM posts WHERE deleted_at IS NULL AND status = 'PUBLISHED'"
            " ORDER BY published_at DESC, id DESC"
        )
    ]
    seen: list[int] = []
    after = None
    while page := await _generated(
        conn, generated_posts.find_published_posts_after(conn, after=after, limit=5)
    ):
        seen += [r.id for r in page]
        after = generated_posts.find_published_posts_after_cursor(page[-1], "newest")
    assert seen == expected


# -- one post in full --------------------------------------------------------------------------


async def test_find_post_by_slug_nests_what_simple_queries_return(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    post_id = blog.posts["asyncpg"]
    first = await call(conn, "add_comment", post_id=post_id, author_id=blog.alice, content="one")
    await call(conn, "add_comment", post_id=post_id, author_id=blog.bob, content="two")
    hidden = await call(conn, "add_comment", post_id=post_id, author_id=blog.bob, content="x")
    await call(conn, "soft_delete_comment", id=hidden["id"])
    await call(conn, "soft_delete_user", id=blog.alice)  # her comment stays, with her name

    post = await call(conn, "find_post_by_slug", slug="asyncpg")
    assert post["id"] == post_id
    assert json.loads(post["author"]) == {
        "id": blog.bob,
        "name": "Bob",
        "email": "bob@example.com",
        "avatar": None,
        "bio": None,
    }
    categories = await conn.fetch(
        "SELECT c.id, c.name, c.slug FROM categories c JOIN post_categories pc"
        " ON pc.category_id = c.id WHERE pc.post_id = $1 ORDER BY c.name",
        post_id,
    )
    assert json.loads(post["categories"]) == [dict(r) for r in categories]
    tags = await conn.fetch(
        "SELECT t.id, t.name, t.slug FROM tags t JOIN post_tags pt ON pt.tag_id = t.id"
        " WHERE pt.post_id = $1 ORDER BY t.name",
        post_id,
    )
    assert json.loads(post["tags"]) == [dict(r) for r in tags]
    comments = await conn.fetch(
        "SELECT c.id, c.content, u.id AS author_id, u.name FROM comments c"
        " JOIN users u ON u.id = c.author_id"
        " WHERE c.post_id = $1 AND c.deleted_at IS NULL ORDER BY c.created_at, c.id",
        post_id,
    )
    nested = json.loads(post["comments"])
    assert [(c["id"], c["content"], c["author"]["id"], c["author"]["name"]) for c in nested] == [
        tuple(r) for r in comments
    ]
    assert nested[0]["id"] == first["id"]
    assert len(nested) == 2


async def test_find_post_by_slug_returns_empty_arrays_and_hides_deleted_posts(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    post = await call(conn, "find_post_by_slug", slug="windows")
    assert (json.loads(post["categories"]), json.loads(post["tags"])) == ([], [])
    assert json.loads(post["comments"]) == []
    assert await call(conn, "find_post_by_slug", slug="deleted") is None
    assert await call(conn, "find_post_by_slug", slug="nope") is None


# -- writes on posts ---------------------------------------------------------------------------


async def test_bulk_update_status_counts_changes_and_skips_soft_deleted_posts(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    p = blog.posts
    ids = [p["tuning"], p["coverage"], p["plain"], p["deleted"], 999_999]
    # tuning is PUBLISHED already, deleted is soft-deleted, 999999 does not exist.
    assert await affected(conn, "bulk_update_status", ids=ids, status="PUBLISHED") == 2
    rows = {r["id"]: r for r in await conn.fetch("SELECT * FROM posts")}
    assert rows[p["coverage"]]["status"] == "PUBLISHED"
    assert rows[p["coverage"]]["published_at"] is not None
    assert rows[p["tuning"]]["published_at"] == T0 + dt.timedelta(minutes=1)
    assert rows[p["deleted"]]["status"] == "PUBLISHED"  # untouched
    assert await affected(conn, "bulk_update_status", ids=ids, status="PUBLISHED") == 0


async def test_publishing_sets_published_at_once(conn: asyncpg.Connection, blog: Blog) -> None:
    post = [blog.posts["coverage"]]
    await affected(conn, "bulk_update_status", ids=post, status="PUBLISHED")
    first = await conn.fetchval("SELECT published_at FROM posts WHERE id = $1", post[0])
    assert await affected(conn, "bulk_update_status", ids=post, status="ARCHIVED") == 1
    assert await affected(conn, "bulk_update_status", ids=post, status="PUBLISHED") == 1
    assert await conn.fetchval("SELECT published_at FROM posts WHERE id = $1", post[0]) == first


async def test_create_post_defaults_to_draft_and_stamps_published_posts(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    draft = await call(
        conn,
        "create_post",
        title="T",
        content="C",
        excerpt=None,
        slug="t",
        status=None,
        author_id=blog.bob,
    )
    assert (draft["status"], draft["published_at"]) == ("DRAFT", None)
    live = await call(
        conn,
        "create_post",
        title="T",
        content="C",
        excerpt="E",
        slug="u",
        status="PUBLISHED",
        author_id=blog.bob,
    )
    assert live["published_at"] is not None


async def test_soft_deleting_and_restoring_a_post(conn: asyncpg.Connection, blog: Blog) -> None:
    post = blog.posts["tuning"]
    assert await affected(conn, "soft_delete_post", id=post) == 1
    assert await affected(conn, "soft_delete_post", id=post) == 0
    assert "tuning" not in _slugs(await find_posts(conn))
    assert await affected(conn, "restore_post", id=post) == 1
    assert await affected(conn, "restore_post", id=post) == 0
    assert "tuning" in _slugs(await find_posts(conn))


async def test_increment_view_count_returns_the_new_count_atomically(
    conn: asyncpg.Connection, blog: Blog, db_url: str
) -> None:
    post = blog.posts["tuning"]
    before = await conn.fetchval("SELECT view_count FROM posts WHERE id = $1", post)
    assert await call(conn, "increment_view_count", id=post) == before + 1
    others = [await asyncpg.connect(db_url) for _ in range(4)]
    try:

        async def five(c: asyncpg.Connection) -> list[int]:
            # One connection runs one statement at a time; the race is between connections.
            return [await call(c, "increment_view_count", id=post) for _ in range(5)]

        results = [n for batch in await asyncio.gather(*(five(c) for c in others)) for n in batch]
    finally:
        await asyncio.gather(*(c.close() for c in others))
    assert sorted(results) == list(range(before + 2, before + 22))
    assert await call(conn, "increment_view_count", id=blog.posts["deleted"]) is None


# -- statistics --------------------------------------------------------------------------------


async def test_post_statistics_equal_a_python_recomputation(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    live = await conn.fetch("SELECT status, view_count FROM posts WHERE deleted_at IS NULL")
    views = sum(r["view_count"] for r in live)
    stats = await call(conn, "post_statistics")
    assert stats["total_posts"] == len(live)
    assert stats["total_views"] == views
    assert stats["average_views"] == round(Decimal(views) / len(live), 2)
    by_status = Counter(r["status"] for r in live)
    expected = {s: by_status.get(s, 0) for s in ("DRAFT", "PUBLISHED", "ARCHIVED")}
    assert json.loads(stats["posts_by_status"]) == expected
    rows = await many(conn, "post_status_counts")
    assert [(r["status"], r["post_count"]) for r in rows] == list(expected.items())


async def test_post_statistics_on_no_posts_are_zero_for_every_status(
    conn: asyncpg.Connection,
) -> None:
    stats = await call(conn, "post_statistics")
    assert (stats["total_posts"], stats["total_views"], stats["average_views"]) == (0, 0, 0)
    assert json.loads(stats["posts_by_status"]) == {"DRAFT": 0, "PUBLISHED": 0, "ARCHIVED": 0}
    assert [r["post_count"] for r in await many(conn, "post_status_counts")] == [0, 0, 0]


# -- users -------------------------------------------------------------------------------------


async def test_create_user_writes_user_and_profile_in_one_statement(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    bob = await call(conn, "get_user_by_id", id=blog.bob)
    assert (bob["email"], bob["role"], bob["location"]) == ("bob@example.com", "ADMIN", "Paris")
    alice = await call(conn, "get_user_by_email", email="alice@example.com")
    assert (alice["role"], alice["bio"]) == ("USER", "Writes about databases")
    assert await conn.fetchval("SELECT count(*) FROM user_profiles") == 2


async def test_update_user_changes_only_the_given_fields(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    row = await call(
        conn, "update_user", id=blog.bob, email=None, name="Robert", avatar=None, role=None
    )
    assert (row["name"], row["email"], row["role"]) == ("Robert", "bob@example.com", "ADMIN")
    profile = await call(
        conn, "update_user_profile", user_id=blog.bob, bio="Hi", website=None, location=None
    )
    assert (profile["bio"], profile["location"]) == ("Hi", "Paris")


async def test_soft_deleted_users_are_hidden_until_restored(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    assert await affected(conn, "soft_delete_user", id=blog.alice) == 1
    assert await affected(conn, "soft_delete_user", id=blog.alice) == 0
    assert await call(conn, "get_user_by_id", id=blog.alice) is None
    assert await call(conn, "get_user_by_email", email="alice@example.com") is None
    kept = await call(conn, "get_user_by_id_including_deleted", id=blog.alice)
    assert kept["deleted_at"] is not None
    by_email = await call(conn, "get_user_by_email_including_deleted", email="alice@example.com")
    assert by_email["id"] == blog.alice
    assert (
        await call(conn, "update_user", id=blog.alice, email=None, name="X", avatar=None, role=None)
        is None
    )

    def ids(rows: list[asyncpg.Record]) -> list[int]:
        return [r["id"] for r in rows]

    assert ids(await many(conn, "list_users", deleted=False, limit=10, offset=0)) == [blog.bob]
    assert ids(await many(conn, "list_users", deleted=True, limit=10, offset=0)) == [blog.alice]
    everyone = await many(conn, "list_users", deleted=None, limit=1, offset=0)
    assert (ids(everyone), everyone[0]["total_count"]) == ([blog.bob], 2)

    assert await affected(conn, "restore_user", id=blog.alice) == 1
    assert await affected(conn, "restore_user", id=blog.alice) == 0
    assert (await call(conn, "get_user_by_id", id=blog.alice))["name"] == "Alice"


async def test_hard_delete_user_removes_a_user_without_posts_and_refuses_an_author(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    carol = await call(
        conn,
        "upsert_user_by_email",
        email="carol@example.com",
        name="Carol",
        avatar=None,
        role=None,
    )
    assert await affected(conn, "hard_delete_user", id=carol["id"]) == 1
    assert await call(conn, "get_user_by_id_including_deleted", id=carol["id"]) is None
    # PostgreSQL 18 reports ON DELETE RESTRICT as 23001 restrict_violation; 15 to 17 as 23503.
    with pytest.raises((asyncpg.RestrictViolationError, asyncpg.ForeignKeyViolationError)):
        await call(conn, "hard_delete_user", id=blog.alice)


async def test_upsert_by_email_inserts_then_updates_and_never_revives_soft_deleted_users(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    new = await call(
        conn, "upsert_user_by_email", email="dan@example.com", name="Dan", avatar=None, role=None
    )
    assert (new["name"], new["role"]) == ("Dan", "USER")
    assert await conn.fetchval("SELECT count(*) FROM user_profiles WHERE user_id = $1", new["id"])
    again = await call(
        conn,
        "upsert_user_by_email",
        email="dan@example.com",
        name="Daniel",
        avatar="d.png",
        role="MODERATOR",
    )
    assert (again["id"], again["name"], again["role"]) == (new["id"], "Daniel", "MODERATOR")

    await call(conn, "soft_delete_user", id=blog.bob)
    assert (
        await call(
            conn,
            "upsert_user_by_email",
            email="bob@example.com",
            name="Mallory",
            avatar=None,
            role="SUPER_ADMIN",
        )
        is None
    )
    bob = await call(conn, "get_user_by_id_including_deleted", id=blog.bob)
    assert (bob["name"], bob["role"]) == ("Bob", "ADMIN")
    assert bob["deleted_at"] is not None


# -- roles -------------------------------------------------------------------------------------


async def test_upsert_role_inserts_then_replaces_permissions(conn: asyncpg.Connection) -> None:
    first = await call(
        conn, "upsert_role", name="editor", description=None, permissions=["posts:write"]
    )
    second = await call(conn, "upsert_role", name="editor", description="Edits", permissions=None)
    assert second["id"] == first["id"]
    assert (second["description"], second["permissions"]) == ("Edits", [])
    await call(conn, "upsert_role", name="admin", description=None, permissions=["*"])
    assert [r["name"] for r in await many(conn, "list_roles")] == ["admin", "editor"]
    assert (await call(conn, "get_role_by_name", name="admin"))["permissions"] == ["*"]


# -- comments ----------------------------------------------------------------------------------


async def test_comment_on_a_soft_deleted_post_is_refused_and_inserts_nothing(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    refused = await call(
        conn, "add_comment", post_id=blog.posts["deleted"], author_id=blog.bob, content="hello?"
    )
    assert refused is None
    assert await call(conn, "add_comment", post_id=999_999, author_id=blog.bob, content="x") is None
    await call(conn, "soft_delete_user", id=blog.alice)
    assert (
        await call(
            conn,
            "add_comment",
            post_id=blog.posts["tuning"],
            author_id=blog.alice,
            content="from beyond",
        )
        is None
    )
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0


async def test_list_comments_for_post_pages_live_comments_with_authors(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    post = blog.posts["tuning"]
    made = [
        await call(conn, "add_comment", post_id=post, author_id=author, content=f"c{i}")
        for i, author in enumerate([blog.alice, blog.bob, blog.alice, blog.bob, blog.bob])
    ]
    await conn.execute("UPDATE comments SET created_at = $1", T0)  # all tie: id decides
    assert await affected(conn, "soft_delete_comment", id=made[1]["id"]) == 1
    assert await affected(conn, "soft_delete_comment", id=made[1]["id"]) == 0
    seen: list[str] = []
    after: tuple[Any, Any] = (None, None)
    while page := await many(
        conn,
        "list_comments_for_post",
        post_id=post,
        after_created_at=after[0],
        after_id=after[1],
        limit=2,
    ):
        seen += [f"{r['content']}:{r['author_name']}" for r in page]
        after = (page[-1]["created_at"], page[-1]["id"])
    assert seen == ["c0:Alice", "c2:Alice", "c3:Bob", "c4:Bob"]


# -- taxonomy ----------------------------------------------------------------------------------


async def test_attach_and_detach_are_idempotent(conn: asyncpg.Connection, blog: Blog) -> None:
    post = blog.posts["windows"]
    assert await affected(conn, "attach_category", post_id=post, category_id=blog.python) == 1
    assert await affected(conn, "attach_category", post_id=post, category_id=blog.python) == 0
    assert await affected(conn, "detach_category", post_id=post, category_id=blog.python) == 1
    assert await affected(conn, "detach_category", post_id=post, category_id=blog.python) == 0
    assert await affected(conn, "attach_tag", post_id=post, tag_id=blog.sql_tag) == 1
    assert await affected(conn, "attach_tag", post_id=post, tag_id=blog.sql_tag) == 0
    tags = [blog.sql_tag, blog.async_tag]
    assert await affected(conn, "attach_tags", post_id=post, tag_ids=tags) == 1
    assert await affected(conn, "detach_tag", post_id=post, tag_id=blog.sql_tag) == 1
    assert await affected(conn, "detach_tag", post_id=post, tag_id=blog.sql_tag) == 0


async def test_category_and_tag_counts_count_live_posts_only(
    conn: asyncpg.Connection, blog: Blog
) -> None:
    await call(conn, "create_category", name="Empty", slug="empty", description=None)
    categories = await many(conn, "list_categories_with_post_counts")
    # Databases: tuning, asyncpg (deleted excluded); Python: asyncpg, coverage.
    assert [(r["name"], r["post_count"]) for r in categories] == [
        ("Databases", 2),
        ("Empty", 0),
        ("Python", 2),
    ]
    tags = await many(conn, "list_tags_with_post_counts")
    assert [(r["name"], r["post_count"]) for r in tags] == [("async", 1), ("sql", 1)]
