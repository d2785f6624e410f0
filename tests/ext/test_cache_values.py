"""Cached values against a fake executor: every type a row can hold comes back from the memory
and the Redis backend as the query gave it, or is not cached; keys that must not collide; the
LRU bound under many keys; Redis dropping out in the middle of a run."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import AwareDatetime, BaseModel

from ext.test_cache import REDIS_URL, Record, redis_backend
from postsql.ext.cache import MemoryBackend, QueryCache, RedisBackend
from postsql.runtime.executor import Executor, Numeric, QueryInfo


class Mood(enum.StrEnum):
    HAPPY = "happy"
    SAD = "sad"


class Author(BaseModel):
    id: int
    name: str


class RichRow(BaseModel):
    amount: Numeric
    ratio: float
    maybe_ratio: float | None
    at: AwareDatetime
    day: date
    span: timedelta
    id: uuid.UUID
    mood: Mood
    author: Author
    scores: list[int | None]
    note: str | None
    blob: bytes
    doc: dict[str, Any]


LIST_RICH = QueryInfo(
    name="list_rich",
    file="sql/queries/rich.sql",
    line=1,
    operation="select",
    sql="SELECT * FROM rich WHERE key = $1;",
    params=("key",),
    tables_read=frozenset({"rich"}),
    read_only=True,
    cache_ttl=60.0,
)
FIND_BY_VALUE = QueryInfo(
    name="find_by_value",
    file="sql/queries/rich.sql",
    line=5,
    operation="select_value",
    sql="SELECT $1::text;",
    params=("value",),
    tables_read=frozenset({"rich"}),
    read_only=True,
    cache_ttl=60.0,
)
FIND_OTHER_BY_VALUE = QueryInfo(
    name="find_other_by_value",
    file="sql/queries/rich.sql",
    line=9,
    operation="select_value",
    sql="SELECT 'other:' || $1::text;",
    params=("value",),
    tables_read=frozenset({"rich"}),
    read_only=True,
    cache_ttl=60.0,
)


def rich(**changes: object) -> RichRow:
    values: dict[str, object] = {
        "amount": Decimal("-1234.500"),
        "ratio": 0.1,
        "maybe_ratio": None,
        "at": datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=5))),
        "day": date(2026, 2, 28),
        "span": timedelta(days=1, microseconds=7),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "mood": Mood.SAD,
        "author": Author(id=2**62, name="Zoë \u2028 «x»"),
        "scores": [1, None, -3],
        "note": None,
        "blob": b"plain bytes",
        "doc": {"nested": [1, 2.5, None, {"k": "v"}], "big": 2**60},
    }
    values.update(changes)
    return RichRow.model_validate(values)


class RowsDb:
    """An Executor answering ``fetch`` with ``rows[key]`` and counting calls."""

    def __init__(self, rows: dict[str, list[RichRow]] | None = None) -> None:
        self.rows = rows or {}
        self.calls = 0

    async def execute(self, query: str, *args: object) -> str:
        return "SELECT 0"

    async def executemany(self, command: str, args: object) -> None:
        return None

    async def fetch(self, query: str, *args: object) -> list[Any]:
        self.calls += 1
        return list(self.rows[str(args[0])])

    async def fetchrow(self, query: str, *args: object) -> Any:
        return None

    async def fetchval(self, query: str, *args: object, column: int = 0) -> Any:
        self.calls += 1
        return f"{query}|{type(args[0]).__name__}:{args[0]!r}"


async def list_rich(db: Executor, /, *, key: str) -> list[RichRow]:
    return [RichRow.model_validate(r) for r in await db.fetch(LIST_RICH.sql, key)]


async def find_by_value(db: Executor, /, *, value: object) -> str:
    return str(await db.fetchval(FIND_BY_VALUE.sql, value))


async def find_other_by_value(db: Executor, /, *, value: object) -> str:
    return str(await db.fetchval(FIND_OTHER_BY_VALUE.sql, value))


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[QueryCache]:
    made = QueryCache() if request.param == "memory" else QueryCache(await redis_backend())
    try:
        yield made
    finally:
        await made.clear()
        await made.aclose()


def same_row(a: RichRow, b: RichRow) -> None:
    """Field by field, with the exact type and (for Decimal) the exact digits."""
    for name in RichRow.model_fields:
        x, y = getattr(a, name), getattr(b, name)
        assert type(x) is type(y), name
        if isinstance(x, Decimal):
            assert str(x) == str(y), name
        elif isinstance(x, float) and math.isnan(x):
            assert math.isnan(y), name
        else:
            assert x == y, name


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"amount": Decimal("NaN")},
        {"amount": Decimal("Infinity"), "maybe_ratio": -0.0},
        {"amount": Decimal("-Infinity"), "note": ""},
        {"blob": b"", "scores": [], "doc": {}},
        {"at": datetime(1, 1, 1, tzinfo=UTC), "blob": "é".encode()},
    ],
    ids=["plain", "numeric-nan", "numeric-inf", "numeric-minus-inf", "empties", "edges"],
)
async def test_every_storable_type_comes_back_from_a_hit_exactly(
    cache: QueryCache, changes: dict[str, object]
) -> None:
    row = rich(**changes)
    db = RowsDb({"k": [row, rich(note="second")]})
    first = await cache.call(list_rich, db, key="k")
    hit = await cache.call(list_rich, db, key="k")
    assert db.calls == 1
    assert len(hit) == 2
    same_row(hit[0], row)
    same_row(hit[1], first[1])
    assert isinstance(hit[0].author, Author)
    assert hit[0].at.utcoffset() == row.at.utcoffset()


@pytest.mark.parametrize(
    "changes",
    [
        {"ratio": math.nan},
        {"ratio": math.inf},
        {"maybe_ratio": -math.inf},
        {"maybe_ratio": math.nan},
    ],
    ids=["nan", "inf", "nullable-minus-inf", "nullable-nan"],
)
async def test_a_float_nan_or_infinity_comes_back_from_a_hit_as_itself(
    cache: QueryCache, changes: dict[str, object]
) -> None:
    row = rich(**changes)
    db = RowsDb({"k": [row]})
    await cache.call(list_rich, db, key="k")
    (hit,) = await cache.call(list_rich, db, key="k")
    assert db.calls == 1
    same_row(hit, row)


async def test_bytes_that_are_not_utf8_are_returned_exactly_and_not_cached(
    cache: QueryCache, caplog: pytest.LogCaptureFixture
) -> None:
    row = rich(blob=b"\xff\xfe not utf-8")
    db = RowsDb({"k": [row]})
    with caplog.at_level(logging.WARNING, logger="postsql.ext.cache"):
        for _ in range(3):
            (got,) = await cache.call(list_rich, db, key="k")
            same_row(got, row)
    assert db.calls == 3
    warnings = [r.getMessage() for r in caplog.records if "not cached" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("sql/queries/rich.sql:1: list_rich: result not cached")


@pytest.mark.parametrize(
    ("one", "other"),
    [(1, "1"), (True, 1), (False, 0), (None, "None"), (1, 1.0), ("a,b", ["a", "b"])],
)
async def test_parameters_that_print_alike_are_different_keys(
    cache: QueryCache, one: object, other: object
) -> None:
    db = RowsDb()
    a = await cache.call(find_by_value, db, value=one)
    b = await cache.call(find_by_value, db, value=other)
    assert db.calls == 2
    assert a != b
    assert await cache.call(find_by_value, db, value=one) == a
    assert await cache.call(find_by_value, db, value=other) == b
    assert db.calls == 2


async def test_two_queries_with_the_same_parameters_are_different_keys(cache: QueryCache) -> None:
    db = RowsDb()
    a = await cache.call(find_by_value, db, value="x")
    b = await cache.call(find_other_by_value, db, value="x")
    assert (db.calls, a != b) == (2, True)
    assert await cache.call(find_other_by_value, db, value="x") == b


async def test_the_memory_lru_stays_within_its_bound_under_many_keys() -> None:
    backend = MemoryBackend(max_entries=50)
    cache = QueryCache(backend)
    db = RowsDb()
    for i in range(2_000):
        await cache.call(find_by_value, db, value=i)
        assert len(backend) <= 50
    assert sum(len(keys) for keys in backend._by_table.values()) == 50
    await cache.call(find_by_value, db, value=1_999)  # the newest is still there
    await cache.call(find_by_value, db, value=0)  # the oldest is long gone
    assert db.calls == 2_001


class Proxy:
    """A TCP relay to Redis that the test can cut, as a Redis outage mid-run looks."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.streams: list[asyncio.StreamWriter] = []

    async def start(self, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", port)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", 6379)
        self.streams += [writer, up_writer]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for stream in self.streams:
            stream.close()
        self.streams.clear()
        await self.server.wait_closed()


