"""Seeds: the base rows every environment needs, and demo data for development.

:func:`seed_base` upserts the roles (``admin`` with ``{*}``, ``moderator`` with ``{read,write}``,
``user`` with ``{read}``) and an admin user with a profile. It is idempotent: a second run changes
nothing at all (same rows, ids and timestamps). Its SQL is the named queries of
``sql/queries/seed.sql``.

:func:`seed_demo` loads :func:`blog.demo_data.generate_demo_data`'s rows with COPY, in one
transaction. It loads into a database that has no content yet (no posts, comments, categories,
tags or demo users): given one that has, it raises :class:`~postsql.errors.SeedError` (or, with
``if_present="skip"``, returns a report with ``skipped=True``), so running it twice never
duplicates or mixes data. Load demo data only in development (:func:`demo_enabled`) or when asked
explicitly.

Example::

    conn = await asyncpg.connect(url)
    await seed_base(conn, admin_email="ops@example.org")
    if demo_enabled(os.environ):
        sizes = DemoSizes(users=100, posts=500)
        report = await seed_demo(conn, sizes, progress=sys.stderr.isatty())
        print(report.counts, f"{report.rows_per_second:,.0f} rows/s")
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import aiosql
import asyncpg

from blog.demo_data import (
    CATEGORY_COLUMNS,
    COMMENT_COLUMNS,
    DEMO_EMAIL_DOMAIN,
    POST_CATEGORY_COLUMNS,
    POST_COLUMNS,
    POST_TAG_COLUMNS,
    PROFILE_COLUMNS,
    TAG_COLUMNS,
    USER_COLUMNS,
    DemoData,
    DemoIds,
    DemoSizes,
    Row,
    generate_demo_data,
)
from postsql.errors import SeedError
from postsql.runtime.executor import init_connection

__all__ = [
    "DEFAULT_ADMIN_EMAIL",
    "DEFAULT_ADMIN_NAME",
    "DEFAULT_ROLES",
    "BaseSeedReport",
    "DemoReport",
    "DemoSizes",
    "RoleSpec",
    "demo_enabled",
    "seed_base",
    "seed_demo",
]

DEFAULT_ADMIN_EMAIL = "admin@example.com"
DEFAULT_ADMIN_NAME = "Admin"
_ADMIN_BIO = "Site administrator, created by the base seed."
_QUERIES_FILE = "seed.sql"
_COPY_BATCH = 10_000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role the base seed creates: its unique name, description and permissions."""

    name: str
    description: str
    permissions: tuple[str, ...]


DEFAULT_ROLES: tuple[RoleSpec, ...] = (
    RoleSpec("admin", "Everything, including managing users and roles.", ("*",)),
    RoleSpec("moderator", "Read and write any content; moderate comments.", ("read", "write")),
    RoleSpec("user", "Read content; write their own posts and comments.", ("read",)),
)


