"""What the extensions cost and save: audit trigger overhead on writes, cache hits vs queries.

Run (uses TEST_DATABASE_URL, else the embedded PostgreSQL; Redis on 127.0.0.1:6379 if present)::

    .venv/bin/python bench/ext_overhead.py

Prints a Markdown table for docs/benchmarks.md. Numbers are medians of several rounds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from blog.generated.models import CommentInsert, PostStatus, UserRole
from blog.generated.queries import posts, taxonomy, users
from blog.repositories import CommentRepository
from blog.seed import DemoSizes, seed_demo
from postsql.ext.cache import QueryCache, RedisBackend
from postsql.runtime.executor import init_connection
from postsql.testing import test_server

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 5
BULK_ROWS = 10_000


async def timed(n: int, step: Callable[[int], Awaitable[object]]) -> float:
    """Median over ROUNDS of the mean seconds per call of ``step`` (n calls per round)."""
    rounds = []
    for r in range(ROUNDS):
        start = time.perf_counter()
        for i in range(n):
            await step(r * n + i)
        rounds.append((time.perf_counter() - start) / n)
    return statistics.median(rounds)


async def audit_overhead(conn: asyncpg.Connection, n: int) -> tuple[float, float]:
    author = await users.create_user(
        conn, email="bench@example.com", name="B", avatar=None, role=UserRole.USER, bio=None,
        website=None, location=None,
    )  # fmt: skip
    if author is None:
        raise SystemExit("create_user returned no row")
    post = await posts.create_post(
        conn, title="T", content="C", excerpt=None, slug="t", status=PostStatus.DRAFT,
        author_id=author.id,
    )  # fmt: skip

    async def update(i: int) -> object:
        return await conn.execute("UPDATE posts SET title = $1 WHERE id = $2", f"t{i}", post.id)

    with_trigger = await timed(n, update)
    await set_audit(conn, "posts", enabled=False)
    without = await timed(n, update)
    await set_audit(conn, "posts", enabled=True)
    return with_trigger, without


async def set_audit(conn: asyncpg.Connection, table: str, *, enabled: bool) -> None:
    """Enable or disable every audit trigger of ``table`` (named ``<table>_audit...``)."""
    names = await conn.fetch(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname LIKE $2",
        table,
        f"{table}\\_audit%",
    )
    if not names:
        raise SystemExit(f"no audit trigger on {table}")
    verb = "ENABLE" if enabled else "DISABLE"
    for row in names:
        await conn.execute(f'ALTER TABLE {table} {verb} TRIGGER "{row["tgname"]}"')


async def bulk_overhead(conn: asyncpg.Connection) -> dict[str, tuple[float, float]]:
    """Bulk writes with the audit triggers on and off, each in a rolled-back transaction."""
    post_ids = [r["id"] for r in await conn.fetch("SELECT id FROM posts ORDER BY id LIMIT 100")]
    author_ids = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY id LIMIT 50")]
    rows = [
        CommentInsert(
            post_id=post_ids[i % len(post_ids)],
            author_id=author_ids[i % len(author_ids)],
            content=f"c{i}",
        )
        for i in range(BULK_ROWS)
    ]

    async def rolled_back(sql: str | None) -> None:
        tx = conn.transaction()
        await tx.start()
        try:
            if sql is None:
                await CommentRepository(conn).bulk_insert_comments(rows)
            else:
                await conn.execute(sql)
        finally:
            await tx.rollback()

    jobs: dict[str, tuple[str, str | None]] = {
        f"COPY {BULK_ROWS:,} comments (bulk_insert_comments)": ("comments", None),
        "UPDATE 1,000 posts in one statement": (
            "posts",
            "UPDATE posts SET title = title || '!'"
            " WHERE id IN (SELECT id FROM posts ORDER BY id LIMIT 1000)",
        ),
    }
    out: dict[str, tuple[float, float]] = {}
    for label, (table, sql) in jobs.items():

        async def step(_: int, sql: str | None = sql) -> None:
            await rolled_back(sql)

        on = await timed(2, step)
        await set_audit(conn, table, enabled=False)
        off = await timed(2, step)
        await set_audit(conn, table, enabled=True)
        out[label] = (on, off)
    return out


async def cache_latency(conn: asyncpg.Connection, n: int) -> dict[str, float]:
    ttl = {"find_post_by_slug": 600.0}
    await conn.execute(
        "UPDATE posts SET status = 'PUBLISHED', published_at = now(), slug = 'hello'"
    )
    out = {
        "query (no cache)": await timed(n, lambda _: posts.find_post_by_slug(conn, slug="hello"))
    }
    memory = QueryCache(ttl_overrides=ttl)
    await memory.call(posts.find_post_by_slug, conn, slug="hello")
    out["memory hit"] = await timed(
        n, lambda _: memory.call(posts.find_post_by_slug, conn, slug="hello")
    )
    backend = RedisBackend(prefix="postsql-bench:")
    try:
        await backend.ping()
    except Exception as exc:
        print(f"redis: skipped ({type(exc).__name__}: {exc})", file=sys.stderr)
        await backend.aclose()
        return out
    redis = QueryCache(backend, ttl_overrides=ttl, strict=True)
    await redis.call(posts.find_post_by_slug, conn, slug="hello")
    out["redis hit"] = await timed(
        n, lambda _: redis.call(posts.find_post_by_slug, conn, slug="hello")
    )
    await redis.clear()
    await redis.aclose()
    return out


async def demo_latency(conn: asyncpg.Connection, n: int) -> dict[str, float]:
    """A heavier read: the category list with live post counts over demo data."""
    out = {
        "query (no cache)": await timed(
            n, lambda _: taxonomy.list_categories_with_post_counts(conn)
        )
    }
    ttl = {"list_categories_with_post_counts": 600.0}
    for label, cache in (
        ("memory hit", QueryCache(ttl_overrides=ttl)),
        ("redis hit", QueryCache(RedisBackend(prefix="postsql-bench:"), ttl_overrides=ttl)),
    ):
        await cache.call(taxonomy.list_categories_with_post_counts, conn)
        if cache.stats.bypassed:
            continue

        async def hit(_: int, cache: QueryCache = cache) -> object:
            return await cache.call(taxonomy.list_categories_with_post_counts, conn)

        out[label] = await timed(n, hit)
        await cache.clear()
        await cache.aclose()
    return out


async def measure(url: str, demo_url: str) -> None:
    conn = await asyncpg.connect(url)
    demo_conn = await asyncpg.connect(demo_url)
    try:
        await init_connection(conn)
        # seed_demo loads with binary COPY, which the JSON text codecs would break: seed first.
        await seed_demo(demo_conn, DemoSizes(users=500, posts=5_000, comments=20_000))
        await init_connection(demo_conn)
        version = await conn.fetchval("SHOW server_version")
        with_trigger, without = await audit_overhead(conn, 500)
        latency = await cache_latency(conn, 500)
        demo = await demo_latency(demo_conn, 200)
        bulk = await bulk_overhead(demo_conn)
    finally:
        await conn.close()
        await demo_conn.close()
    print(f"PostgreSQL {version}, one connection, medians of {ROUNDS} rounds\n")
    print("| measurement | per call |")
    print("|---|---|")
    print(f"| UPDATE posts (1 row), audit trigger on | {with_trigger * 1e6:.0f} µs |")
    print(f"| UPDATE posts (1 row), audit trigger off | {without * 1e6:.0f} µs |")
    for label, (on, off) in bulk.items():
        print(f"| {label}, audit triggers on | {on * 1e3:.1f} ms |")
        print(f"| {label}, audit triggers off | {off * 1e3:.1f} ms |")
    for label, seconds in latency.items():
        print(f"| find_post_by_slug: {label} | {seconds * 1e6:.0f} µs |")
    for label, seconds in demo.items():
        print(
            f"| list_categories_with_post_counts (5,000 posts): {label} | {seconds * 1e6:.0f} µs |"
        )


def main() -> None:
    # The test server's helpers run their own event loop: set up first, then measure.
    with test_server() as server, tempfile.TemporaryDirectory() as tmp:
        template = server.create_migrated_template(
            ROOT / "sql" / "migrations", Path(tmp) / "schema.sql"
        )
        names = [server.clone(template), server.clone(template)]
        try:
            asyncio.run(measure(*[server.url_for(n) for n in names]))
        finally:
            for name in names:
                server.drop_database(name)


if __name__ == "__main__":
    main()
