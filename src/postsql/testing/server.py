"""One real PostgreSQL per test run, and cheap isolated databases cloned from a migrated template.

Which server, in order:

1. ``TEST_DATABASE_URL``: a server you run (it must allow ``CREATE DATABASE``);
2. a testcontainers ``postgres`` container when a Docker engine answers;
3. the embedded PostgreSQL in a temporary directory, removed afterwards.

The pytest plugin (:mod:`postsql.testing.plugin`) gives a project's tests fixtures over this
module; it works inside async fixtures and tests too (the few synchronous calls to the server run
in a thread when an event loop is running).

Example::

    with test_server() as server:
        template = server.create_migrated_template()
        url = server.clone(template)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from postsql.migrations.migrator import Migrator
from postsql.ops.embedded import EmbeddedPostgres
from postsql.runtime.blocking import run_sync
from postsql.runtime.executor import init_connection
from postsql.runtime.urls import redact, validate_url, with_database

__all__ = [
    "TestServer",
    "docker_engine_answers",
    "free_port",
    "quote_ident",
    "test_server",
    "typed_connection",
]


def quote_ident(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def docker_engine_answers(timeout: float = 2.0) -> bool:
    """Whether a Docker engine answers ``/_ping`` (the client alone is not enough).

    Probes the socket directly: the docker library leaks its socket when the engine is absent.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    parts = urlsplit(host)
    try:
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = parts.path
        elif parts.scheme in ("tcp", "http") and parts.hostname:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (parts.hostname, parts.port or 2375)
        else:
            return False
    except OSError:
        return False
    with sock:
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(64)
        except OSError:
            return False
    return reply.startswith(b"HTTP/") and b" 200 " in reply


@dataclass
class TestServer:
    """A server for tests; ``admin_url`` connects as a role allowed to create databases."""

    __test__ = False  # not a pytest test class

    admin_url: str
    kind: str
    created: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"TestServer(kind={self.kind!r}, admin_url={redact(self.admin_url)!r})"

    def url_for(self, database: str) -> str:
        """URL of ``database`` on this server."""
        return with_database(self.admin_url, database)

    def psql_admin(self, sql: str) -> None:
        """Run one statement on the admin database (used for CREATE/DROP DATABASE)."""

        async def run() -> None:
            conn = await asyncpg.connect(self.admin_url)
            try:
                await conn.execute(sql)
            finally:
                await conn.close()

        run_sync(run)

    def create_database(self, prefix: str = "postsql_test", *, template: str | None = None) -> str:
        """Create a uniquely named database (optionally from ``template``); return its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        clause = f" TEMPLATE {quote_ident(template)}" if template else ""
        self.psql_admin(f"CREATE DATABASE {quote_ident(name)}{clause}")
        self.created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting anyone still on it."""
        self.psql_admin(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
        if name in self.created:
            self.created.remove(name)

    def create_migrated_template(
        self, migrations_dir: Path, schema_file: Path | None = None
    ) -> str:
        """Create a database, apply every migration, and return its name for cloning."""
        name = self.create_database("postsql_template")
        Migrator(
            url=self.url_for(name),
            migrations_dir=migrations_dir,
            schema_file=schema_file or Path(os.devnull),
            dump=False,
        ).up()
        return name

    def create_schema_template(self, scripts: Sequence[Path]) -> str:
        """Create a database from plain DDL files (applied in order) and return its name."""
        name = self.create_database("postsql_template")

        async def run() -> None:
            conn = await asyncpg.connect(self.url_for(name))
            try:
                for script in scripts:
                    await conn.execute(script.read_text(encoding="utf-8"))
            finally:
                await conn.close()

        run_sync(run)
        return name

    def clone(self, template: str) -> str:
        """A fresh database copied from ``template`` (which must have no open connections)."""
        return self.create_database("postsql_test", template=template)

    def drop_all(self) -> None:
        """Drop every database this object created."""
        for name in list(self.created):
            with contextlib.suppress(Exception):
                self.drop_database(name)


@contextlib.contextmanager
def test_server() -> Iterator[TestServer]:
    """Yield the session's server by the rule in the module docstring; clean up afterwards."""
    configured = os.environ.get("TEST_DATABASE_URL", "").strip()
    if configured:
        validate_url(configured, setting="TEST_DATABASE_URL")
        server = TestServer(admin_url=configured, kind="TEST_DATABASE_URL")
        try:
            yield server
        finally:
            server.drop_all()
        return
    if docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18-alpine", driver=None) as container:
            server = TestServer(admin_url=container.get_connection_url(), kind="testcontainers")
            yield server
        return
    home = Path(tempfile.mkdtemp(prefix="postsql-test-"))
    home.chmod(0o755)
    embedded = EmbeddedPostgres(home, database="postgres")
    try:
        url = embedded.start(announce=False)
        yield TestServer(admin_url=url, kind="embedded")
    finally:
        embedded.stop()
        shutil.rmtree(home, ignore_errors=True)


@contextlib.asynccontextmanager
async def typed_connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection with postsql's JSON codecs (what generated functions expect), closed after.

    Example::

        async with typed_connection(url) as conn:
            rows = await posts.find_posts(conn, ...)
    """
    connection = await asyncpg.connect(url)
    try:
        await init_connection(connection)
        yield connection
    finally:
        await connection.close()
