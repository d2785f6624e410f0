"""Database against the session server: generated queries, pool limits, cancellation, timeouts,
transactions (savepoints, actor, isolation), hooks and errors."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid

import asyncpg
import pytest

from blog.generated.queries import posts, taxonomy, users
from postsql.errors import ConfigurationError, NotConnected, NotFound, PoolTimeout
from postsql.runtime.database import Database, require
from postsql.runtime.executor import Executor
from postsql.runtime.hooks import QueryRecord


async def make_user(db: Executor, tag: str = "") -> int:
    email = f"u-{tag}{uuid.uuid4().hex[:8]}@example.com"
    row = await users.create_user(
        db,
        email=email,
        name="Test User",
        avatar=None,
        role=None,
        bio=None,
        website=None,
        location=None,
    )
    assert row is not None
    return row.id


async def test_generated_queries_run_on_a_database(database: Database) -> None:
    author = await make_user(database)
    created = await posts.create_post(
        database,
        title="Hello",
        content="First post",
        excerpt=None,
        slug=f"hello-{uuid.uuid4().hex[:6]}",
        status=None,
        author_id=author,
    )
    page = await posts.find_posts(
        database,
        search="",
        status=None,
        author_id=author,
        category_id=None,
        tag_id=None,
        limit=10,
        offset=0,
    )
    assert [p.id for p in page] == [created.id]
    assert await posts.soft_delete_post(database, id=created.id) == 1


async def test_hooks_see_every_query_with_name_location_and_tables(database: Database) -> None:
    records: list[QueryRecord] = []
    database.add_query_hook(records.append)
    try:
        author = await make_user(database)
        await posts.count_posts(
            database, search="", status=None, author_id=author, category_id=None, tag_id=None
        )
        await database.fetchval("SELECT $1::int + 1", 41)
    finally:
        database.remove_query_hook(records.append)
    assert [r.name for r in records] == ["create_user", "count_posts", None]
    create, count, adhoc = records
    assert create.location == users.CREATE_USER.location
    assert create.location is not None
    assert create.location.startswith("sql/queries/users.sql:")
    assert create.tables_written >= {"users"}
    assert create.rows == 1
    assert count.tables_read >= {"posts"}
    assert count.operation == "select_value"
    assert adhoc.params == (41,)
    assert adhoc.sql == "SELECT $1::int + 1"
    assert all(r.error is None and r.target == "primary" and not r.in_transaction for r in records)
    assert all(r.duration > 0 and r.started_at <= time.time() for r in records)


async def test_a_failing_hook_is_logged_and_does_not_break_the_query(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(record: QueryRecord) -> None:
        raise RuntimeError("hook bug")

    seen: list[QueryRecord] = []
    database.add_query_hook(broken)
    database.add_query_hook(seen.append)
    try:
        assert await database.fetchval("SELECT 7") == 7
    finally:
        database.remove_query_hook(broken)
        database.remove_query_hook(seen.append)
    assert len(seen) == 1  # the hook after the broken one still ran
    assert any("query hook" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_errors_keep_their_asyncpg_class_and_sqlstate_and_name_the_query(
    database: Database,
) -> None:
    slug = f"t-{uuid.uuid4().hex[:8]}"
    await taxonomy.create_tag(database, name=slug, slug=slug)
    with pytest.raises(asyncpg.UniqueViolationError) as caught:
        await taxonomy.create_tag(database, name=slug, slug=slug)
    assert caught.value.sqlstate == "23505"
    assert caught.value.constraint_name
    assert any(taxonomy.CREATE_TAG.location in note for note in caught.value.__notes__)


async def test_pool_exhaustion_gives_a_timely_pool_timeout_and_recovers(db_url: str) -> None:
    async with Database(
        url=db_url, pool_min_size=0, pool_max_size=2, acquire_timeout=0.3, log_queries=False
    ) as db:
        hold = asyncio.Event()
        acquired = [asyncio.Event(), asyncio.Event()]

        async def occupy(done: asyncio.Event) -> None:
            async with db.acquire() as conn:
                await conn.execute("SELECT 1")
                done.set()
                await hold.wait()

        holders = [asyncio.create_task(occupy(done)) for done in acquired]
        for done in acquired:
            await done.wait()
        started = time.monotonic()
        with pytest.raises(PoolTimeout, match=r"acquire_timeout.*2 of 2 in use") as caught:
            await db.fetchval("SELECT 1")
        waited = time.monotonic() - started
        assert isinstance(caught.value, TimeoutError)
        assert 0.25 <= waited < 2.0  # the configured wait, not a hang
        hold.set()
        await asyncio.gather(*holders)
        assert await db.fetchval("SELECT 2") == 2
        assert db.pool_stats().in_use == 0


async def test_cancelled_task_returns_its_connection_clean(db_url: str) -> None:
    async with Database(
        url=db_url, pool_min_size=1, pool_max_size=1, acquire_timeout=5, log_queries=False
    ) as db:
        started = asyncio.Event()

        async def work() -> None:
            async with db.transaction(actor="mallory") as tx:
                await tx.execute("SET application_name = 'leftover'")
                await tx.execute("CREATE TEMP TABLE scratch (x int)")
                await tx.execute("INSERT INTO tags (name, slug) VALUES ('cancel-me', 'cancel-me')")
                started.set()
                await tx.execute("SELECT pg_sleep(30)")

        task = asyncio.create_task(work())
        await started.wait()
        await asyncio.sleep(0.1)  # let pg_sleep start
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.acquire() as conn:  # the pool's only connection, returned by the task
            assert not conn.is_in_transaction()
            state = await conn.fetchrow(
                "SELECT current_setting('postsql.actor', true) AS actor,"
                " current_setting('application_name') AS app,"
                " to_regclass('pg_temp.scratch') AS scratch,"
                " (SELECT count(*) FROM tags WHERE slug = 'cancel-me') AS tags"
            )
            assert state is not None
            assert state["actor"] in (None, "")
            assert state["app"] == "postsql"
            assert state["scratch"] is None
            assert state["tags"] == 0
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            )
            assert busy == 0  # the cancelled pg_sleep is not still running


async def test_a_cancelled_query_stops_on_the_server_and_frees_its_connection(db_url: str) -> None:
    async with Database(url=db_url, pool_min_size=1, pool_max_size=1, log_queries=False) as db:
        task = asyncio.create_task(db.execute("SELECT pg_sleep(30)"))
        while db.pool_stats().in_use == 0:  # noqa: ASYNC110 (the pool has no event to wait on)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        started = time.monotonic()
        sleeping = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'"
            " AND state = 'active'"
        )
        assert sleeping == 0
        assert time.monotonic() - started < 10  # not after the 30 s sleep


async def test_statement_timeout_gives_a_clear_error_and_the_connection_stays_usable(
    db_url: str,
) -> None:
    async with Database(
        url=db_url,
        pool_min_size=1,
        pool_max_size=1,
        server_settings={"statement_timeout": "200ms"},
        log_queries=False,
    ) as db:
        pid = await db.fetchval("SELECT pg_backend_pid()")
        with pytest.raises(asyncpg.QueryCanceledError, match="statement timeout") as caught:
            await db.execute("SELECT pg_sleep(5)")
        assert caught.value.sqlstate == "57014"
        assert await db.fetchval("SELECT pg_backend_pid()") == pid  # same connection, usable
        assert await db.fetchval("SELECT 1") == 1


async def test_transaction_pins_one_connection_for_every_call(database: Database) -> None:
    async with database.transaction() as tx:
        pid = await tx.fetchval("SELECT pg_backend_pid()")
        assert await database.fetchval("SELECT pg_backend_pid()") == pid  # same task: pinned
        async with database.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == pid
        other = await asyncio.create_task(database.fetchval("SELECT pg_backend_pid()"))
        assert other != pid  # a child task must not share the connection
    assert await database.fetchval("SELECT 1") == 1


async def test_nested_transactions_roll_back_to_their_savepoint(database: Database) -> None:
    records: list[QueryRecord] = []
    database.add_query_hook(records.append)
    try:
        async with database.transaction() as tx:
            await taxonomy.create_tag(tx, name="outer", slug="outer")

            async def failing_savepoint() -> None:
                async with tx.transaction() as inner:
                    await taxonomy.create_tag(inner, name="inner", slug="inner")
                    raise RuntimeError("inner fails")

            with pytest.raises(RuntimeError, match="inner fails"):
                await failing_savepoint()
            async with database.transaction():  # db.transaction() inside: a savepoint too
                await taxonomy.create_tag(database, name="kept", slug="kept")
    finally:
        database.remove_query_hook(records.append)
    slugs = {r["slug"] for r in await database.fetch("SELECT slug FROM tags")}
    assert {"outer", "kept"} <= slugs
    assert "inner" not in slugs
    assert all(r.in_transaction for r in records)


async def test_an_exception_rolls_back_the_whole_transaction(database: Database) -> None:
    async def failing() -> None:
        async with database.transaction() as tx:
            await taxonomy.create_tag(tx, name="gone", slug="gone")
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        await failing()
    assert await database.fetchval("SELECT count(*) FROM tags WHERE slug = 'gone'") == 0


async def test_actor_is_visible_inside_the_transaction_only(database: Database) -> None:
    read = "SELECT current_setting('postsql.actor', true)"
    async with database.transaction(actor="alice@example.com") as tx:
        assert await tx.fetchval(read) == "alice@example.com"
        async with tx.transaction(actor="bob") as inner:
            assert await inner.fetchval(read) == "bob"
        # the inner block's actor ends with it, though a released savepoint keeps settings
        assert await tx.fetchval(read) == "alice@example.com"
        async with tx.transaction(actor="carol"):
            pass
        async with tx.transaction():
            assert await tx.fetchval(read) == "alice@example.com"  # no actor: the outer one
    assert await database.fetchval(read) in (None, "")
    async with database.transaction() as tx:
        async with tx.transaction(actor="dave"):
            pass
        assert await tx.fetchval(read) in (None, "")


async def test_isolation_and_read_only_options(database: Database) -> None:
    async def write_in_read_only() -> None:
        async with database.transaction(isolation="serializable", readonly=True) as tx:
            assert await tx.fetchval("SHOW transaction_isolation") == "serializable"
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await taxonomy.create_tag(tx, name="ro", slug="ro")

    # the refused write failed the transaction: it cannot commit
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        await write_in_read_only()
    with pytest.raises(ConfigurationError, match="isolation must be one of"):
        database.transaction(isolation="chaos")  # type: ignore[arg-type]  # the point of the test
    async with database.transaction() as tx:
        with pytest.raises(ConfigurationError, match="outermost transaction only"):
            tx.transaction(isolation="serializable")


async def test_database_used_before_connect_says_so(db_url: str) -> None:
    db = Database(url=db_url, log_queries=False)
    with pytest.raises(NotConnected, match="connect"):
        await db.fetchval("SELECT 1")
    async with db:
        assert db.is_connected
        assert await db.ping() > 0
        report = await db.health()
        assert report.ok
        assert report.primary.in_recovery is False
        assert report.replicas == ()
    assert not db.is_connected


def test_database_repr_hides_the_password() -> None:
    db = Database(url="postgresql://app:pw-123@db.internal/app", log_queries=False)
    assert "pw-123" not in repr(db)
    assert "app:***@db.internal" in repr(db)


def test_require_raises_not_found_for_a_missing_row() -> None:
    assert require(5, "thing") == 5
    with pytest.raises(NotFound, match="post 'x' not found"):
        require(None, "post 'x'")


async def test_executemany_runs_every_row_and_reports_the_batch(database: Database) -> None:
    records: list[QueryRecord] = []
    database.add_query_hook(records.append)
    try:
        await database.executemany(
            "INSERT INTO tags (name, slug) VALUES ($1, $2)",
            ((f"many-{n}", f"many-{n}") for n in range(3)),  # any iterable, even a generator
        )
    finally:
        database.remove_query_hook(records.append)
    assert await database.fetchval("SELECT count(*) FROM tags WHERE slug LIKE 'many-%'") == 3
    [record] = records
    assert record.rows == 3


async def test_a_commit_after_a_caught_statement_error_raises_instead_of_silently_rolling_back(
    db_url: str,
) -> None:
    async with Database(url=db_url, pool_min_size=1, pool_max_size=1, log_queries=False) as db:

        async def swallow_then_commit() -> None:
            async with db.transaction() as tx:
                await taxonomy.create_tag(tx, name="first", slug="first")
                with pytest.raises(asyncpg.UniqueViolationError):
                    await taxonomy.create_tag(tx, name="first", slug="first")
                # the block ends normally: the caller believes "first" is saved

        with pytest.raises(asyncpg.InFailedSQLTransactionError, match="rolled back, not commit"):
            await swallow_then_commit()
        assert await db.fetchval("SELECT count(*) FROM tags WHERE slug = 'first'") == 0
        async with db.acquire() as conn:  # the pool's only connection came back clean
            assert not conn.is_in_transaction()
        # recovering through a savepoint is the supported way, and it commits
        async with db.transaction() as tx:
            await taxonomy.create_tag(tx, name="kept", slug="kept")
            with pytest.raises(asyncpg.UniqueViolationError):
                async with tx.transaction() as inner:
                    await taxonomy.create_tag(inner, name="kept", slug="kept")
        assert await db.fetchval("SELECT count(*) FROM tags WHERE slug = 'kept'") == 1


async def test_a_connect_timeout_says_what_timed_out_and_names_the_setting() -> None:
    # A server that accepts the TCP connection and never answers the startup message.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        db = Database(
            url=f"postgresql://app:not-shown@127.0.0.1:{port}/app",
            pool_min_size=0,
            connect_timeout=0.3,
            acquire_timeout=5,
            log_queries=False,
        )
        async with db:
            started = time.monotonic()
            with pytest.raises(TimeoutError, match=r"took longer than 0\.3 s \(connect_timeout\)"):
                await db.fetchval("SELECT 1")
            assert time.monotonic() - started < 3  # the connect timeout, not acquire_timeout
