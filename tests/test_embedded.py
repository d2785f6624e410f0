"""The embedded server: started on demand, reused, never started twice."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from postsql.ops.embedded import EmbeddedPostgres

_START = (
    "import sys; from pathlib import Path; from postsql.ops.embedded import EmbeddedPostgres; "
    "print(EmbeddedPostgres(Path(sys.argv[1])).start(announce=False))"
)


@pytest.fixture
def home() -> Iterator[Path]:
    # Not tmp_path: the socket lives in the data directory and must stay under 107 bytes.
    path = Path(tempfile.mkdtemp(prefix="pe-"))
    path.chmod(0o755)
    yield path
    EmbeddedPostgres(path).stop()
    shutil.rmtree(path, ignore_errors=True)


def test_two_processes_starting_at_once_share_one_server(home: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _START, str(home)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    urls = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert urls[0] == urls[1]
    postmasters = subprocess.run(
        ["pgrep", "-f", f"postgres -D {home / 'pgdata'}"], capture_output=True, text=True
    ).stdout.split()
    assert len(postmasters) == 1


def test_a_running_server_is_reused_and_stop_reports_it(home: Path) -> None:
    server = EmbeddedPostgres(home)
    first = server.start(announce=False)
    pid = (home / "pgdata" / "postmaster.pid").read_text().split()[0]
    assert server.start(announce=False) == first
    assert (home / "pgdata" / "postmaster.pid").read_text().split()[0] == pid
    assert server.stop() is True
    assert server.is_running() is False
    assert server.stop() is False


def test_start_announces_the_data_directory_and_a_psql_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    EmbeddedPostgres(home).start()
    err = capsys.readouterr().err
    assert str(home / "pgdata") in err
    assert "psql -h" in err


def test_the_embedded_server_loads_pg_stat_statements(home: Path) -> None:
    url = EmbeddedPostgres(home).start(announce=False)
    import asyncio

    import asyncpg

    async def preload() -> str:
        conn = await asyncpg.connect(url)
        try:
            return str(await conn.fetchval("SHOW shared_preload_libraries"))
        finally:
            await conn.close()

    assert "pg_stat_statements" in asyncio.run(preload())


def test_a_postsql_home_with_spaces_starts_and_connects() -> None:
    # The wheel passed "-k DIR" unquoted through pg_ctl's shell: 'invalid argument: "sp/pgdata"'.
    import asyncio

    import asyncpg

    path = Path(tempfile.mkdtemp(prefix="pe sp-"))
    path.chmod(0o755)
    try:
        url = EmbeddedPostgres(path).start(announce=False)

        async def answer() -> int:
            conn = await asyncpg.connect(url)
            try:
                return int(await conn.fetchval("SELECT 1"))
            finally:
                await conn.close()

        assert asyncio.run(answer()) == 1
    finally:
        EmbeddedPostgres(path).stop()
        shutil.rmtree(path, ignore_errors=True)


def test_a_stale_postmaster_pid_naming_a_reused_pid_does_not_block_start(home: Path) -> None:
    # After a kill -9 or a container restart the PID in postmaster.pid may belong to another
    # process: 'db url' said running, 'db start' failed with 'Connection refused'.
    server = EmbeddedPostgres(home)
    server.start(announce=False)
    pid_file = home / "pgdata" / "postmaster.pid"
    lines = pid_file.read_text().splitlines()
    server.stop()
    other = subprocess.Popen(["sleep", "120"])
    try:
        pid_file.write_text("\n".join([str(other.pid), *lines[1:]]) + "\n")
        assert server.is_running() is False
        assert server.stop() is False
        server.start(announce=False)
        assert server.is_running() is True
        assert pid_file.read_text().split()[0] != str(other.pid)
    finally:
        other.kill()
        other.wait()


def test_a_data_directory_of_another_major_says_what_to_do(home: Path) -> None:
    from postsql.errors import EmbeddedServerError

    server = EmbeddedPostgres(home)
    server.start(announce=False)
    server.stop()
    (home / "pgdata" / "PG_VERSION").write_text("15\n")
    with pytest.raises(EmbeddedServerError, match=r"holds a PostgreSQL 15 data directory, but"):
        server.start(announce=False)
