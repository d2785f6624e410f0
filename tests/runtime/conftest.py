"""Fixtures for the runtime tests: a connected Database on a fresh clone, and servers we own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from postsql.runtime.database import Database
from postsql.testing import TestServer
from runtime.cluster import LocalCluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def database(db_url: str) -> AsyncIterator[Database]:
    async with Database(
        url=db_url, pool_min_size=1, pool_max_size=4, acquire_timeout=5.0, log_queries=False
    ) as db:
        yield db


@pytest.fixture(scope="session")
def own_primary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCluster, str]]:
    """A PostgreSQL 18 server of our own (we restart it, replicate it) and a migrated database."""
    cluster = LocalCluster.create("postsql-primary-")
    try:
        cluster.start()
        server = TestServer(admin_url=cluster.url(), kind="own")
        schema_file = tmp_path_factory.mktemp("own-primary") / "schema.sql"
        database = server.create_migrated_template(ROOT / "sql" / "migrations", schema_file)
        yield cluster, database
    finally:
        cluster.destroy()
