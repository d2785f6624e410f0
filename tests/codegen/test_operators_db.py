"""Generated functions behave as their annotations say, called on a real server.

The ``operators_and_overrides`` golden case is generated into an importable package and run;
the generated code of this repository is type-checked against every executor a user passes.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import asyncpg
import pytest
from mypy import api as mypy_api

from codegen.helpers import CASES, ROOT, generate_case, write_package

pytestmark = pytest.mark.db

CASE = CASES / "operators_and_overrides"


async def _import_case(directory: Path, admin_url: str) -> ModuleType:
    write_package(await generate_case(CASE, admin_url), directory)
    return importlib.import_module("expected.queries.notes")


async def test_an_upsert_whose_do_update_where_skips_the_row_returns_none(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # ON CONFLICT ... DO UPDATE ... WHERE returns no row when the WHERE rejects the update: the
    # function was typed as always returning its row and raised LookupError ("cannot happen").
    notes = await _import_case(importable_dir, admin_url)
    conn = await asyncpg.connect(empty_db_url)
    try:
        await conn.execute((CASE / "schema.sql").read_text(encoding="utf-8"))
        first = await notes.rename_author(conn, id=1, name="Ada")
        assert (first.id, first.name) == (1, "Ada")
        assert await notes.rename_author(conn, id=1, name="Ada") is None
        renamed = await notes.rename_author(conn, id=1, name="Grace")
        assert (renamed.id, renamed.name) == (1, "Grace")
    finally:
        await conn.close()


async def test_an_iter_function_streams_on_a_connection_a_pool_lends(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    notes = await _import_case(importable_dir, admin_url)
    pool = await asyncpg.create_pool(empty_db_url, min_size=1, max_size=1)
    try:
        await pool.execute((CASE / "schema.sql").read_text(encoding="utf-8"))
        await pool.execute("INSERT INTO authors (name) VALUES ('a')")
        await pool.execute("INSERT INTO notes (author_id, title) VALUES (1, 'x'), (1, 'y')")
        async with pool.acquire() as conn:
            rows = notes.iter_list_notes(conn, status=None, limit=10)
            titles = [row.title async for row in rows]
        assert sorted(titles) == ["x", "y"]
    finally:
        await pool.close()


EXECUTORS = """
import contextlib

import asyncpg

from postsql.runtime.database import Database, Transaction
from blog.generated.queries import roles


async def every_executor(
    conn: asyncpg.Connection, pool: asyncpg.Pool, db: Database, tx: Transaction
) -> None:
    await roles.list_roles(conn)
    await roles.list_roles(pool)
    await roles.list_roles(db)
    await roles.list_roles(tx)
    async with pool.acquire() as lent:
        await roles.list_roles(lent)
        async with contextlib.aclosing(roles.iter_list_roles(lent)) as rows:
            async for _ in rows:
                pass
    async with contextlib.aclosing(roles.iter_list_roles(conn)) as rows:
        async for _ in rows:
            pass
    async with db.acquire() as borrowed:
        async for _ in roles.iter_list_roles(borrowed):
            pass
    async for _ in roles.iter_list_roles(tx.connection):
        pass
"""


def test_generated_functions_type_check_with_every_executor_under_mypy_strict(
    tmp_path: Path,
) -> None:
    # `async with pool.acquire() as conn` lends a PoolConnectionProxy, which is no Connection
    # subclass: iter_* functions typed `db: Connection` failed mypy --strict for it.
    script = tmp_path / "use_executors.py"
    script.write_text(EXECUTORS, encoding="utf-8")
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), str(script)]
    )
    assert status == 0, out + err
