"""What the runtime layer costs per call, next to a bare asyncpg pool.

Runs a 1-row generated query (``list_comments_for_post`` with ``limit=1``: 8 columns) on the
benchmark database through a plain ``asyncpg`` pool and through :class:`Database` with no hooks,
with its default settings (the logging hook; the tracing hook only once a tracer provider is set,
and none is here) and with Prometheus metrics added; then ``PostRepository.find_post_by_slug``
against the generated ``find_post_by_slug`` it calls, both through the default ``Database``. One
task and 50 tasks on pools of 10. Every round runs each contender once, in a rotating order, so
drift on a shared machine hits all alike; cells are medians over the rounds of the client's CPU
time per call (what the layer adds, steady on a busy machine) and of the wall-clock time per call.

    .venv/bin/python bench/runtime_overhead.py [--calls 2000] [--rounds 7]

Results: docs/benchmarks.md.
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
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database  # bench/ is not a package

from blog.generated.queries import comments as cq
from blog.generated.queries import posts as pq
from blog.repositories import PostRepository
from postsql.ext.metrics import QueryMetrics
from postsql.runtime.database import Database
from postsql.runtime.executor import Executor, init_connection
from postsql.runtime.pagination import CursorCodec

Call = Callable[[], Awaitable[object]]


async def run(call: Call, calls: int, tasks: int) -> tuple[float, float]:
    """Microseconds per call: client CPU time, wall clock."""
    per_task = calls // tasks

    async def worker() -> None:
        for _ in range(per_task):
            await call()

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    done = per_task * tasks
    return (time.process_time() - cpu) / done * 1e6, (time.perf_counter() - wall) / done * 1e6


async def interleaved(
    contenders: dict[str, Call], calls: int, tasks: int, rounds: int
) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) µs per call of each contender over ``rounds`` rotating rounds."""
    names = list(contenders)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for name in names:  # warm up: connections, statement caches, validators
        await run(contenders[name], 200, tasks)
    for i in range(rounds):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            samples[name].append(await run(contenders[name], calls, tasks))
    return {
        name: (statistics.median(s[0] for s in got), statistics.median(s[1] for s in got))
        for name, got in samples.items()
    }


async def main(calls: int, rounds: int) -> None:
    url = await bench_database()
    pool = await asyncpg.create_pool(url, min_size=10, max_size=10, init=init_connection)
    bare = Database(url=url, pool_min_size=10, log_queries=False, trace_queries=False)
    default = Database(url=url, pool_min_size=10)
    metered = Database(url=url, pool_min_size=10)
    QueryMetrics(CollectorRegistry()).attach(metered)
    databases = (bare, default, metered)
    try:
        for db in databases:
            await db.connect()
        post_id = await pool.fetchval(
            "SELECT post_id FROM comments WHERE deleted_at IS NULL"
            " GROUP BY post_id HAVING count(*) >= 2 ORDER BY post_id LIMIT 1"
        )

        def generated(executor: Executor) -> Call:
            return lambda: cq.list_comments_for_post(
                executor, post_id=post_id, after_created_at=None, after_id=0, limit=1
            )

        contenders: dict[str, Call] = {
            "asyncpg pool": generated(pool),
            "Database, no hooks": generated(bare),
            "Database, default settings": generated(default),
            "Database, default + metrics": generated(metered),
        }
        print(f"{calls} calls per round, {rounds} rounds; medians of µs per call\n")
        print("| tasks | " + " | ".join(contenders) + " |")
        print("|---|" + "---|" * len(contenders))
        for tasks in (1, 50):
            result = await interleaved(contenders, calls, tasks, rounds)
            base_cpu, base_wall = result["asyncpg pool"]
            cells = [
                f"{cpu:.0f} CPU ({cpu / base_cpu:.2f}x) / {wall:.0f} ({wall / base_wall:.2f}x)"
                for cpu, wall in result.values()
            ]
            print(f"| {tasks} | " + " | ".join(cells) + " |", flush=True)

        # The repository over the generated function: the example, a post in full.
        slug = await pool.fetchval(
            "SELECT p.slug FROM posts AS p JOIN comments AS c ON c.post_id = p.id"
            " WHERE p.deleted_at IS NULL GROUP BY p.id HAVING count(*) BETWEEN 20 AND 25"
            " ORDER BY p.id LIMIT 1"
        )
        posts = PostRepository(default, cursors=CursorCodec(key=b"bench-cursor-key-0123"))
        result = await interleaved(
            {
                "generated": lambda: pq.find_post_by_slug(default, slug=slug),
                "repository": lambda: posts.find_post_by_slug(slug),
            },
            max(100, calls // 5),
            1,
            rounds,
        )
        (gen_cpu, gen_wall), (repo_cpu, repo_wall) = result.values()
        print(
            f"\nfind_post_by_slug through the default Database, 1 task: generated function "
            f"{gen_cpu:.0f} µs CPU / {gen_wall:.0f} µs, repository {repo_cpu:.0f} µs CPU "
            f"({repo_cpu / gen_cpu:.2f}x) / {repo_wall:.0f} µs ({repo_wall / gen_wall:.2f}x)"
        )
    finally:
        await pool.close()
        for db in databases:
            await db.disconnect()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    asyncio.run(main(options.calls, options.rounds))
