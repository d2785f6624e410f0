"""The query cache with a fake executor: hits, TTL, invalidation, single flight, both backends.

The query function here is shaped like a generated one (a ``QueryInfo`` constant beside it, the
return type as the model), so the cache treats it exactly like ``blog.generated`` code.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import AwareDatetime, BaseModel

from postsql.errors import CacheError, ConfigurationError
from postsql.ext.cache import MemoryBackend, QueryCache, RedisBackend
from postsql.runtime.executor import Executor, QueryInfo

REDIS_URL = "redis://127.0.0.1:6379/15"


class ThingRow(BaseModel):
    kind: str
    total: Decimal
    at: AwareDatetime
    tags: list[str]
    note: str | None


LIST_THINGS = QueryInfo(
    name="list_things",
    file="sql/queries/things.sql",
    line=3,
    operation="select",
    sql="SELECT kind, total, at, tags, note FROM things WHERE kind = $1;",
    params=("kind",),
    tables_read=frozenset({"things", "thing_kinds"}),
    read_only=True,
    cache_ttl=60.0,
)
LIST_OTHERS = QueryInfo(
    name="list_others",
    file="sql/queries/things.sql",
    line=9,
    operation="select",
    sql="SELECT kind FROM others;",
    tables_read=frozenset({"others"}),
    read_only=True,
)
DELETE_THINGS = QueryInfo(
    name="delete_things",
    file="sql/queries/things.sql",
    line=12,
    operation="insert_update_delete",
    sql="DELETE FROM things;",
    tables_written=frozenset({"things"}),
    cache_ttl=60.0,
)


@dataclass
class FakeDb:
    """An Executor whose ``fetch`` counts calls and can be held open by an event."""

    calls: int = 0
    gate: asyncio.Event | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    fail: BaseException | None = None
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    async def execute(self, query: str, *args: object) -> str:
        return "DELETE 0"

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None:
        return None

    async def fetch(self, query: str, *args: object) -> list[Any]:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        kind = str(args[0])
        return self.rows.get(kind, [thing(kind, self.calls)])

    async def fetchrow(self, query: str, *args: object) -> Any:
        return None

    async def fetchval(self, query: str, *args: object, column: int = 0) -> Any:
        return None


def thing(kind: str, n: int) -> dict[str, object]:
    at = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    return {"kind": kind, "total": Decimal(f"{n}.50"), "at": at, "tags": ["a"], "note": None}


async def list_things(db: Executor, /, *, kind: str) -> list[ThingRow]:
    return [ThingRow.model_validate(r) for r in await db.fetch(LIST_THINGS.sql, kind)]


async def list_others(db: Executor, /) -> list[str]:
    return [str(r) for r in await db.fetch(LIST_OTHERS.sql, "x")]


async def delete_things(db: Executor, /) -> int:
    await db.execute(DELETE_THINGS.sql)
    return 0


async def not_generated(db: Executor, /) -> int:
    return 1


@dataclass(frozen=True, slots=True)
class Record:
    """The QueryRecord fields the cache reads (the runtime's record has more)."""

    tables_written: frozenset[str]
    error: BaseException | None = None


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[QueryCache]:
    if request.param == "memory":
        made = QueryCache(clock=clock)
    else:
        made = QueryCache(await redis_backend(), clock=clock, strict=True)
    try:
        yield made
    finally:
        await made.clear()
        await made.aclose()


async def redis_backend() -> RedisBackend:
    backend = RedisBackend(REDIS_URL, prefix=f"postsql-test:{uuid.uuid4().hex}:")
    try:
        await backend.ping()
    except Exception as exc:
        await backend.aclose()
        pytest.skip(f"no Redis answers at {REDIS_URL} ({type(exc).__name__}: {exc})")
    return backend


async def test_a_second_identical_call_is_a_hit_with_an_equal_fresh_model(
    cache: QueryCache,
) -> None:
    db = FakeDb()
    first = await cache.call(list_things, db, kind="a")
    second = await cache.call(list_things, db, kind="a")
    assert db.calls == 1
    assert second == first
    assert second[0] is not first[0]
    assert isinstance(second[0].total, Decimal)
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)


