"""Hostile input against the whole public surface: every repository method, the extension APIs
and every generated query function, called with generated arguments of every kind.

The contract: each call returns, or raises one of the documented errors, and nothing else
(``TypeError``, ``OverflowError``, ``ValueError``, ``UnicodeEncodeError``... escaping would be a
bug). Documented:

- repositories: ``InvalidArgument`` before any I/O; constraint violations (``IntegrityViolation``
  through a ``Database``, asyncpg's class on a pool);
- generated functions: asyncpg's ``DataError`` for an argument it cannot encode, PostgreSQL's own
  errors (``asyncpg.PostgresError``), ``InvalidArgument`` for a naive datetime;
- audit: ``AuditError``; cache: ``CacheError`` and what the query itself raises.

Examples are bounded (a few per callable) so the whole run takes well under a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.generated.models import CommentInsert, PostInsert
from blog.generated.queries import (
    comments,
    posts,
    roles,
    seed,
    taxonomy,
    users,
)
from blog.repositories import (
    CommentRepository,
    PostRepository,
    RoleRepository,
    TaxonomyRepository,
    UserRepository,
)
from postsql.builtin.queries import audit as q_audit
from postsql.builtin.queries import monitoring
from postsql.errors import AuditError, CacheError, IntegrityViolation, InvalidArgument
from postsql.ext import audit
from postsql.ext.cache import MemoryBackend, QueryCache
from postsql.runtime.database import Database
from postsql.runtime.executor import init_connection
from postsql.runtime.pagination import CursorCodec

TEXTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\ud800",
            "'; DROP TABLE posts; --",
            "%_\\",
            "'" * 300,
            "x" * 3_000,
            "a " * 40,
            "hello-world",
            "ada@example.com",
            "DRAFT",
            "PUBLISHED",
            "ADMIN",
        ]
    ),
)
INTEGERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**5000]),
)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    INTEGERS,
    TEXTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.just(Decimal("NaN")),
    st.binary(max_size=8),
    st.lists(INTEGERS, max_size=4),
    st.lists(TEXTS, max_size=3),
    st.datetimes(),
    st.datetimes(timezones=st.just(UTC)),
    st.builds(object),
)
COMMENT_ROWS = st.lists(
    st.builds(CommentInsert, post_id=INTEGERS, author_id=INTEGERS, content=TEXTS), max_size=3
)
POST_ROWS = st.lists(
    st.builds(
        PostInsert,
        title=TEXTS.filter(str.strip),
        content=TEXTS,
        slug=st.sampled_from(["a", "hello-world", "x" * 3_000, "a-" * 200 + "b"]),
        author_id=INTEGERS,
        view_count=st.sampled_from([0, 7, 2**63 - 1, 2**63, 2**70]),
    ),
    max_size=3,
)

EXAMPLES = 6
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _public_methods(repository: object) -> Iterator[tuple[str, Callable[..., Awaitable[Any]]]]:
    for name, method in inspect.getmembers(repository, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            yield name, method


def _arguments(fn: Callable[..., Any], skip: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """Hostile keyword arguments for every parameter of ``fn`` after the first ``skip``."""
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for parameter in list(inspect.signature(fn).parameters.values())[skip:]:
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name == "prefetch":
            continue
        if parameter.name == "rows" and "comment" in fn.__name__:
            fields[parameter.name] = COMMENT_ROWS
        elif parameter.name == "rows":
            fields[parameter.name] = POST_ROWS
        else:
            fields[parameter.name] = VALUES
    return st.fixed_dictionaries(fields)


def _call(fn: Callable[..., Awaitable[Any]], kwargs: dict[str, Any], *first: object) -> Any:
    # Positional-only and positional parameters by position, the rest by keyword.
    positional: list[object] = list(first)
    named: dict[str, object] = {}
    for parameter in list(inspect.signature(fn).parameters.values())[len(first) :]:
        if parameter.name not in kwargs:
            continue
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional.append(kwargs[parameter.name])
        else:
            named[parameter.name] = kwargs[parameter.name]
    return fn(*positional, **named)


def _fuzz(
    strategy: st.SearchStrategy[dict[str, Any]], body: Callable[[dict[str, Any]], None]
) -> None:
    @SETTINGS
    @given(strategy)
    def hostile(kwargs: dict[str, Any]) -> None:
        body(kwargs)

    hostile()


def _checking(
    harness: Harness,
    fn: Callable[..., Awaitable[Any]],
    allowed: tuple[type[BaseException], ...],
    *first: object,
) -> Callable[[dict[str, Any]], None]:
    def body(kwargs: dict[str, Any]) -> None:
        harness.check(_call(fn, kwargs, *first), allowed)

    return body


class Harness:
    """One event loop, a connected Database and a pool, for hypothesis' synchronous tests."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.database = Database(url=url, pool_min_size=1, pool_max_size=4, log_queries=False)
        self.run(self.database.connect())
        self.pool: asyncpg.Pool = self.run(self._pool(url))
        self.conn: asyncpg.Connection = self.run(self._connection(url))

    @staticmethod
    async def _connection(url: str) -> asyncpg.Connection:
        conn = await asyncpg.connect(url)
        await init_connection(conn)
        return conn

    @staticmethod
    async def _pool(url: str) -> asyncpg.Pool:
        return await asyncpg.create_pool(url, min_size=1, max_size=2, init=init_connection)

    def run(self, awaitable: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(awaitable)

    def check(self, call: Awaitable[Any], allowed: tuple[type[BaseException], ...]) -> None:
        with contextlib.suppress(*allowed):
            self.run(asyncio.wait_for(call, 20))

    def close(self) -> None:
        self.run(self.conn.close())
        self.run(self.pool.close())
        self.run(self.database.disconnect())
        self.loop.close()


@pytest.fixture
def harness(db_url: str) -> Iterator[Harness]:
    h = Harness(db_url)
    try:
        yield h
    finally:
        h.close()


REPOSITORY_ERRORS = (InvalidArgument, IntegrityViolation, asyncpg.IntegrityConstraintViolationError)
QUERY_ERRORS = (asyncpg.PostgresError, asyncpg.DataError, InvalidArgument)


def test_every_repository_method_raises_only_documented_errors(harness: Harness) -> None:
    codec = CursorCodec(key=b"hostile-test-cursor-key-0123")
    called: list[str] = []
    for executor in (harness.database, harness.pool):
        repositories: list[object] = [
            PostRepository(executor, cursors=codec),
            UserRepository(executor),
            CommentRepository(executor, cursors=codec),
            TaxonomyRepository(executor),
            RoleRepository(executor),
        ]
        for repository in repositories:
            for name, method in _public_methods(repository):
                called.append(f"{type(repository).__name__}.{name}")

                _fuzz(_arguments(method), _checking(harness, method, REPOSITORY_ERRORS))
    assert "PostRepository.find_posts" in called
    assert "RoleRepository.upsert" in called


QUERY_MODULES: list[ModuleType] = [
    q_audit,
    comments,
    monitoring,
    posts,
    roles,
    seed,
    taxonomy,
    users,
]


def _query_functions() -> Iterator[tuple[str, Callable[..., Awaitable[Any]]]]:
    for module in QUERY_MODULES:
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.iscoroutinefunction(fn) and not name.startswith("iter_"):
                yield f"{module.__name__}.{name}", fn


def _cursor_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module in QUERY_MODULES:
        for name in module.__all__:
            if name.startswith("iter_"):
                yield f"{module.__name__}.{name}", getattr(module, name)


async def _first_rows(rows: Any) -> None:
    # A few rows of an iter_* generator, closed deterministically (it holds a transaction).
    async with contextlib.aclosing(rows) as stream:
        count = 0
        async for _ in stream:
            count += 1
            if count == 3:
                break


def test_every_generated_function_raises_only_documented_errors(harness: Harness) -> None:
    names = []
    for name, fn in _query_functions():
        names.append(name)

        _fuzz(_arguments(fn, skip=1), _checking(harness, fn, QUERY_ERRORS, harness.database))
    assert len(names) > 40


def test_every_generated_cursor_function_raises_only_documented_errors(harness: Harness) -> None:
    names = []
    for name, fn in _cursor_functions():
        names.append(name)

        def body(kwargs: dict[str, Any], fn: Any = fn) -> None:
            harness.check(_first_rows(_call(fn, kwargs, harness.conn)), QUERY_ERRORS)

        _fuzz(_arguments(fn, skip=1), body)
    assert len(names) > 10


def test_the_extension_apis_raise_only_documented_errors(harness: Harness) -> None:
    db = harness.database

    @SETTINGS
    @given(VALUES, VALUES, VALUES)
    def audit_reads(table: Any, key: Any, limit: Any) -> None:
        harness.check(audit.history(db, table, key, limit=limit), (AuditError,))
        harness.check(audit.recent(db, limit=limit), (AuditError,))

    @SETTINGS
    @given(VALUES)
    def actors(actor: Any) -> None:
        async def write_as() -> None:
            async with db.transaction(actor=actor) as tx:
                await tx.fetchval("SELECT current_setting('postsql.actor', true)")

        async def set_directly() -> None:
            async with harness.conn.transaction():
                await audit.set_actor(harness.conn, actor)

        harness.check(write_as(), (AuditError,))
        harness.check(set_directly(), (AuditError,))

    cache = QueryCache(MemoryBackend())
    cacheable = [fn for _, fn in _query_functions() if _info(fn) is not None]
    assert cacheable, "no query has a @cache directive"

    @SETTINGS
    @given(st.data())
    def cached(data: st.DataObject) -> None:
        for fn in cacheable:
            kwargs = data.draw(_arguments(fn, skip=1))
            harness.check(cache.call(fn, db, **kwargs), (CacheError, *QUERY_ERRORS))

    audit_reads()
    actors()
    cached()
    stats = cache.stats
    assert stats.hits + stats.loads > 0  # some hostile calls did reach the cache and the server


def _info(fn: Callable[..., Any]) -> object:
    module = inspect.getmodule(fn)
    for value in vars(module).values():
        if getattr(value, "name", None) == fn.__name__ and getattr(value, "cache_ttl", None):
            return value
    return None


def test_a_hostile_datetime_reaches_no_query_unchecked(harness: Harness) -> None:
    # The generated guard runs before the round trip: a naive datetime never reaches asyncpg.
    with pytest.raises(InvalidArgument, match="until"):
        harness.run(
            posts.find_posts(harness.database, until=datetime(2026, 1, 1), limit=1, offset=0)
        )
