"""Health checks and slow queries: is the database answering, and what is it spending time on.

:func:`health` connects, runs every check and returns a :class:`HealthReport` whose ``status`` is
``healthy``, ``degraded`` (answering, but something needs attention: a saturated pool, long lock
waits, replica lag...) or ``unhealthy`` (not answering). ``postsql health`` prints it and exits
non-zero only when unhealthy, so it works as a container health check.

Every query here is a typed query from ``src/postsql/sql/queries/monitoring.sql``.

Example::

    report = await health(url, pool=db.pool_stats())
    print(report.status, report.response_ms)
    slow = await slow_queries(conn, limit=5)   # SlowQueries(state="enabled", queries=(...))
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

import asyncpg

from postsql.builtin.queries import monitoring as q
from postsql.ops.console import Section, human_seconds
from postsql.runtime.executor import Executor, QueryInfo
from postsql.runtime.failover import NodeStatus, probe
from postsql.runtime.registry import QueryRegistry
from postsql.runtime.urls import host_urls, is_multi_host, redact

__all__ = [
    "Check",
    "CheckStatus",
    "HealthReport",
    "HealthStatus",
    "HealthThresholds",
    "PoolStatsLike",
    "SlowQueries",
    "SlowQuery",
    "check_health",
    "cluster_check",
    "health",
    "health_section",
    "match_query",
    "normalize_sql",
    "query_registry",
    "slow_queries",
    "unreachable",
]

HealthStatus = Literal["healthy", "degraded", "unhealthy"]
CheckStatus = Literal["ok", "warning", "critical", "not_applicable"]

ENABLE_PG_STAT_STATEMENTS = (
    "add pg_stat_statements to shared_preload_libraries in postgresql.conf (or ALTER SYSTEM SET "
    "shared_preload_libraries = 'pg_stat_statements') and restart the server"
)
CREATE_PG_STAT_STATEMENTS = (
    "as a superuser, run CREATE EXTENSION pg_stat_statements in this database "
    "(or put it in a migration and run `postsql migrate` as a superuser)"
)


class PoolStatsLike(Protocol):
    """What health reads from a connection pool (``postsql.runtime.database.PoolStats`` is one).

    ``waiting`` counts callers blocked in ``acquire`` for want of a free connection.
    """

    @property
    def size(self) -> int: ...
    @property
    def idle(self) -> int: ...
    @property
    def in_use(self) -> int: ...
    @property
    def max_size(self) -> int: ...
    @property
    def min_size(self) -> int: ...
    @property
    def waiting(self) -> int: ...


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """When a check turns from ok to warning (and the report to degraded).

    A value exactly at its threshold is still ok: a warning takes a lock wait, an idle-in-
    transaction session, a replica lag or a share of ``max_connections`` *over* it, or a cache hit
    ratio *below* ``cache_hit_ratio`` over at least ``cache_min_blocks`` block accesses. Seconds
    and block counts must be >= 0, ratios between 0 and 1 (0.9, not 90); anything else is a
    ``ValueError`` naming the field.

    Example: ``HealthThresholds(lock_wait_seconds=5)``.
    """

    lock_wait_seconds: float = 10.0
    idle_in_transaction_seconds: float = 300.0
    cache_hit_ratio: float = 0.90
    cache_min_blocks: int = 10_000  # below this many block accesses the ratio says nothing yet
    replication_lag_seconds: float = 30.0
    connections_used: float = 0.90  # fraction of max_connections

    def __post_init__(self) -> None:
        for name in (
            "lock_wait_seconds",
            "idle_in_transaction_seconds",
            "cache_hit_ratio",
            "cache_min_blocks",
            "replication_lag_seconds",
            "connections_used",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"HealthThresholds.{name} must be a number, not {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(
                    f"HealthThresholds.{name} must be a finite number >= 0, not {value!r}"
                )
            if name in ("cache_hit_ratio", "connections_used") and value > 1:
                raise ValueError(
                    f"HealthThresholds.{name} is a fraction between 0 and 1 "
                    f"(0.9 for 90%), not {value!r}"
                )


@dataclass(frozen=True, slots=True)
class Check:
    """One aspect of health: its status, a one-line summary, and JSON-ready details."""

    name: str
    status: CheckStatus
    summary: str
    details: Mapping[str, object] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The check as JSON-ready data."""
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The outcome of :func:`health`; ``exit_code`` is 1 only when unhealthy."""

    status: HealthStatus
    response_ms: float | None
    checked_at: datetime
    checks: tuple[Check, ...]

    @property
    def exit_code(self) -> int:
        """0 when healthy or degraded, 1 when unhealthy (container health-check convention)."""
        return 1 if self.status == "unhealthy" else 0

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` when absent)."""
        for item in self.checks:
            if item.name == name:
                return item
        raise KeyError(name)

    def to_json(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "status": self.status,
            "response_ms": self.response_ms,
            "checked_at": self.checked_at.isoformat(),
            "checks": [c.to_json() for c in self.checks],
        }


