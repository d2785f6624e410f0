"""The connection manager: pools, transactions, replica routing and the query hook.

:class:`Database` satisfies :class:`postsql.runtime.executor.Executor`, so every generated function
takes it::

    async with Database(url="postgresql://app@db/app") as db:
        page = await posts.find_posts(db, status=None, limit=20, offset=0, ...)
        async with db.transaction(actor="alice@example.com") as tx:
            await posts.soft_delete_post(tx, id=page[0].id)

- One instance per process, created at start-up and closed at shutdown (no global singleton: pass
  it on, e.g. keep it in a web app's lifespan state; see the README's "Runtime" section).
- Outside a transaction every call borrows a pooled connection for that one statement. Read-only
  generated queries (``QueryInfo.read_only``) go to a replica when ``replica_urls`` are configured;
  a replica that cannot be reached is left out for ``replica_retry_interval`` seconds and the query
  runs on the primary instead. Everything else goes to the primary.
- ``db.transaction()`` pins one primary connection; every call on the yielded executor (and on
  ``db`` itself from the same task) goes to it. Nested ``transaction()`` calls become savepoints.
  A transaction whose statement failed cannot commit: leaving the block normally after catching
  that error raises ``asyncpg.InFailedSQLTransactionError`` (nothing was saved) instead of
  PostgreSQL's silent ROLLBACK. Catch errors you mean to recover from around a nested
  ``transaction()``, which rolls back to its savepoint.
- Every query emits one :class:`~postsql.runtime.hooks.QueryRecord` to the registered hooks.
- Connections go back to the pool in ``finally`` blocks that survive cancellation; asyncpg resets
  a returned connection (rolls back, ``RESET ALL``, closes cursors...), so a cancelled task leaves
  no open transaction and no session state behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import itertools
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

import asyncpg
import asyncpg.exceptions

from postsql.errors import (
    ConfigurationError,
    IntegrityViolation,
    NotConnected,
    NotFound,
    PoolTimeout,
    TransactionOutcomeUnknown,
)
from postsql.runtime.executor import QueryInfo, affected_rows, init_connection
from postsql.runtime.failover import NodeStatus, probe
from postsql.runtime.hooks import HookList, QueryHook, QueryRecord
from postsql.runtime.integrity import CheckInfo, map_integrity_error
from postsql.runtime.registry import BUILTIN_PACKAGE, QueryRegistry
from postsql.runtime.settings import DatabaseSettings
from postsql.runtime.urls import (
    check_embedded_allowed,
    is_multi_host,
    redact,
    url_host,
    url_hosts,
)

__all__ = ["Database", "Health", "Isolation", "PoolStats", "TargetHealth", "Transaction", "require"]

_log = logging.getLogger("postsql.runtime.database")

Isolation = Literal["read_committed", "repeatable_read", "serializable"]
_ISOLATIONS = ("read_committed", "repeatable_read", "serializable")
_Kind = Literal["execute", "executemany", "fetch", "fetchrow", "fetchval"]
T = TypeVar("T")

# Errors that mean "this server cannot be reached or dropped us", as opposed to an error in the
# statement. TimeoutError is an OSError: a connect timeout (_ConnectTimeout) is one of these, but
# so is asyncpg's command_timeout, which says the statement was slow, not that the server is gone.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)
# Read-only queries may move from a replica to the primary on these; InternalClientError is what
# asyncpg raises on a pooled connection whose server has just said goodbye; TooManyConnectionsError
# is a replica refusing a new connection (max_connections, or the role's CONNECTION LIMIT); a
# replica refusing the credentials (28000, 28P01: InvalidPasswordError) or lacking the database
# (3D000) is as unusable as an unreachable one, and the primary may well accept them.
_REPLICA_FALLBACK: tuple[type[BaseException], ...] = (
    *_CONNECTION_ERRORS,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InvalidAuthorizationSpecificationError,
    asyncpg.exceptions.InvalidCatalogNameError,
)
# A hot standby cancels a query that holds back WAL replay longer than max_standby_streaming_delay
# ("canceling statement due to conflict with recovery": 40001, or 40P01 for a buffer-pin deadlock).
# Outside a transaction a read-only query can only get these from that, and may run on the primary.
_RECOVERY_CONFLICT: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
)
# A COMMIT that failed with one of these may have committed (the answer was lost).
_COMMIT_LOST: tuple[type[BaseException], ...] = (
    *_CONNECTION_ERRORS,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InternalClientError,
)
_HEALTH_ERRORS: tuple[type[BaseException], ...] = (*_REPLICA_FALLBACK, PoolTimeout)
# Said of a statement sent on a connection that then broke (a failover, a crash, a kill): the server
# may have committed it before the client heard. An error while connecting comes without this note:
# nothing was sent.
_OUTCOME_UNKNOWN = (
    "postsql: the connection to {target} broke after the statement was sent: it may or may not "
    "have been committed (outcome unknown). Retry it only if it is idempotent (an idempotency key "
    "with ON CONFLICT DO NOTHING, an upsert), or check whether it took effect first"
)
_SET_ACTOR = "SELECT set_config('postsql.actor', $1, true)"
_READ_ACTOR = "SELECT current_setting('postsql.actor', true)"
_COMMITS = frozenset({"COMMIT", "END", "COMMIT TRANSACTION", "COMMIT WORK"})


@dataclass(frozen=True, slots=True)
class PoolStats:
    """A snapshot of the primary pool: connections open, idle, lent out, and tasks waiting."""

    size: int
    idle: int
    in_use: int
    max_size: int
    min_size: int
    waiting: int


@dataclass(frozen=True, slots=True)
class TargetHealth:
    """One server as :meth:`Database.health` found it."""

    target: str
    ok: bool
    latency: float | None
    in_recovery: bool | None
    error: str | None


@dataclass(frozen=True, slots=True)
class Health:
    """The primary and every replica; ``ok`` when the primary answers.

    With a cluster's multi-host URL, ``nodes`` is every node's role and replication state
    (:func:`postsql.runtime.failover.probe`), and ``ok`` also needs one of them to accept writes.
    """

    primary: TargetHealth
    replicas: tuple[TargetHealth, ...]
    nodes: tuple[NodeStatus, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the primary answered (replicas are optional: reads fall back) and, for a
        cluster, a node accepts writes."""
        return self.primary.ok and (not self.nodes or any(n.writable for n in self.nodes))


