"""Replica routing against a real streaming replica the test builds (``pg_basebackup -R``)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import asyncpg
import pytest

from blog.generated.queries import users
from postsql.runtime.database import Database
from postsql.runtime.executor import QueryInfo
from postsql.runtime.hooks import QueryRecord
from postsql.runtime.registry import QueryRegistry
from runtime.cluster import LocalCluster

# A read-only query of our own, registered like a generated one: where did it run?
IN_RECOVERY = QueryInfo(
    name="in_recovery",
    file="tests/runtime/test_replicas.py",
    line=1,
    operation="select_value",
    sql="SELECT pg_is_in_recovery()",
    read_only=True,
)
RETRY = 0.5  # replica_retry_interval for these tests


@pytest.fixture(scope="module")
def replica(own_primary: tuple[LocalCluster, str]) -> Iterator[LocalCluster]:
    primary, _ = own_primary
    standby = primary.replica("postsql-replica-")
    try:
        standby.start()
        yield standby
    finally:
        standby.destroy()


@pytest.fixture
async def routed(
    own_primary: tuple[LocalCluster, str], replica: LocalCluster
) -> AsyncIterator[tuple[Database, list[QueryRecord]]]:
    primary, database = own_primary
    registry = QueryRegistry.from_package("postsql.builtin.queries", "blog.generated.queries")
    registry.register(IN_RECOVERY)
    records: list[QueryRecord] = []
    async with Database(
        url=primary.url(database),
        replica_urls=[replica.url(database)],
        registry=registry,
        replica_retry_interval=RETRY,
        pool_min_size=1,
        pool_max_size=4,
        connect_timeout=3,
        log_queries=False,
    ) as db:
        db.add_query_hook(records.append)
        yield db, records


async def new_user(db: Database) -> str:
    email = f"r-{uuid.uuid4().hex[:10]}@example.com"
    await users.create_user(
        db, email=email, name="R", avatar=None, role=None, bio=None, website=None, location=None
    )
    return email


async def eventually(check: Callable[[], Awaitable[object]], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while True:
        if await check():
            return
        assert time.monotonic() < deadline, "the replica did not catch up"
        await asyncio.sleep(0.05)


async def test_read_only_queries_go_to_the_replica_and_everything_else_to_the_primary(
    routed: tuple[Database, list[QueryRecord]],
) -> None:
    db, records = routed
    assert await db.fetchval(IN_RECOVERY.sql) is True  # on the replica
    assert records[-1].target.startswith("replica:")
    assert await db.fetchval("SELECT pg_is_in_recovery() AS adhoc") is False  # unknown: primary
    assert await db.primary.fetchval(IN_RECOVERY.sql) is False
    async with db.transaction() as tx:
        assert await tx.fetchval(IN_RECOVERY.sql) is False  # inside a transaction: primary
        assert await db.fetchval(IN_RECOVERY.sql) is False
    email = await new_user(db)
    assert records[-1].name == "create_user"
    assert records[-1].target == "primary"
    await eventually(lambda: users.get_user_by_email(db, email=email))
    assert records[-1].name == "get_user_by_email"
    assert records[-1].target.startswith("replica:")
    assert "replica:" in next(iter(db.replica_stats()))


async def test_replica_lag_shows_until_replay_resumes(
    routed: tuple[Database, list[QueryRecord]], replica: LocalCluster, own_primary: object
) -> None:
    db, records = routed
    standby = await asyncpg.connect(replica.url())
    try:
        await standby.execute("SELECT pg_wal_replay_pause()")
        email = await new_user(db)
        # Written and committed on the primary; the paused replica has not replayed it.
        assert await users.get_user_by_email(db, email=email) is None
        assert records[-1].target.startswith("replica:")
        assert await users.get_user_by_email(db.primary, email=email) is not None
        await standby.execute("SELECT pg_wal_replay_resume()")
        await eventually(lambda: users.get_user_by_email(db, email=email))
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()


async def test_a_replica_that_is_down_is_skipped_and_retried_later(
    routed: tuple[Database, list[QueryRecord]], replica: LocalCluster
) -> None:
    db, records = routed
    assert await db.fetchval(IN_RECOVERY.sql) is True
    await asyncio.to_thread(replica.stop)
    try:
        report = await db.health()
        assert report.ok
        assert report.primary.in_recovery is False
        [down] = report.replicas
        assert not down.ok
        assert down.error
        records.clear()
        assert await db.fetchval(IN_RECOVERY.sql) is False  # answered by the primary
        failed, answered = records
        assert failed.target.startswith("replica:")
        assert failed.error is not None
        assert answered.target == "primary"
        assert answered.error is None
        records.clear()
        assert await db.fetchval(IN_RECOVERY.sql) is False
        assert [r.target for r in records] == ["primary"]  # left out: not even tried
    finally:
        await asyncio.to_thread(replica.start)
    await asyncio.sleep(RETRY)
    await eventually(lambda: db.fetchval(IN_RECOVERY.sql))  # retried, and back in use
    assert records[-1].target.startswith("replica:")
    [up] = (await db.health()).replicas
    assert up.ok
    assert up.in_recovery is True


SLOW_READ = QueryInfo(
    name="slow_read",
    file="tests/runtime/test_replicas.py",
    line=2,
    operation="select_value",
    sql="SELECT pg_is_in_recovery() FROM pg_sleep(1)",
    read_only=True,
)


async def test_a_saturated_replica_sends_reads_to_the_primary_without_being_left_out(
    own_primary: tuple[LocalCluster, str], replica: LocalCluster
) -> None:
    primary, database = own_primary
    registry = QueryRegistry([IN_RECOVERY, SLOW_READ])
    async with Database(
        url=primary.url(database),
        replica_urls=[replica.url(database)],
        registry=registry,
        replica_retry_interval=60,
        pool_min_size=1,
        pool_max_size=1,
        acquire_timeout=0.3,
        log_queries=False,
    ) as db:
        busy = asyncio.create_task(db.fetchval(SLOW_READ.sql))  # holds the replica's only slot
        while not db.replica_stats() or next(iter(db.replica_stats().values())).in_use == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        assert await db.fetchval(IN_RECOVERY.sql) is False  # replica full: the primary answered
        assert await busy is True
        assert await db.fetchval(IN_RECOVERY.sql) is True  # not left out for 60 s: it was busy


async def test_a_command_timeout_on_a_replica_is_the_callers_error_and_keeps_the_replica(
    own_primary: tuple[LocalCluster, str], replica: LocalCluster
) -> None:
    # asyncpg's command_timeout raises TimeoutError, an OSError like a refused connection: it was
    # taken for "replica down", so the slow read ran again on the primary (twice the bounded
    # wait) and a healthy replica was left out for replica_retry_interval.
    primary, database = own_primary
    records: list[QueryRecord] = []
    async with Database(
        url=primary.url(database),
        replica_urls=[replica.url(database)],
        registry=QueryRegistry([IN_RECOVERY, SLOW_READ]),
        replica_retry_interval=60,
        command_timeout=0.3,
        log_queries=False,
    ) as db:
        db.add_query_hook(records.append)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await db.fetchval(SLOW_READ.sql)
        assert time.monotonic() - started < 0.9  # one command_timeout, not one per server
        assert [r.target.split(":")[0] for r in records] == ["replica"]
        assert await db.fetchval(IN_RECOVERY.sql) is True  # still in use


async def test_a_replica_that_never_answers_is_left_out_after_its_connect_timeout(
    own_primary: tuple[LocalCluster, str],
) -> None:
    # A server that accepts the connection and never answers the startup message.
    primary, database = own_primary
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        records: list[QueryRecord] = []
        async with Database(
            url=primary.url(database),
            replica_urls=[f"postgresql://postgres@127.0.0.1:{port}/{database}"],
            registry=QueryRegistry([IN_RECOVERY]),
            replica_retry_interval=60,
            connect_timeout=0.3,
            acquire_timeout=5,
            log_queries=False,
        ) as db:
            db.add_query_hook(records.append)
            assert await db.fetchval(IN_RECOVERY.sql) is False  # the primary answered
            assert [r.target.split(":")[0] for r in records] == ["replica", "primary"]
            assert isinstance(records[0].error, TimeoutError)
            records.clear()
            assert await db.fetchval(IN_RECOVERY.sql) is False
            assert [r.target for r in records] == ["primary"]  # left out: not tried again


async def test_a_replica_at_its_connection_limit_sends_reads_to_the_primary(
    own_primary: tuple[LocalCluster, str], replica: LocalCluster
) -> None:
    # "too many connections" (max_connections or the role's CONNECTION LIMIT) reached the caller
    # of a read-only query although the primary could answer it.
    primary, database = own_primary
    role = f"limited_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(primary.url(database))
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 1")
        await admin.execute(f'GRANT CONNECT ON DATABASE "{database}" TO {role}')
        as_role = replica.url(database).replace("postgres@", f"{role}@")
        holder = await _connect_when_replayed(as_role)  # the role's one connection, on the replica
        try:
            records: list[QueryRecord] = []
            async with Database(
                url=primary.url(database),
                replica_urls=[as_role],
                registry=QueryRegistry([IN_RECOVERY]),
                replica_retry_interval=60,
                log_queries=False,
            ) as db:
                db.add_query_hook(records.append)
                assert await db.fetchval(IN_RECOVERY.sql) is False  # the primary answered
                assert isinstance(records[0].error, asyncpg.TooManyConnectionsError)
                assert [r.target.split(":")[0] for r in records] == ["replica", "primary"]
        finally:
            await holder.close()
    finally:
        await admin.execute(f"DROP OWNED BY {role}")  # the CONNECT grant
        await admin.execute(f"DROP ROLE {role}")
        await admin.close()


async def _connect_when_replayed(url: str) -> asyncpg.Connection:
    deadline = time.monotonic() + 15
    while True:
        try:
            return await asyncpg.connect(url)
        except asyncpg.InvalidAuthorizationSpecificationError:  # the role is not there yet
            assert time.monotonic() < deadline, "the replica did not replay the new role"
            await asyncio.sleep(0.05)


LONG_READ = QueryInfo(
    name="long_read",
    file="tests/runtime/test_replicas.py",
    line=3,
    operation="select_value",
    sql="SELECT pg_is_in_recovery() FROM tags, pg_sleep(3) LIMIT 1",
    read_only=True,
)


async def test_a_read_the_replica_cancels_for_a_recovery_conflict_runs_on_the_primary(
    own_primary: tuple[LocalCluster, str], replica: LocalCluster
) -> None:
    # A hot standby cancels a query that holds back replay ("canceling statement due to conflict
    # with recovery", 40001): that reached the caller of a read-only query outside a transaction,
    # which the primary could answer.
    primary, database = own_primary
    standby = await asyncpg.connect(replica.url())
    await standby.execute("ALTER SYSTEM SET max_standby_streaming_delay = '100ms'")
    await standby.execute("SELECT pg_reload_conf()")
    try:
        records: list[QueryRecord] = []
        async with Database(
            url=primary.url(database),
            replica_urls=[replica.url(database)],
            registry=QueryRegistry([IN_RECOVERY, LONG_READ]),
            log_queries=False,
        ) as db:
            await db.execute("INSERT INTO tags (name, slug) VALUES ('conflict', 'conflict')")
            db.add_query_hook(records.append)
            reading = asyncio.create_task(db.fetchval(LONG_READ.sql))
            while not records and not any(  # noqa: ASYNC110
                p.in_use for p in db.replica_stats().values()
            ):
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # the replica's query holds its lock on tags
            # An ACCESS EXCLUSIVE lock is replayed on the standby: it conflicts with that read.
            await db.primary.execute("BEGIN; LOCK TABLE tags IN ACCESS EXCLUSIVE MODE; COMMIT")
            assert await reading is False  # answered by the primary
            cancelled, answered = [r for r in records if r.name == LONG_READ.name]
            assert isinstance(cancelled.error, asyncpg.SerializationError)
            assert cancelled.target.startswith("replica:")
            assert answered.target == "primary"
            assert answered.error is None
            assert await db.fetchval(IN_RECOVERY.sql) is True  # the replica was not left out
    finally:
        await standby.execute("ALTER SYSTEM RESET max_standby_streaming_delay")
        await standby.execute("SELECT pg_reload_conf()")
        await standby.close()


async def test_a_current_standby_of_an_idle_primary_reports_no_lag(
    routed: tuple[Database, list[QueryRecord]], replica: LocalCluster
) -> None:
    # Time since the last replayed commit grows while the primary is idle: a standby that streams
    # and has replayed all it received must read as current, not seconds behind.
    from postsql.builtin.queries import monitoring

    db, _ = routed
    await new_user(db)
    standby = await asyncpg.connect(replica.url())
    try:

        async def caught_up() -> bool:
            return bool(
                await standby.fetchval(
                    "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()"
                )
            )

        await eventually(caught_up)
        await asyncio.sleep(1.5)  # no writes meanwhile: the last replayed commit ages
        lag = await monitoring.standby_lag(standby)
        assert lag is not None
        assert lag.in_recovery
        assert lag.replay_lag_seconds == 0
        await standby.execute("SELECT pg_wal_replay_pause()")
        await db.primary.execute("SELECT 1")  # nothing to replay: still no lag to report
        await new_user(db)  # now the standby receives what it does not replay

        async def behind() -> bool:
            row = await monitoring.standby_lag(standby)
            return row is not None and (row.replay_lag_seconds or 0) > 0

        await eventually(behind)
    finally:
        await standby.execute("SELECT pg_wal_replay_resume()")
        await standby.close()
