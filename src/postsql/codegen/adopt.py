"""Adopt an existing database: describe queries against it as it is, and baseline its schema.

``postsql codegen --from-database URL`` reads the catalog of a live database and describes every
query there, changing nothing: no scratch database, no DDL, every statement inside a READ ONLY
transaction that is rolled back (a role that may only read is enough; preparing a statement
checks no privileges). Scripts (``#``) are not run.

``postsql codegen --from-database URL --baseline`` then writes the database's schema (``pg_dump
--schema-only``) as the project's first dbmate migration and records it as applied in that
database's ``schema_migrations``, so ``postsql migrate`` starts from there.

Example::

    catalog, described, errors = await describe_live(url, queries)
    path = await baseline(url, Path("sql/migrations"))
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Sequence
from pathlib import Path

import asyncpg

from postsql.codegen.introspect import Catalog, Described, as_psql_runs, describe, read_catalog
from postsql.codegen.loader import QueryDef
from postsql.errors import CodegenError, PostsqlError
from postsql.ops.pgtools import find_tool, libpq_target
from postsql.runtime.urls import redact

__all__ = ["baseline", "baseline_migration", "describe_live"]

# dbmate's own bookkeeping table (created by dbmate exactly so).
_SCHEMA_MIGRATIONS = (
    "CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(128) PRIMARY KEY)"
)


async def describe_live(
    url: str, queries: Sequence[QueryDef]
) -> tuple[Catalog, dict[str, Described], list[tuple[QueryDef, asyncpg.PostgresError]]]:
    """Read the catalog of the database at ``url`` and describe every query, each in a READ
    ONLY transaction that is rolled back. Returns the catalog, the descriptions, and the queries
    the server refused, with its error, for the caller to report."""
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise CodegenError(f"cannot connect to {redact(url)}: {exc}") from exc
    try:
        tx = conn.transaction(readonly=True)
        await tx.start()
        try:
            catalog = await read_catalog(conn)
        finally:
            await tx.rollback()
        described: dict[str, Described] = {}
        refused: list[tuple[QueryDef, asyncpg.PostgresError]] = []
        for query in queries:
            if query.operation == "script":
                described[query.name] = Described((), ())  # never run against a live database
                continue
            tx = conn.transaction(readonly=True)
            await tx.start()
            try:
                described[query.name] = await describe(conn, query.sql)
            except asyncpg.PostgresError as exc:
                refused.append((query, exc))
            finally:
                await tx.rollback()
    finally:
        await conn.close()
    return catalog, described, refused


def baseline_migration(dump: str) -> str:
    """A ``pg_dump --schema-only`` made into a dbmate migration that any fresh database applies:
    psql's meta-commands, owners and privileges dropped (as :func:`as_psql_runs`), and the dump's
    empty ``search_path`` set for the migration's transaction only (dbmate runs the next
    migrations on the same connection)."""
    body = as_psql_runs(dump)
    body = re.sub(
        r"set_config\('search_path', '', false\)", "set_config('search_path', '', true)", body
    )
    return (
        "-- migrate:up\n"
        "-- The schema of the database this project adopted (postsql codegen --baseline).\n"
        f"{body.rstrip()}\n\n"
        "-- migrate:down\n"
        "-- A baseline is not undone: it is where this project's history starts.\n"
    )


async def baseline(url: str, migrations: Path, *, now: datetime.datetime | None = None) -> Path:
    """Write the schema of the database at ``url`` as the first migration in ``migrations`` and
    record it as applied there; returns the file written.

    Refused when ``migrations`` already holds a migration (a baseline starts a history) or the
    database already records migrations.
    """
    existing = _migration_files(migrations)
    if existing:
        raise CodegenError(
            f"{migrations}: already holds migrations ({existing[0].name} ...); a baseline must "
            "be the first"
        )
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise CodegenError(f"cannot connect to {redact(url)}: {exc}") from exc
    try:
        recorded = await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NOT NULL")
        if recorded and await conn.fetchval("SELECT count(*) FROM public.schema_migrations"):
            raise CodegenError(
                f"{redact(url)}: already records dbmate migrations (schema_migrations); "
                "no baseline needed"
            )
        major = conn.get_server_version().major
        try:
            tool, _ = find_tool("pg_dump", major)
        except PostsqlError as exc:
            raise CodegenError(f"baseline needs pg_dump: {exc}") from exc
        argv_url, env = libpq_target(url)
        proc = await asyncio.create_subprocess_exec(
            str(tool), "--schema-only", "--no-owner", "--no-privileges",
            "--exclude-table=public.schema_migrations", argv_url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        out, err = await proc.communicate()
        if proc.returncode != 0:
            said = err.decode(errors="replace").strip().replace(url, redact(url))
            raise CodegenError(f"pg_dump of {redact(url)} failed: {said}")
        version = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%d%H%M%S")
        path = _write(migrations / f"{version}_baseline.sql", baseline_migration(out.decode()))
        async with conn.transaction():
            await conn.execute(_SCHEMA_MIGRATIONS)
            await conn.execute(
                "INSERT INTO public.schema_migrations (version) VALUES ($1)", version
            )
    finally:
        await conn.close()
    return path


def _migration_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.sql")) if directory.is_dir() else []


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
