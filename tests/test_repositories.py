"""The repositories over the generated queries, on generated demo data in a real database.

A demo database is seeded once per run (``generate_demo_data`` through ``seed_demo``) and cloned per
test, so every test starts from the same few hundred posts and may write. Checks compare what the
repositories return with plain SQL or a Python recomputation over the same rows. The query-level
details (filters, nesting, NULL handling) are covered in ``test_queries_sql.py``; here it is the
API: validation, pagination, cursors, bulk operations, statistics and search over realistic text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from rich.console import Console

from blog.demo import show_repositories
from blog.demo_data import DemoSizes
from blog.generated.models import CommentInsert, PostInsert, PostStatus
from blog.generated.queries import posts as q_posts
from blog.repositories import (
    CommentRepository,
    PostOrder,
    PostRepository,
    RoleRepository,
    TaxonomyRepository,
    UserRepository,
)
from blog.seed import seed_demo
from postsql.errors import IntegrityViolation, InvalidArgument, InvalidCursorError
from postsql.runtime.executor import init_connection
from postsql.runtime.pagination import CursorCodec
from postsql.testing import TestServer, typed_connection
from test_queries_sql import HOSTILE

SIZES = DemoSizes(users=30, posts=240, comments=900, categories=8, tags=24)
CODEC = CursorCodec(key=b"test-cursor-key-0123456789")


@pytest.fixture(scope="session")
def demo_template(test_pg: TestServer, template_db: str) -> Iterator[str]:
    name = test_pg.clone(template_db)

    async def load() -> None:
        conn = await asyncpg.connect(test_pg.url_for(name))
        try:
            await seed_demo(conn, SIZES, seed=11)
            # A few soft-deleted posts and comments, so every read must skip them.
            await conn.execute("UPDATE posts SET deleted_at = now() WHERE id % 17 = 0")
            await conn.execute("UPDATE comments SET deleted_at = now() WHERE id % 11 = 0")
        finally:
            await conn.close()

    asyncio.run(load())
    yield name
    test_pg.drop_database(name)


@pytest.fixture
def demo_url(test_pg: TestServer, demo_template: str) -> Iterator[str]:
    name = test_pg.clone(demo_template)
    yield test_pg.url_for(name)
    test_pg.drop_database(name)


@pytest.fixture
async def db(demo_url: str) -> AsyncIterator[asyncpg.Connection]:
    async with typed_connection(demo_url) as connection:
        yield connection


@pytest.fixture
def posts(db: asyncpg.Connection) -> PostRepository:
    return PostRepository(db, max_limit=100, cursors=CODEC)


async def live_post_ids(db: asyncpg.Connection, where: str = "TRUE") -> set[int]:
    rows = await db.fetch(f"SELECT id FROM posts WHERE deleted_at IS NULL AND {where}")
    return {r["id"] for r in rows}


# -- validation: before any round trip ------------------------------------------------------------


class NoRoundTrips:
    """An executor that fails the test when anything reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} reached the database; validation should have stopped it")


def _offline() -> tuple[PostRepository, UserRepository, CommentRepository, TaxonomyRepository]:
    db: Any = NoRoundTrips()
    return (
        PostRepository(db, max_limit=50, cursors=CODEC),
        UserRepository(db, max_limit=50),
        CommentRepository(db, cursors=CODEC),
        TaxonomyRepository(db),
    )


_POST: dict[str, Any] = {"title": "T", "content": "C", "slug": "t", "author_id": 1}
_NUL_COMMENTS = [
    CommentInsert(post_id=1, author_id=1, content=f"c{i}\x00" * (i == 3)) for i in range(5)
]
_SURROGATE_POSTS = [PostInsert(**_POST), PostInsert(**{**_POST, "excerpt": "\udc80"})]