def require(value: T | None, what: str) -> T:
    """``value`` unless it is ``None``; then :class:`~postsql.errors.NotFound` naming ``what``.

    Example::

        post = require(await posts.find_post_by_slug(db, slug=slug), f"post {slug!r}")
    """
    if value is None:
        raise NotFound(f"{what} not found")
    return value


@functools.cache
def _default_registry(package: str | None) -> QueryRegistry:
    """postsql's own queries and, when configured, those of the project's generated package."""
    return QueryRegistry.from_package(
        BUILTIN_PACKAGE, *([] if package is None else [f"{package}.queries"])
    )


@functools.cache
def _default_checks(package: str | None) -> Mapping[str, CheckInfo] | None:
    if package is None:
        return None
    models = importlib.import_module(f"{package}.models")
    found: Mapping[str, CheckInfo] | None = getattr(models, "CHECK_CONSTRAINTS", None)
    return found


def _target_label(url: str) -> str:
    if is_multi_host(url):
        return ",".join(f"{host}:{port}" if port else host for host, port in url_hosts(url))
    parts = urlsplit(url)
    host = url_host(url) or ""
    port = parts.port or dict(parse_qsl(parts.query)).get("port")
    return f"{host}:{port}" if port else host


class _Executes:
    """The :class:`~postsql.runtime.executor.Executor` methods, over one ``_run`` each subclass
    provides."""

    __slots__ = ()

    async def _run(self, kind: _Kind, sql: str, args: tuple[object, ...], column: int) -> Any:
        raise NotImplementedError

    async def execute(self, query: str, *args: object) -> str:
        """Run a statement; return its status tag. Example: ``await db.execute("VACUUM")``."""
        return cast(str, await self._run("execute", query, args, 0))

    async def executemany(self, command: str, args: Iterable[Sequence[object]]) -> None:
        """Run a statement once per argument tuple (one round trip)."""
        await self._run("executemany", command, (list(args),), 0)

    async def fetch(self, query: str, *args: object) -> list[asyncpg.Record]:
        """All rows. Example: ``await db.fetch("SELECT * FROM tags")``."""
        return cast(list[asyncpg.Record], await self._run("fetch", query, args, 0))

    async def fetchrow(self, query: str, *args: object) -> asyncpg.Record | None:
        """The first row or ``None``."""
        return cast("asyncpg.Record | None", await self._run("fetchrow", query, args, 0))

    async def fetchval(self, query: str, *args: object, column: int = 0) -> Any:
        """One value of the first row. Example: ``await db.fetchval("SELECT 1")``."""
        return await self._run("fetchval", query, args, column)


class _Connection(asyncpg.Connection):
    """The pools' connection: a COMMIT that the server turned into a ROLLBACK raises.

    PostgreSQL answers ``COMMIT`` of a transaction in which a statement failed with the status
    ``ROLLBACK`` and no error, and asyncpg (which commits with ``execute``) ignores the status. A
    caller that caught a statement's error inside ``db.transaction()`` and carried on would see the
    block exit normally with nothing committed; this turns that into an error.
    """

    # asyncpg's own signature, timeout included: asyncpg calls it.
    async def execute(self, query: str, *args: object, timeout: float | None = None) -> str:  # noqa: ASYNC109
        status = await super().execute(query, *args, timeout=timeout)
        if status == "ROLLBACK" and query.strip().rstrip(";").strip().upper() in _COMMITS:
            raise asyncpg.InFailedSQLTransactionError(
                "the transaction was rolled back, not committed: a statement in it failed "
                "earlier and its error was caught; nothing of the transaction was saved "
                "(to recover from an error and go on, run the statement in a nested "
                "transaction(), which rolls back to its savepoint)"
            )
        return status


class _BouncerConnection(_Connection):
    """A connection for PgBouncer in transaction mode.

    With the statement cache off asyncpg only uses the unnamed statement, except for cursors, which
    prepare a named one inside their transaction. asyncpg numbers those per process, so two
    processes behind one PgBouncer could meet on one server connection with the same name; a random
    name per statement rules that out.
    """

    def _get_unique_id(self, prefix: str) -> str:
        return f"__postsql_{prefix}_{uuid.uuid4().hex}__"


class _ConnectTimeout(TimeoutError):
    """No connection could be opened within ``connect_timeout``: the server is unreachable."""


