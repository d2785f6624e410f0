"""Health: healthy on a working server, unhealthy when it is down, degraded when the pool is
saturated or sessions wait on locks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import cast

import asyncpg
import pytest
from asyncpg.pool import PoolConnectionProxy

from postsql.builtin.queries.monitoring import (
    ActivityByStateRow,
    BlockingLocksRow,
    CacheHitRatioRow,
    ServerInfoRow,
)
from postsql.ops.monitoring import (
    HealthThresholds,
    PoolStatsLike,
    _activity_check,
    _cache_check,
    _connections_check,
    _locks_check,
    check_health,
    health,
    unreachable,
)
from postsql.testing import free_port


@dataclass(frozen=True, slots=True)
class Stats:
    """Shaped like the runtime's PoolStats."""

    size: int
    idle: int
    in_use: int
    max_size: int
    min_size: int
    waiting: int


class CountingPool:
    """A plain asyncpg pool plus a count of callers waiting in acquire (asyncpg has none)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.waiting = 0
        self.someone_waits = asyncio.Event()

    async def acquire(self) -> PoolConnectionProxy[asyncpg.Record]:
        self.waiting += 1
        self.someone_waits.set()
        try:
            return await self.pool.acquire()
        finally:
            self.waiting -= 1

    def stats(self) -> PoolStatsLike:
        size = self.pool.get_size()
        idle = self.pool.get_idle_size()
        return Stats(
            size=size,
            idle=idle,
            in_use=size - idle,
            max_size=self.pool.get_max_size(),
            min_size=self.pool.get_min_size(),
            waiting=self.waiting,
        )


async def test_a_working_server_is_healthy_with_every_check(db_url: str) -> None:
    report = await health(db_url)
    assert report.status == "healthy", report.to_json()
    assert report.exit_code == 0
    assert report.response_ms is not None
    assert report.response_ms >= 0
    names = [c.name for c in report.checks]
    assert names == [
        "connectivity",
        "connections",
        "pool",
        "activity",
        "locks",
        "cache",
        "replication",
        "pg_stat_statements",
    ]
    assert report.check("pool").status == "not_applicable"
    assert report.check("replication").status == "not_applicable"
    assert report.check("activity").details["by_state"] == {"active": 1}


async def test_a_server_that_is_down_is_unhealthy_with_exit_code_1() -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/postgres"
    report = await health(url, timeout_seconds=2)
    assert report.status == "unhealthy"
    assert report.exit_code == 1
    connectivity = report.check("connectivity")
    assert connectivity.status == "critical"
    assert "cannot connect" in connectivity.summary
    assert "secret" not in connectivity.summary


async def test_a_saturated_pool_makes_health_degraded(db_url: str) -> None:
    pool = await asyncpg.create_pool(db_url, min_size=1, max_size=2)
    assert pool is not None
    counted = CountingPool(pool)
    held = [await counted.acquire(), await counted.acquire()]
    counted.someone_waits.clear()
    waiter = asyncio.create_task(counted.acquire())
    try:
        await counted.someone_waits.wait()
        report = await health(db_url, pool=counted.stats())
        assert report.status == "degraded"
        assert report.exit_code == 0
        check = report.check("pool")
        assert check.status == "warning"
        assert "saturated" in check.summary
        assert check.details == {
            "size": 2, "idle": 0, "in_use": 2, "waiting": 1, "min_size": 1, "max_size": 2,
        }  # fmt: skip
    finally:
        for connection in held:
            await pool.release(connection)
        await pool.release(await waiter)
        await pool.close()
    calm = await health(db_url, pool=counted.stats())
    assert calm.check("pool").status == "ok"


async def test_blocking_locks_name_who_blocks_whom(db_url: str) -> None:
    holder = await asyncpg.connect(db_url)
    waiter = await asyncpg.connect(db_url)
    observer = await asyncpg.connect(db_url)
    tx = holder.transaction()
    await tx.start()
    try:
        await holder.execute("LOCK TABLE posts IN ACCESS EXCLUSIVE MODE")
        blocked = asyncio.create_task(waiter.execute("SELECT count(*) FROM posts"))
        for _ in range(200):
            report = await check_health(observer, thresholds=HealthThresholds(lock_wait_seconds=0))
            if report.check("locks").details["blocking"]:
                break
            await asyncio.sleep(0.02)
        locks = report.check("locks")
        assert locks.status == "warning"
        assert report.status == "degraded"
        pairs = locks.details["blocking"]
        assert isinstance(pairs, list)
        assert len(pairs) == 1
        pair = pairs[0]
        assert pair["blocked_pid"] == waiter.get_server_pid()
        assert pair["blocking_pid"] == holder.get_server_pid()
        assert "count(*)" in pair["blocked_query"]
    finally:
        await tx.rollback()
        await blocked
        for c in (holder, waiter, observer):
            await c.close()


def test_cache_ratio_is_defined_before_any_block_access() -> None:
    none_yet = _cache_check(
        CacheHitRatioRow(blocks_hit=0, blocks_read=0, ratio=None), HealthThresholds()
    )
    assert none_yet.status == "ok"
    assert none_yet.details["ratio"] is None
    poor = _cache_check(
        CacheHitRatioRow(blocks_hit=5_000, blocks_read=15_000, ratio=0.25), HealthThresholds()
    )
    assert poor.status == "warning"
    young = _cache_check(
        CacheHitRatioRow(blocks_hit=5, blocks_read=15, ratio=0.25), HealthThresholds()
    )
    assert young.status == "ok"  # too few accesses to judge


def test_unreachable_report_serialises_to_json() -> None:
    report = unreachable("embedded server not running")
    data = report.to_json()
    assert data["status"] == "unhealthy"
    assert data["response_ms"] is None
    checks = data["checks"]
    assert isinstance(checks, list)
    assert [c["name"] for c in checks] == ["connectivity", "pool"]


@pytest.mark.parametrize("waiting", [0, 1])
def test_pool_stats_protocol_accepts_any_object_with_the_fields(waiting: int) -> None:
    from postsql.ops.monitoring import _pool_check

    check = _pool_check(Stats(size=3, idle=1, in_use=2, max_size=5, min_size=1, waiting=waiting))
    assert check.status == ("warning" if waiting else "ok")


class Row(dict[str, object]):
    """Quacks like an asyncpg Record: iterating yields values, ``keys()`` the column names."""

    def __iter__(self) -> Iterator[object]:  # type: ignore[override]  # Record iterates values
        return iter(self.values())


class Catalog:
    """An executor answering the replication queries from canned rows (no replica needed)."""

    def __init__(self, rows: dict[str, list[dict[str, object]]], *, refuse: str = "") -> None:
        self.rows = rows
        self.refuse = refuse

    def _answer(self, query: str) -> list[dict[str, object]]:
        if self.refuse and self.refuse in query:
            raise asyncpg.InsufficientPrivilegeError(
                f"permission denied for function {self.refuse}"
            )
        for marker, rows in self.rows.items():
            if marker in query:
                return [Row(r) for r in rows]
        raise AssertionError(f"unexpected query: {query[:60]}")

    async def execute(self, query: str, *args: object) -> str:
        raise AssertionError("not used")

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None:
        raise AssertionError("not used")

    # Generated functions only call dict(record): plain dicts stand in for asyncpg records.
    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        return cast("list[asyncpg.Record]", self._answer(query))

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        rows = self._answer(query)
        return cast("asyncpg.Record", rows[0]) if rows else None

    async def fetchval(self, query: str, *args: object, column: int = 0) -> object:
        assert query == "SELECT 1"
        return 1


REPLICA = {
    "pid": 4242,
    "application_name": "replica-1",
    "client_address": "10.0.0.2",
    "state": "streaming",
    "sync_state": "async",
    "replay_lag_seconds": 0.4,
    "lag_bytes": 8192,
}


async def test_replica_lag_is_reported_per_replica_and_degrades_past_the_threshold() -> None:
    from postsql.ops.monitoring import _replication_check

    ok = await _replication_check(
        Catalog({"pg_stat_replication": [REPLICA]}),
        False,
        HealthThresholds(),
    )
    assert ok.status == "ok"
    assert ok.details["replicas"] == [REPLICA]
    behind = await _replication_check(
        Catalog({"pg_stat_replication": [{**REPLICA, "replay_lag_seconds": 95.0}]}),
        False,
        HealthThresholds(),
    )
    assert behind.status == "warning"
    assert "95.0s" in behind.summary


async def test_a_standby_reports_its_replay_delay() -> None:
    from postsql.ops.monitoring import _replication_check

    rows: dict[str, list[dict[str, object]]] = {
        "pg_last_xact_replay_timestamp": [{"in_recovery": True, "replay_lag_seconds": 42.0}]
    }
    check = await _replication_check(Catalog(rows), True, HealthThresholds())
    assert check.status == "warning"
    assert check.details == {"role": "standby", "replay_lag_seconds": 42.0}


async def test_a_refused_check_is_a_warning_not_an_unhealthy_database() -> None:
    server = {
        "server_version_num": 180001,
        "version_text": "18.1",
        "database_name": "app",
        "in_recovery": False,
        "max_connections": 100,
        "connections": 3,
    }
    catalog = Catalog(
        {
            "pg_blocking_pids": [],  # replaced below by a refusal
            "current_setting('server_version_num')": [server],
            "coalesce(a.state, 'unknown')": [
                {"state": "idle", "connections": 2, "longest_seconds": 1.5}
            ],
            "blks_hit": [{"blocks_hit": 10, "blocks_read": 0, "ratio": 1.0}],
            "pg_stat_replication": [],
            "pg_stat_statements.max": [{"created": True, "preloaded": True}],
        },
        refuse="pg_blocking_pids",
    )
    report = await check_health(catalog)
    assert report.status == "degraded"
    locks = report.check("locks")
    assert locks.status == "warning"
    assert locks.summary == "could not check: permission denied for function pg_blocking_pids"
    assert report.check("connectivity").status == "ok"
    assert report.check("activity").details["by_state"] == {"idle": 2}


async def test_health_reads_the_runtime_database_pool(db_url: str) -> None:
    from postsql.runtime.database import Database

    async with Database(url=db_url, pool_min_size=1, pool_max_size=1, log_queries=False) as db:
        idle = await health(db_url, pool=db.pool_stats())
        assert idle.check("pool").status == "ok"
        async with db.acquire():  # the pool's only connection is lent out
            busy = await health(db_url, pool=db.pool_stats())
        assert busy.check("pool").status == "warning"
        assert busy.check("pool").details["in_use"] == 1
        assert busy.status == "degraded"


def _server(connections: int, max_connections: int) -> ServerInfoRow:
    return ServerInfoRow(
        server_version_num=180001,
        version_text="18.1",
        database_name="app",
        in_recovery=False,
        max_connections=max_connections,
        connections=connections,
    )


def _idle_in_transaction(seconds: float) -> list[ActivityByStateRow]:
    return [ActivityByStateRow(state="idle in transaction", connections=1, longest_seconds=seconds)]


def _lock_wait(seconds: float) -> list[BlockingLocksRow]:
    return [
        BlockingLocksRow(
            blocked_pid=1,
            blocked_user="app",
            blocked_query="SELECT 1",
            blocking_pid=2,
            blocking_user="app",
            blocking_state="idle in transaction",
            blocking_query="LOCK t",
            waiting_seconds=seconds,
            blocking_xact_seconds=seconds,
        )
    ]


async def _lag(seconds: float) -> str:
    from postsql.ops.monitoring import _replication_check

    check = await _replication_check(
        Catalog({"pg_stat_replication": [{**REPLICA, "replay_lag_seconds": seconds}]}),
        False,
        HealthThresholds(replication_lag_seconds=30),
    )
    return check.status


async def test_every_threshold_is_ok_exactly_at_its_value_and_a_warning_just_past_it() -> None:
    # README: a warning takes a value *over* the threshold (a ratio *below* it); at it, ok.
    limits = HealthThresholds(
        lock_wait_seconds=10,
        idle_in_transaction_seconds=300,
        connections_used=0.9,
        cache_hit_ratio=0.9,
        cache_min_blocks=10_000,
    )
    assert _connections_check(_server(90, 100), limits).status == "ok"
    assert _connections_check(_server(91, 100), limits).status == "warning"
    assert _activity_check(_idle_in_transaction(300.0), limits).status == "ok"
    assert _activity_check(_idle_in_transaction(300.001), limits).status == "warning"
    assert _locks_check(_lock_wait(10.0), limits).status == "ok"
    assert _locks_check(_lock_wait(10.001), limits).status == "warning"
    assert await _lag(30.0) == "ok"
    assert await _lag(30.001) == "warning"
    at_ratio = CacheHitRatioRow(blocks_hit=9_000, blocks_read=1_000, ratio=0.9)
    assert _cache_check(at_ratio, limits).status == "ok"
    below = CacheHitRatioRow(blocks_hit=8_999, blocks_read=1_001, ratio=0.8999)
    assert _cache_check(below, limits).status == "warning"  # exactly cache_min_blocks accesses
    too_few = CacheHitRatioRow(blocks_hit=8_999, blocks_read=1_000, ratio=8_999 / 9_999)
    assert _cache_check(too_few, limits).status == "ok"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cache_hit_ratio", 90, "fraction between 0 and 1"),
        ("connections_used", 1.5, "fraction between 0 and 1"),
        ("lock_wait_seconds", -1, ">= 0"),
        ("replication_lag_seconds", float("nan"), ">= 0"),
        ("idle_in_transaction_seconds", "300", "must be a number"),
        ("cache_min_blocks", True, "must be a number"),
    ],
)
def test_a_bad_threshold_is_refused_naming_the_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=f"HealthThresholds.{field} .*{message}"):
        HealthThresholds(**{field: value})  # type: ignore[arg-type]


async def test_a_real_session_idle_in_transaction_past_the_threshold_degrades_health(
    db_url: str,
) -> None:
    idle = await asyncpg.connect(db_url)
    observer = await asyncpg.connect(db_url)
    try:
        await idle.execute("BEGIN; SELECT 1")
        limits = HealthThresholds(idle_in_transaction_seconds=0.5)
        early = await check_health(observer, thresholds=limits)
        assert early.check("activity").status == "ok"
        await asyncio.sleep(0.8)
        report = await check_health(observer, thresholds=limits)
        activity = report.check("activity")
        assert activity.status == "warning", activity
        assert report.status == "degraded"
        assert "'idle in transaction' for" in activity.summary
        assert " ms (over 0.5 s;" in activity.summary  # a human duration, not raw seconds
        longest = activity.details["longest_seconds"]
        assert isinstance(longest, dict)
        assert isinstance(longest["idle in transaction"], float)
        assert longest["idle in transaction"] > 0.5
    finally:
        await idle.close()
        await observer.close()
