"""The pytest plugin: a real PostgreSQL per test run and a fresh, migrated database per test.

Installed with postsql (entry point ``pytest11``), so a project's tests use its fixtures without
any conftest code. The server follows :func:`postsql.testing.server.test_server`
(``TEST_DATABASE_URL``, else testcontainers when Docker answers, else the embedded PostgreSQL);
the project's migrations (``[tool.postsql]`` of the project holding pytest's root directory, or
its ``schema`` files) are applied once to a template that every test's database is cloned from.

Fixtures:

- ``postsql_server`` (session): the :class:`~postsql.testing.server.TestServer`.
- ``postsql_template`` (session): the migrated template database's name.
- ``postsql_database_url`` (each test): the URL of a fresh clone, dropped afterwards.
- ``postsql_db`` (each test, async; needs pytest-asyncio): a connected :class:`postsql.Database`
  on that clone, whose hooks name the project's generated queries.

Example::

    async def test_adds_a_product(postsql_db: Database) -> None:
        await queries.add_product(postsql_db, name="tea")
        assert await queries.count_products(postsql_db) == 1
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from postsql.project import ProjectConfig, find_project
from postsql.testing.server import TestServer, test_server

__all__ = [
    "postsql_database_url",
    "postsql_db",
    "postsql_project",
    "postsql_server",
    "postsql_template",
]


@pytest.fixture(scope="session")
def postsql_project(pytestconfig: pytest.Config) -> ProjectConfig:
    """The project config found from pytest's root directory upwards."""
    return find_project(Path(pytestconfig.rootpath))


@pytest.fixture(scope="session")
def postsql_server() -> Iterator[TestServer]:
    """The run's PostgreSQL (started once, stopped and cleaned up at the end)."""
    with test_server() as server:
        yield server


@pytest.fixture(scope="session")
def postsql_template(postsql_server: TestServer, postsql_project: ProjectConfig) -> str:
    """A database with the project's schema applied, cloned by ``postsql_database_url``."""
    if postsql_project.schema:
        return postsql_server.create_schema_template(postsql_project.schema)
    assert postsql_project.migrations is not None  # noqa: S101 - set when schema is not
    return postsql_server.create_migrated_template(postsql_project.migrations)


@pytest.fixture
def postsql_database_url(postsql_server: TestServer, postsql_template: str) -> Iterator[str]:
    """A fresh database cloned from the template for this test alone."""
    name = postsql_server.clone(postsql_template)
    yield postsql_server.url_for(name)
    postsql_server.drop_database(name)


# The async fixture needs pytest-asyncio; without it the plain fixtures above still work.
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    from postsql.runtime.database import Database

    @pytest_asyncio.fixture
    async def postsql_db(
        postsql_database_url: str, postsql_project: ProjectConfig
    ) -> AsyncIterator[Database]:
        """A connected ``Database`` on this test's fresh database."""
        package = postsql_project.generated_package if postsql_project.config_file else None
        async with Database(
            url=postsql_database_url, generated_package=package, pool_min_size=1
        ) as db:
            yield db
