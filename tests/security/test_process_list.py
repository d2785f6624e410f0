"""No password on any command line: migrate, rollback, schema dump, backup and restore run child
processes (dbmate, pg_dump, pg_restore) while a watcher reads every process's command line.

Before the fix dbmate dumped the schema with ``pg_dump postgres://user:PASSWORD@host/db``, visible
to every user of the machine (``ps``) six times per ``postsql migrate``.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from postsql.migrations.migrator import Migrator
from postsql.ops.backup import backup, restore
from postsql.ops.backup_policy import BackupSettings
from postsql.ops.roles import RoleNames
from postsql.testing import TestServer, quote_ident

from .conftest import MIGRATIONS, ROLE_PASSWORD, as_user


class CommandLineWatch:
    """Reads ``/proc/*/cmdline`` in a loop on a thread; keeps every line carrying the password."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        own = str(os.getpid())
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit() or entry.name == own:
                    continue
                try:
                    with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                        line = file.read().replace(b"\0", b" ").decode(errors="replace")
                except OSError:  # the process ended meanwhile
                    continue
                if ROLE_PASSWORD in line:
                    self.seen.append(line[:300])
            self.scans += 1

    def __enter__(self) -> CommandLineWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def watch() -> Iterator[CommandLineWatch]:
    with CommandLineWatch() as watcher:
        yield watcher
    assert watcher.scans > 0


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_migrate_rollback_dump_backup_and_restore_keep_the_password_off_every_command_line(
    watch: CommandLineWatch,
    test_pg: TestServer,
    secured_db_url: str,
    role_names: RoleNames,
    tmp_path: Path,
) -> None:
    url = as_user(secured_db_url, role_names.migrator)
    schema = tmp_path / "schema.sql"
    migrator = Migrator(url=url, migrations_dir=MIGRATIONS, schema_file=schema)

    migrator.rollback()
    migrator.up()
    migrator.dump_schema()
    assert "INSERT INTO public.schema_migrations" in schema.read_text()

    settings = BackupSettings(directory=tmp_path / "backups")
    entry = asyncio.run(backup(url, settings, prune_after=False))
    copy = test_pg.create_database("postsql_restored")
    test_pg.psql_admin(f"ALTER DATABASE {quote_ident(copy)} OWNER TO {role_names.migrator}")
    try:
        asyncio.run(
            restore(
                settings.directory / entry.file,
                url,
                as_user(test_pg.url_for(copy), role_names.migrator),
            )
        )
    finally:
        test_pg.drop_database(copy)

    assert watch.seen == []
