"""The server restarted under load: the layer recovers by itself and loses no acknowledged write."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator

import asyncpg
import pytest

from postsql.errors import PoolTimeout
from postsql.runtime.database import Database
from postsql.testing import TestServer
from runtime.cluster import LocalCluster

TASKS = 200
POOL = 10
RESTART_AFTER = 1.0  # seconds of load before the restart
RUN_AFTER_RESTART = 1.5  # seconds of load once the server is back
# What a caller may see while the server goes away and comes back; anything else is a bug.
EXPECTED_ERRORS = (
    OSError,  # refused, socket file missing, reset, connect timeout
    asyncpg.exceptions.PostgresConnectionError,  # the connection dropped mid-query
    asyncpg.exceptions.AdminShutdownError,  # "terminating connection due to administrator command"
    asyncpg.exceptions.CannotConnectNowError,  # shutting down / starting up
    PoolTimeout,  # every connection busy reconnecting
    # asyncpg hands out a pooled connection whose server has just sent its FATAL goodbye before
    # it notices the connection closed: "cannot switch to state ...; another operation is in
    # progress". Nothing was sent; the next call gets a fresh connection.
    asyncpg.exceptions.InternalClientError,
)


@pytest.fixture
def own_db_url(own_primary: tuple[LocalCluster, str]) -> Iterator[tuple[LocalCluster, str]]:
    primary, template = own_primary
    server = TestServer(admin_url=primary.url(), kind="own")
    name = server.clone(template)
    try:
        yield primary, primary.url(name)
    finally:
        server.drop_database(name)


async def test_server_restart_under_load_recovers_and_loses_no_acknowledged_write(
    own_db_url: tuple[LocalCluster, str],
) -> None:
    primary, url = own_db_url
    acknowledged: set[uuid.UUID] = set()
    attempted: set[uuid.UUID] = set()
    errors: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    restarted = asyncio.Event()
    after_restart = 0

    async with Database(
        url=url,
        pool_min_size=POOL,
        pool_max_size=POOL,
        acquire_timeout=2.0,
        connect_timeout=2.0,
        log_queries=False,
    ) as db:
        await db.execute("CREATE TABLE writes (id uuid PRIMARY KEY, task int NOT NULL)")
        stop = asyncio.Event()

        async def writer(task: int) -> None:
            nonlocal after_restart
            while not stop.is_set():
                key = uuid.uuid4()
                attempted.add(key)
                try:
                    await db.execute("INSERT INTO writes (id, task) VALUES ($1, $2)", key, task)
                except EXPECTED_ERRORS as exc:
                    errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.05)
                except Exception as exc:
                    unexpected.append(exc)
                    return
                else:
                    acknowledged.add(key)
                    after_restart += restarted.is_set()
                    await asyncio.sleep(0.01)

        async def restart() -> None:
            await asyncio.sleep(RESTART_AFTER)
            await asyncio.to_thread(primary.restart)
            restarted.set()
            await asyncio.sleep(RUN_AFTER_RESTART)
            stop.set()

        await asyncio.wait_for(
            asyncio.gather(restart(), *(writer(n) for n in range(TASKS))), timeout=60
        )
        assert not unexpected, f"unexpected errors: {unexpected[:3]!r}"
        assert restarted.is_set()
        assert errors, "the restart went unnoticed: it did not happen under load"
        assert after_restart > 0, f"no write succeeded after the restart ({dict(errors)})"
        # The same Database, never rebuilt, works again.
        assert await db.fetchval("SELECT 1") == 1
        stored = {row["id"] for row in await db.fetch("SELECT id FROM writes")}
        stats = db.pool_stats()
    print(
        f"restart under load: {len(attempted)} writes attempted, {len(acknowledged)} acknowledged, "
        f"{len(stored)} stored, {after_restart} after the restart; errors {dict(errors)}"
    )
    assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged writes were lost"
    assert stored <= attempted
    assert stats.in_use == 0
    assert stats.max_size == POOL