BAD_CALLS: list[tuple[str, str, Any]] = [
    ("page", "posts", lambda p, u, c, t: p.find_posts(page=0)),
    ("page", "posts", lambda p, u, c, t: p.find_posts(page=True)),
    ("limit", "posts", lambda p, u, c, t: p.find_posts(limit=0)),
    ("limit", "posts", lambda p, u, c, t: p.find_posts(limit=51)),
    ("limit", "posts", lambda p, u, c, t: p.find_posts_after(limit=1000)),
    ("status", "posts", lambda p, u, c, t: p.find_posts(status="LIVE")),
    ("status", "posts", lambda p, u, c, t: p.bulk_update_status([1], "published")),
    ("ids", "posts", lambda p, u, c, t: p.bulk_update_status([1, "2"], "DRAFT")),
    ("author_id", "posts", lambda p, u, c, t: p.find_posts(author_id=0)),
    ("tag_id", "posts", lambda p, u, c, t: p.find_posts(tag_id="3")),
    ("search", "posts", lambda p, u, c, t: p.find_posts(search=7)),
    ("category_id", "posts", lambda p, u, c, t: p.count_posts(category_id=-1)),
    ("slug", "posts", lambda p, u, c, t: p.find_post_by_slug("")),
    ("cursor", "posts", lambda p, u, c, t: p.find_posts_after(cursor="not-a-cursor")),
    ("post_id", "posts", lambda p, u, c, t: p.increment_views(-5)),
    ("page", "users", lambda p, u, c, t: u.list_users(page=-1)),
    ("limit", "users", lambda p, u, c, t: u.list_users(limit=51)),
    ("role", "users", lambda p, u, c, t: u.create(email="a@b", name="A", role="ROOT")),
    ("email", "users", lambda p, u, c, t: u.create(email="", name="A")),
    ("deleted", "users", lambda p, u, c, t: u.list_users(deleted="yes")),
    ("content", "comments", lambda p, u, c, t: c.add(post_id=1, author_id=1, content="")),
    ("rows", "comments", lambda p, u, c, t: c.bulk_insert_comments([{"post_id": 1}])),
    ("tag_ids", "taxonomy", lambda p, u, c, t: t.attach_tags(1, [0])),
    # Past PostgreSQL's bigint: asyncpg would fail naming only "$7".
    ("page", "posts", lambda p, u, c, t: p.find_posts(page=2**62, limit=10)),
    ("page", "users", lambda p, u, c, t: u.list_users(page=2**62, limit=10)),
    ("author_id", "posts", lambda p, u, c, t: p.find_posts(author_id=2**63)),
    ("post_id", "posts", lambda p, u, c, t: p.increment_views(2**64)),
    ("ids", "posts", lambda p, u, c, t: p.bulk_update_status([2**63], "DRAFT")),
    ("ids", "posts", lambda p, u, c, t: p.bulk_update_status(5, "DRAFT")),
    # Text PostgreSQL cannot hold: the server (NUL) or asyncpg (surrogates) would refuse it.
    ("search", "posts", lambda p, u, c, t: p.find_posts(search="post\x00gres")),
    ("search", "posts", lambda p, u, c, t: p.find_posts(search="\ud800")),
    ("slug", "posts", lambda p, u, c, t: p.find_post_by_slug("a\x00")),
    ("content", "comments", lambda p, u, c, t: c.add(post_id=1, author_id=1, content="x\x00")),
    # ...and in a COPY: the server refused a NUL as an encoding error, and a surrogate failed in
    # asyncpg, neither naming the row.
    ("rows", "comments", lambda p, u, c, t: c.bulk_insert_comments(_NUL_COMMENTS)),
    ("rows", "posts", lambda p, u, c, t: p.bulk_insert_posts(_SURROGATE_POSTS)),
    # Not a string is not "no filter".
    ("search", "posts", lambda p, u, c, t: p.find_posts(search=0)),
    ("search", "posts", lambda p, u, c, t: p.count_posts(search=[])),
    # The insert models' CHECK rules, before the round trip the database would refuse.
    ("slug", "posts", lambda p, u, c, t: p.create_post(**{**_POST, "slug": "Not A Slug"})),
    ("title", "posts", lambda p, u, c, t: p.create_post(**{**_POST, "title": "   "})),
    ("title", "posts", lambda p, u, c, t: p.create_post(**{**_POST, "title": 5})),
    ("email", "users", lambda p, u, c, t: u.create(email="no-at-sign", name="A")),
    ("email", "users", lambda p, u, c, t: u.upsert_by_email(email="a b@x.org", name="A")),
    ("email", "users", lambda p, u, c, t: u.update(1, email="@x.org")),
    ("slug", "taxonomy", lambda p, u, c, t: t.create_tag(name="SQL", slug="-sql")),
    ("slug", "taxonomy", lambda p, u, c, t: t.create_category(name="SQL", slug="S_Q_L")),
]


@pytest.mark.parametrize(("parameter", "repo", "call"), BAD_CALLS)
async def test_bad_arguments_are_refused_before_the_database_naming_the_parameter(
    parameter: str, repo: str, call: Any
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await call(*_offline())
    assert caught.value.parameter == parameter
    assert str(caught.value).startswith(f"{parameter}: ")


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        (_NUL_COMMENTS, "rows: item 3: content: must not contain NUL"),
        (_SURROGATE_POSTS, "rows: item 1: excerpt: is not valid Unicode"),
    ],
)
async def test_bulk_insert_names_the_item_and_field_text_cannot_hold(
    rows: list[Any], problem: str
) -> None:
    posts, _, comments, _ = _offline()
    insert = (
        comments.bulk_insert_comments
        if isinstance(rows[0], CommentInsert)
        else posts.bulk_insert_posts
    )
    with pytest.raises(InvalidArgument) as caught:
        await insert(rows)
    assert str(caught.value).startswith(problem)


def test_bulk_inserts_need_an_executor_that_can_copy() -> None:
    class FetchOnly:
        async def fetch(self, query: str, *args: object) -> list[object]:
            raise AssertionError("not reached")

    comments = CommentRepository(FetchOnly())  # type: ignore[arg-type]  # deliberately partial
    row = CommentInsert(post_id=1, author_id=1, content="x")
    with pytest.raises(InvalidArgument, match=r"^db: bulk inserts use COPY"):
        asyncio.run(comments.bulk_insert_comments([row]))


