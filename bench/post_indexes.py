"""Which shipped query uses which index of ``posts``, on the benchmark database.

Every generated query that reads or writes ``posts`` is planned (``EXPLAIN``, nothing runs) with
sample arguments: a static one once with every optional filter unset, then once per filter set
alone (status, author, category, tag, search, a keyset position); a dynamic one once per variant
(each set of given filters and each order). The report lists, per index of ``posts``, the
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


def shipped() -> Iterator[tuple[str, QueryInfo, bool]]:
    """``(label, query, dynamic)`` for every generated statement that reads or writes posts.

    A dynamic query is its variants (``_NAME_VARIANTS``: one static statement per set of given
    filters and order), each labelled with what it was given; a static query once.
    """
    for module_name in queries.__all__:
        module = getattr(queries, module_name)
        for name, value in vars(module).items():
            if name.endswith("_VARIANTS") and isinstance(value, dict):
                for (given, order), info in value.items():
                    if "posts" in info.tables_read | info.tables_written:
                        yield f"{info.name} ({', '.join((*given, order))})", info, True
            elif name.isupper() and isinstance(value, QueryInfo):
                dynamic = f"_{name}_VARIANTS" in vars(module)
                if not dynamic and "posts" in value.tables_read | value.tables_written:
                    yield value.name, value, False


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


def summary(used_by: set[str], statements: dict[str, int]) -> str:
    """The queries among ``used_by`` labels, each with how many of its statements use the index
    and (for a dynamic query) the first two of them."""
    if not used_by:
        return "**no shipped query**"
    by_query: dict[str, list[str]] = {}
    for label in sorted(used_by):
        name, _, rest = label.partition(" (")
        by_query.setdefault(name, []).append(rest.rstrip(")"))
    parts = []
    for name, labels in by_query.items():
        if statements[name] == 1 or labels == [""]:
            parts.append(name)
            continue
        shown = "; ".join(label.rstrip(", ") or "no filter" for label in labels[:2])
        more = ", ..." if len(labels) > 2 else ""
        parts.append(f"{name} ({len(labels)} of {statements[name]}: {shown}{more})")
    return ", ".join(parts)


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
        statements: dict[str, int] = {}  # per query: the statements planned (variants, filters)
        for name, query, dynamic in shipped():
            # A static query: every optional filter unset, then each set alone. A dynamic
            # query's variant: the filters it was given set (since/until stay open).
            variants = [("", {p: None for p in FILTERS if p in query.params and not dynamic})]
            variants += [
                (f" ({p})", {q: None for q in FILTERS if q in query.params and q != p})
                for p in FILTERS
                if p in query.params and not dynamic
            ]
            for label, unset in variants:
                args = [None if p in unset else sample.get(p) for p in query.params]
                if "after_created_at" in query.params and "after_created_at" in unset:
                    args[query.params.index("after_id")] = None
                plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {query.sql}", *args)
                for index in indexes_in(plan) & users.keys():
                    users[index].add(f"{name}{label}")
                statements[query.name] = statements.get(query.name, 0) + 1
        for index, used_by in users.items():
            print(f"| `{index}` | {summary(used_by, statements)} |")
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
