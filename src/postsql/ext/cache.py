"""A read-through cache for generated queries marked ``@cache ttl=...``, with write invalidation.

Mark a read-only query as cacheable in its comment block; codegen carries the TTL into its
``QueryInfo.cache_ttl``::

    -- name: list_categories_with_post_counts()
    -- Returns every category with its number of live posts.
    -- @cache ttl=60s
    SELECT ...

Then call it through the cache; the result is the same typed value the function returns::

    cache = QueryCache()                      # in-process; QueryCache(RedisBackend(url)) for Redis
    db.add_query_hook(cache.on_query)         # invalidate on every write postsql makes
    rows = await cache.call(taxonomy.list_categories_with_post_counts, db)

How it works:

- The key is the query's name and its parameters (bound to the function's signature, so
  positional and keyword spellings agree). Each entry is stamped with the *generation* of every
  table the query reads (``QueryInfo.tables_read``, views expanded to their tables by codegen)
  as they were when its load started; an entry is served only while those generations are
  current. Redis answers the entry and the generations in one round trip.
- Invalidation bumps the generation of the written tables: :meth:`QueryCache.on_query` does it for
  every successful statement the runtime reports with ``tables_written``; :meth:`invalidate` for
  writes made otherwise (raw SQL, another service, triggers). A load that raced a write carries
  the generation it started with, so it is stale on arrival and cannot resurrect old rows.
- Transactions: a call made inside one (a ``Transaction``, ``db`` from the transaction's task,
  or a connection in a transaction) neither reads nor fills the cache: it may see its own
  uncommitted writes, which others must not be served (and which a rollback would undo). The
  runtime reports a transaction's COMMIT with every table it wrote, so entries loaded from the
  old rows while the transaction ran are invalidated when its writes become visible.
- Values are stored as JSON made by the function's return-type ``TypeAdapter`` and validated back
  into the same pydantic models, so a hit from Redis equals a fresh call. Each hit is a new
  object: callers may mutate it.
- Expiry uses the injected ``clock`` (wall clock by default: Redis entries are shared between
  processes); Redis additionally expires keys on the server.
- Concurrent identical misses in one process load once (single flight); the others wait for it.
- A float NaN or ±Infinity is stored as the JSON constant and comes back as itself. A result
  with bytes that are not UTF-8 cannot be JSON text: it is returned uncached, with one warning
  per query.

Limits: writes made inside a transaction on a plain asyncpg connection (not through
:class:`~postsql.runtime.database.Database`) have no COMMIT record: call :meth:`invalidate` after
the commit.

Redis down: by default the cache steps aside: the call goes to the database and a warning is
logged (logger ``postsql.ext.cache``). An invalidation the backend missed is owed: each later
call retries it first, and until it lands, queries reading those tables bypass the cache (so an
entry from before the write is never served once Redis answers again). With ``strict=True`` it
raises :class:`~postsql.errors.CacheError` instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import math
import struct
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, cast, get_type_hints

import pydantic_core
from pydantic import TypeAdapter

from postsql.errors import CacheError, ConfigurationError
from postsql.runtime.executor import Executor, QueryInfo
from postsql.runtime.urls import redact

__all__ = [
    "CacheBackend",
    "CacheStats",
    "MemoryBackend",
    "QueryCache",
    "QueryRecordLike",
    "RedisBackend",
]

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger("postsql.ext.cache")
# An entry: expiry time, the generations of the tables read when the load started, JSON payload.
_HEADER = struct.Struct("!dI")


class QueryRecordLike(Protocol):
    """The fields of the runtime's ``postsql.runtime.hooks.QueryRecord`` the cache reads."""

    @property
    def tables_written(self) -> frozenset[str]: ...

    @property
    def error(self) -> BaseException | None: ...


class CacheBackend(Protocol):
    """Where entries and table generations live. Errors other than :class:`CacheError` mean the
    backend is unavailable (the cache then bypasses it, or raises in strict mode)."""

    name: str

    async def fetch(self, key: str, tables: Sequence[str]) -> tuple[bytes | None, list[int]]:
        """The entry under ``key`` (or None) and the current generation of each table, together
        (one round trip for Redis)."""
        ...

    async def set(self, key: str, value: bytes, *, ttl: float, tables: frozenset[str]) -> None: ...

    async def bump(self, tables: Iterable[str]) -> None: ...

    def bump_nowait(self, tables: Iterable[str]) -> bool:
        """Bump at once if this backend can do so without I/O; return whether it did."""
        ...

    async def clear(self) -> None: ...

    async def aclose(self) -> None: ...


