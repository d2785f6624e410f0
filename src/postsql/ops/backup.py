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
import re
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from postsql.builtin.queries import monitoring as q
from postsql.errors import BackupError
from postsql.ops.backup_manifest import MANIFEST, BackupEntry, Manifest, Verification, file_sha256
from postsql.ops.backup_policy import (
    BackupSettings,
    Schedule,
    load_settings,
    parse_schedule,
    retained,
)
from postsql.ops.console import Section, human_bytes
from postsql.ops.pgtools import Progress, find_tool, libpq_target, run_tool
from postsql.runtime.urls import database_name, redact, with_database

__all__ = [
    "BackupEntry",
    "BackupSettings",
    "BackupStatus",
    "Manifest",
    "RestoreResult",
    "Schedule",
    "Verification",
    "backup",
    "backup_status",
    "compare_counts",
    "file_sha256",
    "find_entry",
    "find_tool",
    "last_migration",
    "load_settings",
    "parse_schedule",
    "prune",
    "restore",
    "retained",
    "status_section",
    "table_counts",
    "verify",
]

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
    Manifest.load(settings.directory)  # an unreadable manifest fails now, not after a long dump
    conn = await _connect(url)
    try:
        info = await _server(conn)
        tool, tool_major = find_tool("pg_dump", info.server_version_num // 10000)
        name = f"{_file_stem(info.database_name)}-{started:%Y%m%dT%H%M%S%fZ}.dump"
        target = settings.directory / name
        partial = target.with_suffix(".dump.partial")
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await q.export_snapshot(conn)
            counts = await table_counts(conn)
            migration = await last_migration(conn)
            argv_url, env = libpq_target(url)
            cmd = [str(tool), "--format=custom", "--verbose", f"--file={partial}"]
            if snapshot:
                cmd.append(f"--snapshot={snapshot}")
            cmd.append(f"--dbname={argv_url}")
            try:
                await run_tool(
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
    with Manifest.editing(settings.directory) as manifest:
        manifest.update(entry)
    if prune_after:
        # A backup that started earlier than another of the same day but finished later (two
        # runs at once) is not the day's newest: the policy alone deleted the archive this call
        # had just reported.
        prune(settings, keep={entry.file})
    return entry


def _file_stem(database: str) -> str:
    # A database name may hold "/", ".." or spaces; the archive stays a plain file in the backup
    # directory (the manifest keeps the real name).
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", database).lstrip(".")
    return stem or "database"


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise _connect_error(url, exc) from exc


def _connect_error(url: str, exc: BaseException) -> BackupError:
    return BackupError(
        f"cannot connect to {redact(url)}: {exc}; check DATABASE_URL or run `postsql db start`"
    )


# -- restore and verify ---------------------------------------------------------------------


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_url(into: str) -> bool:
    return into.startswith(("postgres://", "postgresql://"))


def _target_url(admin_url: str, into: str) -> str:
    return into if _is_url(into) else with_database(admin_url, into)


async def restore(
    file: Path,
    admin_url: str,
    into: str,
    *,
    clean: bool = False,
    check_checksum: bool = True,
    on_progress: Progress | None = None,
) -> RestoreResult:
    """Restore the archive ``file`` into database ``into`` (a name on ``admin_url``'s server, or
    a URL). A missing database is created; one that has tables needs ``clean=True`` (its objects
    that are in the archive are dropped first). Runs in a single transaction: all or nothing.

    When the archive is in its directory's manifest, its sha256 is checked first and the restored
    tables' row counts are compared with it afterwards (``RestoreResult.problems``).

    Example: ``await restore(Path("backups/x.dump"), url, "postsql_copy")``.
    """
    entry = _archive_entry(file, check_checksum=check_checksum)
    target = _target_url(admin_url, into)
    target_name = database_name(target)
    # A name lives on admin_url's server; a URL may name another server, whose own maintenance
    # database creates it there (admin_url's database need not exist on that server).
    maintenance = with_database(target, "postgres") if _is_url(into) else admin_url
    created = await _create_if_missing(target, maintenance)
    try:
        conn = await _connect(target)
        try:
            info = await _server(conn)
            tables = await q.user_table_count(conn)
            superuser = await q.is_superuser(conn)
        finally:
            await conn.close()
        if tables and not clean:
            raise BackupError(
                f"database {target_name!r} already has {tables} table(s): pass --clean to replace "
                "them, or restore into a new database name"
            )
        await _pg_restore(
            file, target, info, entry, clean=clean, superuser=superuser, on_progress=on_progress
        )
    except BaseException:
        if created:  # leave nothing behind: the restore made this database and did not fill it
            await _drop_database(maintenance, target_name)
        raise
    if entry is None:
        return RestoreResult(None, ())
    conn = await _connect(target)
    try:
        restored = await table_counts(conn)
    finally:
        await conn.close()
    # Only the archive's tables: a --clean restore leaves the target's other tables alone.
    mine = {t: n for t, n in restored.items() if t in entry.table_counts}
    return RestoreResult(entry, tuple(compare_counts(entry.table_counts, mine)))


async def _create_if_missing(target: str, maintenance: str) -> bool:
    # Whether the database ``target`` names had to be created (through ``maintenance``).
    try:
        conn = await asyncpg.connect(target, timeout=10)
    except asyncpg.InvalidCatalogNameError:
        pass
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise _connect_error(target, exc) from exc
    else:
        await conn.close()
        return False
    admin = await _connect(maintenance)
    try:
        name = database_name(target)
        if await q.database_exists(admin, name=name):
            return False
        await admin.execute(f"CREATE DATABASE {_quote_ident(name)} TEMPLATE template0")
        return True
    finally:
        await admin.close()


async def _drop_database(maintenance: str, name: str) -> None:
    # Best effort, on the way out of a failed restore: its own error is the one to report.
    with contextlib.suppress(BackupError, asyncpg.PostgresError, OSError):
        admin = await _connect(maintenance)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")
        finally:
            await admin.close()


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What :func:`restore` did: the archive's manifest entry (None for an archive without one)
    and the row-count differences against it (empty when they match)."""

    entry: BackupEntry | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No differences (or nothing to compare against)."""
        return not self.problems


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


# Only a superuser may create pg_stat_statements (it is not a trusted extension); a restore by
# another role (say, the database owner) leaves it out rather than failing as a whole.
_SUPERUSER_ONLY = re.compile(r"\bEXTENSION (?:- )?pg_stat_statements\b")


async def _pg_restore(
    file: Path,
    target: str,
    server: q.ServerInfoRow,
    entry: BackupEntry | None,
    *,
    clean: bool,
    superuser: bool,
    on_progress: Progress | None,
) -> None:
    minimum = max(server.server_version_num // 10000, entry.pg_dump_version if entry else 0)
    tool, _ = find_tool("pg_restore", minimum)
    argv_url, env = libpq_target(target)
    cmd = [
        str(tool), "--verbose", "--no-owner", "--exit-on-error", "--single-transaction",
        f"--dbname={argv_url}",
    ]  # fmt: skip
    if clean:
        cmd += ["--clean", "--if-exists"]
    total = len(entry.table_counts) if entry else 0
    with tempfile.TemporaryDirectory(prefix="postsql-restore-") as scratch:
        if not superuser:
            listing = Path(scratch) / "toc.list"
            toc = await _table_of_contents(tool, file)
            kept = [line for line in toc.splitlines() if not _SUPERUSER_ONLY.search(line)]
            listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
            cmd.append(f"--use-list={listing}")
        cmd.append(str(file))
        try:
            await run_tool(
                cmd,
                env,
                progress_marker="processing data for table",
                total=total,
                on_progress=on_progress,
                url=argv_url,
            )
        except BackupError as exc:
            archive_major = (entry.server_version_num if entry else 0) // 10000
            target_major = server.server_version_num // 10000
            if archive_major > target_major:
                raise BackupError(
                    f"{exc} (the archive comes from PostgreSQL {archive_major}, the target "
                    f"server is {target_major}: restore into PostgreSQL {archive_major} or "
                    "newer; an older major is not supported)"
                ) from exc
            raise


async def _table_of_contents(tool: Path, file: Path) -> str:
    proc = await asyncio.create_subprocess_exec(
        str(tool), "--list", str(file),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    if proc.returncode != 0:
        first = err.decode(errors="replace").strip().splitlines()
        raise BackupError(
            f"pg_restore --list {file} failed: {first[0] if first else proc.returncode}"
        )
    return out.decode(errors="replace")


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
        with Manifest.editing(settings.directory) as manifest:
            current = manifest.find(entry.file)
            if current is not None:
                manifest.update(replace(current, verification=result))
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
                await _pg_restore(
                    file,
                    url,
                    info,
                    entry,
                    clean=False,
                    superuser=await q.is_superuser(admin),
                    on_progress=on_progress,
                )
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


def prune(
    settings: BackupSettings, *, dry_run: bool = False, keep: Iterable[str] = ()
) -> list[BackupEntry]:
    """Delete the archives the policy does not keep (per database); return what went.

    Only files listed in the manifest are ever deleted, never those named in ``keep``.

    Example: ``removed = prune(load_settings(), dry_run=True)``.
    """
    if dry_run:
        return _doomed(Manifest.load(settings.directory), settings, frozenset(keep))
    with Manifest.editing(settings.directory) as manifest:
        removed = _doomed(manifest, settings, frozenset(keep))
        for entry in removed:
            (settings.directory / entry.file).unlink(missing_ok=True)
        gone = {e.file for e in removed}
        manifest.entries = [e for e in manifest.entries if e.file not in gone]
    return removed


def _doomed(
    manifest: Manifest, settings: BackupSettings, spared: frozenset[str]
) -> list[BackupEntry]:
    removed: list[BackupEntry] = []
    for database in sorted({e.database for e in manifest.entries}):
        mine = [e for e in manifest.entries if e.database == database]
        keep = retained(
            ((e.file, e.created_at) for e in mine),
            keep_daily=settings.keep_daily,
            keep_weekly=settings.keep_weekly,
        )
        removed.extend(e for e in mine if e.file not in keep and e.file not in spared)
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
    cron: str | None
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
            "cron": self.cron,
            "next_run": self.next_run.isoformat() if self.next_run else None,
            "overdue": self.overdue,
            "retention": {
                "keep_daily": self.keep_daily,
                "keep_weekly": self.keep_weekly,
                "policy": self.policy,
            },
        }


def find_entry(settings: BackupSettings, file: str | None = None) -> BackupEntry:
    """The manifest entry for ``file`` (a name or path), or the newest when ``file`` is None.

    Example: ``entry = find_entry(load_settings())``.
    """
    manifest = Manifest.load(settings.directory)
    entry = manifest.find(file) if file else manifest.latest()
    if entry is None:
        what = file or "any backup"
        raise BackupError(f"{manifest.path}: no entry for {what}; run `postsql backup` first")
    return entry


def status_section(status: BackupStatus) -> Section:
    """The status as a two-column table for the terminal.

    Example: ``print_section(status_section(backup_status(settings)))``.
    """
    last = status.last
    verification = "-"
    if last is not None:
        verification = "never verified"
        if last.verification is not None:
            v = last.verification
            outcome = "OK" if v.ok else "FAILED: " + "; ".join(v.problems)
            verification = f"{outcome} ({v.verified_at:%Y-%m-%d %H:%M} UTC)"
    next_run = "-"
    if status.next_run is not None:
        overdue = " (OVERDUE: no backup since the last scheduled run)" if status.overdue else ""
        next_run = f"{status.next_run:%Y-%m-%d %H:%M} UTC{overdue}"
    schedule = "none configured ([tool.postsql.backup] schedule or POSTSQL_BACKUP_SCHEDULE)"
    if status.schedule is not None:
        schedule = f"{status.schedule} UTC (crontab: {status.cron} postsql backup)"
    last_text = "none"
    if last is not None:
        last_text = f"{last.file} ({last.created_at:%Y-%m-%d %H:%M} UTC, {last.summary()})"
    rows = [
        ("directory", str(status.directory)),
        ("backups", str(status.count)),
        ("storage used", human_bytes(status.storage_bytes)),
        ("last backup", last_text),
        ("verification", verification),
        ("schedule", schedule),
        ("next run", next_run),
        ("retention", status.policy),
    ]
    return Section("Backups", ("item", "value"), rows)


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
        cron=settings.schedule.cron if settings.schedule else None,
        next_run=next_run,
        overdue=overdue,
        policy=settings.policy,
        keep_daily=settings.keep_daily,
        keep_weekly=settings.keep_weekly,
    )
