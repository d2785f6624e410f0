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
and the ratio of each pair, twice: wall time, and the CPU time of the server process that ran
the write (``/proc/<pid>/schedstat``: what the write cost the database, which other processes on
a shared machine disturb far less than wall time; shown when the server runs on this machine).

Run: ``.venv/bin/python bench/audited_writes.py [--rounds N]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database  # bench/ is not a package

from blog.generated.models import CommentInsert
from blog.repositories import CommentRepository, PostRepository
from postsql.runtime.executor import init_connection

Job = Callable[[asyncpg.Connection], Awaitable[object]]
BULK_ROWS = 10_000


class Sample(NamedTuple):
    wall: float
    server_cpu: float  # NaN when the server's process cannot be read


def server_cpu(pid: int | None) -> float:
    """Seconds of CPU the server process ``pid`` has run (``/proc/<pid>/schedstat``), or NaN."""
    if pid is None:
        return math.nan
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return math.nan


async def rolled_back(conn: asyncpg.Connection, job: Job, pid: int | None = None) -> Sample:
    """Wall and server CPU seconds ``job`` took inside a transaction that is then rolled back."""
    tx = conn.transaction()
    await tx.start()
    try:
        cpu = server_cpu(pid)
        started = time.perf_counter()
        await job(conn)
        return Sample(time.perf_counter() - started, server_cpu(pid) - cpu)
    finally:
        await tx.rollback()


def medians(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.server_cpu for s in samples),
    )


async def set_trigger(conn: asyncpg.Connection, table: str, trigger: str, *, on: bool) -> None:
    verb = "ENABLE" if on else "DISABLE"
    await conn.execute(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"')


async def audit_pair(
    conn: asyncpg.Connection, table: str, trigger: str, job: Job, rounds: int, block: int
) -> tuple[Sample, Sample]:
    """Medians of ``job`` with ``trigger`` enabled and disabled, alternating blocks."""
    pid = await backend_pid(conn)
    on: list[Sample] = []
    off: list[Sample] = []
    try:
        for i in range(rounds):
            for enabled in (True, False) if i % 2 == 0 else (False, True):
                await set_trigger(conn, table, trigger, on=enabled)
                await rolled_back(conn, job)  # re-plans after the ALTER: not measured
                sink = on if enabled else off
                for _ in range(block):
                    sink.append(await rolled_back(conn, job, pid))
            if i % 4 == 3:  # rolled-back writes leave dead rows and index entries behind
                await conn.execute(f"VACUUM {table}, audit_log")
    finally:
        await set_trigger(conn, table, trigger, on=True)
    return medians(on), medians(off)


async def backend_pid(conn: asyncpg.Connection) -> int | None:
    """The pid of ``conn``'s server process when it runs on this machine, else None."""
    pid = int(await conn.fetchval("SELECT pg_backend_pid()"))
    return pid if not math.isnan(server_cpu(pid)) else None


async def copy_pair(
    conn: asyncpg.Connection, posts: list[int], authors: list[int], rounds: int
) -> tuple[Sample, Sample]:
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

    a: list[Sample] = []
    b: list[Sample] = []
    for job in (raw, ours):
        await rolled_back(conn, job)
    for i in range(rounds):
        for job, sink in ((raw, a), (ours, b)) if i % 2 == 0 else ((ours, b), (raw, a)):
            sink.append(await rolled_back(conn, job))
        if i % 4 == 3:
            await conn.execute("VACUUM comments, audit_log")
    return medians(a), medians(b)


def header(label: str, a: str, b: str) -> None:
    print(f"{label:<36} {a:>10} {b:>10}  ratio | server CPU: {a:>10} {b:>10}  ratio")


def line(label: str, a: Sample, b: Sample, *, flip: bool = False) -> None:
    """One row of the report: two medians and their ratio, in wall time and server CPU."""
    cells = []
    for x, y in ((a.wall, b.wall), (a.server_cpu, b.server_cpu)):
        if math.isnan(x) or math.isnan(y):
            cells.append(f"{'-':>10} {'-':>10}  {'-':>5}")
            continue
        ratio = y / x if flip else x / y
        cells.append(f"{x * 1e3:7.2f} ms {y * 1e3:7.2f} ms  {ratio:5.2f}x")
    print(f"{label:<36} {cells[0]} | {'':>11} {cells[1]}", flush=True)


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

        header("write", "audit on", "audit off")
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
        header(f"COPY {BULK_ROWS:,} comments, audited", "asyncpg", "postsql")
        line("copy_records_to_table vs validate + COPY", raw, ours, flip=True)
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.fresh))
