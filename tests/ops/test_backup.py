"""Backups against a real server: round trip through restore, corruption caught by checksum and by
verify, pruning of real files, and the choice of pg_dump."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from blog.seed import DemoSizes, seed_base, seed_demo
from postsql.errors import BackupError
from postsql.ops.backup import (
    BackupSettings,
    Manifest,
    backup,
    find_tool,
    prune,
    restore,
    table_counts,
    verify,
)
from postsql.runtime.urls import database_name
from postsql.testing import TestServer

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"
SMALL = DemoSizes(users=6, posts=20, comments=40, categories=3, tags=5)


@pytest.fixture
def seeded_url(db_url: str) -> str:
    async def run() -> None:
        conn = await asyncpg.connect(db_url)
        try:
            await seed_base(conn)
            await seed_demo(conn, SMALL, seed=7)
        finally:
            await conn.close()

    asyncio.run(run())
    return db_url


@pytest.fixture
def settings(tmp_path: Path) -> BackupSettings:
    return BackupSettings(directory=tmp_path / "backups", keep_daily=7, keep_weekly=4)


@pytest.fixture
def restored_names(test_pg: TestServer) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        test_pg.drop_database(name)


async def counts_of(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return await table_counts(conn)
    finally:
        await conn.close()


async def server_major(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SHOW server_version_num")) // 10000
    finally:
        await conn.close()


async def schema_dump(url: str) -> str:
    tool, _ = find_tool("pg_dump", await server_major(url))
    proc = await asyncio.create_subprocess_exec(
        str(tool), "--schema-only", "--no-owner", f"--dbname={url}",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, _ = await proc.communicate()
    assert proc.returncode == 0
    out = stdout.decode()
    # pg_dump 17+ writes a random \restrict key per run; it is not schema.
    return "\n".join(line for line in out.splitlines() if not line.startswith("\\"))


async def test_backup_delete_restore_gives_identical_counts_and_schema(
    seeded_url: str, settings: BackupSettings
) -> None:
    before_schema = await schema_dump(seeded_url)
    seen: list[tuple[int, int]] = []
    entry = await backup(seeded_url, settings, on_progress=lambda d, t: seen.append((d, t)))
    archive = settings.directory / entry.file
    assert archive.is_file()
    assert archive.stat().st_size == entry.size_bytes
    assert entry.table_counts == await counts_of(seeded_url)
    assert entry.table_counts["public.posts"] == SMALL.posts
    newest = max(p.name.split("_", 1)[0] for p in MIGRATIONS.glob("*.sql"))
    assert entry.last_migration == newest
    assert entry.pg_dump_version >= await server_major(seeded_url)
    assert seen
    assert seen[-1] == (len(entry.table_counts), len(entry.table_counts))
    assert Manifest.load(settings.directory).latest() == entry

    conn = await asyncpg.connect(seeded_url)
    try:
        await conn.execute("TRUNCATE posts, comments, post_tags, post_categories CASCADE")
        await conn.execute("DELETE FROM user_profiles")
    finally:
        await conn.close()
    assert (await counts_of(seeded_url))["public.posts"] == 0

    with pytest.raises(BackupError, match="pass --clean"):
        await restore(archive, seeded_url, seeded_url)
    result = await restore(archive, seeded_url, seeded_url, clean=True)
    assert result.entry == entry
    assert result.ok
    assert await counts_of(seeded_url) == entry.table_counts
    assert await schema_dump(seeded_url) == before_schema


async def test_restore_into_a_new_database_and_verify_pass(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, restored_names: list[str]
) -> None:
    entry = await backup(seeded_url, settings)
    name = f"postsql_restored_{entry.sha256[:8]}"
    restored_names.append(name)
    await restore(settings.directory / entry.file, test_pg.admin_url, name)
    assert await counts_of(test_pg.url_for(name)) == entry.table_counts
    result = await verify(entry, test_pg.admin_url, settings)
    assert result.ok
    assert result.problems == ()
    recorded = Manifest.load(settings.directory).find(entry.file)
    assert recorded is not None
    assert recorded.verification == result


async def test_a_truncated_archive_is_caught_by_checksum_and_by_restore(
    seeded_url: str, settings: BackupSettings
) -> None:
    entry = await backup(seeded_url, settings)
    archive = settings.directory / entry.file
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])

    by_checksum = await verify(entry, seeded_url, settings)
    assert not by_checksum.ok
    assert "truncated or altered" in by_checksum.problems[0]
    # Even without the checksum, restoring it into the scratch database fails.
    by_restore = await verify(entry, seeded_url, settings, check_checksum=False)
    assert not by_restore.ok
    assert by_restore.problems[0].startswith("restore failed: pg_restore failed")
    with pytest.raises(BackupError, match="truncated or altered"):
        await restore(archive, seeded_url, "postsql_never_created")
    status = Manifest.load(settings.directory).find(entry.file)
    assert status is not None
    assert status.verification == by_restore


async def test_an_altered_byte_fails_the_sha256(seeded_url: str, settings: BackupSettings) -> None:
    entry = await backup(seeded_url, settings)
    archive = settings.directory / entry.file
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))
    result = await verify(entry, seeded_url, settings)
    assert not result.ok
    assert "sha256" in result.problems[0]


async def test_verify_reports_row_count_differences(
    seeded_url: str, settings: BackupSettings
) -> None:
    entry = await backup(seeded_url, settings)
    counts = dict(entry.table_counts)
    counts["public.posts"] += 1
    counts["public.ghosts"] = 3
    result = await verify(replace(entry, table_counts=counts), seeded_url, settings, record=False)
    assert not result.ok
    assert sorted(result.problems) == [
        "public.ghosts: missing after restore (expected 3 rows)",
        f"public.posts: {SMALL.posts} rows restored, {SMALL.posts + 1} backed up",
    ]


async def test_backups_prune_by_policy_and_keep_the_newest(seeded_url: str, tmp_path: Path) -> None:
    settings = BackupSettings(directory=tmp_path / "bk", keep_daily=2, keep_weekly=0)
    first = await backup(seeded_url, settings, now=datetime.now(UTC) - timedelta(days=3))
    second = await backup(seeded_url, settings, now=datetime.now(UTC) - timedelta(days=2))
    third = await backup(seeded_url, settings)  # prunes `first`
    names = {e.file for e in Manifest.load(settings.directory).entries}
    assert names == {second.file, third.file}
    assert not (settings.directory / first.file).exists()
    assert prune(settings) == []


def test_no_suitable_pg_dump_is_a_clear_error() -> None:
    with pytest.raises(BackupError, match="no pg_dump of PostgreSQL 99 or newer found"):
        find_tool("pg_dump", 99)


@pytest.fixture
def owner_role(test_pg: TestServer) -> Iterator[str]:
    """A role that may create databases but is no superuser (dropped afterwards)."""
    name = f"postsql_owner_{uuid.uuid4().hex[:8]}"
    test_pg.psql_admin(f"CREATE ROLE {name} LOGIN CREATEDB")
    yield name
    test_pg.psql_admin(f"DROP ROLE IF EXISTS {name}")


async def test_a_database_owner_without_superuser_restores_everything_but_pg_stat_statements(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, owner_role: str
) -> None:
    entry = await backup(seeded_url, settings)
    parts = urlsplit(test_pg.admin_url)
    as_owner = urlunsplit(parts._replace(netloc=f"{owner_role}@{parts.netloc.rpartition('@')[2]}"))
    name = f"postsql_owned_{uuid.uuid4().hex[:8]}"
    try:
        await restore(settings.directory / entry.file, as_owner, name)
        url = test_pg.url_for(name)
        assert await counts_of(url) == entry.table_counts
        conn = await asyncpg.connect(url)
        try:
            extensions = {
                r["extname"] for r in await conn.fetch("SELECT extname FROM pg_extension")
            }
            owner = await conn.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name
            )
        finally:
            await conn.close()
        assert "pg_trgm" in extensions
        assert "pg_stat_statements" not in extensions
        assert owner == owner_role
    finally:
        admin = await asyncpg.connect(test_pg.admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def database_exists(test_pg: TestServer, name: str) -> bool:
    conn = await asyncpg.connect(test_pg.admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def create_empty_database(test_pg: TestServer, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(test_pg.admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def test_restore_into_a_url_on_another_server_does_not_need_the_source_database_there(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, restored_names: list[str]
) -> None:
    entry = await backup(seeded_url, settings)
    archive = settings.directory / entry.file
    # The admin URL's database exists only on the source server, not on the target one.
    source_admin = test_pg.url_for(f"postsql_only_on_source_{uuid.uuid4().hex[:8]}")
    missing = f"postsql_other_server_{uuid.uuid4().hex[:8]}"
    existing = await create_empty_database(test_pg, "postsql_other_server_empty")
    restored_names.extend([missing, existing])
    for name in (missing, existing):
        result = await restore(archive, source_admin, test_pg.url_for(name))
        assert result.ok
        assert await counts_of(test_pg.url_for(name)) == entry.table_counts


async def test_restore_into_a_name_that_needs_quoting_in_a_url_restores_that_database(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, restored_names: list[str]
) -> None:
    entry = await backup(seeded_url, settings)
    name = f'postsql "odd" name/{uuid.uuid4().hex[:6]} 100%'
    restored_names.append(name)
    result = await restore(settings.directory / entry.file, test_pg.admin_url, name)
    assert result.ok
    assert await database_exists(test_pg, name)
    assert await counts_of(test_pg.url_for(name)) == entry.table_counts


async def test_a_failed_restore_drops_the_database_it_created_and_only_that(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, restored_names: list[str]
) -> None:
    entry = await backup(seeded_url, settings)
    archive = settings.directory / entry.file
    archive.write_bytes(archive.read_bytes()[: entry.size_bytes // 2])
    created = f"postsql_failed_restore_{uuid.uuid4().hex[:8]}"
    existing = await create_empty_database(test_pg, "postsql_failed_restore_kept")
    restored_names.extend([created, existing])
    for name in (created, existing):
        with pytest.raises(BackupError, match="pg_restore failed"):
            await restore(archive, test_pg.admin_url, name, check_checksum=False)
    assert not await database_exists(test_pg, created)
    assert await database_exists(test_pg, existing)


async def test_a_database_name_with_slashes_backs_up_inside_the_backup_directory(
    seeded_url: str, settings: BackupSettings, test_pg: TestServer, restored_names: list[str]
) -> None:
    name = f"../../{uuid.uuid4().hex[:6]}/odd name"
    restored_names.append(name)
    conn = await asyncpg.connect(test_pg.admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database_name(seeded_url)}"')
    finally:
        await conn.close()
    entry = await backup(test_pg.url_for(name), settings)
    assert entry.database == name
    assert "/" not in entry.file
    assert (settings.directory / entry.file).is_file()
    assert (await verify(entry, test_pg.admin_url, settings)).ok


async def test_an_unreadable_manifest_fails_the_backup_before_dumping_anything(
    seeded_url: str, settings: BackupSettings
) -> None:
    settings.directory.mkdir(parents=True)
    (settings.directory / "manifest.json").write_text('{"backups": [', encoding="utf-8")
    with pytest.raises(BackupError, match="unreadable backup manifest"):
        await backup(seeded_url, settings)
    assert sorted(p.name for p in settings.directory.iterdir()) == ["manifest.json"]


OLDER_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"  # the machine's PostgreSQL 15


async def test_restoring_into_an_older_major_names_both_versions(
    seeded_url: str, settings: BackupSettings
) -> None:
    try:
        older = await server_major(OLDER_SERVER)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.skip(f"no second server at {OLDER_SERVER}: {exc}")
    newer = await server_major(seeded_url)
    if older >= newer:
        pytest.skip(f"the server at {OLDER_SERVER} ({older}) is not older than {newer}")
    entry = await backup(seeded_url, settings)
    name = f"postsql_downgrade_{uuid.uuid4().hex[:8]}"
    with pytest.raises(BackupError) as info:
        await restore(settings.directory / entry.file, OLDER_SERVER, name)
    assert f"the archive comes from PostgreSQL {newer}, the target server is {older}" in str(
        info.value
    )
    conn = await asyncpg.connect(OLDER_SERVER)
    try:  # and the database the restore created is gone again
        assert await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name) is None
    finally:
        await conn.close()


async def test_a_backup_finishing_after_a_newer_one_of_the_same_day_keeps_its_archive(
    seeded_url: str, tmp_path: Path
) -> None:
    # Two runs at once: the one that started first finishes last; its own prune deleted the
    # archive it then reported as written.
    settings = BackupSettings(directory=tmp_path / "bk", keep_daily=1, keep_weekly=0)
    now = datetime.now(UTC).replace(hour=12)
    newer = await backup(seeded_url, settings, now=now)
    older = await backup(seeded_url, settings, now=now - timedelta(minutes=1))
    assert (settings.directory / older.file).is_file()
    assert (settings.directory / newer.file).is_file()
    assert [e.file for e in prune(settings)] == [older.file]  # the next prune applies the policy