def test_an_unknown_status_error_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidArgument, match="DRAFT, PUBLISHED, ARCHIVED, got 'LIVE'"):
        asyncio.run(_offline()[0].find_posts(status="LIVE"))


def test_a_bad_max_limit_is_refused_at_construction() -> None:
    with pytest.raises(InvalidArgument, match=r"^max_limit: "):
        PostRepository(NoRoundTrips(), max_limit=0)


# -- search ---------------------------------------------------------------------------------------


async def test_search_finds_posts_by_a_word_of_their_content(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    # A content word that is not in the title: found only through the full-text document.
    row = await db.fetchrow(
        "SELECT id, title, content FROM posts WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
    )
    assert row is not None
    title_words = set(re.findall(r"[a-z]+", row["title"].lower()))
    word = next(w for w in re.findall(r"[a-z]{7,}", row["content"].lower()) if w not in title_words)
    found = await posts.find_posts(search=word, limit=100)
    ids = {p.id for p in found.data}
    for page in range(2, found.total_pages + 1):
        ids |= {p.id for p in (await posts.find_posts(search=word, limit=100, page=page)).data}
    assert row["id"] in ids
    assert len(ids) == found.total
    assert all(p.rank is not None for p in found.data)
    assert all(p.headline is not None for p in found.data)
    assert any("<mark>" in (p.headline or "") for p in found.data)


async def test_search_finds_every_post_whose_title_contains_the_substring(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    title = await db.fetchval(
        "SELECT title FROM posts WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
    )
    fragment = title[2:9].upper()  # case-insensitive, and usually cuts words in half
    expected = {
        r["id"]
        for r in await db.fetch("SELECT id, title FROM posts WHERE deleted_at IS NULL")
        if fragment.lower() in r["title"].lower()
    }
    found = await posts.find_posts(search=fragment, limit=100)
    assert expected <= {p.id for p in found.data}


async def test_search_ranks_better_matches_first(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    author = await db.fetchval("SELECT min(id) FROM users")
    weak = await posts.create_post(
        title="Gardening notes",
        content="Somewhere in here is one zymurgy mention among many other words.",
        slug="weak-match",
        author_id=author,
        status="PUBLISHED",
    )
    strong = await posts.create_post(
        title="Zymurgy for beginners",
        content="Zymurgy is brewing science; zymurgy rewards patience.",
        slug="strong-match",
        author_id=author,
        status="DRAFT",
    )
    found = await posts.find_posts(search="zymurgy")
    assert [p.id for p in found.data] == [strong.id, weak.id]
    assert found.data[0].rank is not None
    assert found.data[1].rank is not None
    assert found.data[0].rank > found.data[1].rank


@pytest.mark.parametrize("filters", [{}, {"status": PostStatus.PUBLISHED}, {"tag_id": 1}])
async def test_the_one_scan_search_agrees_with_find_posts(
    db: asyncpg.Connection, posts: PostRepository, filters: dict[str, Any]
) -> None:
    # The repository's page for a term is the generated find_posts' page for the same filters.
    title = await db.fetchval("SELECT title FROM posts ORDER BY id LIMIT 1 OFFSET 3")
    for term in [title.split()[0], f'"{title}"', title[1:6], "-the data"]:
        params: dict[str, Any] = {
            "search": term,
            "status": None,
            "author_id": None,
            "category_id": None,
            "tag_id": None,
            **filters,
        }
        expected = await q_posts.find_posts(db, **params, limit=25, offset=0)
        page = await posts.find_posts(limit=25, **params)
        assert [(p.id, p.rank, p.headline) for p in page.data] == [
            (p.id, p.rank, p.headline) for p in expected
        ]
        assert page.total == (expected[0].total_count if expected else 0)


@pytest.mark.parametrize("padding", ["\n", "\t", "\u3000", "\r\n "])
async def test_a_title_substring_is_found_whatever_whitespace_surrounds_it(
    db: asyncpg.Connection, posts: PostRepository, padding: str
) -> None:
    author = await db.fetchval("SELECT min(id) FROM users")
    post = await posts.create_post(title="Zqx 100% pure", content="c", slug="zqx", author_id=author)
    # "qx 100%" is no word of the content: only the title substring match can find it.
    for term in (f"qx 100%{padding}", f"{padding}qx 100%"):
        page = await posts.find_posts(search=term)
        assert [p.id for p in page.data] == [post.id], repr(term)
        assert await posts.count_posts(search=term) == 1


def test_hostile_search_strings_neither_fail_nor_inject(demo_url: str) -> None:
    loop = asyncio.new_event_loop()
    conn: asyncpg.Connection = loop.run_until_complete(asyncpg.connect(demo_url))
    try:
        loop.run_until_complete(init_connection(conn))
        repo = PostRepository(conn, max_limit=100)
        live = loop.run_until_complete(live_post_ids(conn))
        before = loop.run_until_complete(conn.fetchval("SELECT count(*) FROM posts"))

        @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(HOSTILE)
        def check(term: str) -> None:
            refused: InvalidArgument | None = None
            try:
                page = loop.run_until_complete(repo.find_posts(search=term, limit=100))
            except InvalidArgument as exc:
                refused = exc
            if refused is not None:
                # Past the documented bounds (characters, words) a term is refused up front.
                assert refused.parameter == "search"
                return
            assert {p.id for p in page.data} <= live
            assert page.total >= len(page.data)
            assert page.total_pages == -(-page.total // 100)

        check()
        # Nothing was written or dropped: the terms were data, never SQL.
        assert loop.run_until_complete(conn.fetchval("SELECT count(*) FROM posts")) == before
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


# -- pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "limit"), [(None, 7), ("PUBLISHED", 25), ("ARCHIVED", 100)])
async def test_offset_pages_cover_every_matching_post_exactly_once(
    db: asyncpg.Connection, posts: PostRepository, status: str | None, limit: int
) -> None:
    expected = await live_post_ids(db, "TRUE" if status is None else f"status = '{status}'")
    seen: list[int] = []
    first = await posts.find_posts(page=1, limit=limit, status=status)
    for page in range(1, first.total_pages + 1):
        result = await posts.find_posts(page=page, limit=limit, status=status)
        assert (result.total, result.page, result.limit) == (len(expected), page, limit)
        seen += [p.id for p in result.data]
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    past_the_end = await posts.find_posts(page=first.total_pages + 1, limit=limit, status=status)
    assert past_the_end.data == []
    assert past_the_end.total == len(expected)


async def test_every_filter_combination_equals_a_python_recomputation(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    # Ties on created_at, so the order's tie-break (id, newest first) is exercised too.
    await db.execute("UPDATE posts SET created_at = '2024-06-01T00:00:00Z' WHERE id % 5 = 0")
    rows = await db.fetch(
        "SELECT p.id, p.title, p.status, p.author_id, p.created_at, p.deleted_at,"
        " u.name AS author_name, u.email AS author_email"
        " FROM posts AS p JOIN users AS u ON u.id = p.author_id"
    )
    live = {r["id"]: r for r in rows if r["deleted_at"] is None}
    categories = {
        r["id"]: (r["name"], r["slug"]) for r in await db.fetch("SELECT * FROM categories")
    }
    in_category: dict[int, set[int]] = {}
    for r in await db.fetch("SELECT post_id, category_id FROM post_categories"):
        in_category.setdefault(r["post_id"], set()).add(r["category_id"])
    tagged: dict[int, set[int]] = {}
    for r in await db.fetch("SELECT post_id, tag_id FROM post_tags"):
        tagged.setdefault(r["post_id"], set()).add(r["tag_id"])
    comment_counts = Counter(
        r["post_id"]
        for r in await db.fetch("SELECT post_id FROM comments WHERE deleted_at IS NULL")
    )
    authors = [None, *sorted({r["author_id"] for r in live.values()})[:2]]
    title = live[min(live)]["title"]
    for status, author_id, category_id, tag_id, search in itertools.product(
        [None, *PostStatus],
        authors,
        [None, 1, 2],
        [None, 1, 3],
        [None, " ", title.split()[-1], title[2:7]],
    ):
        term = (search or "").strip()
        ranks: dict[int, float] = {}
        if term:  # what matches and how it ranks is the server's; the rest is recomputed here
            ranks = {
                r["id"]: r["rank"]
                for r in await db.fetch(
                    "SELECT id, ts_rank(search_vector, q) AS rank, search_vector @@ q AS hit"
                    " FROM posts, websearch_to_tsquery('english', $1) AS q",
                    term,
                )
                if r["hit"] or term.lower() in live.get(r["id"], {"title": ""})["title"].lower()
            }
        expected = sorted(
            (
                r
                for post_id, r in live.items()
                if (status is None or r["status"] == status)
                and (author_id is None or r["author_id"] == author_id)
                and (category_id is None or category_id in in_category.get(post_id, ()))
                and (tag_id is None or tag_id in tagged.get(post_id, ()))
                and (not term or post_id in ranks)
            ),
            key=lambda r: (ranks.get(r["id"], 0.0), r["created_at"], r["id"]),
            reverse=True,
        )
        filters: dict[str, Any] = {
            "status": status,
            "author_id": author_id,
            "category_id": category_id,
            "tag_id": tag_id,
            "search": search,
        }
        found: list[Any] = []
        page = await posts.find_posts(limit=100, **filters)
        found += page.data
        for number in range(2, page.total_pages + 1):
            found += (await posts.find_posts(page=number, limit=100, **filters)).data
        assert page.total == len(expected) == await posts.count_posts(**filters), filters
        assert [p.id for p in found] == [r["id"] for r in expected], filters
        for p in found:
            r = live[p.id]
            assert (p.author.id, p.author.name, p.author.email) == (
                r["author_id"],
                r["author_name"],
                r["author_email"],
            )
            assert p.comment_count == comment_counts[p.id]
            assert [(c.id, c.name, c.slug) for c in p.categories] == sorted(
                ((c, *categories[c]) for c in in_category.get(p.id, ())),
                key=lambda c: (c[1], c[0]),
            )


@pytest.mark.parametrize(
    ("filters", "where"),
    [({}, "TRUE"), ({"status": "DRAFT"}, "status = 'DRAFT'"), ({"search": " \t "}, "TRUE")],
)
async def test_count_posts_counts_what_the_pages_list(
    db: asyncpg.Connection, posts: PostRepository, filters: dict[str, Any], where: str
) -> None:
    expected = len(await live_post_ids(db, where))
    assert await posts.count_posts(**filters) == expected
    beyond = await posts.find_posts(page=10_000, limit=10, **filters)
    assert beyond.total == expected


@pytest.mark.parametrize("order", ["newest", "oldest", "most_viewed", "title"])
async def test_scrolling_in_any_order_gives_the_offset_listing_page_by_page(
    posts: PostRepository, order: PostOrder
) -> None:
    first = await posts.find_posts(limit=50, order=order)
    listed = list(first.data)
    for number in range(2, first.total_pages + 1):
        listed += (await posts.find_posts(page=number, limit=50, order=order)).data
    seen: list[int] = []
    cursor: str | None = None
    while True:
        page = await posts.scroll_posts(cursor=cursor, limit=7, order=order)
        seen += [p.id for p in page.data]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [p.id for p in listed]


async def test_a_scroll_cursor_is_refused_for_another_order_or_filter(
    posts: PostRepository,
) -> None:
    first = await posts.scroll_posts(limit=2, order="title")
    assert first.next_cursor is not None
    with pytest.raises(InvalidCursorError):
        await posts.scroll_posts(cursor=first.next_cursor, limit=2, order="newest")
    with pytest.raises(InvalidCursorError):
        await posts.scroll_posts(cursor=first.next_cursor, limit=2, order="title", tag_id=1)
    second = await posts.scroll_posts(cursor=first.next_cursor, limit=2, order="title")
    assert [p.title for p in first.data + second.data] == sorted(
        p.title for p in first.data + second.data
    )


async def test_keyset_pages_cover_every_post_once_while_posts_are_inserted(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    expected = await live_post_ids(db)
    author = await db.fetchval("SELECT min(id) FROM users")
    oldest = await db.fetchval("SELECT min(created_at) FROM posts")
    seen: list[int] = []
    behind: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await posts.find_posts_after(cursor=cursor, limit=19)
        seen += [p.id for p in page.data]
        pages += 1
        # Between pages: one post newer than anything (ahead of the cursor: never shown, never
        # shifting a page) and, once, one older than everything (behind it: shown exactly once).
        await posts.create_post(
            title=f"new {pages}", content="fresh", slug=f"new-{pages}", author_id=author
        )
        if pages == 2:
            await posts.bulk_insert_posts(
                [
                    PostInsert(
                        title="archaeology",
                        content="old",
                        slug="old-find",
                        author_id=author,
                        created_at=oldest - dt.timedelta(days=1),
                    )
                ]
            )
            behind.append(await db.fetchval("SELECT id FROM posts WHERE slug = 'old-find'"))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert set(seen) == expected | set(behind)


async def test_a_tampered_or_foreign_cursor_is_rejected_naming_the_parameter(
    posts: PostRepository,
) -> None:
    page = await posts.find_posts_after(limit=5)
    assert page.next_cursor is not None
    flipped = page.next_cursor[:-2] + ("A" if page.next_cursor[-2] != "A" else "B") + "x"
    with pytest.raises(InvalidCursorError) as caught:
        await posts.find_posts_after(cursor=flipped, limit=5)
    assert caught.value.parameter == "cursor"
    with pytest.raises(InvalidCursorError, match=r"^cursor: made for listing"):
        await posts.find_posts_after(cursor=page.next_cursor, limit=5, status="DRAFT")
    # Repositories made per request share the process-wide key: cursors travel between them.
    assert (await PostRepository(posts._db).find_posts_after(limit=5)).next_cursor is not None
    first = await PostRepository(posts._db).find_posts_after(limit=5)
    again = await PostRepository(posts._db).find_posts_after(cursor=first.next_cursor, limit=5)
    assert again.data
    other_service = PostRepository(posts._db, cursors=CursorCodec(key=b"another-key-0123456789"))
    with pytest.raises(InvalidCursorError, match=r"^cursor: signature"):
        await other_service.find_posts_after(cursor=page.next_cursor, limit=5)


async def test_published_feed_and_comment_pages_walk_to_the_end(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    feed: list[int] = []
    cursor: str | None = None
    while True:
        page = await posts.find_published_after(cursor=cursor, limit=40)
        feed += [p.id for p in page.data]
        if (cursor := page.next_cursor) is None:
            break
    assert sorted(feed) == sorted(await live_post_ids(db, "status = 'PUBLISHED'"))

    post_id = await db.fetchval(
        "SELECT post_id FROM comments WHERE deleted_at IS NULL"
        " GROUP BY post_id ORDER BY count(*) DESC, post_id LIMIT 1"
    )
    comments = CommentRepository(db, cursors=CODEC)
    seen: list[int] = []
    cursor = None
    while True:
        cpage = await comments.list_for_post(post_id, cursor=cursor, limit=3)
        seen += [c.id for c in cpage.data]
        if (cursor := cpage.next_cursor) is None:
            break
    expected = await db.fetch(
        "SELECT id FROM comments WHERE post_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        post_id,
    )
    assert seen == [r["id"] for r in expected]


# -- one post in full -----------------------------------------------------------------------------


async def test_find_post_by_slug_equals_what_separate_simple_queries_return(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    post_id = await db.fetchval(
        "SELECT c.post_id FROM comments AS c JOIN posts AS p ON p.id = c.post_id"
        " WHERE c.deleted_at IS NULL AND p.deleted_at IS NULL"
        " GROUP BY c.post_id ORDER BY count(*) DESC, c.post_id LIMIT 1"
    )
    post = await db.fetchrow("SELECT * FROM posts WHERE id = $1", post_id)
    assert post is not None
    found = await posts.find_post_by_slug(post["slug"])
    assert found is not None
    assert (found.id, found.title, found.content, found.status) == (
        post["id"],
        post["title"],
        post["content"],
        post["status"],
    )
    author = await db.fetchrow(
        "SELECT u.id, u.name, u.email, u.avatar, pr.bio FROM users AS u"
        " LEFT JOIN user_profiles AS pr ON pr.user_id = u.id WHERE u.id = $1",
        post["author_id"],
    )
    assert author is not None
    assert found.author.model_dump() == dict(author)
    categories = await db.fetch(
        "SELECT c.id, c.name, c.slug FROM categories AS c JOIN post_categories AS pc"
        " ON pc.category_id = c.id WHERE pc.post_id = $1 ORDER BY c.name, c.id",
        post_id,
    )
    assert [c.model_dump() for c in found.categories] == [dict(r) for r in categories]
    tags = await db.fetch(
        "SELECT t.id, t.name, t.slug FROM tags AS t JOIN post_tags AS pt ON pt.tag_id = t.id"
        " WHERE pt.post_id = $1 ORDER BY t.name, t.id",
        post_id,
    )
    assert [t.model_dump() for t in found.tags] == [dict(r) for r in tags]
    comments = await db.fetch(
        "SELECT c.id, c.content, c.created_at, c.updated_at, u.id AS author_id, u.name, u.avatar"
        " FROM comments AS c JOIN users AS u ON u.id = c.author_id"
        " WHERE c.post_id = $1 AND c.deleted_at IS NULL ORDER BY c.created_at, c.id",
        post_id,
    )
    assert len(comments) >= 2
    assert [
        (c.id, c.content, c.created_at, c.updated_at, c.author.id, c.author.name, c.author.avatar)
        for c in found.comments
    ] == [tuple(r) for r in comments]
    deleted_slug = await db.fetchval("SELECT slug FROM posts WHERE deleted_at IS NOT NULL LIMIT 1")
    assert await posts.find_post_by_slug(deleted_slug) is None


# -- writes ---------------------------------------------------------------------------------------


async def test_bulk_update_status_counts_only_live_posts_that_change(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    rows = await db.fetch("SELECT id, status, deleted_at FROM posts ORDER BY id LIMIT 60")
    ids = [r["id"] for r in rows] + [10_000_000]
    expected = sum(1 for r in rows if r["deleted_at"] is None and r["status"] != "ARCHIVED")
    assert expected > 0
    assert await posts.bulk_update_status(ids, PostStatus.ARCHIVED) == expected
    assert await posts.bulk_update_status(ids, "ARCHIVED") == 0
    assert await posts.bulk_update_status([], "ARCHIVED") == 0
    after = await db.fetch("SELECT id, status, deleted_at FROM posts WHERE id = any($1)", ids)
    for r in after:
        before = next(b for b in rows if b["id"] == r["id"])
        assert r["status"] == ("ARCHIVED" if r["deleted_at"] is None else before["status"])


async def test_statistics_equal_a_python_recomputation(
    db: asyncpg.Connection, posts: PostRepository
) -> None:
    await posts.bulk_update_status(sorted(await live_post_ids(db))[:5], "DRAFT")
    rows = await db.fetch("SELECT status, view_count FROM posts WHERE deleted_at IS NULL")
    stats = await posts.statistics()
    total_views = sum(r["view_count"] for r in rows)
    assert stats.total_posts == len(rows)
    assert stats.total_views == total_views
    assert Decimal(str(stats.average_views)) == round(Decimal(total_views) / len(rows), 2)
    by_status = Counter(r["status"] for r in rows)
    assert stats.posts_by_status == {s: by_status.get(s.value, 0) for s in PostStatus}


async def test_increment_views_counts_every_concurrent_view(
    demo_url: str, posts: PostRepository, db: asyncpg.Connection
) -> None:
    post_id = min(await live_post_ids(db))
    start = await db.fetchval("SELECT view_count FROM posts WHERE id = $1", post_id)
    pool = await asyncpg.create_pool(demo_url, min_size=4, max_size=4, init=init_connection)
    try:
        shared = PostRepository(pool)
        results = await asyncio.gather(*(shared.increment_views(post_id) for _ in range(20)))
    finally:
        await pool.close()
    assert sorted(r for r in results if r is not None) == list(range(start + 1, start + 21))
    assert await posts.increment_views(10_000_000) is None


async def test_bulk_insert_comments_copies_rows_with_defaults_for_unset_fields(
    db: asyncpg.Connection,
) -> None:
    first = await db.fetchrow("SELECT id, author_id FROM posts ORDER BY id LIMIT 1")
    assert first is not None
    post_id, author_id = first["id"], first["author_id"]
    when = dt.datetime(2020, 5, 1, tzinfo=dt.UTC)
    rows = [
        CommentInsert(post_id=post_id, author_id=author_id, content=f"c{i}") for i in range(500)
    ]
    rows.append(
        CommentInsert(post_id=post_id, author_id=author_id, content="dated", created_at=when)
    )
    comments = CommentRepository(db)
    assert await comments.bulk_insert_comments(rows) == 501
    stored = await db.fetch(
        "SELECT content, created_at, updated_at FROM comments WHERE content ~ '^(c[0-9]+|dated)$'"
    )
    assert len(stored) == 501
    assert all(r["created_at"] is not None for r in stored)
    assert all(r["updated_at"] is not None for r in stored)
    assert next(r for r in stored if r["content"] == "dated")["created_at"] == when
    assert await comments.bulk_insert_comments([]) == 0


async def test_a_bulk_insert_the_server_refuses_names_the_row_and_writes_nothing(
    db: asyncpg.Connection,
) -> None:
    first = await db.fetchrow("SELECT id, author_id, slug FROM posts ORDER BY id LIMIT 1")
    assert first is not None
    post_id, author_id = first["id"], first["author_id"]
    before = await db.fetchval("SELECT count(*) FROM comments")
    comments = CommentRepository(db)
    rows = [CommentInsert(post_id=post_id, author_id=author_id, content=f"c{i}") for i in range(9)]
    # A foreign key is checked after the last row: the row is found by the key the server names.
    rows[6] = CommentInsert(post_id=987_654_321, author_id=author_id, content="orphan")
    with pytest.raises(IntegrityViolation) as fk:
        await comments.bulk_insert_comments(rows)
    assert isinstance(fk.value, asyncpg.ForeignKeyViolationError)
    assert str(fk.value).startswith("rows item 6: comments.post_id (field post_id) violates")
    assert "987654321" not in str(fk.value)  # mapped: the value is not repeated
    assert await db.fetchval("SELECT count(*) FROM comments") == before

    posts = PostRepository(db, cursors=CODEC)
    new = [PostInsert(**{**_POST, "slug": f"bulk-{i}", "author_id": author_id}) for i in range(6)]
    # A unique key: the server names the line it was reading.
    dup = [*new[:4], PostInsert(**{**_POST, "slug": first["slug"], "author_id": author_id})]
    with pytest.raises(IntegrityViolation, match=r"^rows item 4: posts\.slug \(field slug\)"):
        await posts.bulk_insert_posts(dup)
    # A CHECK (bypassed in Python by model_construct), in the second of two column groups: the
    # index is the caller's, not the group's.
    blank = PostInsert.model_construct(**{**_POST, "title": " ", "slug": "blank", "excerpt": "e"})
    mixed = [*new[:2], PostInsert(**{**_POST, "slug": "x", "excerpt": "e"}), *new[2:4], blank]
    with pytest.raises(IntegrityViolation) as check:
        await posts.bulk_insert_posts(mixed)
    assert str(check.value).startswith("rows item 5: posts.title (field title) violates CHECK")
    assert await db.fetchval("SELECT count(*) FROM posts WHERE slug LIKE 'bulk-%'") == 0


async def test_users_round_trip_through_soft_delete_restore_and_upsert(
    db: asyncpg.Connection,
) -> None:
    users = UserRepository(db, max_limit=20)
    ada = await users.create(email="ada@example.org", name="Ada", bio="Counts", role="MODERATOR")
    assert (await users.get_by_email("ada@example.org")) is not None
    live_before = (await users.list_users(limit=1)).total
    assert await users.soft_delete(ada.id)
    assert await users.get(ada.id) is None
    assert (await users.get(ada.id, include_deleted=True)) is not None
    assert (await users.list_users(limit=1)).total == live_before - 1
    assert ada.id in {u.id for u in (await users.list_users(deleted=True, limit=20)).data}
    assert await users.upsert_by_email(email="ada@example.org", name="Imposter") is None
    assert await users.restore(ada.id)
    updated = await users.upsert_by_email(email="ada@example.org", name="Ada L.")
    assert updated is not None
    assert (updated.id, updated.name) == (ada.id, "Ada L.")
    everyone = await db.fetchval("SELECT count(*) FROM users")
    page = await users.list_users(page=1, limit=20, deleted=None)
    assert page.total == everyone
    assert page.total_pages == -(-everyone // 20)
    beyond = await users.list_users(page=page.total_pages + 1, limit=20, deleted=None)
    assert beyond.data == []
    assert beyond.total == everyone
    assert await users.hard_delete(ada.id)


async def test_users_are_found_and_upserted_by_email_in_any_case(db: asyncpg.Connection) -> None:
    # Emails are stored in lower case (CHECK users_email_lower_check): another case of the same
    # address means that user, not a CHECK violation and not "no such user".
    users = UserRepository(db)
    bo = await users.create(email="Bo.Case@Example.ORG", name="Bo")
    assert bo.email == "bo.case@example.org"
    found = await users.get_by_email("BO.CASE@example.org")
    assert found is not None
    assert found.id == bo.id
    again = await users.upsert_by_email(email="bo.case@EXAMPLE.org", name="Bo B.")
    assert again is not None
    assert (again.id, again.name) == (bo.id, "Bo B.")
    moved = await users.update(bo.id, email="Bo@Example.org")
    assert moved is not None
    assert moved.email == "bo@example.org"
    assert await db.fetchval("SELECT count(*) FROM users WHERE email LIKE 'bo%'") == 1


async def test_an_upsert_without_a_role_keeps_the_users_role(db: asyncpg.Connection) -> None:
    users = UserRepository(db)
    admin = await users.create(email="root@example.org", name="Root", role="ADMIN")
    renamed = await users.upsert_by_email(email="root@example.org", name="Root Admin")
    assert renamed is not None
    assert (renamed.name, renamed.role) == ("Root Admin", "ADMIN")
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", admin.id) == "ADMIN"
    demoted = await users.upsert_by_email(email="root@example.org", name="Root", role="USER")
    assert demoted is not None
    assert demoted.role == "USER"
    fresh = await users.upsert_by_email(email="new@example.org", name="New")
    assert fresh is not None
    assert fresh.role == "USER"


async def test_taxonomy_attach_detach_and_counts(db: asyncpg.Connection) -> None:
    taxonomy = TaxonomyRepository(db)
    post_id = min(await live_post_ids(db))
    tag = await taxonomy.create_tag(name="fresh-tag", slug="fresh-tag")
    category = await taxonomy.create_category(name="Fresh", slug="fresh")
    assert await taxonomy.attach_tags(post_id, [tag.id, tag.id]) == 1
    assert await taxonomy.attach_category(post_id, category.id)
    assert not await taxonomy.attach_category(post_id, category.id)
    counts = {t.name: t.post_count for t in await taxonomy.tags_with_counts()}
    assert counts["fresh-tag"] == 1
    assert await taxonomy.detach_tag(post_id, tag.id)
    assert await taxonomy.detach_category(post_id, category.id)
    categories = {c.name: c.post_count for c in await taxonomy.categories_with_counts()}
    assert categories["Fresh"] == 0


async def test_the_demo_shows_every_repository_call_and_leaves_the_data_unchanged(
    db: asyncpg.Connection,
) -> None:
    before = await db.fetch("SELECT id, status, published_at FROM posts ORDER BY id")
    console = Console(record=True, width=120)
    await show_repositories(db, console)
    shown = console.export_text()
    for call in (
        "find_posts(search=",
        "find_posts(page=2",
        "find_posts_after(",
        "find_post_by_slug(",
    ):
        assert call in shown
    assert "bulk_update_status(" in shown
    assert await db.fetch("SELECT id, status, published_at FROM posts ORDER BY id") == before


async def test_roles_upsert_by_name_and_comments_refuse_deleted_posts(
    db: asyncpg.Connection,
) -> None:
    roles = RoleRepository(db)
    await roles.upsert(name="editor", description="Edits", permissions=["posts:write"])
    editor = await roles.upsert(name="editor", description=None, permissions=["posts:read"])
    assert editor.permissions == ["posts:read"]
    assert await roles.get("editor") == editor
    assert "editor" in [r.name for r in await roles.list_roles()]
    with pytest.raises(InvalidArgument, match=r"^permissions: "):
        await roles.upsert(name="bad", permissions="posts:write")

    comments = CommentRepository(db, cursors=CODEC)
    row = await db.fetchrow(
        "SELECT id, author_id FROM posts WHERE deleted_at IS NULL ORDER BY id LIMIT 1"
    )
    assert row is not None
    live_post, author = row["id"], row["author_id"]
    added = await comments.add(post_id=live_post, author_id=author, content="first!")
    assert added is not None
    assert await comments.soft_delete(added.id)
    assert not await comments.soft_delete(added.id)
    deleted_post = await db.fetchval("SELECT id FROM posts WHERE deleted_at IS NOT NULL LIMIT 1")
    assert await comments.add(post_id=deleted_post, author_id=author, content="late") is None
