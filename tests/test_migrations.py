"""dbmate migrations: reversible, atomic, and the same schema every way round."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest

from postsql.errors import MigrationError
from postsql.migrations.migrator import Migrator
from postsql.testing import free_port

MIGRATIONS = Path(__file__).resolve().parent.parent / "sql" / "migrations"


def _migration_count() -> int:
    return len(list(MIGRATIONS.glob("*.sql")))


def test_up_then_down_to_zero_then_up_gives_an_identical_schema(
    empty_db_url: str, tmp_path: Path
) -> None:
    schema = tmp_path / "schema.sql"
    migrator = Migrator(url=empty_db_url, migrations_dir=MIGRATIONS, schema_file=schema)
    migrator.up()
    first = schema.read_text()
    assert "CREATE TABLE public.posts" in first

    for _ in range(_migration_count()):
        migrator.rollback()
    emptied = schema.read_text()
    assert "CREATE TABLE public.posts" not in emptied
    assert "CREATE TYPE public.user_role" not in emptied
    status = migrator.status()
    assert "[ ]" in status
    assert "[X]" not in status

    migrator.up()
    assert schema.read_text() == first


def test_a_migration_failing_half_way_leaves_the_database_as_it_was(
    empty_db_url: str, tmp_path: Path
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations)
    (migrations / "29990101000000_broken.sql").write_text(
        "-- migrate:up\n"
        "CREATE TABLE half_done (id bigint);\n"
        "ALTER TABLE posts ADD COLUMN subtitle text;\n"
        "SELECT no_such_function();\n"
        "-- migrate:down\n"
        "DROP TABLE half_done;\n"
    )
    migrator = Migrator(
        url=empty_db_url, migrations_dir=migrations, schema_file=tmp_path / "schema.sql"
    )
    with pytest.raises(MigrationError, match="no_such_function"):
        migrator.up()

    async def inspect() -> tuple[object, object, list[str]]:
        conn = await asyncpg.connect(empty_db_url)
        try:
            table = await conn.fetchval("SELECT to_regclass('public.half_done')")
            column = await conn.fetchval(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'posts' AND column_name = 'subtitle'"
            )
            versions = [r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")]
        finally:
            await conn.close()
        return table, column, versions

    import asyncio

    table, column, versions = asyncio.run(inspect())
    assert table is None
    assert column is None
    assert "29990101000000" not in versions
    assert len(versions) == _migration_count()


def test_status_lists_pending_migrations(empty_db_url: str, tmp_path: Path) -> None:
    migrator = Migrator(
        url=empty_db_url, migrations_dir=MIGRATIONS, schema_file=tmp_path / "s.sql", dump=False
    )
    status = migrator.status()
    assert f"Pending: {_migration_count()}" in status


def test_status_raises_naming_the_failure_when_the_server_does_not_answer(tmp_path: Path) -> None:
    migrator = Migrator(
        url=f"postgresql://postgres@127.0.0.1:{free_port()}/postgres",
        migrations_dir=MIGRATIONS,
        schema_file=tmp_path / "s.sql",
    )
    with pytest.raises(MigrationError, match=r"dbmate status failed:(.|\n)*connection refused"):
        migrator.status()


def test_new_migration_rejects_a_name_that_is_not_an_identifier(tmp_path: Path) -> None:
    migrator = Migrator(url="postgresql://u@localhost/x", migrations_dir=tmp_path)
    with pytest.raises(MigrationError, match="migration NAME"):
        migrator.new("drop table; --")


def test_new_migration_writes_up_and_down_sections(tmp_path: Path) -> None:
    migrator = Migrator(url="postgresql://u@localhost/x", migrations_dir=tmp_path)
    migrator.new("add_subtitle")
    (created,) = tmp_path.glob("*_add_subtitle.sql")
    text = created.read_text()
    assert "-- migrate:up" in text
    assert "-- migrate:down" in text


def test_every_migration_has_a_down_section() -> None:
    for path in MIGRATIONS.glob("*.sql"):
        text = path.read_text()
        down = text.split("-- migrate:down", 1)
        assert len(down) == 2, f"{path.name} has no -- migrate:down"
        # It undoes the up section: drops or alters what it made, or recreates what it dropped.
        assert any(verb in down[1].upper() for verb in ("DROP", "ALTER", "CREATE")), path.name
