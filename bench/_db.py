"""The benchmark database: the migrated blog schema with generated demo data, built once, reused.

The server is the project's (``postsql.runtime.urls.resolve()``: ``DATABASE_URL`` or the embedded
PostgreSQL). The database is named after its sizes and seed, so a later run reuses it; ``--fresh``
on the benchmarks' command lines rebuilds it.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import asyncpg

from blog.demo_data import DemoSizes
from blog.seed import seed_demo
from postsql.migrations.migrator import Migrator
from postsql.runtime.urls import resolve, with_database
from postsql.testing import quote_ident

ROOT = Path(__file__).resolve().parent.parent
BENCH_SIZES = DemoSizes(users=2_000, posts=50_000, comments=200_000, categories=12, tags=60)

# A storage migration (SET STORAGE) changes only rows written after it: a database seeded before
# one is rewritten once, as a deployment would (VACUUM FULL), and marked with the layout it has.
LAYOUT = "20261207133859: posts.search_vector stored in the row (STORAGE MAIN)"


async def bench_database(
    sizes: DemoSizes = BENCH_SIZES, *, seed: int = 42, fresh: bool = False
) -> str:
    """URL of a database holding the schema and demo data for ``sizes``; built when missing."""
    server_url = resolve().direct_url
    name = f"postsql_bench_{sizes.posts}_{sizes.comments}_{seed}"
    admin = await asyncpg.connect(server_url)
    try:
        exists = await admin.fetchval("SELECT true FROM pg_database WHERE datname = $1", name)
        if exists and fresh:
            await admin.execute(f"DROP DATABASE {quote_ident(name)} WITH (FORCE)")
            exists = False
        if not exists:
            await admin.execute(f"CREATE DATABASE {quote_ident(name)}")
    finally:
        await admin.close()
    url = with_database(server_url, name)
    conn = await asyncpg.connect(url)
    try:
        ready = await conn.fetchval(
            "SELECT to_regclass('public.posts') IS NOT NULL"
            " AND EXISTS (SELECT FROM pg_class WHERE relname = 'bench_ready')"
        )
    finally:
        await conn.close()
    # Always migrate: a database built before a new migration gets it (dbmate applies pending).
    await asyncio.to_thread(
        Migrator(
            url=url,
            migrations_dir=ROOT / "sql" / "migrations",
            schema_file=ROOT / ".postsql" / "bench-schema.sql",
            dump=False,
        ).up
    )
    conn = await asyncpg.connect(url)
    try:
        if not ready:
            started = time.perf_counter()
            report = await seed_demo(conn, sizes, seed=seed)
            print(f"bench data: {dict(report.counts)} in {time.perf_counter() - started:.1f} s")
            await conn.execute("CREATE TABLE bench_ready ()")
            await _mark_layout(conn)
        elif await conn.fetchval("SELECT obj_description('bench_ready'::regclass)") != LAYOUT:
            started = time.perf_counter()
            await conn.execute("VACUUM FULL posts")
            await _mark_layout(conn)
            elapsed = time.perf_counter() - started
            print(f"bench data: posts rewritten for {LAYOUT} in {elapsed:.1f} s")
        # Settle the visibility map and statistics as a live system's autovacuum would.
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    return url


async def _mark_layout(conn: asyncpg.Connection) -> None:
    await conn.execute(f"COMMENT ON TABLE bench_ready IS '{LAYOUT}'")  # LAYOUT has no quote


async def rotating_medians(
    jobs: Sequence[Callable[[], Awaitable[object]]], rounds: int, *, warmup: int = 3
) -> list[float]:
    """Median wall seconds of each job, in order: every round runs each job once, the order
    rotating by one each round, so drift on a shared machine hits them all alike; ``warmup``
    unmeasured rounds first (prepared statements, validators)."""
    for _ in range(warmup):
        for job in jobs:
            await job()
    times: list[list[float]] = [[] for _ in jobs]
    for i in range(rounds):
        for k in range(len(jobs)):
            j = (i + k) % len(jobs)
            started = time.perf_counter()
            await jobs[j]()
            times[j].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


async def median_seconds(
    job: Callable[[], Awaitable[object]], *, repeat: int, warmup: int = 3
) -> float:
    """Median wall time of ``job`` over ``repeat`` runs, after ``warmup`` unmeasured runs."""
    for _ in range(warmup):
        await job()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await job()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
