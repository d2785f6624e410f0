"""Which shipped query uses which index of ``posts``, on the benchmark database.

Every generated query that reads or writes ``posts`` is planned (``EXPLAIN``, nothing runs) with
sample arguments: once with every optional filter unset, then once per filter set alone (status,
author, category, tag, search, a keyset position). The report lists, per index of ``posts``, the
queries whose plans use it, and the indexes no plan uses (candidates to drop: each one costs
every INSERT and every non-HOT UPDATE of posts, such as a status change).

Run: ``.venv/bin/python bench/post_indexes.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database  # bench/ is not a package

from blog.generated import queries
from postsql.runtime.executor import QueryInfo, init_connection

FILTERS = ("status", "author_id", "category_id", "tag_id", "search", "after_created_at")


def shipped() -> Iterator[QueryInfo]:
    for module_name in queries.__all__:
        module = getattr(queries, module_name)
        for value in vars(module).values():
            if isinstance(value, QueryInfo) and "posts" in value.tables_read | value.tables_written:
                yield value


def indexes_in(plan: Any) -> set[str]:
    """Every index a plan names (a Bitmap Index Scan names no relation, only its index)."""
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(plan["Index Name"])
        for value in plan.values():
            found |= indexes_in(value)
    elif isinstance(plan, list):
        for value in plan:
            found |= indexes_in(value)
    return found


async def main() -> None:
    url = await bench_database()
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        post = await conn.fetchrow(
            "SELECT id, slug, author_id, created_at, published_at FROM posts"
            " WHERE deleted_at IS NULL AND status = 'PUBLISHED' ORDER BY id LIMIT 1 OFFSET 500"
        )
        sample: dict[str, object] = {
            "id": post["id"],
            "post_id": post["id"],
            "ids": [post["id"] + i for i in range(100)],
            "slug": post["slug"],
            "author_id": post["author_id"],
            "user_id": post["author_id"],
            "status": "PUBLISHED",
            "category_id": await conn.fetchval("SELECT min(id) FROM categories"),
            "tag_id": await conn.fetchval("SELECT min(id) FROM tags"),
            "tag_ids": [await conn.fetchval("SELECT min(id) FROM tags")],
            # A rarer word (in about 1 post of 100), as bench/repositories.py searches for.
            "search": await conn.fetchval(
                "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', content) FROM posts')"
                " WHERE length(word) > 5 ORDER BY abs(ndoc - 500), word LIMIT 1"
            ),
            "after_created_at": post["created_at"],
            "after_published_at": post["published_at"],
            "after_id": post["id"],
            "limit": 10,
            "offset": 0,
            "n": 10,
            "title": "A title",
            "content": "Some content",
            "excerpt": None,
        }
        names = [
            r["indexname"]
            for r in await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'posts' ORDER BY indexname"
            )
        ]
        users: dict[str, set[str]] = {name: set() for name in names}
        for query in shipped():
            variants = [("", {p: None for p in FILTERS if p in query.params})]
            variants += [
                (f" ({p})", {q: None for q in FILTERS if q in query.params and q != p})
                for p in FILTERS
                if p in query.params
            ]
            for label, unset in variants:
                args = [None if p in unset else sample.get(p) for p in query.params]
                if "after_created_at" in query.params and "after_created_at" in unset:
                    args[query.params.index("after_id")] = None
                plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {query.sql}", *args)
                for index in indexes_in(plan) & users.keys():
                    users[index].add(f"{query.name}{label}")
        for index, used_by in users.items():
            listed = ", ".join(sorted(used_by)) if used_by else "**no shipped query**"
            print(f"| `{index}` | {listed} |")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