def _overall(checks: tuple[Check, ...]) -> HealthStatus:
    if any(c.status == "critical" for c in checks):
        return "unhealthy"
    if any(c.status == "warning" for c in checks):
        return "degraded"
    return "healthy"


def unreachable(reason: str, *, pool: PoolStatsLike | None = None) -> HealthReport:
    """The report for a server that cannot be reached (``reason`` says why and what to do).

    Example: ``unreachable("connection refused at 127.0.0.1:5432")``.
    """
    checks = (Check("connectivity", "critical", reason), _pool_check(pool))
    return HealthReport("unhealthy", None, datetime.now(UTC), checks)


async def health(
    url: str,
    *,
    pool: PoolStatsLike | None = None,
    timeout_seconds: float = 5.0,
    thresholds: HealthThresholds | None = None,
) -> HealthReport:
    """Connect to ``url`` (a fresh connection, not the pool's) and run every check.

    Never raises for an unreachable or hung server: that is an ``unhealthy`` report.

    A cluster's multi-host URL adds a ``cluster`` check naming every node's role and whether the
    primary has a synchronous standby streaming (critical when no node accepts writes, a warning
    when one is unreachable or commits wait for no standby); the other checks run on the primary.

    Example::

        report = await health(resolve(start=False).url)
        sys.exit(report.exit_code)
    """
    if is_multi_host(url):
        nodes = await probe(url, within=timeout_seconds)
        cluster = cluster_check(nodes)
        primary = next((u for n, u in zip(nodes, host_urls(url), strict=True) if n.writable), None)
        if primary is None:
            report = unreachable(f"no server of {redact(url)} accepts writes", pool=pool)
        else:
            report = await health(
                primary, pool=pool, timeout_seconds=timeout_seconds, thresholds=thresholds
            )
        checks = (cluster, *report.checks)
        return replace(report, status=_overall(checks), checks=checks)
    try:
        # No statement cache: the application URL may go through PgBouncer in transaction mode.
        conn = await asyncpg.connect(url, timeout=timeout_seconds, statement_cache_size=0)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return unreachable(f"cannot connect to {redact(url)}: {_reason(exc)}", pool=pool)
    try:
        return await asyncio.wait_for(
            check_health(conn, pool=pool, thresholds=thresholds), timeout=timeout_seconds
        )
    except TimeoutError:
        return unreachable(
            f"{redact(url)} did not answer the checks within {timeout_seconds:g}s", pool=pool
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return unreachable(f"checks on {redact(url)} failed: {_reason(exc)}", pool=pool)
    finally:
        await _close(conn)


async def _close(conn: asyncpg.Connection) -> None:
    # After a timeout the connection may still be inside a query: close politely if it can.
    try:
        await conn.close(timeout=1.0)
    except (OSError, TimeoutError, asyncpg.InterfaceError):
        conn.terminate()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


async def check_health(
    db: Executor,
    *,
    pool: PoolStatsLike | None = None,
    thresholds: HealthThresholds | None = None,
) -> HealthReport:
    """Run every check over an open connection (or pool); see :func:`health`.

    Example: ``report = await check_health(conn, pool=stats)``.
    """
    limits = thresholds or HealthThresholds()
    started = time.perf_counter()
    await db.fetchval("SELECT 1")
    response_ms = (time.perf_counter() - started) * 1000
    info = await q.server_info(db)
    assert info is not None  # noqa: S101 - a SELECT without FROM returns one row
    checks = (
        Check(
            "connectivity",
            "ok",
            f"PostgreSQL {info.version_text} answered in {response_ms:.1f} ms"
            + (" (standby)" if info.in_recovery else ""),
            {
                "response_ms": round(response_ms, 3),
                "server_version": info.version_text,
                "server_version_num": info.server_version_num,
                "database": info.database_name,
                "in_recovery": info.in_recovery,
            },
        ),
        _connections_check(info, limits),
        _pool_check(pool),
        await _guarded("activity", _activity(db, limits)),
        await _guarded("locks", _locks(db, limits)),
        await _guarded("cache", _cache(db, limits)),
        await _guarded("replication", _replication_check(db, info.in_recovery, limits)),
        await _guarded("pg_stat_statements", _statements_check(db)),
    )
    return HealthReport(_overall(checks), round(response_ms, 3), datetime.now(UTC), checks)


async def _guarded(name: str, check: Coroutine[Any, Any, Check]) -> Check:
    # The server answered; one check it refuses (a permission, a missing view) is a warning about
    # that check, not an unhealthy database.
    try:
        return await check
    except asyncpg.PostgresError as exc:
        return Check(name, "warning", f"could not check: {_reason(exc)}", {"error": _reason(exc)})


async def _activity(db: Executor, limits: HealthThresholds) -> Check:
    return _activity_check(await q.activity_by_state(db), limits)


async def _locks(db: Executor, limits: HealthThresholds) -> Check:
    return _locks_check(await q.blocking_locks(db), limits)


async def _cache(db: Executor, limits: HealthThresholds) -> Check:
    return _cache_check(await q.cache_hit_ratio(db), limits)


def _connections_check(info: q.ServerInfoRow, limits: HealthThresholds) -> Check:
    used = info.connections / info.max_connections if info.max_connections else 0.0
    status: CheckStatus = "warning" if used > limits.connections_used else "ok"
    return Check(
        "connections",
        status,
        f"{info.connections} of max_connections {info.max_connections} in use ({used:.0%})",
        {"connections": info.connections, "max_connections": info.max_connections},
    )


def _pool_check(pool: PoolStatsLike | None) -> Check:
    if pool is None:
        return Check(
            "pool", "not_applicable", "no pool given (health runs over its own connection)"
        )
    details = {
        "size": pool.size,
        "idle": pool.idle,
        "in_use": pool.in_use,
        "waiting": pool.waiting,
        "min_size": pool.min_size,
        "max_size": pool.max_size,
    }
    summary = (
        f"{pool.in_use} in use, {pool.idle} idle, {pool.size} open of max {pool.max_size}, "
        f"{pool.waiting} waiting"
    )
    if pool.waiting > 0 or (pool.max_size > 0 and pool.in_use >= pool.max_size):
        return Check("pool", "warning", f"saturated: {summary}", details)
    return Check("pool", "ok", summary, details)


def _activity_check(rows: list[q.ActivityByStateRow], limits: HealthThresholds) -> Check:
    by_state = {r.state: r.connections for r in rows}
    stuck = next(
        (
            r
            for r in rows
            if r.state.startswith("idle in transaction")
            and (r.longest_seconds or 0) > limits.idle_in_transaction_seconds
        ),
        None,
    )
    summary = ", ".join(f"{n} {s}" for s, n in by_state.items()) or "no client connections"
    details: dict[str, object] = {
        "by_state": by_state,
        "longest_seconds": {r.state: r.longest_seconds for r in rows},
    }
    if stuck is not None:
        return Check(
            "activity",
            "warning",
            f"{summary}; a session has been '{stuck.state}' for "
            f"{human_seconds(stuck.longest_seconds)} (over "
            f"{limits.idle_in_transaction_seconds:g} s; it holds locks and blocks vacuum)",
            details,
        )
    return Check("activity", "ok", summary, details)


def _locks_check(rows: list[q.BlockingLocksRow], limits: HealthThresholds) -> Check:
    pairs = [
        {
            "blocked_pid": r.blocked_pid,
            "blocked_user": r.blocked_user,
            "blocked_query": r.blocked_query,
            "waiting_seconds": r.waiting_seconds,
            "blocking_pid": r.blocking_pid,
            "blocking_user": r.blocking_user,
            "blocking_state": r.blocking_state,
            "blocking_query": r.blocking_query,
            "blocking_xact_seconds": r.blocking_xact_seconds,
        }
        for r in rows
    ]
    if not rows:
        return Check("locks", "ok", "no session waits on another", {"blocking": pairs})
    longest = max(r.waiting_seconds or 0.0 for r in rows)
    worst = rows[0]
    summary = (
        f"{len({r.blocked_pid for r in rows})} session(s) blocked; longest: pid "
        f"{worst.blocked_pid} waits on pid {worst.blocking_pid} for {longest:.1f}s"
    )
    status: CheckStatus = "warning" if longest > limits.lock_wait_seconds else "ok"
    return Check("locks", status, summary, {"blocking": pairs})


def _cache_check(row: q.CacheHitRatioRow | None, limits: HealthThresholds) -> Check:
    if row is None or row.ratio is None:
        return Check(
            "cache",
            "ok",
            "no block reads yet: the hit ratio is not defined until the first access",
            {"blocks_hit": 0, "blocks_read": 0, "ratio": None},
        )
    details = {"blocks_hit": row.blocks_hit, "blocks_read": row.blocks_read, "ratio": row.ratio}
    summary = f"hit ratio {row.ratio:.2%} ({row.blocks_hit:,} hits, {row.blocks_read:,} reads)"
    total = row.blocks_hit + row.blocks_read
    if total >= limits.cache_min_blocks and row.ratio < limits.cache_hit_ratio:
        return Check("cache", "warning", f"{summary}: below {limits.cache_hit_ratio:.0%}", details)
    return Check("cache", "ok", summary, details)


async def _replication_check(db: Executor, in_recovery: bool, limits: HealthThresholds) -> Check:
    if in_recovery:
        lag = await q.standby_lag(db)
        seconds = lag.replay_lag_seconds if lag is not None else None
        details: dict[str, object] = {"role": "standby", "replay_lag_seconds": seconds}
        if seconds is None:
            return Check("replication", "ok", "standby; nothing replayed yet", details)
        status: CheckStatus = "warning" if seconds > limits.replication_lag_seconds else "ok"
        return Check("replication", status, f"standby, {seconds:.1f}s behind", details)
    replicas = await q.replication_status(db)
    if not replicas:
        return Check("replication", "not_applicable", "no replicas attached", {"replicas": []})
    rows = [r.model_dump() for r in replicas]
    worst = max((r.replay_lag_seconds or 0.0) for r in replicas)
    status = "warning" if worst > limits.replication_lag_seconds else "ok"
    return Check(
        "replication",
        status,
        f"{len(replicas)} replica(s); largest replay lag {worst:.1f}s",
        {"role": "primary", "replicas": rows},
    )


async def _statements_check(db: Executor) -> Check:
    state, hint = await _statements_state(db)
    if state == "enabled":
        return Check("pg_stat_statements", "ok", "enabled", {"state": state})
    return Check(
        "pg_stat_statements",
        "not_applicable",
        f"not enabled ({state.replace('_', ' ')}): {hint}",
        {"state": state, "hint": hint},
    )


def cluster_check(nodes: tuple[NodeStatus, ...]) -> Check:
    """The ``cluster`` check over the nodes :func:`~postsql.runtime.failover.probe` found: each
    node's role and whether the primary's commits wait for a synchronous standby.

    Example: ``cluster_check(await probe(url)).summary``.
    """
    writable = [n for n in nodes if n.writable]
    details: dict[str, object] = {
        "nodes": [
            {
                "address": n.address,
                "role": n.role,
                "read_only": n.read_only,
                "standbys": n.standbys,
                "sync_standbys": n.sync_standbys,
                "error": n.error,
            }
            for n in nodes
        ],
        "writable": [n.address for n in writable],
        "sync_standby": None if len(writable) != 1 else _has_sync(writable[0]),
    }
    summary = "; ".join(n.describe() for n in nodes)
    status: CheckStatus
    if not writable:
        status, summary = "critical", f"no node accepts writes: {summary}"
    elif len(writable) > 1:
        status, summary = "critical", f"more than one node accepts writes: {summary}"
    elif not details["sync_standby"] or any(n.role == "unreachable" for n in nodes):
        status = "warning"
    else:
        status = "ok"
    return Check("cluster", status, summary, details)


def _has_sync(node: NodeStatus) -> bool | None:
    return None if node.sync_standbys is None else node.sync_standbys > 0


def health_section(report: HealthReport) -> Section:
    """The report as a table for the terminal: one row per check.

    Example: ``print_section(health_section(report))``.
    """
    took = "" if report.response_ms is None else f" ({report.response_ms:.1f} ms)"
    return Section(
        f"{report.status.upper()}{took}",
        ("check", "status", "summary"),
        [(c.name, c.status.replace("_", " "), c.summary) for c in report.checks],
    )


# -- slow queries ---------------------------------------------------------------------------

StatementsState = Literal["enabled", "not_created", "not_preloaded"]


@dataclass(frozen=True, slots=True)
class SlowQuery:
    """One pg_stat_statements entry; ``name``/``location`` when it is one of our queries."""

    name: str | None
    location: str | None
    query: str
    calls: int
    total_ms: float
    mean_ms: float
    max_ms: float
    rows: int

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "name": self.name,
            "location": self.location,
            "query": self.query,
            "calls": self.calls,
            "total_ms": self.total_ms,
            "mean_ms": self.mean_ms,
            "max_ms": self.max_ms,
            "rows": self.rows,
        }