class _Pool:
    """An asyncpg pool with its label, waiters and (replicas) when it may be tried again."""

    def __init__(
        self, pool: asyncpg.Pool, label: str, acquire_timeout: float, connect_timeout: float
    ) -> None:
        self.pool = pool
        self.label = label
        self.acquire_timeout = acquire_timeout
        self.connect_timeout = connect_timeout
        self.waiting = 0
        self.down_until = 0.0

    def stats(self) -> PoolStats:
        size = self.pool.get_size()
        idle = self.pool.get_idle_size()
        return PoolStats(
            size=size,
            idle=idle,
            in_use=size - idle,
            max_size=self.pool.get_max_size(),
            min_size=self.pool.get_min_size(),
            waiting=self.waiting,
        )

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        conn = await self.get()
        try:
            yield conn
        except BaseException:
            await self.put(conn)
            raise
        if await self.put(conn):
            # Cancelled while the connection went back, after the work succeeded (a statement
            # ran, a COMMIT was acknowledged): the caller gets that result, and the cancellation
            # at its next await. Raised here, it would say "cancelled" of a write that happened.
            _deliver_cancellation()

    async def get(self) -> asyncpg.Connection:
        """A connection of the pool (give it back with :meth:`put`)."""
        # asyncpg bounds an acquire(timeout=...) with asyncio.wait_for, which before Python 3.12
        # runs it in a task of its own: most of what a pooled query costs the client beyond
        # asyncpg itself. A free connection (asyncpg's queue of free holders is not empty) is
        # handed over without waiting, so there is nothing to bound; a wait is bounded by
        # asyncio.timeout, which cancels the acquire the same way (asyncpg puts the holder back).
        free = getattr(self.pool, "_queue", None)
        waits = free is None or not free.qsize()
        if waits:
            self.waiting += 1
        started = time.monotonic()
        try:
            if waits:
                async with asyncio.timeout(self.acquire_timeout):
                    proxy = await self.pool.acquire()
            else:
                proxy = await self.pool.acquire()
        except TimeoutError as exc:
            if not waits or time.monotonic() - started < self.acquire_timeout * 0.95:
                # A connect timeout inside the pool, not a wait for a free connection. asyncpg's
                # says nothing (``TimeoutError()``); still a TimeoutError (an OSError: replicas
                # fall back on it), now saying what timed out.
                raise _ConnectTimeout(
                    f"connecting to {self.label} took longer than {self.connect_timeout:g} s "
                    "(connect_timeout): the server did not complete the connection"
                ) from exc
            stats = self.stats()
            why = (
                "every connection is in use"
                if stats.in_use >= stats.max_size
                else "opening a new connection took too long"
            )
            raise PoolTimeout(
                f"no connection to {self.label} within {self.acquire_timeout:g} s "
                f"(acquire_timeout): {why}; {stats.in_use} of {stats.max_size} in use, "
                f"{stats.waiting} tasks waiting"
            ) from None
        finally:
            if waits:
                self.waiting -= 1
        return cast(asyncpg.Connection, proxy)

    async def put(self, conn: asyncpg.Connection) -> bool:
        """Give back a connection :meth:`get` returned; whether this task was cancelled meanwhile
        (the release itself always completes)."""
        # asyncpg shields the release and resets the connection; when the reset fails (the
        # server went away) it terminates the connection and re-raises. The statement's own
        # outcome is what the caller needs, so that error is logged, not raised over it.
        try:
            await self.pool.release(cast(Any, conn))  # the proxy get() returned
        except asyncio.CancelledError:
            # asyncpg shields the release itself, so it goes on to its end; only this task was
            # cancelled, after the work succeeded: the caller gets its result, and the
            # cancellation at its next await (see _deliver_cancellation).
            return True
        except Exception as exc:
            _log.info(
                "connection to %s dropped on release (%s: %s); the pool replaces it",
                self.label,
                type(exc).__name__,
                exc,
            )
        return False


@dataclass(frozen=True, slots=True)
class _Binding:
    task: asyncio.Task[Any] | None
    transaction: Transaction


