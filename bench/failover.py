"""Writes in flight through three kinds of failover, on a real pg_auto_failover cluster.

200 concurrent tasks insert unique rows through one ``Database`` (pool of 10) on the cluster's
multi-host URL while the cluster (i) performs a planned switchover, (ii) loses its primary's
postgres to SIGKILL, (iii) loses its primary node for 10 s. Each round prints one markdown row:
acknowledged writes missing afterwards, writes that raised yet were stored (outcome unknown),
duplicates, hung writes, and how long writes failed. See ``tests/runtime/failover_load.py`` for
the definitions and docs/benchmarks.md for the figures.

Usage (as root, or with pg_auto_failover installed)::

    .venv/bin/python bench/failover.py [--rounds 3] [--tasks 200] [--pool 10]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from runtime.failover_cluster import FailoverCluster, Unavailable
from runtime.failover_load import HEADER, run_scenario


def scenarios(cluster: FailoverCluster, outage: float) -> list[tuple[str, Callable[[], object]]]:
    def stop_primary_node() -> None:
        node = cluster.primary()
        cluster.stop_node(node)
        time.sleep(outage)
        cluster.start_node(node)

    return [
        ("planned switchover", cluster.switchover),
        ("SIGKILL of the primary's postgres", cluster.kill_primary_postgres),
        (f"primary node stopped {outage:g} s", stop_primary_node),
    ]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--pool", type=int, default=10)
    parser.add_argument("--outage", type=float, default=10.0)
    args = parser.parse_args()
    try:
        cluster = await asyncio.to_thread(FailoverCluster.start)
    except Unavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        print(f"{args.tasks} writers, pool of {args.pool}; {platform.platform()}")
        print(HEADER, flush=True)
        for _ in range(args.rounds):
            for name, disrupt in scenarios(cluster, args.outage):
                figures = await run_scenario(
                    cluster, name, disrupt, tasks=args.tasks, pool_size=args.pool
                )
                print(figures.row(), flush=True)
    finally:
        await asyncio.to_thread(cluster.destroy)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
