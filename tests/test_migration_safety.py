"""Migrations a user can trust: no database created by a typo, edited migrations caught, no
rollback that undoes nothing, a pending-aware status, and a schema dump that does not depend on
which server wrote it."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from postsql.cli.main import main
from postsql.errors import MigrationError
from postsql.migrations.migrator import Migrator, normalize_schema_dump, read_migrations
from postsql.runtime.urls import with_database
from postsql.testing import TestServer

FIRST = "-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n"
SECOND = "-- migrate:up\nALTER TABLE t ADD COLUMN note text;\n\n-- migrate:down\n-- nothing\n"


def _migrations(tmp_path: Path, *files: tuple[str, str]) -> Path:
    directory = tmp_path / "migrations"
    directory.mkdir()
    for name, text in files:
        (directory / name).write_text(text)
    return directory


def test_migrate_never_creates_a_database_it_was_not_asked_to(
    test_pg: TestServer, tmp_path: Path
) -> None:
    missing = with_database(test_pg.admin_url, "postsql_no_such_db_typo")
    migrations = _migrations(tmp_path, ("20270101000000_t.sql", FIRST))
    migrator = Migrator(url=missing, migrations_dir=migrations, dump=False)
    with pytest.raises(MigrationError, match=r"'postsql_no_such_db_typo' does not exist.*--create"):
        migrator.up()
    try:
        migrator.up(create=True)
        assert migrator.state().applied == ("20270101000000",)
    finally:
        test_pg.drop_database("postsql_no_such_db_typo")


def test_an_applied_migration_edited_since_is_reported_and_stops_migrate(
    empty_db_url: str, tmp_path: Path
) -> None:
    migrations = _migrations(tmp_path, ("20270101000000_t.sql", FIRST))
    migrator = Migrator(url=empty_db_url, migrations_dir=migrations, dump=False)
    migrator.up()
    assert migrator.state().edited == ()
    (migrations / "20270101000000_t.sql").write_text(FIRST.replace("id int", "id bigint"))
    assert [m.version for m in migrator.state().edited] == ["20270101000000"]
    assert "edited after it was applied" in migrator.status()
    with pytest.raises(MigrationError, match=r"edited since: .*20270101000000_t\.sql"):
        migrator.up()


def test_rollback_refuses_a_migration_whose_down_section_is_empty(
    empty_db_url: str, tmp_path: Path
) -> None:
    migrations = _migrations(
        tmp_path, ("20270101000000_t.sql", FIRST), ("20270102000000_note.sql", SECOND)
    )
    assert not read_migrations(migrations)["20270102000000"].has_down
    migrator = Migrator(url=empty_db_url, migrations_dir=migrations, dump=False)
    migrator.up()
    with pytest.raises(MigrationError, match="migrate:down section is empty"):
        migrator.rollback()
    assert migrator.state().applied == ("20270101000000", "20270102000000")


def test_status_exit_code_says_whether_migrations_are_pending(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrations = _migrations(tmp_path, ("20270101000000_t.sql", FIRST))
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    monkeypatch.chdir(tmp_path)
    base = ["--migrations-dir", str(migrations), "--schema-file", str(tmp_path / "s.sql")]
    assert main([*base, "status"]) == 0  # pending alone is no error without --exit-code
    assert main([*base, "status", "--exit-code"]) == 1
    assert main([*base, "migrate"]) == 0
    assert main([*base, "status", "--exit-code"]) == 0


async def test_the_checksum_table_stays_out_of_the_schema_dump(
    empty_db_url: str, tmp_path: Path
) -> None:
    migrations = _migrations(tmp_path, ("20270101000000_t.sql", FIRST))
    schema = tmp_path / "schema.sql"
    migrator = Migrator(url=empty_db_url, migrations_dir=migrations, schema_file=schema)
    migrator.up()
    migrator.dump_schema()  # now that postsql_migrations exists
    conn = await asyncpg.connect(empty_db_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM postsql_migrations") == 1
    finally:
        await conn.close()
    assert "postsql_migrations" not in schema.read_text()
    assert "CREATE TABLE public.t" in schema.read_text()


def test_schema_dumps_of_different_server_versions_normalize_equal() -> None:
    body = "SET statement_timeout = 0;\n\nCREATE TABLE public.t (\n    id integer\n);\n"
    from_18 = (
        "\\restrict AbC123\n\n--\n-- PostgreSQL database dump\n--\n\n"
        "-- Dumped from database version 18.6\n-- Dumped by pg_dump version 18.6\n\n"
        "SET transaction_timeout = 0;\n" + body + "\n\\unrestrict AbC123\n"
    )
    from_15 = (
        "\\restrict XyZ789\n\n--\n-- PostgreSQL database dump\n--\n\n"
        "-- Dumped from database version 15.20 (Debian 15.20-0+deb13u1)\n"
        "-- Dumped by pg_dump version 18.6\n\n" + body + "\n\\unrestrict XyZ789\n"
    )
    assert normalize_schema_dump(from_18) == normalize_schema_dump(from_15)
    assert "Dumped" not in normalize_schema_dump(from_18)


def test_the_committed_schema_dump_names_no_server_version() -> None:
    text = (Path(__file__).resolve().parent.parent / "sql" / "schema.sql").read_text()
    assert "Dumped from database version" not in text
    assert "\\restrict" not in text


async def test_the_test_server_clones_inside_a_running_event_loop(
    test_pg: TestServer, template_db: str
) -> None:
    # An async fixture or test calling the synchronous helpers: asyncio.run() would refuse.
    name = test_pg.clone(template_db)
    try:
        conn = await asyncpg.connect(test_pg.url_for(name))
        try:
            assert await conn.fetchval("SELECT to_regclass('posts') IS NOT NULL")
        finally:
            await conn.close()
    finally:
        test_pg.drop_database(name)


def test_a_new_migration_sets_timeouts_and_counts_as_empty_until_its_down_is_written(
    tmp_path: Path,
) -> None:
    migrations = tmp_path / "migrations"
    migrator = Migrator(url="postgresql://u@localhost/x", migrations_dir=migrations)
    migrator.new("add_note")
    (created,) = migrations.glob("*_add_note.sql")
    text = created.read_text()
    assert text.count("SET LOCAL lock_timeout = '5s';") == 2
    assert text.count("SET LOCAL statement_timeout = '60s';") == 2
    (migration,) = read_migrations(migrations).values()
    assert not migration.has_down  # timeouts alone undo nothing: rollback refuses it
    created.write_text(text + "ALTER TABLE t DROP COLUMN note;\n")
    (migration,) = read_migrations(migrations).values()
    assert migration.has_down