async def test_different_parameters_are_different_entries(cache: QueryCache) -> None:
    db = FakeDb()
    a = await cache.call(list_things, db, kind="a")
    b = await cache.call(list_things, db, kind="b")
    assert db.calls == 2
    assert (a[0].kind, b[0].kind) == ("a", "b")


async def test_entries_expire_after_their_ttl(cache: QueryCache, clock: Clock) -> None:
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    clock.now += 59.9
    await cache.call(list_things, db, kind="a")
    assert db.calls == 1
    clock.now += 0.1
    again = await cache.call(list_things, db, kind="a")
    assert db.calls == 2
    assert again[0].total == Decimal("2.50")


async def test_a_write_reported_by_the_hook_invalidates_queries_reading_the_table(
    cache: QueryCache,
) -> None:
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    cache.on_query(Record(tables_written=frozenset({"thing_kinds"})))
    fresh = await cache.call(list_things, db, kind="a")
    assert db.calls == 2
    assert fresh[0].total == Decimal("2.50")
    assert cache.stats.invalidations == 1


async def test_writes_to_other_tables_and_failed_writes_keep_the_entry(cache: QueryCache) -> None:
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    cache.on_query(Record(tables_written=frozenset({"unrelated"})))
    cache.on_query(Record(tables_written=frozenset({"things"}), error=RuntimeError("rolled")))
    cache.on_query(Record(tables_written=frozenset()))
    await cache.call(list_things, db, kind="a")
    assert db.calls == 1


async def test_explicit_invalidation_covers_writes_made_outside_postsql(
    cache: QueryCache,
) -> None:
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    await cache.invalidate(["things"])
    await cache.call(list_things, db, kind="a")
    assert db.calls == 2


async def test_a_load_that_races_a_write_is_not_served_afterwards(cache: QueryCache) -> None:
    gate = asyncio.Event()
    db = FakeDb(gate=gate)
    loading = asyncio.create_task(cache.call(list_things, db, kind="a"))
    await db.entered.wait()
    await cache.invalidate(["things"])  # the write commits while the old rows are in flight
    gate.set()
    await loading
    await cache.call(list_things, db, kind="a")
    assert db.calls == 2


async def test_a_stampede_of_identical_misses_loads_once(cache: QueryCache) -> None:
    gate = asyncio.Event()
    db = FakeDb(gate=gate)
    calls = [asyncio.create_task(cache.call(list_things, db, kind="a")) for _ in range(20)]
    await db.entered.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*calls)
    assert db.calls == 1
    assert all(r == results[0] for r in results)
    assert cache.stats.loads == 1


async def test_a_failed_load_fails_every_waiter_and_caches_nothing() -> None:
    cache = QueryCache()
    gate = asyncio.Event()
    db = FakeDb(gate=gate, fail=RuntimeError("server gone"))
    calls = [asyncio.create_task(cache.call(list_things, db, kind="a")) for _ in range(3)]
    await db.entered.wait()
    gate.set()
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert [str(o) for o in outcomes] == ["server gone"] * 3
    db.fail = None
    await cache.call(list_things, db, kind="a")
    assert db.calls == 2


async def test_a_cancelled_loader_hands_the_load_to_a_waiter() -> None:
    cache = QueryCache()
    gate = asyncio.Event()
    db = FakeDb(gate=gate)
    leader = asyncio.create_task(cache.call(list_things, db, kind="a"))
    await db.entered.wait()
    follower = asyncio.create_task(cache.call(list_things, db, kind="a"))
    await asyncio.sleep(0)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    gate.set()
    rows = await follower
    assert rows[0].kind == "a"
    assert db.calls == 2


