"""``make demo``: the blog on a real PostgreSQL, migrated, seeded and shown at work.

Example::

    asyncio.run(run_demo(resolve().direct_url))
"""

from __future__ import annotations

import sys

import asyncpg

from postsql.seed import DemoSizes, seed_base, seed_demo
from postsql.urls import database_name

__all__ = ["TABLES", "demo_sizes", "run_demo", "run_seed", "table_counts"]

TABLES = (
    "roles",
    "users",
    "user_profiles",
    "categories",
    "tags",
    "posts",
    "post_categories",
    "post_tags",
    "comments",
)


def demo_sizes(scale: int) -> DemoSizes:
    """The demo's sizes; ``scale`` multiplies users, posts and comments."""
    return DemoSizes(
        users=25 * scale,
        posts=200 * scale,
        comments=1000 * scale,
        categories=8,
        tags=24,
    )


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Row count of each blog table."""
    counts: dict[str, int] = {}
    for table in TABLES:
        counts[table] = int(await conn.fetchval(f'SELECT count(*) FROM "{table}"'))  # noqa: S608
    return counts


async def run_seed(url: str, *, demo: bool, scale: int = 1, seed: int = 42) -> None:
    """Seed roles and the admin user; with ``demo``, demo data too (skipped when present)."""
    conn = await asyncpg.connect(url)
    try:
        base = await seed_base(conn)
        print(f"seeded base data: {base}")
        if demo:
            if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM posts)"):
                print("demo data: posts already present, not generating more")
            else:
                report = await seed_demo(
                    conn, demo_sizes(scale), seed=seed, progress=sys.stderr.isatty()
                )
                print(f"seeded demo data: {report}")
    finally:
        await conn.close()


async def run_demo(url: str, *, scale: int = 1, seed: int = 42) -> None:
    """Seed (base and demo) and print what the database now holds."""
    await run_seed(url, demo=True, scale=scale, seed=seed)
    conn = await asyncpg.connect(url)
    try:
        counts = await table_counts(conn)
    finally:
        await conn.close()
    print(f"\ndatabase {database_name(url)!r}:")
    width = max(len(t) for t in counts)
    for table, count in counts.items():
        print(f"  {table:<{width}}  {count:>8,}")
