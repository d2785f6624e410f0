"""Through a real PgBouncer in transaction mode, in front of the session's server.

PgBouncer comes from the Debian package, installed by ``scripts/install-pgbouncer.sh`` when missing;
the tests skip (saying why) only when it cannot be installed.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import asyncpg
import pytest

from blog.generated.queries import posts, taxonomy, users
from postsql.runtime.database import Database
from postsql.testing import TestServer, free_port
from runtime.cluster import give, owned_dir, system_user

ROOT = Path(__file__).resolve().parents[2]
SERVER_CONNECTIONS = 2  # PgBouncer's default_pool_size: few server connections, many clients


def install_pgbouncer() -> str:
    script = ROOT / "scripts" / "install-pgbouncer.sh"
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=600, check=False
    )
    if result.returncode != 0:
        pytest.skip(f"PgBouncer is not installed and could not be: {result.stderr.strip()}")
    return result.stdout.strip().splitlines()[-1]


def backend_line(admin_url: str) -> str:
    parts = urlsplit(admin_url)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or parts.hostname or "127.0.0.1"
    port = query.get("port") or (str(parts.port) if parts.port else "5432")
    line = f"host={host} port={port} user={unquote(parts.username or 'postgres')}"
    if parts.password:
        line += f" password={unquote(parts.password)}"
    return line


@pytest.fixture(scope="module")
def pgbouncer(test_pg: TestServer) -> Iterator[int]:
    """Start PgBouncer (transaction mode) on a free port; yield the port."""
    binary = install_pgbouncer()
    workdir = owned_dir("postsql-pgbouncer-")
    port = free_port()
    config = workdir / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = {backend_line(test_pg.admin_url)}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = any\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {SERVER_CONNECTIONS}\n"
        "max_client_conn = 500\n"
        f"logfile = {workdir / 'pgbouncer.log'}\n"
        f"pidfile = {workdir / 'pgbouncer.pid'}\n"
    )
    give(config)
    process = subprocess.Popen(
        [binary, str(config)],
        user=system_user(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                log = workdir / "pgbouncer.log"
                if process.poll() is not None or time.monotonic() > deadline:
                    text = log.read_text(errors="replace") if log.exists() else ""
                    pytest.fail(f"PgBouncer did not start: {text[-2000:]}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


def through(port: int, db_url: str) -> str:
    database = urlsplit(db_url).path.lstrip("/")
    return f"postgresql://postgres@127.0.0.1:{port}/{database}"


async def test_generated_queries_and_transactions_work_through_pgbouncer(
    pgbouncer: int, db_url: str
) -> None:
    async with Database(
        url=through(pgbouncer, db_url), pgbouncer=True, pool_min_size=8, pool_max_size=8
    ) as db:
        backends: set[int] = set()

        async def client(n: int) -> None:
            for round_ in range(3):
                user = await users.create_user(
                    db,
                    email=f"b{n}-{round_}-{uuid.uuid4().hex[:6]}@example.com",
                    name="Bouncer",
                    avatar=None,
                    role=None,
                    bio=None,
                    website=None,
                    location=None,
                )
                assert user is not None
                assert await users.get_user_by_id(db, id=user.id) is not None
                async with db.transaction(actor=f"client-{n}") as tx:
                    backends.add(await tx.fetchval("SELECT pg_backend_pid()"))
                    actor = await tx.fetchval("SELECT current_setting('postsql.actor', true)")
                    assert actor == f"client-{n}"
                    slug = f"tag-{n}-{round_}"
                    await taxonomy.create_tag(tx, name=slug, slug=slug)
                    with pytest.raises(asyncpg.UniqueViolationError):
                        async with tx.transaction() as savepoint:
                            await taxonomy.create_tag(savepoint, name=slug, slug=slug)
                    await posts.create_post(
                        tx,
                        title=f"Post {n}",
                        content="through the bouncer",
                        excerpt=None,
                        slug=f"post-{n}-{round_}",
                        status=None,
                        author_id=user.id,
                    )
                    rows = [r async for r in posts.iter_post_status_counts(tx.connection)]
                    assert rows

        await asyncio.gather(*(client(n) for n in range(16)))
        assert await db.fetchval("SELECT count(*) FROM posts WHERE slug LIKE 'post-%'") == 48
        assert await db.fetchval("SELECT count(*) FROM tags WHERE slug LIKE 'tag-%'") == 48
        # 8 client connections shared PgBouncer's 2 server connections: we went through it.
        assert len(backends) <= SERVER_CONNECTIONS


async def test_without_pgbouncer_mode_cached_statements_break_behind_pgbouncer(
    pgbouncer: int, db_url: str
) -> None:
    # The control experiment: asyncpg's statement cache prepares named statements on whichever
    # server connection PgBouncer lends; the next transaction may get another one.
    async with Database(
        url=through(pgbouncer, db_url), pgbouncer=False, pool_min_size=2, pool_max_size=2
    ) as db:

        async def interleave() -> None:
            async with db.acquire() as first:
                await first.fetchval("SELECT $1::int", 1)  # prepared as a named statement
                async with db.transaction() as tx:  # holds the server connection just used
                    await tx.fetchval("SELECT 1")
                    await first.fetchval("SELECT $1::int", 2)  # reuses it on another server

        with pytest.raises(asyncpg.InvalidSQLStatementNameError):
            await interleave()
