"""Client-side validation alone, on the same 1,000 records of ``list_comments_for_post``.

Compares what the generated functions do (``validate_rows``: dicts into ``BaseModel`` rows) with a
pydantic dataclass row validated from ``ArgsKwargs(tuple(record))`` (no dict), and the cost of
``AwareDatetime`` against plain ``datetime`` fields. It also measures the floor of any
``BaseModel`` row: pydantic-core building a model with the same field names from prebuilt
dicts, every field typed ``Any`` (no type check at all, no input to build), against the budget
the 1.5x target leaves (half of the raw fetch, measured in the same run). A probe for
docs/benchmarks.md, not a candidate implementation.

Run: ``.venv/bin/python bench/validation_probe.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import AwareDatetime, BaseModel, TypeAdapter, create_model
from pydantic.dataclasses import dataclass
from pydantic_core import ArgsKwargs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import bench_database  # bench/ is not a package

from blog.generated.queries import comments as cq
from postsql.runtime.executor import init_connection, validate_rows


@dataclass
class DataclassRow:
    id: int
    post_id: int
    author_id: int
    content: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    author_name: str
    author_avatar: str | None


class NaiveDatetimeRow(BaseModel):
    id: int
    post_id: int
    author_id: int
    content: str
    created_at: datetime
    updated_at: datetime
    author_name: str
    author_avatar: str | None


def median_ms(job: Callable[[], object], rounds: int) -> float:
    for _ in range(20):
        job()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def unchecked_twin(model: type[BaseModel]) -> TypeAdapter[list[BaseModel]]:
    """``list[...]`` of a model with ``model``'s field names, each typed ``Any`` (no check at all).

    A hand-built core schema with ``cls=model`` would not do: pydantic-core then validates with the
    class's own schema, so the twin is a class of its own.
    """
    fields: dict[str, Any] = dict.fromkeys(model.model_fields, (Any, ...))
    twin = create_model(f"Unchecked{model.__name__}", **fields)
    return TypeAdapter(list[twin])  # type: ignore[valid-type]


async def main(rounds: int) -> None:
    url = await bench_database(fresh=False)
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    try:
        post_id = await conn.fetchval(
            "SELECT post_id FROM comments WHERE deleted_at IS NULL"
            " GROUP BY post_id HAVING count(*) >= 1000 ORDER BY post_id LIMIT 1"
        )
        args = (cq.LIST_COMMENTS_FOR_POST.sql, post_id, None, 0, 1000)
        rows = await conn.fetch(*args)
        fetches = []
        for _ in range(rounds):
            started = time.perf_counter()
            await conn.fetch(*args)
            fetches.append(time.perf_counter() - started)
        raw_ms = statistics.median(fetches) * 1e3
    finally:
        await conn.close()
    names = tuple(rows[0].keys())
    dicts = [dict(zip(names, r)) for r in rows]  # noqa: B905 (one row description)
    models = TypeAdapter(list[cq.ListCommentsForPostRow])
    dataclasses = TypeAdapter(list[DataclassRow])
    naive_dt = TypeAdapter(list[NaiveDatetimeRow])
    floor = unchecked_twin(cq.ListCommentsForPostRow)
    jobs: dict[str, Callable[[], object]] = {
        "validate_rows (BaseModel, generated path)": lambda: validate_rows(models, rows),
        "pydantic dataclass from ArgsKwargs": lambda: dataclasses.validate_python(
            [ArgsKwargs(tuple(r)) for r in rows]
        ),
        "BaseModel on prebuilt dicts, AwareDatetime": lambda: models.validate_python(dicts),
        "BaseModel on prebuilt dicts, plain datetime": lambda: naive_dt.validate_python(dicts),
        "floor: BaseModel on prebuilt dicts, no checks": lambda: floor.validate_python(dicts),
        "building the dicts alone": lambda: [dict(zip(names, r)) for r in rows],  # noqa: B905 (one row description)
    }
    print(f"{len(rows)} records x {len(names)} columns, median of {rounds} rounds:")
    print(f"  {'raw conn.fetch (I/O and decoding)':<46} {raw_ms:7.3f} ms")
    print(f"  {'budget for the 1.5x target: raw / 2':<46} {raw_ms / 2:7.3f} ms")
    for label, job in jobs.items():
        print(f"  {label:<46} {median_ms(job, rounds):7.3f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    asyncio.run(main(parser.parse_args().rounds))