class Database(_Executes):
    """Pools, transactions, replica routing and query hooks; see the module docstring.

    Example::

        db = Database(url="postgresql://app@db/app", pool_max_size=20)
        await db.connect()
        try:
            total = await posts.count_posts(db, search="", status=None, ...)
        finally:
            await db.disconnect()
    """

    def __init__(
        self,
        settings: DatabaseSettings | None = None,
        /,
        *,
        registry: QueryRegistry | None = None,
        checks: Mapping[str, CheckInfo] | None = None,
        **overrides: Any,
    ) -> None:
        if settings is None:
            settings = DatabaseSettings(**overrides)
        elif overrides:
            settings = settings.with_overrides(**overrides)
        self.settings = settings
        if settings.url is None:  # fail at start-up, not at the first query
            check_embedded_allowed(os.environ)
        package = settings.generated_package
        self.registry = registry if registry is not None else _default_registry(package)
        # CHECK constraint name -> its table and columns, for naming a violation's column: the
        # generated package's ``models.CHECK_CONSTRAINTS`` unless given.
        self.checks = checks if checks is not None else _default_checks(package)
        self._hooks = HookList()
        self._primary: _Pool | None = None
        self._replicas: list[_Pool] = []
        self._cluster_url: str | None = None  # the primary's URL when it lists several hosts
        self._round_robin = itertools.count()
        self._connect_lock = asyncio.Lock()
        self._bound: ContextVar[_Binding | None] = ContextVar(
            f"postsql_tx_{id(self)}", default=None
        )
        if settings.log_queries:
            from postsql.ext.logging import QueryLogger

            self.add_query_hook(QueryLogger.from_settings(settings))
        self._attach_tracer()

    def _attach_tracer(self) -> None:
        """The tracing hook (``trace_queries``), once a tracer provider is set: without one every
        span is dropped, and the hook would cost each query its attributes for nothing."""
        if not self.settings.trace_queries:
            return
        from postsql.ext.tracing import QueryTracer, tracer_provider_configured

        if tracer_provider_configured() and not any(
            isinstance(h, QueryTracer) for h in self._hooks.hooks
        ):
            self.add_query_hook(QueryTracer())

    def __repr__(self) -> str:
        where = redact(self.settings.url) if self.settings.url else "<URL rule>"
        state = "connected" if self._primary is not None else "not connected"
        return f"<Database {where} {state}, {len(self._replicas)} replicas>"

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        """Whether :meth:`connect` has run (and :meth:`disconnect` has not)."""
        return self._primary is not None

    async def connect(self) -> None:
        """Open the primary pool (``pool_min_size`` connections) and the lazy replica pools.

        Idempotent. Example: ``await db.connect()``.
        """
        async with self._connect_lock:
            if self._primary is not None:
                return
            self._attach_tracer()  # a provider set after Database(...) but before connect()
            # The URL rule may start the embedded server: blocking work, off the event loop.
            target = await asyncio.to_thread(self.settings.target)
            primary = await self._create_pool(target.url, min_size=self.settings.pool_min_size)
            replicas: list[_Pool] = []
            try:
                for dsn in self.settings.replica_dsns():
                    replicas.append(await self._create_pool(dsn, min_size=0, replica=True))
            except BaseException:
                await primary.pool.close()
                raise
            self._primary, self._replicas = primary, replicas
            self._cluster_url = target.url if is_multi_host(target.url) else None

    async def disconnect(self, *, grace: float = 10.0) -> None:
        """Close every pool, waiting up to ``grace`` seconds for borrowed connections.

        Idempotent. Example: ``await db.disconnect()``.
        """
        async with self._connect_lock:
            pools = [p for p in (self._primary, *self._replicas) if p is not None]
            self._primary, self._replicas = None, []
            for pool in pools:
                try:
                    await asyncio.wait_for(pool.pool.close(), grace)
                except Exception:  # includes the timeout: whoever still holds one loses it
                    pool.pool.terminate()

    async def __aenter__(self) -> Database:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.disconnect()

    async def _create_pool(self, dsn: str, *, min_size: int, replica: bool = False) -> _Pool:
        s = self.settings
        server_settings = {"application_name": s.application_name, **s.server_settings}
        label = _target_label(dsn)
        try:
            pool = await self._open_pool(dsn, min_size, server_settings)
        except TimeoutError as exc:
            # asyncpg's says nothing (``TimeoutError()``): say what timed out and what bounds it.
            raise _ConnectTimeout(
                f"connecting to {'replica ' if replica else ''}{label} took longer than "
                f"{s.connect_timeout:g} s (connect_timeout): the server did not complete the "
                "connection"
            ) from exc
        return _Pool(
            pool,
            f"replica:{label}" if replica else "primary",
            s.acquire_timeout,
            s.connect_timeout,
        )

    async def _open_pool(
        self, dsn: str, min_size: int, server_settings: dict[str, str]
    ) -> asyncpg.Pool:
        s = self.settings
        return await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=s.pool_max_size,
            max_inactive_connection_lifetime=s.max_inactive_connection_lifetime,
            timeout=s.connect_timeout,
            command_timeout=s.command_timeout,
            statement_cache_size=s.effective_statement_cache_size,
            server_settings=server_settings,
            init=init_connection,
            connection_class=_BouncerConnection if s.pgbouncer else _Connection,
        )

    def _require_primary(self) -> _Pool:
        if self._primary is None:
            raise NotConnected(
                "this Database is not connected: call `await db.connect()` or use "
                "`async with Database(...) as db:` first"
            )
        return self._primary

    # -- hooks ----------------------------------------------------------------------------

    def add_query_hook(self, hook: QueryHook) -> None:
        """Call ``hook`` with a :class:`~postsql.runtime.hooks.QueryRecord` after every query.

        Example: ``db.add_query_hook(lambda record: print(record.name, record.duration))``
        """
        self._hooks.add(hook)

    def remove_query_hook(self, hook: QueryHook) -> None:
        """Stop calling ``hook``. Example: ``db.remove_query_hook(my_hook)``."""
        self._hooks.remove(hook)

    @property
    def query_hooks(self) -> tuple[QueryHook, ...]:
        """The registered hooks, in call order."""
        return self._hooks.hooks

    # -- statistics -----------------------------------------------------------------------

    def pool_stats(self) -> PoolStats:
        """A snapshot of the primary pool. Example: ``db.pool_stats().in_use``."""
        return self._require_primary().stats()

    def replica_stats(self) -> dict[str, PoolStats]:
        """Snapshots of the replica pools by label (``replica:host:port``)."""
        return {pool.label: pool.stats() for pool in self._replicas}

    # -- the Executor protocol ------------------------------------------------------------

    @property
    def primary(self) -> _PrimaryExecutor:
        """An executor that sends even read-only queries to the primary (read your own writes).

        Example: ``await posts.find_post_by_slug(db.primary, slug=slug)``
        """
        return _PrimaryExecutor(self)

    # -- transactions and connections -----------------------------------------------------

    def transaction(
        self,
        *,
        isolation: Isolation | None = None,
        readonly: bool = False,
        deferrable: bool = False,
        actor: str | None = None,
    ) -> AbstractAsyncContextManager[Transaction]:
        """A transaction on one primary connection; nested calls become savepoints.

        Cancelled, the block raises ``CancelledError`` only when nothing was saved: a COMMIT,
        once sent, runs to its end, and when it succeeded the block completes and the task is
        cancelled again at its next await. A connection lost during COMMIT raises
        :class:`~postsql.errors.TransactionOutcomeUnknown`.

        ``actor`` is stored transaction-locally as ``postsql.actor`` (read it in SQL with
        ``current_setting('postsql.actor', true)``; the audit triggers do).

        Example::

            async with db.transaction(isolation="serializable", actor="alice") as tx:
                await users.update_user(tx, ...)
        """
        _check_isolation(isolation)
        bound = self._binding()
        if bound is not None:
            return bound.transaction.transaction(
                isolation=isolation, readonly=readonly, deferrable=deferrable, actor=actor
            )
        return self._top_transaction(isolation, readonly, deferrable, actor)

    @contextlib.asynccontextmanager
    async def _top_transaction(
        self, isolation: Isolation | None, readonly: bool, deferrable: bool, actor: str | None
    ) -> AsyncIterator[Transaction]:
        async with (
            self._require_primary().acquire() as conn,
            _begin(self, conn, isolation, readonly, deferrable, actor) as tx,
        ):
            token = self._bound.set(_Binding(asyncio.current_task(), tx))
            try:
                yield tx
            finally:
                self._bound.reset(token)
        if tx._cancelled_during_commit:
            # Committed: the block completed; the cancellation is delivered now, once the
            # connection is back in the pool, at the task's next await.
            _deliver_cancellation()

    @contextlib.asynccontextmanager
    async def _acquire(self) -> AsyncIterator[asyncpg.Connection]:
        bound = self._binding()
        if bound is not None:
            yield bound.transaction.connection
            return
        async with self._require_primary().acquire() as conn:
            yield conn
            left_open = conn.is_in_transaction()
        if left_open:
            # The pool's reset rolled it back. Typically an ``iter_*`` loop left by ``break``:
            # its generator (and the transaction it opened) stays open until the garbage
            # collector closes it, so the statements after the loop ran inside it and were lost.
            raise asyncpg.InterfaceError(
                "db.acquire(): the connection came back inside a transaction, which was rolled "
                "back: the statements run in it after it began were not saved. Was an iter_* "
                "loop left early (break, return)? Wrap the iterator in "
                "`async with contextlib.aclosing(posts.iter_...(conn, ...)) as rows:` so it "
                "ends its transaction on leaving; open your own with db.transaction()"
            )

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Iterable[Sequence[object]],
        columns: Iterable[str] | None = None,
    ) -> str:
        """COPY ``records`` into ``table_name`` (asyncpg's method of that name), in a transaction.

        Inside ``db.transaction()`` it joins that transaction (as a savepoint); either way the
        write is reported to the hooks as one of ``table_name``, so the cache invalidates it.
        :func:`postsql.copy_models` is the typed way in: it maps a constraint violation to an
        :class:`~postsql.errors.IntegrityViolation` naming the offending row (here it is
        asyncpg's own error). Returns the status (``"COPY 1000"``).
        """
        async with self.transaction() as tx:
            return await tx.copy_records_to_table(table_name, records=records, columns=columns)

    def is_in_transaction(self) -> bool:
        """Whether this task is inside ``db.transaction()`` (its calls go to that connection).

        Same name as ``asyncpg.Connection.is_in_transaction``: the query cache asks either.
        """
        return self._binding() is not None

    def acquire(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """Borrow a primary connection (the transaction's own inside ``transaction()``).

        Needed for cursors (``iter_*`` functions), ``COPY`` and ``LISTEN``. An ``iter_*``
        function opens a transaction (a savepoint inside one) that ends only when its generator
        does: wrap it in ``contextlib.aclosing`` so that leaving the loop early ends it at once.
        A connection that comes back still inside a transaction is rolled back and the block
        raises ``asyncpg.InterfaceError`` (its statements were not saved). Example::

            async with (
                db.acquire() as conn,
                contextlib.aclosing(posts.iter_find_posts(conn, ...)) as rows,
            ):
                async for post in rows:
                    ...
        """
        return self._acquire()

    async def expire_connections(self) -> None:
        """Replace every pooled connection (primary and replicas), e.g. after a migration.

        Connections prepare statements and cache type layouts; after ``ALTER TABLE`` or
        ``ALTER TYPE`` a statement prepared earlier fails inside a transaction with
        ``InvalidCachedStatementError`` ("cached statement plan is invalid"). Every connection
        is closed and reopened the next time it is lent (one in use, when it comes back), so
        later calls prepare afresh. Example::

            await migrator.up()
            await db.expire_connections()
        """
        for pool in (self._require_primary(), *self._replicas):
            await pool.pool.expire_connections()

    async def ping(self) -> float:
        """Round-trip time of ``SELECT 1`` on the primary, in seconds (raises when unreachable)."""
        started = time.perf_counter()
        async with self._require_primary().acquire() as conn:
            await conn.fetchval("SELECT 1")
        return time.perf_counter() - started

    async def health(self, *, within: float = 5.0) -> Health:
        """Ask every server ``SELECT pg_is_in_recovery()``; never raises (except when cancelled).

        A server that cannot be reached, refuses the credentials, lacks the database or fails in
        any other way is reported unhealthy with the reason (``TargetHealth.error``); so is a
        Database that is not connected.

        Example (a readiness probe)::

            report = await db.health()
            status = 200 if report.ok else 503
        """
        primary = self._primary
        if primary is None:
            reason = "NotConnected: connect() has not run, or disconnect() has"
            return Health(TargetHealth("primary", False, None, None, reason), ())
        checks = [_check(pool, within) for pool in (primary, *self._replicas)]
        cluster = self._cluster_url
        nodes = probe(cluster, within=within) if cluster is not None else asyncio.sleep(0, ())
        (first, *rest), found = await asyncio.gather(asyncio.gather(*checks), nodes)
        return Health(primary=first, replicas=tuple(rest), nodes=found)

    # -- internals ------------------------------------------------------------------------

    def _binding(self) -> _Binding | None:
        bound = self._bound.get()
        if bound is None:
            return None
        # Tasks started inside a transaction inherit the context; they must not share its
        # connection (asyncpg allows one operation at a time), so they get the pool.
        if bound.task is not asyncio.current_task():
            return None
        return bound

    async def _call(
        self,
        kind: _Kind,
        sql: str,
        args: tuple[object, ...],
        column: int = 0,
        *,
        force_primary: bool = False,
    ) -> Any:
        bound = self._binding()
        if bound is not None:
            return await bound.transaction._call(kind, sql, args, column=column)
        primary = self._require_primary()
        info = self.registry.lookup(sql)
        if not force_primary and info is not None and info.read_only:
            replica = self._pick_replica()
            if replica is not None:
                try:
                    return await self._on_pool(replica, kind, sql, args, column, info)
                except PoolTimeout:  # before OSError: a PoolTimeout is a TimeoutError too
                    _log.warning("replica %s is saturated; using the primary", replica.label)
                except _RECOVERY_CONFLICT as exc:  # the replica is fine: not left out
                    _log.warning(
                        "replica %s cancelled %s (%s); running it on the primary",
                        replica.label,
                        info.name,
                        exc,
                    )
                except _REPLICA_FALLBACK as exc:
                    if isinstance(exc, TimeoutError) and not isinstance(exc, _ConnectTimeout):
                        # command_timeout: the statement was slow, the replica is fine. Running it
                        # again on the primary would double the wait the caller bounded (and put
                        # the slow query on the primary); leaving the replica out would be wrong.
                        raise
                    replica.down_until = time.monotonic() + self.settings.replica_retry_interval
                    _log.warning(
                        "replica %s failed (%s: %s); using the primary for %g s",
                        replica.label,
                        type(exc).__name__,
                        exc,
                        self.settings.replica_retry_interval,
                    )
        return await self._on_pool(primary, kind, sql, args, column, info)

    # The Executor methods' one entry point, without a coroutine of its own in between: each
    # coroutine layer is client time every query pays.
    _run = _call

    def _pick_replica(self) -> _Pool | None:
        if not self._replicas:
            return None
        now = time.monotonic()
        start = next(self._round_robin)
        for offset in range(len(self._replicas)):
            candidate = self._replicas[(start + offset) % len(self._replicas)]
            if candidate.down_until <= now:
                return candidate
        return None

    def _on_pool(
        self,
        pool: _Pool,
        kind: _Kind,
        sql: str,
        args: tuple[object, ...],
        column: int,
        info: QueryInfo | None,
    ) -> Awaitable[Any]:
        # Not a coroutine itself: it returns _observed's, one coroutine layer less per statement.

        async def run() -> tuple[Any, int | None]:
            # get/put rather than ``async with pool.acquire()``: a generator-based context
            # manager per statement is a measurable share of the client's time per query.
            conn = await pool.get()  # the wait for a connection counts in the duration
            try:
                try:
                    result = await _invoke(conn, kind, sql, args, column)
                except _CONNECTION_ERRORS as exc:
                    if info is None or not info.read_only:
                        exc.add_note(_OUTCOME_UNKNOWN.format(target=pool.label))
                    raise
                except asyncpg.exceptions.OutdatedSchemaCacheError:
                    # A type the result uses changed (ALTER TYPE ... ADD ATTRIBUTE): the server
                    # ran the statement but asyncpg could not decode it, and has now reloaded
                    # the pool's type cache. asyncpg retries a stale plan outside a transaction
                    # but not this; a read can safely run again, a write must not (it did run).
                    if info is None or not info.read_only:
                        raise
                    result = await _invoke(conn, kind, sql, args, column)
            except BaseException:
                await pool.put(conn)
                raise
            if await pool.put(conn):
                _deliver_cancellation()  # the statement ran: its result, then the cancellation
            return result

        return self._observed(info, sql, args, False, pool.label, run)

    async def _observed(
        self,
        info: QueryInfo | None,
        sql: str,
        args: tuple[object, ...],
        in_transaction: bool,
        target: str,
        run: Callable[[], Awaitable[tuple[Any, int | None]]],
        written: frozenset[str] | None = None,
        *,
        surface: bool = True,
    ) -> Any:
        """Run one statement: time it, surface its error, and emit its record to the hooks.

        ``written`` replaces the query's ``tables_written`` (a COMMIT reports its transaction's).
        ``surface=False`` leaves the error as asyncpg raised it (a COPY: the caller maps it with
        the row it knows, from the detail a mapped error no longer carries).
        """
        started_at = time.time()
        started = time.perf_counter()
        rows: int | None = None
        error: BaseException | None = None
        try:
            result, rows = await run()
            return result
        except BaseException as exc:
            if (
                type(exc) is TimeoutError
                and not exc.args
                and self.settings.command_timeout is not None
            ):
                # asyncpg's command_timeout, which says nothing: say what and which setting.
                what = f"query {info.name}" if info is not None else "the statement"
                error = TimeoutError(
                    f"{what} on {target} took longer than {self.settings.command_timeout:g} s "
                    "(command_timeout) and was cancelled"
                )
                error.__cause__ = exc
                error = _surface(error, info, target, self.checks, in_transaction=in_transaction)
                raise error from exc
            if not surface:
                error = exc
                raise
            error = _surface(exc, info, target, self.checks, in_transaction=in_transaction)
            if error is exc:
                raise
            raise error from None
        finally:
            self._emit(
                info, sql, args, started_at, started, rows, error, in_transaction, target, written
            )

    def _emit(
        self,
        info: QueryInfo | None,
        sql: str,
        args: tuple[object, ...],
        started_at: float,
        started: float,
        rows: int | None,
        error: BaseException | None,
        in_transaction: bool,
        target: str,
        written: frozenset[str] | None = None,
    ) -> None:
        duration = time.perf_counter() - started
        if not self._hooks.wanted(duration, error is not None):
            return
        self._hooks.emit(
            QueryRecord(
                name=info.name if info else None,
                location=info.location if info else None,
                sql=sql,
                operation=info.operation if info else None,
                tables_read=info.tables_read if info else frozenset(),
                tables_written=(
                    written if written is not None else info.tables_written if info else frozenset()
                ),
                params=args,
                started_at=started_at,
                duration=duration,
                rows=rows,
                error=error,
                in_transaction=in_transaction,
                target=target,
            )
        )


class _PrimaryExecutor(_Executes):
    """The Executor behind :attr:`Database.primary`."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _run(self, kind: _Kind, sql: str, args: tuple[object, ...], column: int) -> Any:
        return await self._db._call(kind, sql, args, column=column, force_primary=True)

    def is_in_transaction(self) -> bool:
        """Whether this task is inside one of the database's transactions."""
        return self._db.is_in_transaction()


class Transaction(_Executes):
    """The executor yielded by :meth:`Database.transaction`: every call uses its one connection.

    Example::

        async with db.transaction() as tx:
            await tx.execute("UPDATE posts SET view_count = 0")
            async with tx.transaction():          # a savepoint
                ...
    """

    __slots__ = ("_cancelled_during_commit", "_db", "_written", "connection")

    def __init__(
        self, db: Database, connection: asyncpg.Connection, written: set[str] | None = None
    ) -> None:
        self._db = db
        self.connection = connection
        """The pinned connection (for cursors: ``posts.iter_find_posts(tx.connection, ...)``)."""
        # Tables the generated queries of the whole transaction (savepoints included) wrote: its
        # COMMIT reports them, so the cache invalidates when the writes become visible.
        self._written: set[str] = written if written is not None else set()
        # Whether the task was cancelled while its COMMIT was in flight (and the COMMIT ended).
        self._cancelled_during_commit = False

    def is_in_transaction(self) -> bool:
        """Always true (as ``asyncpg.Connection.is_in_transaction``; the query cache asks)."""
        return True

    def __repr__(self) -> str:
        return f"<Transaction on {self.connection!r}>"

    async def _run(self, kind: _Kind, sql: str, args: tuple[object, ...], column: int) -> Any:
        return await self._call(kind, sql, args, column=column)

    def transaction(
        self,
        *,
        isolation: Isolation | None = None,
        readonly: bool = False,
        deferrable: bool = False,
        actor: str | None = None,
    ) -> AbstractAsyncContextManager[Transaction]:
        """A savepoint: rolled back alone when its block raises. ``actor`` applies inside it."""
        if isolation is not None or readonly or deferrable:
            raise ConfigurationError(
                "isolation, readonly and deferrable apply to the outermost transaction only; "
                "a nested transaction is a savepoint and cannot change them"
            )
        return _begin(self._db, self.connection, None, False, False, actor, parent=self)

    async def copy_records_to_table(
        self,
        table_name: str,
        *,
        records: Iterable[Sequence[object]],
        columns: Iterable[str] | None = None,
    ) -> str:
        """COPY ``records`` into ``table_name`` on this transaction's connection."""
        written = frozenset({table_name.rpartition(".")[2]})
        self._written.update(written)

        async def copy() -> tuple[str, int]:
            status = await self.connection.copy_records_to_table(
                table_name, records=records, columns=columns
            )
            return status, affected_rows(status)

        result: str = await self._db._observed(
            None, f"COPY {table_name}", (), True, "primary", copy, written, surface=False
        )
        return result

    async def _call(
        self, kind: _Kind, sql: str, args: tuple[object, ...], *, column: int = 0
    ) -> Any:
        db = self._db
        info = db.registry.lookup(sql)
        if info is not None and info.tables_written:
            self._written.update(info.tables_written)
        return await db._observed(
            info,
            sql,
            args,
            True,
            "primary",
            lambda: _invoke(self.connection, kind, sql, args, column),
        )


@contextlib.asynccontextmanager
async def _begin(
    db: Database,
    conn: asyncpg.Connection,
    isolation: Isolation | None,
    readonly: bool,
    deferrable: bool,
    actor: str | None,
    *,
    parent: Transaction | None = None,
) -> AsyncIterator[Transaction]:
    if actor is not None:
        from postsql.ext.audit import check_audit_text

        check_audit_text("actor", actor)  # NUL or a lone surrogate would fail on the server
    # asyncpg turns a transaction started inside another into a savepoint.
    xact = conn.transaction(isolation=isolation, readonly=readonly, deferrable=deferrable)
    tx = Transaction(db, conn, parent._written if parent is not None else None)
    outer_actor: str | None = None
    try:
        # BEGIN runs to its end even when the task is cancelled meanwhile (then it is rolled back
        # below): cancelled half-way, the connection went back to the pool inside a transaction
        # asyncpg did not know of, and asyncpg logged "Resetting connection with an active
        # transaction" at ERROR.
        if await _to_the_end(xact.start()):
            raise asyncio.CancelledError
        if actor is not None:
            if parent is not None:  # a savepoint: its actor must not outlive it (see below)
                outer_actor = await conn.fetchval(_READ_ACTOR)
            await conn.execute(_SET_ACTOR, actor)
        yield tx
    except BaseException:
        # Roll back even when the task is being cancelled (again); if that fails the connection
        # is broken and the pool's release terminates it.
        if conn.is_in_transaction():
            with contextlib.suppress(Exception):
                await _to_the_end(xact.rollback())
        raise
    if parent is not None:
        await xact.commit()  # RELEASE SAVEPOINT: deferred constraints wait for the COMMIT
        if actor is not None:
            # A released savepoint keeps its settings: without this, the outer transaction's
            # later writes would be audited as the inner block's actor.
            await conn.execute(_SET_ACTOR, outer_actor or "")
        return
    # The COMMIT, once sent, runs to its end whatever happens to the task: its outcome is the
    # transaction's, and the caller learns it. Committed, the block completes and a cancellation
    # that arrived meanwhile is delivered at the task's next await (Database._top_transaction).
    # Failed, its error is raised (nothing was saved). The connection lost while it was in
    # flight: TransactionOutcomeUnknown, since the server may have committed.
    # A transaction that wrote through generated queries emits one more record, the COMMIT's,
    # carrying every table it wrote: the cache invalidates again on it, which drops any entry
    # loaded from the old rows while the transaction ran.

    async def commit() -> tuple[None, None]:
        try:
            tx._cancelled_during_commit = await _to_the_end(xact.commit())
        except _COMMIT_LOST as exc:
            raise TransactionOutcomeUnknown(
                "the connection failed while COMMIT was in flight "
                f"({type(exc).__name__}: {exc}): the server may or may not have committed the "
                "transaction; check before running it again"
            ) from exc
        return None, None

    written = frozenset(tx._written) if tx._written else None
    try:
        if written is None:
            await commit()
        else:
            await db._observed(None, "COMMIT", (), True, "primary", commit, written)
    except TransactionOutcomeUnknown:
        raise
    except BaseException as exc:  # a deferred constraint fails here: map it too
        error = _surface(exc, None, "primary", db.checks, in_transaction=True)
        if error is exc:
            raise
        raise error from None


def _deliver_cancellation() -> None:
    """Cancel this task again: a cancellation that arrived while an operation was run to its end
    (see :func:`_to_the_end`) is raised at the task's next await instead of being lost."""
    task = asyncio.current_task()
    if task is not None:
        task.cancel()


async def _to_the_end(operation: Awaitable[object]) -> bool:
    """Await ``operation`` to its end even if this task is cancelled meanwhile; whether it was.

    The operation's own error propagates. Used for BEGIN, COMMIT and ROLLBACK: stopped half-way
    they leave the connection in a state nobody knows (is the transaction open? committed?).
    """
    inner = asyncio.ensure_future(operation)
    cancelled = False
    while True:
        try:
            await asyncio.shield(inner)
        except asyncio.CancelledError:
            if inner.cancelled():  # the operation itself was cancelled, not this task
                raise
            if inner.done():
                inner.result()  # its own error, if any
                return True
            cancelled = True
            continue
        return cancelled


async def _invoke(
    conn: asyncpg.Connection, kind: _Kind, sql: str, args: tuple[object, ...], column: int
) -> tuple[Any, int | None]:
    if kind == "execute":
        status = await conn.execute(sql, *args)
        return status, affected_rows(status)
    if kind == "fetch":
        records = await conn.fetch(sql, *args)
        return records, len(records)
    if kind == "fetchrow":
        record = await conn.fetchrow(sql, *args)
        return record, int(record is not None)
    if kind == "fetchval":
        return await conn.fetchval(sql, *args, column=column), None
    batch = cast(list[Sequence[object]], args[0])
    await conn.executemany(sql, batch)
    return None, len(batch)


async def _check(pool: _Pool, within: float) -> TargetHealth:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(within), pool.acquire() as conn:
            in_recovery = await conn.fetchval("SELECT pg_is_in_recovery()")
    except Exception as exc:  # a readiness probe reports, it does not raise (wrong password...)
        reason = str(exc) or f"no answer within {within:g} s (health(within=...))"
        return TargetHealth(pool.label, False, None, None, f"{type(exc).__name__}: {reason}")
    return TargetHealth(pool.label, True, time.perf_counter() - started, bool(in_recovery), None)


def _surface(
    exc: BaseException,
    info: QueryInfo | None,
    target: str,
    checks: Mapping[str, CheckInfo] | None = None,
    *,
    in_transaction: bool = False,
) -> BaseException:
    """The error the caller sees: a constraint violation mapped to an ``IntegrityViolation``
    (still of asyncpg's class, naming constraint, column and field, not the values), annotated
    with the query's name and ``file:line``; a stale-schema error says what happened and what to
    do; any other error as it is, annotated."""
    surfaced = exc
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError) and not isinstance(
        exc, IntegrityViolation
    ):
        surfaced = map_integrity_error(exc, checks=checks)
    if isinstance(surfaced, Exception) and info is not None:
        surfaced.add_note(f"postsql: in query {info.name} ({info.location}) on {target}")
    if isinstance(surfaced, _STALE_SCHEMA):
        surfaced.add_note(_stale_schema_hint(surfaced, in_transaction))
    return surfaced


_STALE_SCHEMA = (
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
)


def _stale_schema_hint(exc: BaseException, in_transaction: bool) -> str:
    what = (
        "a table or type this statement uses changed after the connection prepared it "
        "(a migration ran while the pool was open)"
    )
    if isinstance(exc, asyncpg.exceptions.OutdatedSchemaCacheError):
        happened = "the statement ran on the server, but its result could not be decoded"
    else:
        happened = "the statement did not run"
    if in_transaction:
        happened += "; the transaction is aborted: nothing of it will be saved, run it again"
    else:
        happened += "; asyncpg has dropped its stale caches, so calling again works"
    return (
        f"postsql: {what}; {happened}. After a migration that alters tables or types, call "
        "`await db.expire_connections()` so every pooled connection is replaced"
    )


def _check_isolation(isolation: str | None) -> None:
    if isolation is not None and isolation not in _ISOLATIONS:
        raise ConfigurationError(
            f"isolation must be one of {', '.join(_ISOLATIONS)}; got {isolation!r}"
        )
