"""A real high-availability cluster on loopback ports: a pg_auto_failover monitor and two nodes.

The system PostgreSQL (Debian's, the major ``scripts/install-pg-auto-failover.sh`` finds) runs one
monitor and two keepers (``pg_autoctl run``), each data node with its own port on 127.0.0.1 and one
socket directory for all. The primary replicates synchronously to the secondary
(``synchronous_standby_names = 'ANY 1 (...)'``, ``synchronous_commit = on``). Under root everything
runs as the embedded wheel's system user, as the other servers the tests own (``pg_autoctl`` and
PostgreSQL refuse root).

The monitor's health checks are shortened (a node is declared unhealthy after about 4 s instead of
20 s) and so are the keepers' matching timeouts, so a failover takes seconds, not a minute.

Example::

    cluster = FailoverCluster.start()
    try:
        url = cluster.url()          # postgresql://postgres@127.0.0.1:p1,127.0.0.1:p2/app?...
        cluster.switchover()
        cluster.wait_ready()
    finally:
        cluster.destroy()
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from postsql.testing import free_port
from runtime.cluster import give, owned_dir, system_user

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-pg-auto-failover.sh"
DATABASE = "app"

# The monitor's failure detector, shortened for tests (defaults: checks every 5 s, a node unhealthy
# after 20 s, 30 s for a primary to demote). Not too short: a standby the monitor wrongly finds
# unhealthy (a health check slow under load) turns the primary's synchronous replication off
# (wait_primary) until it is back, and a failover in that window can lose acknowledged writes.
# primary_demote_timeout must stay above the keepers' network_partition_timeout: an isolated
# primary demotes itself within that time, before the monitor promotes the standby.
_MONITOR_SETTINGS = {
    "pgautofailover.health_check_period": "1000",
    "pgautofailover.health_check_timeout": "2000",
    "pgautofailover.health_check_max_retries": "2",
    "pgautofailover.health_check_retry_delay": "500",
    "pgautofailover.node_considered_unhealthy_timeout": "4000",
    "pgautofailover.primary_demote_timeout": "10000",
    "pgautofailover.startup_grace_period": "2000",
}
_KEEPER_TIMEOUTS = {
    "timeout.network_partition_timeout": "4",
    "timeout.prepare_promotion_catchup": "10",
    "timeout.prepare_promotion_walreceiver": "2",
}
# pg_autoctl sizes shared_buffers from the machine's memory (gigabytes); postgresql.auto.conf is
# read after its include file, so these win. fsync off is safe here: the tests kill processes,
# never the machine, and a killed process's writes are in the page cache.
_SERVER_SETTINGS = {
    "shared_buffers": "32MB",
    "wal_keep_size": "64MB",
    "max_connections": "100",
    "fsync": "off",
}


class Unavailable(RuntimeError):
    """pg_auto_failover is not installed and could not be (the reason is the message)."""


def install() -> tuple[str, Path]:
    """``(pg_autoctl, PostgreSQL bin dir)`` from the install script; :class:`Unavailable` if not."""
    result = subprocess.run(
        ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
    )
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or len(lines) < 2:
        reason = result.stderr.strip().splitlines()[-1:] or ["the install script printed nothing"]
        raise Unavailable(f"pg_auto_failover is not installed and could not be: {reason[0]}")
    return lines[-2], Path(lines[-1])


@dataclass
class Node:
    """One data node: its name, port, data directory and keeper process (``None``: stopped)."""

    name: str
    port: int
    pgdata: Path
    keeper: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """``127.0.0.1:port``."""
        return f"127.0.0.1:{self.port}"

    def url(self, database: str = DATABASE) -> str:
        """A single-host URL for this node."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid (``None`` when postgres is not running)."""
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
        except FileNotFoundError:
            return None
        try:
            pid = int(first)
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            return None
        return pid