@dataclass(frozen=True, slots=True)
class BaseSeedReport:
    """What :func:`seed_base` did.

    ``created`` and ``updated`` name the rows it inserted or brought back to the seed's values
    (``"role:admin"``, ``"user:admin@example.com"``, ``"user_profile:admin@example.com"``); both
    are empty when the database already matched the seed.
    """

    roles: tuple[str, ...]
    admin_user_id: int
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the seed inserted or updated anything."""
        return bool(self.created or self.updated)


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What :func:`seed_demo` loaded: rows per table (in load order), the seed and the time taken.

    ``skipped`` is true when demo data was present and ``if_present="skip"`` was given; then
    ``counts`` holds what was already there and nothing was loaded. ``timings`` has the seconds
    spent generating (``"generate"``) and loading each table.
    """

    counts: Mapping[str, int]
    seconds: float
    seed: int
    skipped: bool = False
    timings: Mapping[str, float] = field(default_factory=dict, compare=False)

    @property
    def rows(self) -> int:
        """Rows loaded, all tables together (0 when skipped)."""
        return 0 if self.skipped else sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        """Load speed over the whole run, generation included."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def demo_enabled(env: Mapping[str, str]) -> bool:
    """Whether demo data belongs in this environment: ``POSTSQL_ENV`` is ``development``.

    Example::

        if demo_enabled(os.environ):
            await seed_demo(conn, DemoSizes())
    """
    return env.get("POSTSQL_ENV", "").strip().lower() == "development"


# -- the queries of sql/queries/seed.sql ----------------------------------------------------------


class _SeedQueries:
    """Typed calls to the named queries of ``seed.sql`` (until the code generator types them)."""

    def __init__(self, queries_dir: Path | None) -> None:
        directory = (queries_dir or Path("sql/queries")).resolve()
        path = directory / _QUERIES_FILE
        if not path.is_file():
            raise SeedError(
                f"{path} not found: run from the repository root or pass queries_dir= "
                "(the directory holding seed.sql)"
            )
        self._queries = aiosql.from_path(path, "asyncpg")

    def _fn(self, name: str) -> Callable[..., Any]:
        fn: Callable[..., Any] = getattr(self._queries, name)
        return fn

    async def seed_role(self, conn: asyncpg.Connection, role: RoleSpec) -> tuple[int, bool, bool]:
        row = await self._fn("seed_role")(
            conn, name=role.name, description=role.description, permissions=list(role.permissions)
        )
        return int(row["id"]), bool(row["created"]), bool(row["updated"])

    async def seed_admin_user(
        self, conn: asyncpg.Connection, *, email: str, name: str
    ) -> tuple[int, bool, bool]:
        row = await self._fn("seed_admin_user")(conn, email=email, name=name)
        return int(row["id"]), bool(row["created"]), bool(row["updated"])

    async def seed_user_profile(self, conn: asyncpg.Connection, *, user_id: int, bio: str) -> bool:
        created = await self._fn("seed_user_profile")(conn, user_id=user_id, bio=bio)
        return created is not None

    async def lock_demo_seed(self, conn: asyncpg.Connection) -> None:
        await self._fn("lock_demo_seed")(conn)

    async def demo_content_counts(self, conn: asyncpg.Connection) -> dict[str, int]:
        row = await self._fn("demo_content_counts")(conn, demo_domain=DEMO_EMAIL_DOMAIN)
        return {key: int(value) for key, value in row.items()}

    async def reserve_ids(self, conn: asyncpg.Connection, table: str, n: int) -> list[int]:
        if n == 0:
            return []
        rows = [row async for row in self._fn("reserve_ids")(conn, table_name=table, n=n)]
        return sorted(int(row["id"]) for row in rows)


# -- base seed ------------------------------------------------------------------------------------


async def seed_base(
    conn: asyncpg.Connection,
    *,
    admin_email: str = DEFAULT_ADMIN_EMAIL,
    admin_name: str = DEFAULT_ADMIN_NAME,
    queries_dir: Path | None = None,
) -> BaseSeedReport:
    """Upsert the roles and the admin user with a profile, in one transaction; idempotent.

    The admin's e-mail is stripped and lower-cased (it is the user's unique key). A later run with
    another ``admin_name`` renames the admin; one with another ``admin_email`` adds a second admin.
    An existing profile is left as it is; a soft-deleted admin stays soft-deleted.

    Raises :class:`~postsql.errors.SeedError` for an e-mail that is not ``local@domain.tld``, an
    empty name, or a missing ``seed.sql``.

    Example::

        report = await seed_base(conn, admin_email="ops@example.org", admin_name="Ops")
        print(report.admin_user_id, report.changed)   # 1 True (then: 1 False)
    """
    email = admin_email.strip().lower()
    if not _EMAIL.fullmatch(email):
        raise SeedError(f"admin_email must look like name@domain.tld, got {admin_email!r}")
    name = admin_name.strip()
    if not name:
        raise SeedError("admin_name must not be empty")
    queries = _SeedQueries(queries_dir)
    created: list[str] = []
    updated: list[str] = []
    async with conn.transaction():
        for role in DEFAULT_ROLES:
            _, was_created, was_updated = await queries.seed_role(conn, role)
            _note(f"role:{role.name}", was_created, was_updated, created, updated)
        admin_id, was_created, was_updated = await queries.seed_admin_user(
            conn, email=email, name=name
        )
        _note(f"user:{email}", was_created, was_updated, created, updated)
        if await queries.seed_user_profile(conn, user_id=admin_id, bio=_ADMIN_BIO):
            created.append(f"user_profile:{email}")
    return BaseSeedReport(
        roles=tuple(role.name for role in DEFAULT_ROLES),
        admin_user_id=admin_id,
        created=tuple(created),
        updated=tuple(updated),
    )


def _note(
    what: str, was_created: bool, was_updated: bool, created: list[str], updated: list[str]
) -> None:
    if was_created:
        created.append(what)
    elif was_updated:
        updated.append(what)


# -- demo data ------------------------------------------------------------------------------------


async def seed_demo(
    conn: asyncpg.Connection,
    sizes: DemoSizes,
    *,
    seed: int = 42,
    progress: bool = False,
    if_present: Literal["error", "skip"] = "error",
    queries_dir: Path | None = None,
) -> DemoReport:
    """Generate demo data for ``sizes`` from ``seed`` and load it with COPY, in one transaction.

    Ids are drawn from each table's identity sequence before COPY writes them (COPY may write
    identity columns), so no sequence needs resetting and concurrent inserts stay safe. A
    transaction-scoped advisory lock serialises concurrent demo loads. ``progress=True`` draws a
    rich progress bar on stderr (the command line passes ``sys.stderr.isatty()``). The JSON codecs
    of :func:`postsql.runtime.executor.init_connection` are installed on ``conn`` (a pool's
    ``init`` usually has them already).

    Raises :class:`~postsql.errors.SeedError` when the database already has content (posts,
    comments, categories, tags or demo users) unless ``if_present="skip"``, which returns a report
    with ``skipped=True`` instead. Either way nothing is written then.

    Example::

        report = await seed_demo(conn, DemoSizes(users=20, posts=100, comments=400), seed=7)
        assert report.counts["posts"] == 100
    """
    if not isinstance(sizes, DemoSizes):
        raise SeedError(f"sizes must be a DemoSizes, got {type(sizes).__name__}")
    if if_present not in ("error", "skip"):
        raise SeedError(f"if_present must be 'error' or 'skip', got {if_present!r}")
    queries = _SeedQueries(queries_dir)
    started = time.perf_counter()
    with _progress_bar(progress) as bar:
        async with conn.transaction():
            await queries.lock_demo_seed(conn)
            present = {k: v for k, v in (await queries.demo_content_counts(conn)).items() if v}
            if present:
                if if_present == "skip":
                    return DemoReport(
                        counts=MappingProxyType(present),
                        seconds=time.perf_counter() - started,
                        seed=seed,
                        skipped=True,
                    )
                found = ", ".join(f"{n} {table}" for table, n in present.items())
                raise SeedError(
                    f"demo data not loaded: the database already has content ({found}); "
                    "seed_demo loads only into a database without any (recreate it to reseed)"
                )
            ids = await _reserve_ids(conn, queries, sizes)
            bar.step("generating", sizes.total)
            generating = time.perf_counter()
            data = await asyncio.to_thread(generate_demo_data, sizes, seed=seed, ids=ids)
            generated = time.perf_counter()
            timings = {"generate": generated - generating}
            counts = await _load(conn, data, bar, timings)
    return DemoReport(
        counts=MappingProxyType(counts),
        seconds=time.perf_counter() - started,
        seed=seed,
        timings=MappingProxyType(timings),
    )


async def _reserve_ids(
    conn: asyncpg.Connection, queries: _SeedQueries, sizes: DemoSizes
) -> DemoIds:
    return DemoIds(
        users=await queries.reserve_ids(conn, "users", sizes.users),
        categories=await queries.reserve_ids(conn, "categories", sizes.categories),
        tags=await queries.reserve_ids(conn, "tags", sizes.tags),
        posts=await queries.reserve_ids(conn, "posts", sizes.posts),
    )


async def _load(
    conn: asyncpg.Connection, data: DemoData, bar: _Bar, timings: dict[str, float]
) -> dict[str, int]:
    tables: list[tuple[str, Sequence[str], list[Row]]] = [
        ("users", USER_COLUMNS, data.users),
        ("user_profiles", PROFILE_COLUMNS, data.user_profiles),
        ("categories", CATEGORY_COLUMNS, data.categories),
        ("tags", TAG_COLUMNS, data.tags),
        ("posts", POST_COLUMNS, data.posts),
        ("post_categories", POST_CATEGORY_COLUMNS, data.post_categories),
        ("post_tags", POST_TAG_COLUMNS, data.post_tags),
        ("comments", COMMENT_COLUMNS, data.comments),
    ]
    # JSON values are Python objects: encode them with postsql's codecs, whatever the caller set.
    await init_connection(conn)
    counts: dict[str, int] = {}
    for table, columns, rows in tables:
        bar.step(table, len(rows))
        started = time.perf_counter()
        for start in range(0, len(rows), _COPY_BATCH):
            batch = rows[start : start + _COPY_BATCH]
            await conn.copy_records_to_table(table, records=batch, columns=list(columns))
            bar.advance(len(batch))
        counts[table] = len(rows)
        timings[table] = time.perf_counter() - started
    return counts


class _Bar:
    """One progress line per step; does nothing unless built with a rich ``Progress``."""

    def __init__(self, progress: Any = None) -> None:
        self._progress = progress
        self._task: Any = None

    def step(self, description: str, total: int) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[_Bar]:
    if not enabled:
        yield _Bar()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description:>16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        bar = _Bar(progress)
        try:
            yield bar
        finally:
            bar.finish()
