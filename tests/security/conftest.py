"""Fixtures for the security tests: least-privilege roles on a database the migrator migrated.

- ``role_names`` (session): unique role names for this run; the roles are dropped afterwards
  (roles are cluster-wide, so every run gets its own).
- ``secured_template`` (session): an empty database where ``sql/roles.sql`` was applied and then
  every migration ran as the migrator; cloned per test.
- ``secured_db_url`` (function): admin URL of a fresh clone of it.
- ``app_conn`` / ``readonly_conn`` (function): connections to the clone as those roles.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import pytest

from postsql.migrations.migrator import Migrator
from postsql.ops.roles import RoleNames, apply_roles
from postsql.testing import TestServer, quote_ident

ROLES_SQL = Path(__file__).resolve().parents[2] / "sql" / "roles.sql"

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"

ROLE_PASSWORD = "Sec-Test-Pw-7f3a9c"  # a known test password; tests/security scans logs for it


class _PasswordWatch(logging.Handler):
    """Sees every record any logger of the run emits; keeps those that carry the password."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.getMessage()} {record.exc_text or ''}"
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]!s}"
        if ROLE_PASSWORD in text:
            self.leaks.append(f"{record.name}: {text[:200]}")


_WATCH = _PasswordWatch()


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_WATCH)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(_WATCH)
    if _WATCH.leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("the test password appeared in log records:", red=True)
            for leak in _WATCH.leaks:
                reporter.write_line(f"  {leak}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def as_user(url: str, user: str, password: str | None = ROLE_PASSWORD) -> str:
    """``url`` connecting as ``user`` (with ``password`` when given)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}{port}"))


@pytest.fixture(scope="session")
def role_names(test_pg: TestServer) -> Iterator[RoleNames]:
    tag = uuid.uuid4().hex[:8]
    names = RoleNames(
        migrator=f"postsql_t{tag}_migrator",
        app=f"postsql_t{tag}_app",
        readonly=f"postsql_t{tag}_readonly",
    )
    yield names
    for name in (names.app, names.readonly, names.migrator):
        test_pg.psql_admin(f"DROP ROLE IF EXISTS {quote_ident(name)}")


@pytest.fixture(scope="session")
def secured_template(
    test_pg: TestServer, role_names: RoleNames, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    name = test_pg.create_database("postsql_secured")
    admin_url = test_pg.url_for(name)
    passwords = {"migrator": ROLE_PASSWORD, "app": ROLE_PASSWORD, "readonly": ROLE_PASSWORD}
    asyncio.run(
        apply_roles(
            admin_url,
            sql_file=ROLES_SQL,
            migrator=role_names.migrator,
            app=role_names.app,
            readonly=role_names.readonly,
            passwords=passwords,
        )
    )
    Migrator(
        url=as_user(admin_url, role_names.migrator),
        migrations_dir=MIGRATIONS,
        schema_file=tmp_path_factory.mktemp("secured") / "schema.sql",
        dump=False,
    ).up()
    yield name
    # Objects owned by the run's roles go with the databases; drop them before the roles.
    test_pg.drop_database(name)


@pytest.fixture
def secured_db_url(test_pg: TestServer, secured_template: str) -> Iterator[str]:
    name = test_pg.clone(secured_template)
    yield test_pg.url_for(name)
    test_pg.drop_database(name)


@pytest.fixture
async def app_conn(secured_db_url: str, role_names: RoleNames) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(as_user(secured_db_url, role_names.app))
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def readonly_conn(
    secured_db_url: str, role_names: RoleNames
) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(as_user(secured_db_url, role_names.readonly))
    try:
        yield conn
    finally:
        await conn.close()
