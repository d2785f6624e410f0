"""What the runtime layer costs per call, next to a bare asyncpg pool.

Runs ``SELECT 1`` (registered as a named query, so the registry lookup and the record carry a
name) through a plain ``asyncpg`` pool and through :class:`Database` with no hooks, with its
default hooks (logging below its level, tracing without a provider) and with Prometheus metrics
added; one task and 50 tasks on a pool of 10. Reports the client's CPU time per call (what the
layer adds, stable on a busy machine) and the wall-clock time per call.

    .venv/bin/python bench/runtime_overhead.py [--calls 5000]

Uses ``DATABASE_URL`` or the embedded server (the URL rule). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncpg
from prometheus_client import CollectorRegistry

from postsql.ext.metrics import QueryMetrics
from postsql.runtime.database import Database
from postsql.runtime.executor import Executor, QueryInfo, init_connection
from postsql.runtime.registry import QueryRegistry
from postsql.runtime.settings import DatabaseSettings

SELECT_ONE = QueryInfo(
    name="select_one", file="bench/runtime_overhead.py", line=1, operation="select_value",
    sql="SELECT 1", read_only=True,
)  # fmt: skip


async def run(db: Executor, calls: int, tasks: int) -> tuple[float, float]:
    """Microseconds per call: client CPU time, wall clock."""
    per_task = calls // tasks

    async def worker() -> None:
        for _ in range(per_task):
            await db.fetchval(SELECT_ONE.sql)

    for _ in range(50):  # warm up: connections, statement cache
        await db.fetchval(SELECT_ONE.sql)
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    done = per_task * tasks
    return (time.process_time() - cpu) / done * 1e6, (time.perf_counter() - wall) / done * 1e6


async def main(calls: int, repeats: int) -> None:
    url = DatabaseSettings().target().url
    pool = await asyncpg.create_pool(url, min_size=10, max_size=10, init=init_connection)
    registry = QueryRegistry([SELECT_ONE])
    bare = Database(
        url=url, pool_min_size=10, registry=registry, log_queries=False, trace_queries=False
    )
    default = Database(url=url, pool_min_size=10, registry=registry)
    metered = Database(url=url, pool_min_size=10, registry=registry)
    QueryMetrics(CollectorRegistry()).attach(metered)
    contenders: dict[str, Executor] = {
        "asyncpg pool": pool,
        "Database, no hooks": bare,
        "Database, default hooks": default,
        "Database, default hooks + metrics": metered,
    }
    try:
        for db in (bare, default, metered):
            await db.connect()
        print("| tasks | " + " | ".join(contenders) + " |")
        print("|---|" + "---|" * len(contenders))
        for tasks in (1, 50):
            cells = []
            for executor in contenders.values():
                samples = [await run(executor, calls, tasks) for _ in range(repeats)]
                cpu = statistics.median(s[0] for s in samples)
                wall = statistics.median(s[1] for s in samples)
                cells.append(f"{cpu:.0f} µs CPU / {wall:.0f} µs")
            print(f"| {tasks} | " + " | ".join(cells) + " |")
    finally:
        await pool.close()
        for db in (bare, default, metered):
            await db.disconnect()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    asyncio.run(main(options.calls, options.repeats))
