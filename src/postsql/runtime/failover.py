"""A cluster's multi-host URL: which server is writable now, and what every node is doing.

A highly available cluster (pg_auto_failover, Patroni...) hands out one URL listing every node::

    postgresql://app@db1:5432,db2:5432/app?target_session_attrs=read-write

The one rule for such a URL, in every part of postsql:

- :class:`~postsql.Database` gives it to asyncpg as it is: each new connection tries the
  hosts in order and keeps the first that matches ``target_session_attrs`` (``read-write``: the
  primary). After a failover the old primary's connections are gone (its server restarted or
  died); the pool replaces them on the next borrow, and the replacements land on the new primary.
  A replica URL with ``target_session_attrs=prefer-standby`` sends read-only queries to a standby.
- Commands that work on one server (``postsql migrate`` through dbmate, ``backup`` through
  pg_dump, ``seed``, ``report``, codegen's scratch databases) get :func:`writable_url`: the
  single-host URL of the node that accepts writes now.
- ``postsql health`` and :meth:`Database.health` ask every node with :func:`probe`: its role
  and whether a synchronous standby is streaming; no writable node is unhealthy.

Example::

    url = await writable_url("postgresql://app@db1,db2/app?target_session_attrs=read-write")
    for node in await probe(url):
        print(node.address, node.role, node.sync_standbys)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

import asyncpg

from postsql.errors import NoWritableHost
from postsql.runtime.blocking import run_sync
from postsql.runtime.urls import host_urls, is_multi_host, redact, resolve, url_hosts

__all__ = [
    "NodeRole",
    "NodeStatus",
    "direct_writable_url",
    "probe",
    "writable_url",
    "writable_url_sync",
]

NodeRole = Literal["primary", "standby", "unreachable"]

# Standbys PostgreSQL hides the state of (a role without pg_read_all_stats sees only its own
# sessions' details in pg_stat_replication) are counted apart: their sync state is unknown.
_PROBE = """
SELECT pg_catalog.pg_is_in_recovery() AS in_recovery,
       pg_catalog.current_setting('default_transaction_read_only') = 'on' AS read_only,
       count(r.pid) FILTER (WHERE r.state = 'streaming') AS standbys,
       count(r.pid) FILTER (WHERE r.state = 'streaming' AND r.sync_state IN ('sync', 'quorum'))
           AS sync_standbys,
       count(r.pid) FILTER (WHERE r.state IS NULL) AS hidden
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_stat_replication AS r ON true
"""
_PROBE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)


@dataclass(frozen=True, slots=True)
class NodeStatus:
    """One server of a cluster as :func:`probe` found it.

    ``standbys`` and ``sync_standbys`` count the standbys streaming from a primary (all, and those
    its commits wait for); ``None`` on a standby, an unreachable node, or when the role may not see
    them. ``read_only`` is a primary refusing writes (``default_transaction_read_only``, as a
    failover manager sets while it drains one).
    """

    address: str
    role: NodeRole
    read_only: bool | None = None
    standbys: int | None = None
    sync_standbys: int | None = None
    error: str | None = None

    @property
    def writable(self) -> bool:
        """Whether this node accepts writes now (a primary that is not read-only)."""
        return self.role == "primary" and not self.read_only

    def describe(self) -> str:
        """One line: ``db1:5432 primary, 1 synchronous standby streaming``."""
        if self.role == "unreachable":
            return f"{self.address} unreachable: {self.error}"
        if self.role == "standby":
            return f"{self.address} standby"
        state = "primary (read-only)" if self.read_only else "primary"
        if self.sync_standbys is None:
            return f"{self.address} {state}: its standbys are not visible to this role"
        sync = (
            f"{self.sync_standbys} synchronous standby streaming"
            if self.sync_standbys
            else "no synchronous standby (commits do not wait for a copy)"
        )
        return f"{self.address} {state}, {sync}"


async def probe(url: str, *, within: float = 5.0) -> tuple[NodeStatus, ...]:
    """Ask every host of ``url`` (one, or a cluster's list) its role, at once; never raises for
    a node that cannot be reached (its role is ``unreachable``, ``error`` says why).

    Example: ``[n.role for n in await probe(url)]`` → ``['standby', 'primary']``.
    """
    addresses = [_address(host, port) for host, port in url_hosts(url)]
    return tuple(
        await asyncio.gather(
            *(_probe_one(a, u, within) for a, u in zip(addresses, host_urls(url), strict=True))
        )
    )


async def writable_url(url: str, *, within: float = 5.0) -> str:
    """The single-host URL of the node that accepts writes now; ``url`` itself when it names one
    server (without connecting). Raises :class:`~postsql.errors.NoWritableHost` when none does.

    Example::

        await writable_url("postgresql://app@db1,db2/app?target_session_attrs=read-write")
        # 'postgresql://app@db2/app' after db1 failed over to db2
    """
    if not is_multi_host(url):
        return url
    nodes = await probe(url, within=within)
    for node, single in zip(nodes, host_urls(url), strict=True):
        if node.writable:
            return single
    raise NoWritableHost(
        f"no server of {redact(url)} accepts writes: "
        + "; ".join(node.describe() for node in nodes)
        + " (a failover may be under way: try again in a few seconds)"
    )


def writable_url_sync(url: str, *, within: float = 5.0) -> str:
    """:func:`writable_url` for synchronous code (commands, dbmate); safe inside a running loop.

    Example: ``Migrator(url=writable_url_sync(resolve().direct_url)).up()``
    """
    if not is_multi_host(url):
        return url
    return run_sync(lambda: writable_url(url, within=within))


def direct_writable_url() -> str:
    """Where every command that changes or reads one server works: the URL rule's direct URL
    (:func:`postsql.runtime.urls.resolve`), pinned to the writable node when it lists several.

    Example: ``Migrator(url=direct_writable_url()).up()``
    """
    return writable_url_sync(resolve().direct_url)


def _address(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port or 5432}"


async def _probe_one(address: str, url: str, within: float) -> NodeStatus:
    try:
        async with asyncio.timeout(within):
            conn = await asyncpg.connect(url, timeout=within, statement_cache_size=0)
            try:
                row = await conn.fetchrow(_PROBE)
            finally:
                conn.terminate()
    except _PROBE_ERRORS as exc:
        reason = str(exc).strip().splitlines()
        return NodeStatus(
            address, "unreachable", error=f"{type(exc).__name__}: {reason[0] if reason else ''}"
        )
    assert row is not None  # noqa: S101 - an aggregate without GROUP BY returns one row
    if row["in_recovery"]:
        return NodeStatus(address, "standby", read_only=True)
    hidden = bool(row["hidden"])
    return NodeStatus(
        address,
        "primary",
        read_only=bool(row["read_only"]),
        standbys=None if hidden else int(row["standbys"]),
        sync_standbys=None if hidden else int(row["sync_standbys"]),
    )
