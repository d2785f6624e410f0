"""What auditing costs a write, and the public COPY path against asyncpg's, in one run.

On the benchmark database (``_db.BENCH_SIZES``), every write in a transaction that is rolled back:

- ``bulk_update_status`` of 100 live posts through ``PostRepository``, with the audit trigger of
  posts enabled and with it disabled;
- a COPY of 10,000 comments through ``CommentRepository.bulk_insert_comments``, audit on and off;
- a one-row UPDATE of a post's title, audit on and off;
- the same 10,000 comments through ``asyncpg``'s ``copy_records_to_table`` (tuples, no models),
  against postsql's path with the insert models validated from plain dicts (as a service receives
  them) counted in.

Audit on and off alternate in blocks (a trigger is enabled or disabled by a committed ``ALTER
TABLE`` between blocks, with one unmeasured call after each switch); the report gives medians
and the ratio of each pair. ``--explain`` also prints which of posts' indexes each shipped query
touches (see docs/benchmarks.md).

Run: ``.venv/bin/python bench/audited_writes.py [--rounds N]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database  # bench/ is not a package

from blog.generated.models import CommentInsert
from blog.repositories import CommentRepository, PostRepository
from postsql.runtime.executor import init_connection

Job = Callable[[asyncpg.Connection], Awaitable[object]]
BULK_ROWS = 10_000


class _Rollback(Exception):
    pass


async def rolled_back(conn: asyncpg.Connection, job: Job) -> float:
    """Seconds ``job`` took inside a transaction that is then rolled back."""
    tx = conn.transaction()
    await tx.start()
    try:
        started = time.perf_counter()
        await job(conn)
        return time.perf_counter() - started
    finally:
        await tx.rollback()


async def set_trigger(conn: asyncpg.Connection, table: str, trigger: str, *, on: bool) -> None:
    verb = "ENABLE" if on else "DISABLE"
    await conn.execute(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"')


async def audit_pair(
    conn: asyncpg.Connection, table: str, trigger: str, job: Job, rounds: int, block: int
) -> tuple[float, float]:
    """Median seconds of ``job`` with ``trigger`` enabled and disabled, alternating blocks."""
    on: list[float] = []
    off: list[float] = []
    try:
        for i in range(rounds):
            for enabled in (True, False) if i % 2 == 0 else (False, True):
                await set_trigger(conn, table, trigger, on=enabled)
                await rolled_back(conn, job)  # re-plans after the ALTER: not measured
                sink = on if enabled else off
                for _ in range(block):
                    sink.append(await rolled_back(conn, job))
            if i % 4 == 3:  # rolled-back writes leave dead rows and index entries behind
                await conn.execute(f"VACUUM {table}")
    finally:
        await set_trigger(conn, table, trigger, on=True)
    return statistics.median(on), statistics.median(off)


async def copy_pair(
    conn: asyncpg.Connection, posts: list[int], authors: list[int], rounds: int
) -> tuple[float, float]:
    """Median seconds: asyncpg's copy_records_to_table, postsql's COPY with model validation."""
    dicts = [
        {
            "post_id": posts[i % len(posts)],
            "author_id": authors[i % len(authors)],
            "content": f"c{i}",
        }
        for i in range(BULK_ROWS)
    ]
    columns = ("post_id", "author_id", "content")
    records = [tuple(d[c] for c in columns) for d in dicts]

    async def raw(c: asyncpg.Connection) -> object:
        return await c.copy_records_to_table("comments", records=records, columns=columns)

    async def ours(c: asyncpg.Connection) -> object:
        rows = [CommentInsert.model_validate(d) for d in dicts]
        return await CommentRepository(c).bulk_insert_comments(rows)

    a: list[float] = []
    b: list[float] = []
    for job in (raw, ours):
        await rolled_back(conn, job)
    for i in range(rounds):
        for job, sink in ((raw, a), (ours, b)) if i % 2 == 0 else ((ours, b), (raw, a)):
            sink.append(await rolled_back(conn, job))
        if i % 4 == 3:
            await conn.execute("VACUUM comments")
    return statistics.median(a), statistics.median(b)


def line(label: str, a: float | str, b: float | str, *, flip: bool = False) -> None:
    """One row of the report: two medians (or two headings) and their ratio."""
    if isinstance(a, str) or isinstance(b, str):
        print(f"{label:<44} {a:>10} {b:>10}  ratio")
        return
    ratio = b / a if flip else a / b
    print(f"{label:<44} {a * 1e3:7.2f} ms {b * 1e3:7.2f} ms  {ratio:5.2f}x", flush=True)


async def main(rounds: int, fresh: bool) -> None:
    url = await bench_database(fresh=fresh)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM posts WHERE deleted_at IS NULL AND status <> 'ARCHIVED'"
                " ORDER BY id LIMIT 100"
            )
        ]
        posts = [r["id"] for r in await conn.fetch("SELECT id FROM posts ORDER BY id LIMIT 100")]
        authors = [r["id"] for r in await conn.fetch("SELECT id FROM users ORDER BY id LIMIT 50")]
        rows = [
            CommentInsert(
                post_id=posts[i % len(posts)],
                author_id=authors[i % len(authors)],
                content=f"c{i}",
            )
            for i in range(BULK_ROWS)
        ]

        async def bulk_status(c: asyncpg.Connection) -> object:
            changed = await PostRepository(c).bulk_update_status(ids, "ARCHIVED")
            if changed != len(ids):
                raise SystemExit(f"bulk_update_status changed {changed} posts, not {len(ids)}")
            return changed

        async def bulk_copy(c: asyncpg.Connection) -> object:
            return await CommentRepository(c).bulk_insert_comments(rows)

        line("write", "audit on", "audit off")
        on, off = await audit_pair(conn, "posts", "posts_audit_update", bulk_status, rounds, 5)
        line("bulk_update_status, 100 posts", on, off)
        on, off = await audit_pair(
            conn, "comments", "comments_audit_insert", bulk_copy, max(3, rounds // 2), 2
        )
        line(f"COPY {BULK_ROWS:,} comments", on, off)

        async def one_post(c: asyncpg.Connection) -> object:
            return await c.execute("UPDATE posts SET title = title || '!' WHERE id = $1", ids[0])

        on, off = await audit_pair(conn, "posts", "posts_audit_update", one_post, rounds, 20)
        line("UPDATE of 1 post", on, off)
        raw, ours = await copy_pair(conn, posts, authors, max(5, rounds))
        print()
        line(f"COPY {BULK_ROWS:,} comments, audited", "asyncpg", "postsql")
        line("copy_records_to_table vs validate + COPY", raw, ours, flip=True)
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.fresh))