class FailoverCluster:
    """The monitor and two data nodes; see the module docstring."""

    def __init__(self, root: Path, autoctl: str, bin_dir: Path) -> None:
        self.root = root
        self.autoctl = autoctl
        self.bin_dir = bin_dir
        self.sockets = root / "sockets"
        self.monitor_pgdata = root / "monitor"
        self.monitor_port = free_port()
        self.monitor_keeper: subprocess.Popen[bytes] | None = None
        self.nodes = [
            Node("node1", free_port(), root / "node1"),
            Node("node2", free_port(), root / "node2"),
        ]

    def __repr__(self) -> str:
        return f"FailoverCluster({str(self.root)!r})"

    # -- lifecycle ------------------------------------------------------------------------

    @classmethod
    def start(cls, *, timeout: float = 180.0) -> FailoverCluster:
        """Install if needed, create and start the monitor and both nodes, wait until the
        secondary replicates synchronously. Raises :class:`Unavailable` when it cannot install."""
        autoctl, bin_dir = install()
        cluster = cls(owned_dir("postsql-ha-"), autoctl, bin_dir)
        try:
            cluster._create(timeout)
        except BaseException:
            cluster.destroy()
            raise
        return cluster

    def _create(self, timeout: float) -> None:
        for path in (self.sockets, self.root / "xdg"):
            path.mkdir(mode=0o755)
            give(path)
        self._initdb(self.monitor_pgdata, _MONITOR_SETTINGS)
        self._autoctl(
            "create", "monitor", "--pgctl", str(self.bin_dir / "pg_ctl"),
            "--pgdata", str(self.monitor_pgdata), "--pgport", str(self.monitor_port),
            "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl",
        )  # fmt: skip
        self.monitor_keeper = self._spawn(self.monitor_pgdata, "monitor")
        self._wait(lambda: self._try_state() is not None, timeout, "the monitor to answer")
        first, second = self.nodes
        self._initdb(first.pgdata, {})
        self._create_node(first, timeout)
        self._wait(lambda: self._states_are({first.name: "single"}), timeout, "node1 single")
        self._create_node(second, timeout)
        self.wait_ready(timeout=timeout)

    def _create_node(self, node: Node, timeout: float) -> None:
        # A standby's pg_basebackup waits for a (spread) checkpoint on the primary; hurry it.
        create = self._spawn_command(
            node.name + "-create",
            "create", "postgres", "--pgctl", str(self.bin_dir / "pg_ctl"),
            "--pgdata", str(node.pgdata), "--pgport", str(node.port), "--listen", "127.0.0.1",
            "--hostname", "127.0.0.1", "--name", node.name, "--dbname", DATABASE,
            "--monitor", self.monitor_url(), "--auth", "trust", "--no-ssl",
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while create.poll() is None:
            if time.monotonic() > deadline:
                create.kill()
                create.wait()
                raise RuntimeError(f"creating {node.name} timed out\n{self._log_tail(node.name)}")
            for other in self.nodes:
                if other is not node and other.postmaster_pid() is not None:
                    self._psql(other, "CHECKPOINT", check=False)
            time.sleep(1.0)
        if create.returncode != 0:
            raise RuntimeError(
                f"pg_autoctl create postgres {node.name} failed ({create.returncode})\n"
                f"{self._log_tail(node.name + '-create')}"
            )
        for key, value in _KEEPER_TIMEOUTS.items():
            self._autoctl("config", "set", "--pgdata", str(node.pgdata), key, value)
        node.keeper = self._spawn(node.pgdata, node.name)

    def destroy(self) -> None:
        """Stop every keeper and server, then delete everything."""
        keepers = [n.keeper for n in self.nodes] + [self.monitor_keeper]
        for keeper in keepers:
            if keeper is not None and keeper.poll() is None:
                keeper.send_signal(signal.SIGINT)  # pg_autoctl: fast shutdown of its postgres
        for keeper in keepers:
            if keeper is not None:
                try:
                    keeper.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(keeper.pid, signal.SIGKILL)  # the keeper and its services
                    keeper.wait()
        for pgdata in (*(n.pgdata for n in self.nodes), self.monitor_pgdata):
            if (pgdata / "postmaster.pid").exists():
                self._run(str(self.bin_dir / "pg_ctl"), "-D", str(pgdata), "-m", "immediate",
                          "-w", "stop", check=False)  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)

    # -- what the tests do ----------------------------------------------------------------

    def monitor_url(self) -> str:
        """The monitor's URL, as the keepers use it."""
        return f"postgresql://autoctl_node@127.0.0.1:{self.monitor_port}/pg_auto_failover?sslmode=disable"

    def url(self, target_session_attrs: str = "read-write") -> str:
        """The multi-host URL an application uses: ``postgresql://h1:p1,h2:p2/app?...``."""
        hosts = ",".join(node.address for node in self.nodes)
        return (
            f"postgresql://postgres@{hosts}/{DATABASE}?target_session_attrs={target_session_attrs}"
        )

    def states(self) -> list[dict[str, object]]:
        """The monitor's view (``pg_autoctl show state --json``): one dict per node."""
        states = self._try_state()
        if states is None:
            raise RuntimeError(f"the monitor did not answer\n{self._log_tail('monitor')}")
        return states

    def events(self, count: int = 40) -> str:
        """The monitor's latest events (``pg_autoctl show events``), for a failure message."""
        return self._autoctl(
            "show", "events", "--pgdata", str(self.monitor_pgdata), "--count", str(count),
            timeout=30,
        )  # fmt: skip

    def primary(self) -> Node:
        """The node the monitor has assigned the primary role (raises when none)."""
        for state in self.states():
            if state["assigned_group_state"] in ("primary", "wait_primary", "single"):
                return self._node(str(state["nodename"]))
        raise RuntimeError(f"no primary assigned: {self.states()}")

    def secondary(self) -> Node:
        """The data node that is not the primary."""
        primary = self.primary()
        return next(node for node in self.nodes if node is not primary)

    def wait_ready(self, *, timeout: float = 120.0) -> Node:
        """Wait until one node is primary, the other secondary (both as assigned), and the
        primary has a synchronous standby streaming; return the primary."""

        def ready() -> bool:
            states = self._try_state()
            if states is None or len(states) != len(self.nodes):
                return False
            settled = {str(s["nodename"]): str(s["current_group_state"]) for s in states}
            if any(s["current_group_state"] != s["assigned_group_state"] for s in states):
                return False
            if sorted(settled.values()) != ["primary", "secondary"]:
                return False
            primary = next(n for n in self.nodes if settled[n.name] == "primary")
            out = self._psql(
                primary,
                "SELECT count(*) FROM pg_stat_replication "
                "WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')",
                check=False,
            )
            return out.strip() == "1"

        self._wait(ready, timeout, "a primary with a synchronous secondary")
        return self.primary()

    def switchover(self, *, timeout: float = 60.0) -> None:
        """A planned switchover (``pg_autoctl perform switchover``); returns when it is done."""
        self._autoctl(
            "perform", "switchover", "--pgdata", str(self.monitor_pgdata),
            "--wait", str(int(timeout)), timeout=timeout + 30,
        )  # fmt: skip

    def kill_primary_postgres(self) -> Node:
        """SIGKILL the primary's postmaster (its keeper restarts it); return that node."""
        node = self.primary()
        pid = node.postmaster_pid()
        if pid is None:
            raise RuntimeError(f"{node.name} runs no postgres to kill")
        os.kill(pid, signal.SIGKILL)
        return node

    def stop_node(self, node: Node) -> None:
        """Stop a whole node at once, as a power loss would: its keeper SIGKILLed, its postgres
        stopped in immediate mode (no shutdown checkpoint, connections cut)."""
        if node.keeper is not None:
            # pg_autoctl run supervises child processes (one restarts postgres): kill them all.
            # Each keeper leads its own process group (start_new_session).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(node.keeper.pid, signal.SIGKILL)
            node.keeper.wait()
            node.keeper = None
        if node.postmaster_pid() is not None:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(node.pgdata), "-m", "immediate",
                      "-w", "stop", check=False)  # fmt: skip

    def start_node(self, node: Node) -> None:
        """Start a stopped node's keeper (which starts postgres and rejoins, as a standby when
        the other node was promoted meanwhile)."""
        if node.keeper is None:
            node.keeper = self._spawn(node.pgdata, node.name)

    # -- internals ------------------------------------------------------------------------

    def _node(self, name: str) -> Node:
        return next(node for node in self.nodes if node.name == name)

    def _env(self) -> dict[str, str]:
        xdg = self.root / "xdg"
        return {
            "PATH": f"{self.bin_dir}:/usr/bin:/bin",
            "HOME": str(self.root),
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_RUNTIME_DIR": str(xdg / "run"),
            "PGHOST": str(self.sockets),
            "PGUSER": "postgres",
            "PG_CONFIG": str(self.bin_dir / "pg_config"),
            "LANG": "C.UTF-8",
        }

    def _initdb(self, pgdata: Path, extra: dict[str, str]) -> None:
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        conf = f"unix_socket_directories = '{self.sockets}'\n"
        with (pgdata / "postgresql.conf").open("a") as handle:
            handle.write(conf)
        with (pgdata / "postgresql.auto.conf").open("a") as handle:
            for key, value in {**_SERVER_SETTINGS, **extra}.items():
                handle.write(f"{key} = '{value}'\n")

    def _autoctl(self, *args: str, timeout: float = 120.0) -> str:
        return self._run(self.autoctl, *args, timeout=timeout)

    def _spawn_command(self, log_name: str, *args: str) -> subprocess.Popen[bytes]:
        log = self.root / f"{log_name}.log"
        with log.open("ab") as handle:
            give(log)
            return subprocess.Popen(
                [self.autoctl, *args],
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=self._env(),
                user=system_user(),
                start_new_session=True,
            )

    def _spawn(self, pgdata: Path, log_name: str) -> subprocess.Popen[bytes]:
        return self._spawn_command(log_name, "run", "--pgdata", str(pgdata))

    def _run(self, *command: str, timeout: float = 120.0, check: bool = True) -> str:
        result = subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            env=self._env(),
            user=system_user(),
            timeout=timeout,
            check=False,
            cwd=self.root,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}): "
                f"{(result.stderr or result.stdout).strip()[-3000:]}"
            )
        return result.stdout

    def _psql(self, node: Node, sql: str, *, check: bool = True) -> str:
        return self._run(
            str(self.bin_dir / "psql"), "-X", "-A", "-t", "-h", str(self.sockets),
            "-p", str(node.port), "-U", "postgres", "-d", "postgres", "-c", sql,
            timeout=30, check=check,
        )  # fmt: skip

    def _try_state(self) -> list[dict[str, object]] | None:
        try:
            out = self._autoctl(
                "show", "state", "--pgdata", str(self.monitor_pgdata), "--json", timeout=30
            )
        except (RuntimeError, subprocess.TimeoutExpired):
            return None
        try:
            states = json.loads(out)
        except json.JSONDecodeError:
            return None
        return states if isinstance(states, list) else None

    def _states_are(self, wanted: dict[str, str]) -> bool:
        states = self._try_state() or []
        found = {
            str(s["nodename"]): str(s["current_group_state"])
            for s in states
            if s["current_group_state"] == s["assigned_group_state"]
        }
        return all(found.get(name) == state for name, state in wanted.items())

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"timed out after {timeout:g} s waiting for {what}: {self._try_state()}\n"
                    + "\n".join(self._log_tail(n) for n in ("monitor", "node1", "node2"))
                )
            time.sleep(0.5)

    def _log_tail(self, name: str, size: int = 2000) -> str:
        log = self.root / f"{name}.log"
        text = log.read_text(errors="replace")[-size:] if log.exists() else ""
        return f"--- {name}.log ---\n{text}"