@dataclass(frozen=True, slots=True)
class SlowQueries:
    """The slow-query list, or why there is none (``state`` and how to enable it in ``hint``)."""

    state: StatementsState
    hint: str | None
    queries: tuple[SlowQuery, ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-ready data."""
        return {
            "state": self.state,
            "hint": self.hint,
            "queries": [s.to_json() for s in self.queries],
        }


async def _statements_state(db: Executor) -> tuple[StatementsState, str]:
    """The extension's state and what to do about it (empty when enabled).

    Not created and not preloaded either: both steps, the server's first (the extension's views
    only return rows once the library is loaded).
    """
    row = await q.pg_stat_statements_state(db)
    preloaded = row is not None and row.preloaded
    if row is None or not row.created:
        hint = CREATE_PG_STAT_STATEMENTS
        if not preloaded:
            hint = f"{ENABLE_PG_STAT_STATEMENTS}; then {CREATE_PG_STAT_STATEMENTS}"
        return "not_created", hint
    return ("enabled", "") if preloaded else ("not_preloaded", ENABLE_PG_STAT_STATEMENTS)


async def slow_queries(
    db: Executor, *, limit: int = 10, registry: Mapping[str, QueryInfo] | None = None
) -> SlowQueries:
    """The statements with the most total execution time in this database, named where known.

    Example::

        slow = await slow_queries(conn, limit=5)
        for s in slow.queries:
            print(s.name or s.query[:40], s.mean_ms)
    """
    state, hint = await _statements_state(db)
    if state != "enabled":
        return SlowQueries(state, hint)
    known = query_registry() if registry is None else registry
    out: list[SlowQuery] = []
    for row in await q.slow_queries(db, limit=limit):
        info = match_query(row.query, known)
        out.append(
            SlowQuery(
                name=info.name if info else None,
                location=info.location if info else None,
                query=row.query,
                calls=row.calls,
                total_ms=row.total_exec_time,
                mean_ms=row.mean_exec_time,
                max_ms=row.max_exec_time,
                rows=row.rows,
            )
        )
    return SlowQueries("enabled", None, tuple(out))


# pg_stat_statements shows a statement as sent, minus a trailing semicolon, with each constant
# replaced by $n. Normalising both sides the same way (comments dropped, every constant and
# parameter one placeholder, whitespace collapsed) makes our $n text and its text compare equal.
_TOKENS = re.compile(
    r"""
      (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<string>[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*')
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?\$(?P=tag)?\$)
    | (?P<param>\$\d+)
    | (?P<ident>"(?:[^"]|"")*"|[A-Za-z_][\w$]*)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<space>\s+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CONSTANT_WORDS = frozenset({"true", "false", "null"})


