"""The old ``IS NULL OR`` find_posts under a generic plan against the dynamic variant.

asyncpg prepares every statement; after five runs PostgreSQL may plan it generically, and a
generic plan of ``($1 IS NULL OR p.author_id = $1)`` has to serve NULL too, so it cannot use the
index on ``author_id``. The dynamic ``find_posts`` sends, for one author (or one tag), a statement
that only has that filter. Both run on the benchmark database (50,000 posts) with
``plan_cache_mode = force_generic_plan`` (what ``auto`` does after five runs is reported too),
for a selective filter: one author, then one tag. Prints both plans and the median latency.

Run: ``.venv/bin/python bench/dynamic_queries.py`` (``--fresh`` rebuilds the database).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database, median_seconds  # bench/ is not a package

from blog.generated.queries import posts
from postsql.codegen.loader import load_file
from postsql.runtime.executor import init_connection

OLD = load_file(Path(__file__).resolve().parent / "sql" / "old_find_posts.sql")[0]
REPEAT = 30


def _literal(value: object) -> str:
    return "NULL" if value is None else str(value)


async def _plan(conn: asyncpg.Connection, sql: str, args: list[object]) -> str:
    statement = await conn.prepare(sql)
    await statement.fetch(*args)
    rows = await conn.fetch(
        f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE {statement.get_name()}"
        f"({', '.join(_literal(a) for a in args)})"
    )
    return "\n".join(r[0] for r in rows)


async def _auto_switches(conn: asyncpg.Connection, sql: str, args: list[object]) -> bool:
    """Whether plan_cache_mode = auto has chosen a generic plan after ten runs."""
    await conn.execute("SET plan_cache_mode = auto")
    statement = await conn.prepare(sql)
    for _ in range(10):
        await statement.fetch(*args)
    generic = await conn.fetchval(
        "SELECT generic_plans > 0 FROM pg_prepared_statements WHERE name = $1",
        statement.get_name(),
    )
    await conn.execute("SET plan_cache_mode = force_generic_plan")
    return bool(generic)


async def compare(conn: asyncpg.Connection, given: str, value: int) -> None:
    old_args = {
        "status": None, "author_id": None, "category_id": None, "tag_id": None, "search": None,
        "limit": 20, "offset": 0, given: value,
    }  # fmt: skip
    old = [old_args[name] for name in OLD.params]
    variant = posts._FIND_POSTS_VARIANTS[((given,), "newest")]
    new_args = {"since": None, "until": None, "limit": 20, "offset": 0, given: value}
    new = [new_args[name] for name in variant.params]
    old_rows = await conn.fetch(OLD.sql, *old)
    new_rows = await conn.fetch(variant.sql, *new)
    if [r["id"] for r in old_rows] != [r["id"] for r in new_rows]:
        raise SystemExit(f"{given}: the old statement and the variant return different pages")
    old_statement = await conn.prepare(OLD.sql)
    new_statement = await conn.prepare(variant.sql)
    old_s = await median_seconds(lambda: old_statement.fetch(*old), repeat=REPEAT)
    new_s = await median_seconds(lambda: new_statement.fetch(*new), repeat=REPEAT)
    auto = await _auto_switches(conn, OLD.sql, old)
    print(f"\n## {given} = {value} ({len(new_rows)} rows on the page)\n")
    print(f"old IS NULL OR, generic plan: {old_s * 1000:.2f} ms (median of {REPEAT})")
    print(f"dynamic variant, generic plan: {new_s * 1000:.2f} ms (median of {REPEAT})")
    print(
        f"speed-up: {old_s / new_s:.1f}x; plan_cache_mode=auto went generic after 10 runs: {auto}"
    )
    print("\nold plan:\n" + await _plan(conn, OLD.sql, old))
    print("\ndynamic plan:\n" + await _plan(conn, variant.sql, new))


async def main() -> None:
    url = await bench_database(fresh="--fresh" in sys.argv)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        count = await conn.fetchval("SELECT count(*) FROM posts WHERE deleted_at IS NULL")
        print(f"# find_posts: IS NULL OR against dynamic variants ({count} live posts)")
        # A selective author and tag: the ones with the median number of live posts.
        author = await conn.fetchval(
            "SELECT author_id FROM posts WHERE deleted_at IS NULL GROUP BY author_id"
            " ORDER BY count(*), author_id OFFSET (SELECT count(DISTINCT author_id) / 2"
            " FROM posts) LIMIT 1"
        )
        tag = await conn.fetchval(
            "SELECT tag_id FROM post_tags GROUP BY tag_id"
            " ORDER BY count(*), tag_id OFFSET (SELECT count(DISTINCT tag_id) / 2"
            " FROM post_tags) LIMIT 1"
        )
        await compare(conn, "author_id", author)
        await compare(conn, "tag_id", tag)
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
