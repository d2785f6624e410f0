"""No password, client key or credentialed URL in logs, reprs, exceptions, CLI output or the
manifest: representative operations run with a known test password in their URLs, everything
they print, log (DEBUG, every logger) or raise is scanned for it.

``conftest.py`` also watches every log record of the whole run for the password and fails the
session if one carries it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from postsql import cli
from postsql.errors import ConfigurationError, IntegrityViolation, MigrationError
from postsql.migrations.migrator import Migrator
from postsql.ops.roles import RoleNames, apply_roles
from postsql.ops.roles import main as roles_main
from postsql.runtime.integrity import map_integrity_error
from postsql.runtime.tls import connect, with_tls
from postsql.runtime.urls import resolve
from postsql.testing import TestServer

from .conftest import ROLE_PASSWORD, as_user

ROLES_SQL = Path(__file__).resolve().parents[2] / "sql" / "roles.sql"

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = f"postgresql://someone:{ROLE_PASSWORD}@127.0.0.1:1/nowhere"


class Seen:
    """Everything an operation showed: text is appended and scanned at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, *texts: object) -> None:
        self.texts.extend(str(t) for t in texts)

    def leaks(self) -> list[str]:
        return [t[:200] for t in self.texts if ROLE_PASSWORD in t]


@pytest.fixture
def seen(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[Seen]:
    caplog.set_level(logging.DEBUG)
    asyncpg_logger = logging.getLogger("asyncpg")
    asyncpg_logger.setLevel(logging.DEBUG)
    collected = Seen()
    try:
        yield collected
    finally:
        asyncpg_logger.setLevel(logging.NOTSET)
    out, err = capsys.readouterr()
    collected.add(caplog.text, out, err)
    assert collected.texts, "nothing was collected"
    assert collected.leaks() == []


def test_failed_connections_and_migrations_never_show_the_password(seen: Seen) -> None:
    with pytest.raises(OSError, match="cannot connect") as conn_error:
        asyncio.run(connect(UNREACHABLE, timeout=5))
    seen.add(conn_error.value, repr(conn_error.value))
    migrator = Migrator(url=UNREACHABLE, dump=False)
    seen.add(repr(migrator))
    with pytest.raises(MigrationError) as mig_error:
        migrator.run("status", dump=False)
    seen.add(mig_error.value, repr(mig_error.value))
    with pytest.raises(ConfigurationError) as tls_error:
        with_tls(UNREACHABLE, sslmode="verify-fully")
    seen.add(tls_error.value)
    with pytest.raises(ConfigurationError) as roles_error:
        asyncio.run(apply_roles(UNREACHABLE, passwords={"app": ROLE_PASSWORD}, sql_file=ROLES_SQL))
    seen.add(roles_error.value)


def test_reprs_of_settings_and_errors_hide_the_password(seen: Seen) -> None:
    target = resolve({"DATABASE_URL": UNREACHABLE, "DIRECT_DATABASE_URL": UNREACHABLE})
    seen.add(repr(target), str(target))
    seen.add(repr(RoleNames()), repr(Migrator(url=UNREACHABLE)))
    seen.add(repr(IntegrityViolation("m", constraint="c", table="t", column="x", field="x",
                                     sqlstate="23514")))  # fmt: skip


def test_cli_output_never_shows_the_password(
    seen: Seen, monkeypatch: pytest.MonkeyPatch, secured_db_url: str, role_names: RoleNames
) -> None:
    migrator_url = as_user(secured_db_url, role_names.migrator)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DATABASE_URL", as_user(secured_db_url, role_names.app))
    monkeypatch.setenv("DIRECT_DATABASE_URL", migrator_url)
    assert cli.main(["db", "url"]) == 0
    assert cli.main(["status"]) == 0
    monkeypatch.setenv("DIRECT_DATABASE_URL", UNREACHABLE)
    assert cli.main(["status"]) in (0, 1)  # dbmate's status may report the failure either way
    env = {
        "POSTSQL_ADMIN_URL": secured_db_url,
        "POSTSQL_APP_PASSWORD": ROLE_PASSWORD,
        "POSTSQL_MIGRATOR_PASSWORD": ROLE_PASSWORD,
    }
    names = ["--roles-file", str(ROLES_SQL), "--migrator", role_names.migrator]
    names += ["--app", role_names.app]
    assert roles_main(["apply", *names, "--readonly", role_names.readonly], env) == 0
    with pytest.raises(ConfigurationError) as refused:
        roles_main(["apply", *names, "--readonly", role_names.app], env)
    seen.add(str(refused.value))


async def test_integrity_errors_name_the_column_not_the_secret_value(
    seen: Seen, conn: asyncpg.Connection
) -> None:
    secret = f"{ROLE_PASSWORD.lower()}@x"
    await conn.execute("INSERT INTO users (email, name) VALUES ($1, 'A')", secret)
    with pytest.raises(asyncpg.UniqueViolationError) as raw:
        await conn.execute("INSERT INTO users (email, name) VALUES ($1, 'B')", secret)
    mapped = map_integrity_error(raw.value)
    assert secret in (raw.value.detail or "")  # asyncpg's own error would have shown it
    seen.add(str(mapped).replace(ROLE_PASSWORD.lower(), ROLE_PASSWORD), repr(mapped))
    assert ROLE_PASSWORD.lower() not in str(mapped)


def test_the_codegen_manifest_carries_no_url_and_records_check_constraints(
    seen: Seen, tmp_path: Path, test_pg: TestServer
) -> None:
    from postsql.codegen.cli import main as codegen_main

    with_password = as_user(test_pg.admin_url, "postgres")
    manifest = tmp_path / "manifest.json"
    status = codegen_main(
        ["--project", str(ROOT), "--check", "--manifest", str(manifest),
         "--database-url", with_password]
    )  # fmt: skip
    assert status in (0, 1)
    assert manifest.exists()
    text = manifest.read_text()
    seen.add(text)
    assert "postgresql://" not in text
    # The manifest records each table's CHECK constraints and whether the models check them.
    tables = {t["name"]: t for t in json.loads(text)["tables"]}
    checks = {c["name"]: c for c in tables["posts"]["checks"]}
    assert checks["posts_view_count_check"] == {
        "name": "posts_view_count_check",
        "definition": "CHECK ((view_count >= 0))",
        "columns": ["view_count"],
        "checked_by_model": True,
    }
    assert "users_email_lower_check" in {c["name"] for c in tables["users"]["checks"]}
