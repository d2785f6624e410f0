"""Repository calls against the same jobs in the SQLAlchemy 2 async ORM: same data, same run.

50,000 posts and 200,000 comments from the demo-data generator (``_db.BENCH_SIZES``). The
repositories run over an asyncpg pool; SQLAlchemy over its asyncpg dialect, one ``AsyncSession``
per call (the idiomatic unit of work), relationships loaded with ``joinedload``/``selectinload``.
Each round runs both sides of a job back to back (alternating which goes first); the report gives
medians. Writes run inside a transaction that is rolled back, so every round sees the same data.
The search page has a third contender, the same page through raw asyncpg ordered by date
(``RAW_SEARCH_BY_DATE``: no ranking), run in turn with the other two.

Run: ``make bench`` (installs the ``bench`` extra), or ``.venv/bin/python bench/repositories.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import joinedload, selectinload

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database, rotating_medians  # bench/ is not a package
from sa_models import Category, Comment, Post, PostStatus, User

from blog.generated.models import CommentInsert
from blog.repositories import CommentRepository, PostRepository
from postsql.runtime.executor import init_connection
from postsql.runtime.pagination import CursorCodec

Job = Callable[[], Awaitable[object]]
LIMIT = 10
BULK_ROWS = 10_000


@dataclass
class Result:
    name: str
    ours: float
    theirs: float
    note: str = ""

    @property
    def speedup(self) -> float:
        return self.theirs / self.ours


async def pair(ours: Job, theirs: Job, rounds: int) -> tuple[float, float]:
    """Medians of two jobs run in turn each round, which goes first alternating."""
    a, b = await rotating_medians([ours, theirs], rounds)
    return a, b


def like_pattern(term: str) -> str:
    """The title-substring pattern of a term, LIKE's wildcards escaped (as find_posts builds it)."""
    escaped = term.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# What a hand-written service would send for the same search page without ranking: the same
# filter and page (author, categories, live comment count, headline), newest first, and the total
# as a scalar subquery, so the page walks the date index until it has its rows and only the count
# reads every match. One round trip, prepared by asyncpg like every statement here. The page size
# is written in: with LIMIT $3, the generic plan PostgreSQL switches to after five runs guesses a
# tenth of the matches per page and sorts them all by date, 3 times slower (measured); the
# contender gets its best plan.
RAW_SEARCH_BY_DATE = """
SELECT
    p.id, p.title, p.slug, p.excerpt, p.status, p.published_at, p.view_count, p.created_at,
    p.updated_at,
    (
        SELECT count(*) FROM posts AS m
        WHERE m.deleted_at IS NULL
            AND (m.search_vector @@ websearch_to_tsquery('english', $1) OR lower(m.title) LIKE $2)
    ) AS total_count,
    ts_headline(
        'english', p.content, websearch_to_tsquery('english', $1),
        'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2'
    ) AS headline,
    jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email) AS author,
    (
        SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
            ORDER BY c.name, c.id), '[]'::jsonb)
        FROM post_categories AS pc JOIN categories AS c ON pc.category_id = c.id
        WHERE pc.post_id = p.id
    ) AS categories,
    (
        SELECT count(*) FROM comments AS cm WHERE cm.post_id = p.id AND cm.deleted_at IS NULL
    ) AS comment_count
FROM posts AS p
JOIN users AS u ON u.id = p.author_id
WHERE p.deleted_at IS NULL
    AND (p.search_vector @@ websearch_to_tsquery('english', $1) OR lower(p.title) LIKE $2)
ORDER BY p.created_at DESC, p.id DESC
LIMIT 10
"""  # LIMIT, the page size


def sa_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def live() -> Any:
    return Post.deleted_at.is_(None)