class MemoryBackend:
    """In-process entries: a bounded LRU of ``max_entries``; a bump also drops the stale entries.

    Example::

        cache = QueryCache(MemoryBackend(max_entries=10_000))
    """

    name = "memory"

    def __init__(self, *, max_entries: int = 1024) -> None:
        if not isinstance(max_entries, int) or max_entries < 1:
            raise ConfigurationError(
                f"max_entries: expected a positive integer, got {max_entries!r}"
            )
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, frozenset[str]]] = OrderedDict()
        self._by_table: dict[str, set[str]] = {}  # table -> keys of the entries that read it
        self._generations: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def fetch(self, key: str, tables: Sequence[str]) -> tuple[bytes | None, list[int]]:
        generations = [self._generations.get(t, 0) for t in tables]
        entry = self._entries.get(key)
        if entry is None:
            return None, generations
        self._entries.move_to_end(key)
        return entry[0], generations

    async def set(self, key: str, value: bytes, *, ttl: float, tables: frozenset[str]) -> None:
        self._drop(key)
        self._entries[key] = (value, tables)
        for table in tables:
            self._by_table.setdefault(table, set()).add(key)
        while len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    async def bump(self, tables: Iterable[str]) -> None:
        self.bump_nowait(tables)

    def bump_nowait(self, tables: Iterable[str]) -> bool:
        # The new generation alone makes the entries unservable; dropping them frees their room
        # (the index keeps this proportional to the entries dropped, not to the cache's size).
        for table in frozenset(tables):
            self._generations[table] = self._generations.get(table, 0) + 1
            for key in list(self._by_table.get(table, ())):
                self._drop(key)
        return True

    async def clear(self) -> None:
        self._entries.clear()
        self._by_table.clear()

    async def aclose(self) -> None:
        await self.clear()

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for table in entry[1]:
            keys = self._by_table.get(table)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_table[table]


