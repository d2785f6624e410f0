"""Shared fixtures: one PostgreSQL per run, a migrated template, a fresh clone per test.

Fixture contract (other test modules rely on these names):

- ``test_pg`` (session): the :class:`postsql.testing.TestServer` for this run.
- ``template_db`` (session): name of a database with every migration applied; never written to.
- ``db_url`` (function): URL of a fresh database cloned from the template, dropped afterwards.
- ``conn`` (function): an asyncpg connection to ``db_url``.
- ``db`` (function): the same with postsql's JSON codecs, as generated functions expect.
- ``empty_db_url`` (function): URL of a fresh database with no schema at all.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from postsql.runtime.executor import set_strict_rows
from postsql.testing import TestServer, test_server, typed_connection

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "sql" / "migrations"

# The example project's generated package: every Database the tests build names its queries (as a
# service sets POSTSQL_GENERATED_PACKAGE, or passes generated_package=).
os.environ.setdefault("POSTSQL_GENERATED_PACKAGE", "blog.generated")

# Every row of every query is validated in the tests (production trusts the wire where codegen
# proved it may): a column codegen typed non-null that returns NULL fails here, not silently.
set_strict_rows(True)


@pytest.fixture(scope="session")
def test_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServer]:
    with test_server() as server:
        yield server


@pytest.fixture(scope="session")
def template_db(test_pg: TestServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    schema_file = tmp_path_factory.mktemp("template") / "schema.sql"
    return test_pg.create_migrated_template(MIGRATIONS, schema_file)


@pytest.fixture
def db_url(test_pg: TestServer, template_db: str) -> Iterator[str]:
    name = test_pg.clone(template_db)
    yield test_pg.url_for(name)
    test_pg.drop_database(name)


@pytest.fixture
def empty_db_url(test_pg: TestServer) -> Iterator[str]:
    name = test_pg.create_database("postsql_empty")
    yield test_pg.url_for(name)
    test_pg.drop_database(name)


@pytest.fixture
async def conn(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(db_url)
    try:
        yield connection
    finally:
        await connection.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that reaches the session server is a database test: `pytest -m db` runs exactly
    # those (CI uses it to repeat them on a second PostgreSQL version).
    for item in items:
        if "test_pg" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    async with typed_connection(db_url) as connection:
        yield connection