async def sa_page(
    session: AsyncSession, *, where: list[Any], order: list[Any], offset: int, count: bool = True
) -> tuple[int | None, list[Post], dict[int, int]]:
    """The idiomatic ORM page: total, posts with author and categories, comment counts."""
    total = None
    if count:
        total = await session.scalar(select(func.count()).select_from(Post).where(*where))
    posts = (
        (
            await session.scalars(
                select(Post)
                .options(joinedload(Post.author), selectinload(Post.categories))
                .where(*where)
                .order_by(*order)
                .limit(LIMIT)
                .offset(offset)
            )
        )
        .unique()
        .all()
    )
    counts = dict(
        (
            await session.execute(
                select(Comment.post_id, func.count())
                .where(Comment.post_id.in_([p.id for p in posts]), Comment.deleted_at.is_(None))
                .group_by(Comment.post_id)
            )
        ).all()
    )
    return total, list(posts), counts


async def main(rounds: int, fresh: bool) -> list[Result]:
    url = await bench_database(fresh=fresh)
    pool = await asyncpg.create_pool(url, min_size=2, max_size=2, init=init_connection)
    engine = create_async_engine(sa_url(url), pool_size=2, max_overflow=0)
    Session = async_sessionmaker(engine, expire_on_commit=False)
    codec = CursorCodec(key=b"benchmark-cursor-key-0123")
    posts = PostRepository(pool, cursors=codec)
    results: list[Result] = []

    async def run(name: str, ours: Job, theirs: Job, n: int = rounds, note: str = "") -> None:
        a, b = await pair(ours, theirs, n)
        results.append(Result(name, a, b, note))
        print(f"{name:<44} {a * 1e3:8.2f} ms {b * 1e3:8.2f} ms  {b / a:6.1f}x", flush=True)

    async with pool.acquire() as conn:
        # A common title word (in about half the posts) and a rarer one (about 1 in 100).
        word = await conn.fetchval(
            "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', title) FROM posts')"
            " WHERE length(word) > 5 ORDER BY ndoc DESC LIMIT 1 OFFSET 10"
        )
        rare = await conn.fetchval(
            "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', content) FROM posts')"
            " WHERE length(word) > 5 ORDER BY abs(ndoc - 500), word LIMIT 1"
        )
        category_id = await conn.fetchval("SELECT min(id) FROM categories")
        slug, post_id = await conn.fetchrow(
            "SELECT p.slug, p.id FROM posts AS p JOIN comments AS c ON c.post_id = p.id"
            " WHERE p.deleted_at IS NULL GROUP BY p.id HAVING count(*) BETWEEN 20 AND 25"
            " ORDER BY p.id LIMIT 1"
        )
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM posts ORDER BY id LIMIT 100")]
        authors = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY id LIMIT 50")]
        page500 = await conn.fetchrow(
            "SELECT created_at, id FROM posts WHERE deleted_at IS NULL"
            " ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1",
            499 * LIMIT - 1,
        )
    print(f"search terms {word!r}, {rare!r}; slug {slug!r}; {rounds} rounds\n")
    print(f"{'job':<44} {'postsql':>11} {'SQLAlchemy':>11}  speedup")
    newest = [Post.created_at.desc(), Post.id.desc()]

    # -- offset pages --------------------------------------------------------------------------
    async def sa_find(
        page: int, *, status: PostStatus | None = None, category: int | None = None
    ) -> object:
        where = [live()]
        if status is not None:
            where.append(Post.status == status)
        if category is not None:
            where.append(Post.categories.any(Category.id == category))
        async with Session() as s:
            return await sa_page(s, where=where, order=newest, offset=(page - 1) * LIMIT)

    await run(
        "find_posts page 1 (with total)",
        lambda: posts.find_posts(page=1, limit=LIMIT),
        lambda: sa_find(1),
    )
    await run(
        "find_posts page 1, status + category filter",
        lambda: posts.find_posts(page=1, limit=LIMIT, status="PUBLISHED", category_id=category_id),
        lambda: sa_find(1, status=PostStatus.PUBLISHED, category=category_id),
    )
    await run(
        "find_posts page 500 (offset)",
        lambda: posts.find_posts(page=500, limit=LIMIT),
        lambda: sa_find(500),
    )

    # -- search ----------------------------------------------------------------------------------
    async def sa_search(word: str) -> object:
        query = func.websearch_to_tsquery("english", word)
        rank = func.ts_rank(Post.search_vector, query)
        matches = or_(Post.search_vector.op("@@")(query), Post.title.ilike(like_pattern(word)))
        where = [live(), matches]
        async with Session() as s:
            total, page, counts = await sa_page(
                s, where=where, order=[rank.desc(), *newest], offset=0
            )
            headlines = (
                await s.execute(
                    select(Post.id, func.ts_headline("english", Post.content, query)).where(
                        Post.id.in_([p.id for p in page])
                    )
                )
            ).all()
            return total, page, counts, headlines

    if f"LIMIT {LIMIT}\n" not in RAW_SEARCH_BY_DATE:
        raise SystemExit(f"RAW_SEARCH_BY_DATE must end with LIMIT {LIMIT} (the page size)")

    async def raw_search(term: str) -> object:
        return await pool.fetch(RAW_SEARCH_BY_DATE, term, like_pattern(term))

    async with pool.acquire() as conn:
        counts = [
            await conn.fetchval(
                "SELECT count(*) FROM posts AS p WHERE p.deleted_at IS NULL AND (p.search_vector"
                " @@ websearch_to_tsquery('english', $1) OR lower(p.title) LIKE $2)",
                term,
                like_pattern(term),
            )
            for term in (word, rare)
        ]
    for term, label, matches in ((word, "common", counts[0]), (rare, "rarer", counts[1])):
        ours, raw, theirs = await rotating_medians(
            [
                lambda term=term: posts.find_posts(page=1, limit=LIMIT, search=term),
                lambda term=term: raw_search(term),
                lambda term=term: sa_search(term),
            ],
            rounds,
        )
        name = f"find_posts search page 1, {label} term"
        results.append(
            Result(
                name,
                ours,
                theirs,
                f"{matches:,} matches; raw asyncpg by date {raw * 1e3:.2f} ms (same run,"
                f" interleaved): postsql / raw = {ours / raw:.2f}x",
            )
        )
        print(f"{name:<44} {ours * 1e3:8.2f} ms {theirs * 1e3:8.2f} ms  {theirs / ours:6.1f}x")

    # -- keyset ----------------------------------------------------------------------------------
    cursor = codec.encode(
        "posts.created/None/None", [page500["created_at"].isoformat(), page500["id"]]
    )
    keyset_500, keyset_1 = await pair(
        lambda: posts.find_posts_after(cursor=cursor, limit=LIMIT),
        lambda: posts.find_posts_after(limit=LIMIT),
        rounds,
    )

    async def sa_offset_500_no_total() -> object:
        async with Session() as s:
            return await sa_page(s, where=[live()], order=newest, offset=499 * LIMIT, count=False)

    await run(
        "keyset page 500 vs SQLAlchemy offset page 500",
        lambda: posts.find_posts_after(cursor=cursor, limit=LIMIT),
        sa_offset_500_no_total,
        note=(
            f"keyset page 500 {keyset_500 * 1e3:.2f} ms against keyset page 1 "
            f"{keyset_1 * 1e3:.2f} ms (same run, interleaved): {keyset_500 / keyset_1:.2f}x"
        ),
    )

    # -- one post in full ------------------------------------------------------------------------
    async def sa_by_slug() -> object:
        async with Session() as s:
            return (
                await s.scalars(
                    select(Post)
                    .where(Post.slug == slug, live())
                    .options(
                        joinedload(Post.author).joinedload(User.profile),
                        selectinload(Post.categories),
                        selectinload(Post.tags),
                        selectinload(Post.comments.and_(Comment.deleted_at.is_(None))).joinedload(
                            Comment.author
                        ),
                    )
                )
            ).one_or_none()

    await run(
        "find_post_by_slug (20-25 comments)", lambda: posts.find_post_by_slug(slug), sa_by_slug
    )

    # -- statistics and counts -------------------------------------------------------------------
    async def sa_statistics() -> object:
        async with Session() as s:
            rows = (
                await s.execute(
                    select(Post.status, func.count(), func.coalesce(func.sum(Post.view_count), 0))
                    .where(live())
                    .group_by(Post.status)
                )
            ).all()
        by_status = dict.fromkeys(PostStatus, 0)
        total_views = 0
        for status, count, views in rows:
            by_status[status] = count
            total_views += views
        total = sum(by_status.values())
        return total, total_views, round(total_views / total, 2) if total else 0, by_status

    await run("statistics", posts.statistics, sa_statistics)

    async def sa_count() -> object:
        async with Session() as s:
            return await s.scalar(select(func.count()).select_from(Post).where(live()))

    await run("count_posts (live posts, no filter)", posts.count_posts, sa_count)

    # -- writes (rolled back) ---------------------------------------------------------------------
    async def ours_bulk_status() -> object:
        async with pool.acquire() as conn, conn.transaction():
            n = await PostRepository(conn).bulk_update_status(ids, "ARCHIVED")
            raise _Rollback(n)

    async def sa_bulk_status() -> object:
        async with Session() as s, s.begin():
            result = await s.execute(
                update(Post)
                .where(Post.id.in_(ids), live(), Post.status != PostStatus.ARCHIVED)
                .values(
                    status=PostStatus.ARCHIVED,
                    published_at=case(
                        (Post.status == PostStatus.PUBLISHED, Post.published_at),
                        else_=Post.published_at,
                    ),
                )
                .execution_options(synchronize_session=False)
            )
            await s.rollback()
            return result.rowcount  # type: ignore[attr-defined]

    await run("bulk_update_status (100 ids)", _rolled_back(ours_bulk_status), sa_bulk_status)

    async def ours_views() -> object:
        return await posts.increment_views(post_id)

    async def sa_views() -> object:
        async with Session() as s, s.begin():
            return await s.scalar(
                update(Post)
                .where(Post.id == post_id, live())
                .values(view_count=Post.view_count + 1)
                .returning(Post.view_count)
            )

    await run("increment view count", ours_views, sa_views)

    rows = [
        CommentInsert(
            post_id=ids[i % len(ids)], author_id=authors[i % len(authors)], content=f"c{i}"
        )
        for i in range(BULK_ROWS)
    ]

    async def ours_bulk_insert() -> object:
        async with pool.acquire() as conn, conn.transaction():
            n = await CommentRepository(conn).bulk_insert_comments(rows)
            raise _Rollback(n)

    async def sa_bulk_insert() -> object:
        async with Session() as s, s.begin():
            await s.execute(
                insert(Comment),
                [
                    {"post_id": r.post_id, "author_id": r.author_id, "content": r.content}
                    for r in rows
                ],
            )
            await s.rollback()
        return None

    await run(
        f"bulk insert {BULK_ROWS:,} comments",
        _rolled_back(ours_bulk_insert),
        sa_bulk_insert,
        n=max(5, rounds // 10),
    )
    bulk = results[-1]
    bulk.note = (
        f"{BULK_ROWS / bulk.ours:,.0f} rows/s (COPY) against {BULK_ROWS / bulk.theirs:,.0f} rows/s"
        " (insert() with a list of dicts: SQLAlchemy's bulk path, batched multi-row VALUES)"
    )

    async def sa_add_all() -> object:
        async with Session() as s, s.begin():
            s.add_all(
                [Comment(post_id=r.post_id, author_id=r.author_id, content=r.content) for r in rows]
            )
            await s.flush()
            await s.rollback()
        return None

    await run(
        f"bulk insert {BULK_ROWS:,} comments, ORM add_all",
        _rolled_back(ours_bulk_insert),
        sa_add_all,
        n=max(5, rounds // 10),
    )
    unit = results[-1]
    unit.note = f"SQLAlchemy unit of work: {BULK_ROWS / unit.theirs:,.0f} rows/s"
    for r in results:
        if r.note:
            print(f"  {r.name}: {r.note}")

    await engine.dispose()
    await pool.close()
    return results


class _Rollback(Exception):  # control flow, not an error
    pass


def _rolled_back(job: Job) -> Job:
    async def run() -> object:
        try:
            await job()
        except _Rollback as done:
            return done.args[0]
        return None

    return run


async def _noop() -> None:
    return None


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.fresh))