class RedisBackend:
    """Entries and generations in Redis (``redis`` package, asyncio client), shared by processes.

    Keys start with ``prefix``: ``<prefix>v:<query>:<hash>`` for entries (expired by the server
    after their TTL), ``<prefix>g:<table>`` for table generations (never expire).

    Example::

        cache = QueryCache(RedisBackend("redis://127.0.0.1:6379/0"))
    """

    name = "redis"

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "postsql:cache:",
        socket_timeout: float = 1.0,
    ) -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError as exc:  # pragma: no cover - the cache extra is not installed
            raise ConfigurationError(
                "RedisBackend needs the redis package: pip install 'postsql[cache]'"
            ) from exc
        if not prefix:
            raise ConfigurationError("prefix: must not be empty (clear() deletes its keys)")
        if socket_timeout <= 0:
            raise ConfigurationError(
                f"socket_timeout: expected a positive number of seconds, got {socket_timeout!r}"
            )
        self.url = url
        self.prefix = prefix
        self.name = f"redis {redact(url)}"
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )

    def __repr__(self) -> str:
        return f"RedisBackend({redact(self.url)!r}, prefix={self.prefix!r})"

    async def ping(self) -> None:
        """Raise unless the server answers (use it to check the URL at startup)."""
        await self._client.ping()

    async def fetch(self, key: str, tables: Sequence[str]) -> tuple[bytes | None, list[int]]:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.get(self.prefix + "v:" + key)
            if tables:
                pipe.mget([self.prefix + "g:" + t for t in tables])
            results = await pipe.execute()
        value = results[0]
        if isinstance(value, str):  # only with decode_responses=True, which we never set
            value = value.encode()
        generations = [int(v) if v is not None else 0 for v in results[1]] if tables else []
        return value, generations

    async def set(self, key: str, value: bytes, *, ttl: float, tables: frozenset[str]) -> None:
        await self._client.set(self.prefix + "v:" + key, value, px=max(1, math.ceil(ttl * 1000)))

    async def bump(self, tables: Iterable[str]) -> None:
        names = sorted(set(tables))
        if not names:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for table in names:
                pipe.incr(self.prefix + "g:" + table)
            await pipe.execute()

    def bump_nowait(self, tables: Iterable[str]) -> bool:
        return False

    async def clear(self) -> None:
        keys = [key async for key in self._client.scan_iter(match=self.prefix + "*")]
        if keys:
            await self._client.delete(*keys)

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counters since the cache was made: ``loads`` ran the query (a miss, or a bypass)."""

    hits: int = 0
    misses: int = 0
    loads: int = 0
    bypassed: int = 0
    invalidations: int = 0


def _in_transaction(db: Executor) -> bool:
    # asyncpg's Connection (and pool proxy), postsql's Database and Transaction all answer
    # is_in_transaction(); a Pool has none, and runs every call outside a transaction.
    probe = getattr(db, "is_in_transaction", None)
    return callable(probe) and bool(probe())


@dataclass(frozen=True, slots=True)
class _Target:
    info: QueryInfo
    ttl: float
    signature: inspect.Signature
    adapter: TypeAdapter[Any]
    # Whether a float can occur anywhere in the result: only then can NaN/±Infinity need the
    # slower two-step JSON (see QueryCache._storable).
    has_float: bool


def _has_float(schema: object) -> bool:
    """Whether a pydantic core schema holds a ``float`` anywhere (its definitions included)."""
    if isinstance(schema, dict):
        return schema.get("type") == "float" or any(_has_float(v) for v in schema.values())
    if isinstance(schema, (list, tuple)):
        return any(_has_float(v) for v in schema)
    return False


class QueryCache:
    """Read-through cache over generated query functions (see the module docstring).

    ``ttl_overrides`` maps query names to TTLs in seconds, replacing or supplying the ``@cache``
    TTL (a query with neither cannot be cached). ``clock`` returns seconds (inject one in tests).

    Example::

        cache = QueryCache(ttl_overrides={"find_post_by_slug": 30})
        post = await cache.call(posts.find_post_by_slug, pool, slug="hello")
    """

    def __init__(
        self,
        backend: CacheBackend | None = None,
        *,
        ttl_overrides: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.time,
        strict: bool = False,
    ) -> None:
        overrides = dict(ttl_overrides or {})
        for name, ttl in overrides.items():
            if not isinstance(ttl, int | float) or isinstance(ttl, bool) or ttl <= 0:
                raise ConfigurationError(
                    f"ttl_overrides[{name!r}]: expected a positive number of seconds, got {ttl!r}"
                )
        self.backend: CacheBackend = backend if backend is not None else MemoryBackend()
        self.strict = strict
        self._overrides = overrides
        self._clock = clock
        self._targets: dict[Callable[..., Any], _Target] = {}
        self._inflight: dict[str, asyncio.Future[bytes | None]] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._unstorable: set[str] = set()  # queries already warned about (see _storable)
        self._owed: set[str] = set()  # tables whose invalidation the backend missed (_settle)
        self._counts = {"hits": 0, "misses": 0, "loads": 0, "bypassed": 0, "invalidations": 0}

    @property
    def stats(self) -> CacheStats:
        """A snapshot of the counters."""
        return CacheStats(**self._counts)

    # ------------------------------------------------------------------------- reading

    async def call(
        self,
        fn: Callable[Concatenate[Executor, P], Awaitable[T]],
        db: Executor,
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``await fn(db, **kwargs)``, answered from the cache while the entry is fresh.

        Raises :class:`~postsql.errors.CacheError` when ``fn`` is not a generated query function,
        writes, or has no TTL; in strict mode also when the backend fails.

        Example::

            post = await cache.call(posts.find_post_by_slug, db, slug="hello")
        """
        target = self._target(fn)
        bound = target.signature.bind(db, *args, **kwargs)
        params = dict(list(bound.arguments.items())[1:])
        await self.flush()
        await self._settle()
        if _in_transaction(db) or not self._owed.isdisjoint(target.info.tables_read):
            # Inside a transaction, or reading a table whose invalidation the backend missed:
            # its entries may hold rows from before a write this process made.
            self._counts["bypassed"] += 1
            self._counts["loads"] += 1
            return await fn(db, *args, **kwargs)
        tables = sorted(target.info.tables_read)
        key = self._key(target.info, params)
        while True:
            try:
                raw, generations = await self.backend.fetch(key, tables)
            except CacheError:
                raise
            except Exception as exc:
                return await self._bypass(exc, fn, db, args, kwargs)
            cached = self._fresh(raw, generations)
            if cached is not None:
                self._counts["hits"] += 1
                return cast(T, target.adapter.validate_json(cached))
            flight = f"{key}@{generations}"
            waiting = self._inflight.get(flight)
            if waiting is None:
                break
            payload = await asyncio.shield(waiting)
            if payload is not None:
                self._counts["hits"] += 1
                return cast(T, target.adapter.validate_json(payload))
            # the loader was cancelled or failed on the backend: try again (maybe as the loader)
        return await self._load(target, key, flight, generations, fn, db, args, kwargs)

    def _fresh(self, raw: bytes | None, generations: list[int]) -> bytes | None:
        """The payload of an entry still valid: not expired, loaded at the current generations."""
        if raw is None or len(raw) < _HEADER.size:
            return None
        expires_at, count = _HEADER.unpack_from(raw)
        if count != len(generations):
            return None
        stamps = struct.unpack_from(f"!{count}q", raw, _HEADER.size)
        if list(stamps) != generations or self._clock() >= expires_at:
            return None
        return raw[_HEADER.size + 8 * count :]

    async def _load(
        self,
        target: _Target,
        key: str,
        flight: str,
        generations: list[int],
        fn: Callable[..., Awaitable[T]],
        db: Executor,
        args: tuple[object, ...],
        kwargs: Mapping[str, object],
    ) -> T:
        self._counts["misses"] += 1
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._inflight[flight] = future
        payload: bytes | None = None
        try:
            self._counts["loads"] += 1
            value = await fn(db, *args, **kwargs)
            payload = self._storable(target, value)
            if payload is None:
                return value
            # Stamped with the generations read before loading: if a write bumped one meanwhile,
            # the entry is stale on arrival and the next call loads again.
            head = _HEADER.pack(self._clock() + target.ttl, len(generations))
            stamps = struct.pack(f"!{len(generations)}q", *generations)
            try:
                await self.backend.set(
                    key, head + stamps + payload, ttl=target.ttl, tables=target.info.tables_read
                )
            except Exception as exc:
                self._backend_failed(exc)
            return value
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError | CacheError):
                future.set_exception(exc)
                future.exception()  # retrieved here: waiters (if any) re-raise it
            raise
        finally:
            if not future.done():
                future.set_result(payload)
            if self._inflight.get(flight) is future:
                del self._inflight[flight]

    def _storable(self, target: _Target, value: object) -> bytes | None:
        """The JSON of ``value``, or None when JSON cannot hold it (then it is not cached).

        A float NaN or ±Infinity is written as the JSON constant (pydantic's own JSON writes
        null: a hit then failed to validate, or read None for a ``float | None``). Bytes that are
        not UTF-8 cannot be JSON text: that result is returned uncached, with one warning.
        """
        try:
            if not target.has_float:  # one pass: nothing can be NaN but a Decimal (a string)
                return target.adapter.dump_json(value)
            plain = target.adapter.dump_python(value, mode="json")
            return pydantic_core.to_json(plain, inf_nan_mode="constants")
        except (pydantic_core.PydanticSerializationError, UnicodeDecodeError) as exc:
            if target.info.name not in self._unstorable:
                self._unstorable.add(target.info.name)
                logger.warning(
                    "%s: %s: result not cached, JSON cannot hold it: %s",
                    target.info.location,
                    target.info.name,
                    str(exc).splitlines()[0],
                )
            return None

    async def _bypass(
        self,
        exc: Exception,
        fn: Callable[..., Awaitable[T]],
        db: Executor,
        args: tuple[object, ...],
        kwargs: Mapping[str, object],
    ) -> T:
        self._backend_failed(exc)
        self._counts["bypassed"] += 1
        self._counts["loads"] += 1
        return await fn(db, *args, **kwargs)

    def _backend_failed(self, exc: BaseException) -> None:
        message = f"cache backend {self.backend.name} failed: {type(exc).__name__}: {exc}"
        if self.strict:
            raise CacheError(message) from exc
        logger.warning("%s; querying the database directly", message)

    # ------------------------------------------------------------------------- invalidation

    def on_query(self, record: QueryRecordLike) -> None:
        """Runtime query hook: a successful statement that wrote tables invalidates them.

        Example::

            db.add_query_hook(cache.on_query)
        """
        if record.error is not None or not record.tables_written:
            return
        tables = frozenset(record.tables_written)
        self._counts["invalidations"] += 1
        if self.backend.bump_nowait(tables):
            return
        task = asyncio.get_running_loop().create_task(self._bump_logged(tables))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def invalidate(self, tables: Iterable[str]) -> None:
        """Forget every entry of a query that reads one of ``tables`` (for writes made outside
        postsql's hook: raw SQL, other services, triggers).

        Example::

            await conn.execute("UPDATE posts SET title = 'x' WHERE id = 1")
            await cache.invalidate(["posts"])
        """
        if isinstance(tables, str):
            raise CacheError(f"tables: expected an iterable of table names, got the str {tables!r}")
        names = frozenset(tables)
        if not names:
            return
        self._counts["invalidations"] += 1
        if self.backend.bump_nowait(names):
            return
        try:
            await self.backend.bump(names)
        except Exception as exc:
            self._owed |= names
            self._backend_failed(exc)

    async def flush(self) -> None:
        """Wait for invalidations scheduled by :meth:`on_query` (``call`` does this itself)."""
        while self._pending:
            await asyncio.gather(*list(self._pending))

    async def clear(self) -> None:
        """Drop every entry (generations stay)."""
        await self.backend.clear()

    async def aclose(self) -> None:
        """Finish pending invalidations and close the backend."""
        await self.flush()
        await self.backend.aclose()

    async def _settle(self) -> None:
        """Retry the invalidations the backend missed; those tables bypass it until one works."""
        if not self._owed:
            return
        owed = frozenset(self._owed)
        try:
            await self.backend.bump(owed)
        except Exception as exc:
            if self.strict:
                self._backend_failed(exc)
            return
        self._owed -= owed

    async def _bump_logged(self, tables: frozenset[str]) -> None:
        try:
            await self.backend.bump(tables)
        except Exception as exc:
            self._owed |= tables
            # Not raised: nobody awaits this task. Owed: the next call retries it, and these
            # tables bypass the cache until it lands (_settle).
            logger.error(
                "cache backend %s failed to invalidate %s: %s: %s",
                self.backend.name,
                ", ".join(sorted(tables)),
                type(exc).__name__,
                exc,
            )

    # ------------------------------------------------------------------------- helpers

    def _target(self, fn: Callable[..., Any]) -> _Target:
        found = self._targets.get(fn)
        if found is not None:
            return found
        name = getattr(fn, "__name__", repr(fn))
        module = sys.modules.get(getattr(fn, "__module__", ""))
        info = getattr(module, name.upper(), None)
        if not isinstance(info, QueryInfo) or info.name != name:
            raise CacheError(
                f"{name}: not a generated query function (expected a function of "
                "blog.generated.queries.* with its QueryInfo beside it)"
            )
        where = f"{info.location}: {info.name}:"
        if not info.read_only:
            raise CacheError(f"{where} writes, so it cannot be cached")
        ttl = self._overrides.get(info.name, info.cache_ttl)
        if ttl is None:
            raise CacheError(
                f"{where} not marked cacheable: add `-- @cache ttl=60s` to its comment block "
                "(or pass ttl_overrides)"
            )
        hints = get_type_hints(fn)
        adapter: TypeAdapter[Any] = TypeAdapter(hints["return"])
        target = _Target(
            info, float(ttl), inspect.signature(fn), adapter, _has_float(adapter.core_schema)
        )
        self._targets[fn] = target
        return target

    @staticmethod
    def _key(info: QueryInfo, params: Mapping[str, object]) -> str:
        try:
            blob = pydantic_core.to_json(sorted(params.items()))
        except pydantic_core.PydanticSerializationError as exc:
            raise CacheError(
                f"{info.location}: {info.name}: a parameter cannot be part of a cache key: {exc}"
            ) from exc
        return f"{info.name}:{hashlib.sha256(blob).hexdigest()}"