async def test_redis_going_down_mid_run_falls_through_and_recovers_when_it_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    await (await redis_backend()).aclose()  # skips when no Redis answers
    proxy = Proxy()
    port = await proxy.start()
    backend = RedisBackend(
        f"redis://127.0.0.1:{port}/15", prefix=f"postsql-test:{uuid.uuid4().hex}:",
        socket_timeout=0.5,
    )  # fmt: skip
    cache = QueryCache(backend)
    db = RowsDb({"k": [rich()]})
    try:
        await cache.call(list_rich, db, key="k")
        await cache.call(list_rich, db, key="k")
        assert db.calls == 1
        await proxy.cut()
        with caplog.at_level(logging.WARNING, logger="postsql.ext.cache"):
            (row,) = await cache.call(list_rich, db, key="k")
            same_row(row, rich())
            cache.on_query(Record(tables_written=frozenset({"rich"})))
            await cache.flush()
        assert db.calls == 2
        assert cache.stats.bypassed == 1
        assert "querying the database directly" in caplog.text
        assert "failed to invalidate rich" in caplog.text
        await proxy.start(port)
        await cache.call(list_rich, db, key="k")
        await cache.call(list_rich, db, key="k")
        assert db.calls == 3  # served from Redis again once it answers
    finally:
        await proxy.cut()
        direct = RedisBackend(REDIS_URL, prefix=backend.prefix)
        await direct.clear()
        await direct.aclose()
        await cache.aclose()
