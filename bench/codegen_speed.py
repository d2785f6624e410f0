"""Generated query functions against raw asyncpg on the same prepared statement, same run.

``list_comments_for_post`` returns 8 mixed columns (3 bigint, 2 timestamptz, 3 text, one of them
nullable). Each round runs every variant once, in rotating order, so drift on a shared machine hits
all of them alike; the report gives the median per variant and its ratio to raw.

Variants: ``raw`` is ``conn.fetch`` / ``conn.fetchrow`` (asyncpg Records, no validation);
``generated`` is the generated function (pydantic models; this query's columns are all
wire-exact, so its rows are built without validating them again); ``strict`` the same in strict
mode (``set_strict_rows(True)``: every row validated, as before); ``naive`` is
``[Model.model_validate(dict(r)) for r in rows]``.

Run: ``.venv/bin/python bench/codegen_speed.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import subprocess
import sys
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import ROOT, bench_database, rotating_medians  # bench/ is not a package

from blog.generated.queries import comments as cq
from postsql.runtime.executor import init_connection, set_strict_rows


async def main(rounds: int, fresh: bool) -> None:
    url = await bench_database(fresh=fresh)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        post_id = await conn.fetchval(
            "SELECT post_id FROM comments WHERE deleted_at IS NULL"
            " GROUP BY post_id HAVING count(*) >= 1000 ORDER BY post_id LIMIT 1"
        )
        sql = cq.LIST_COMMENTS_FOR_POST.sql
        model = cq.ListCommentsForPostRow
        print(f"rounds per variant: {rounds}; the 1000-row post: {post_id}\n")
        for limit in (1, 1000):

            async def raw(limit: int = limit) -> object:
                return await conn.fetch(sql, post_id, None, 0, limit)

            async def generated(limit: int = limit) -> object:
                return await cq.list_comments_for_post(
                    conn, post_id=post_id, after_created_at=None, after_id=0, limit=limit
                )

            async def strict(limit: int = limit) -> object:
                # Strict mode: every row validated, as every generated function did before.
                set_strict_rows(True)
                try:
                    return await generated(limit)
                finally:
                    set_strict_rows(False)

            async def naive(limit: int = limit) -> object:
                rows = await conn.fetch(sql, post_id, None, 0, limit)
                return [model.model_validate(dict(r)) for r in rows]

            got = await generated()
            if not isinstance(got, list) or len(got) != limit:
                raise SystemExit(f"expected {limit} rows from the generated function")
            jobs = {"raw": raw, "generated": generated, "strict": strict, "naive": naive}
            medians = await rotating_medians(
                list(jobs.values()), rounds if limit > 1 else rounds * 4, warmup=5
            )
            result = dict(zip(jobs, medians, strict=True))
            print(f"{limit} row(s), 8 columns:")
            for name, seconds in result.items():
                ratio = seconds / result["raw"]
                print(f"  {name:<10} {seconds * 1e3:8.3f} ms   {ratio:5.2f}x raw")
            print()
    finally:
        await conn.close()


def time_codegen() -> None:
    """Wall time of a whole ``scripts/codegen.py --check`` run (scratch database included)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "scripts/codegen.py", "--check"], cwd=ROOT, check=True, capture_output=True
    )
    print(
        f"scripts/codegen.py --check (whole project, scratch database): "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after imports, as a long-running service may do after start-up",
    )
    args = parser.parse_args()
    if args.gc_freeze:
        gc.freeze()
    asyncio.run(main(args.rounds, args.fresh))
    time_codegen()