async def test_the_memory_backend_is_a_bounded_lru() -> None:
    backend = MemoryBackend(max_entries=2)
    cache = QueryCache(backend)
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    await cache.call(list_things, db, kind="b")
    await cache.call(list_things, db, kind="a")  # a is now the most recent
    await cache.call(list_things, db, kind="c")  # evicts b
    assert len(backend) == 2
    await cache.call(list_things, db, kind="a")
    assert db.calls == 3
    await cache.call(list_things, db, kind="b")
    assert db.calls == 4


async def test_invalidation_frees_the_memory_entries_that_read_the_table() -> None:
    backend = MemoryBackend()
    cache = QueryCache(backend, ttl_overrides={"list_others": 5})
    db = FakeDb()
    await cache.call(list_things, db, kind="a")
    await cache.call(list_things, db, kind="b")
    await cache.call(list_others, db)
    assert len(backend) == 3
    cache.on_query(Record(tables_written=frozenset({"thing_kinds"})))
    assert len(backend) == 1
    await cache.invalidate(["others"])
    assert len(backend) == 0


async def test_an_unmarked_query_is_refused_unless_given_a_ttl() -> None:
    with pytest.raises(CacheError, match=r"things.sql:9: list_others: not marked cacheable"):
        await QueryCache().call(list_others, FakeDb())
    overridden = QueryCache(ttl_overrides={"list_others": 5})
    await overridden.call(list_others, FakeDb())


async def test_queries_that_write_and_plain_functions_are_refused() -> None:
    with pytest.raises(CacheError, match="delete_things: writes, so it cannot be cached"):
        await QueryCache().call(delete_things, FakeDb())
    with pytest.raises(CacheError, match="not_generated: not a generated query function"):
        await QueryCache().call(not_generated, FakeDb())


async def test_invalidate_refuses_a_bare_string() -> None:
    with pytest.raises(CacheError, match="expected an iterable of table names"):
        await QueryCache().invalidate("things")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ttl_overrides": {"q": 0}}, r"ttl_overrides\['q'\]: expected a positive number"),
        ({"ttl_overrides": {"q": True}}, r"ttl_overrides\['q'\]"),
    ],
)
def test_bad_options_name_the_option(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        QueryCache(**kwargs)


def test_a_non_positive_memory_size_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="max_entries: expected a positive integer"):
        MemoryBackend(max_entries=0)


def test_an_empty_redis_prefix_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="prefix: must not be empty"):
        RedisBackend(REDIS_URL, prefix="")


async def test_redis_down_falls_through_to_the_database_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = RedisBackend("redis://:secret@127.0.0.1:1/0", socket_timeout=0.5)
    cache = QueryCache(backend)
    db = FakeDb()
    with caplog.at_level(logging.WARNING, logger="postsql.ext.cache"):
        rows = await cache.call(list_things, db, kind="a")
        await cache.call(list_things, db, kind="a")
    assert rows[0].kind == "a"
    assert db.calls == 2
    assert cache.stats.bypassed == 2
    assert "cache backend redis redis://:***@127.0.0.1:1/0 failed" in caplog.text
    assert "secret" not in caplog.text
    await cache.aclose()


async def test_redis_down_in_strict_mode_raises_cache_error() -> None:
    cache = QueryCache(RedisBackend("redis://127.0.0.1:1/0", socket_timeout=0.5), strict=True)
    with pytest.raises(CacheError, match=r"cache backend redis redis://127.0.0.1:1/0 failed"):
        await cache.call(list_things, FakeDb(), kind="a")
    await cache.aclose()


async def test_redis_entries_are_shared_between_caches() -> None:
    first = await redis_backend()
    second = RedisBackend(REDIS_URL, prefix=first.prefix)
    one, two = QueryCache(first, strict=True), QueryCache(second, strict=True)
    try:
        db = FakeDb()
        loaded = await one.call(list_things, db, kind="a")
        assert await two.call(list_things, db, kind="a") == loaded
        assert db.calls == 1
        one.on_query(Record(tables_written=frozenset({"things"})))
        await one.flush()
        await two.call(list_things, db, kind="a")
        assert db.calls == 2
    finally:
        await one.clear()
        await one.aclose()
        await two.aclose()
