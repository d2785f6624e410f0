"""Servers that refuse us: health reports instead of raising, replicas that refuse are left out,
timeouts say what timed out.

A hostile run found ``Database.health()`` raising ``InvalidPasswordError`` for a replica with a
wrong password (and for the primary when ``pool_min_size=0``), every read routed to such a replica
failing instead of falling back to the primary, and ``TimeoutError()`` with an empty message for a
connect timeout and for ``command_timeout``. The session server trusts every local connection,
so a role that does not exist stands for bad credentials (the same class,
``InvalidAuthorizationSpecificationError``, 28000, is the parent of ``InvalidPasswordError``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from blog.generated.queries import posts
from postsql.runtime.database import Database
from postsql.runtime.urls import with_database


def _unknown_role(url: str) -> str:
    return url.replace("postgres@", f"nobody_{uuid.uuid4().hex[:8]}:wrong-password@", 1)


def _missing_database(url: str) -> str:
    return with_database(url, f"missing_{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        (_unknown_role, "InvalidAuthorizationSpecificationError"),
        (_missing_database, "InvalidCatalogNameError"),
    ],
)
async def test_a_replica_refusing_us_is_left_out_logged_once_and_reads_use_the_primary(
    db_url: str, broken: Callable[[str], str], error: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="postsql.runtime.database")
    async with Database(
        url=db_url, replica_urls=[broken(db_url)], replica_retry_interval=60, log_queries=False
    ) as db:
        for _ in range(3):
            assert await posts.count_live_posts(db) == 0  # read-only: routed to the replica first
        report = await db.health()
    warnings = [r.getMessage() for r in caplog.records if "replica" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert error in warnings[0]
    assert "wrong-password" not in warnings[0]
    assert report.ok
    assert report.primary.ok
    (replica,) = report.replicas
    assert not replica.ok
    assert replica.error is not None
    assert replica.error.startswith(error)


@pytest.mark.parametrize("broken", [_unknown_role, _missing_database])
async def test_health_reports_a_primary_that_refuses_us_instead_of_raising(
    db_url: str, broken: Callable[[str], str]
) -> None:
    async with Database(url=broken(db_url), pool_min_size=0, log_queries=False) as db:
        report = await db.health(within=5)
    assert not report.ok
    assert report.primary.error is not None
    assert "Error" in report.primary.error


async def test_health_of_a_database_that_is_not_connected_is_unhealthy_not_an_error(
    db_url: str,
) -> None:
    report = await Database(url=db_url, log_queries=False).health()
    assert not report.ok
    assert report.primary.error is not None
    assert "NotConnected" in report.primary.error


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never says a word."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def test_a_connect_timeout_says_what_timed_out_and_which_setting_bounds_it(
    silent_server: int,
) -> None:
    db = Database(
        url=f"postgresql://app@127.0.0.1:{silent_server}/blog",
        connect_timeout=0.5,
        pool_min_size=1,
        log_queries=False,
    )
    with pytest.raises(TimeoutError, match=r"took longer than 0\.5 s \(connect_timeout\)"):
        await db.connect()


async def test_a_command_timeout_says_which_query_and_which_setting(db_url: str) -> None:
    async with Database(url=db_url, command_timeout=0.2, log_queries=False) as db:
        with pytest.raises(TimeoutError, match=r"took longer than 0\.2 s \(command_timeout\)"):
            await db.execute("SELECT pg_sleep(5)")
        assert await db.fetchval("SELECT 1") == 1  # the pool is fine afterwards