def normalize_sql(text: str) -> str:
    """``text`` with comments dropped, constants and ``$n`` as ``?``, whitespace collapsed.

    Example: ``normalize_sql("SELECT 1 FROM t WHERE a = $1;")`` → ``"SELECT ? FROM t WHERE a = ?"``
    """
    parts: list[str] = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        token = match.group()
        if kind == "comment":
            parts.append(" ")
        elif kind in ("string", "dollar", "param", "number") or (
            kind == "ident" and token.lower() in _CONSTANT_WORDS
        ):
            parts.append("?")
        elif kind == "space":
            parts.append(" ")
        else:
            parts.append(token)
    joined = re.sub(r"\s+", " ", "".join(parts)).strip()
    return joined.rstrip(";").rstrip()


def query_registry(queries: Iterable[QueryInfo] | None = None) -> Mapping[str, QueryInfo]:
    """Generated queries by their normalised SQL text: ``queries`` (e.g. a
    :class:`~postsql.runtime.registry.QueryRegistry` of the project's package), else postsql's own.

    Example: ``query_registry(registry)[normalize_sql(posts.COUNT_POSTS.sql)].name``.
    """
    found: dict[str, QueryInfo] = {}
    for info in QueryRegistry.from_package() if queries is None else queries:
        found.setdefault(normalize_sql(info.sql), info)
    return found


def match_query(text: str, registry: Mapping[str, QueryInfo]) -> QueryInfo | None:
    """The generated query whose SQL is ``text`` (as pg_stat_statements shows it), if any.

    Example: ``match_query(row.query, query_registry())``.
    """
    return registry.get(normalize_sql(text))
