"""What the insert models' CHECK validators cost, and what they save.

Measures, on the embedded server (or ``DATABASE_URL``):

1. ``PostInsert.model_validate`` of valid values, with the generated ``check_constraints``
   validator and without it (a subclass that turns it into a no-op);
2. refusing a bad slug in the model versus a round trip the database refuses
   (``INSERT`` → ``CheckViolationError`` → ``map_integrity_error``).

Run: ``.venv/bin/python bench/bench_integrity.py`` (migrates a scratch database, drops it after).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import ValidationError, model_validator

from blog.generated.models import PostInsert
from postsql.migrations.migrator import Migrator
from postsql.runtime.integrity import map_integrity_error
from postsql.runtime.urls import resolve, with_database

GOOD: dict[str, Any] = {"title": "A title", "content": "x" * 200, "slug": "a-title", "author_id": 1}
BAD = {**GOOD, "slug": "Not A Slug"}


class PostInsertUnchecked(PostInsert):
    @model_validator(mode="after")
    def check_constraints(self) -> PostInsertUnchecked:
        return self


def per_call(fn: Callable[[], object], n: int) -> float:
    """Median over 5 runs of the time per call, in microseconds."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(runs)


def refuse_in_model() -> None:
    try:
        PostInsert.model_validate(BAD)
    except ValidationError:
        return
    raise AssertionError("the model accepted a bad slug")


async def database_refusals(url: str, n: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        author = await conn.fetchval(
            "INSERT INTO users (email, name) VALUES ('b@x', 'B') RETURNING id"
        )
        sql = "INSERT INTO posts (title, content, slug, author_id) VALUES ($1, $2, $3, $4)"
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(n):
                try:
                    await conn.execute(sql, BAD["title"], BAD["content"], BAD["slug"], author)
                except asyncpg.CheckViolationError as exc:
                    map_integrity_error(exc)
            runs.append((time.perf_counter() - start) / n * 1e6)
        return statistics.median(runs)
    finally:
        await conn.close()


async def main() -> None:
    admin = resolve().direct_url
    name = f"postsql_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(admin, name)
        Migrator(url=url, schema_file=Path("/dev/null"), dump=False).up(create=True)
        checked = per_call(lambda: PostInsert.model_validate(GOOD), 20_000)
        unchecked = per_call(lambda: PostInsertUnchecked.model_validate(GOOD), 20_000)
        model_refusal = per_call(refuse_in_model, 20_000)
        db_refusal = await database_refusals(url, 500)
        print(f"PostInsert.model_validate, valid values:   {checked:8.2f} µs (with CHECK rules)")
        print(f"                               unchecked:  {unchecked:8.2f} µs")
        print(f"bad slug refused by the model:             {model_refusal:8.2f} µs")
        print(f"bad slug refused by the database (+ map):  {db_refusal:8.2f} µs")
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
