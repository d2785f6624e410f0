"""Writes in flight through a failover: what the client was told against what the database kept.

:func:`run_scenario` starts ``tasks`` concurrent writers on one :class:`Database`, each inserting
rows with a key of its own (``task``, ``seq``) one after the other, disrupts the cluster once
(planned switchover, SIGKILL of the primary's postgres, primary node stopped for a while), waits
until the cluster is whole again and writes have flowed for a moment, stops the writers, and
compares the client's record with the rows the surviving primary holds:

- acknowledged but missing: must be 0 (synchronous replication: a commit is acknowledged once the
  standby has it);
- raised but present: the statement failed on the client, yet committed (the connection broke
  after the server committed and before the client heard): the "outcome unknown" case;
- duplicates: a key stored twice would mean something re-sent a write (postsql never does);
- hung: writes still unanswered ``deadline`` seconds after the writers were told to stop;
- recovery: the longest stretch without any acknowledged write after the disruption began (writes
  failing, or waiting on a connection that died), and how long after the disruption it ended.

The table has no unique key on (task, seq) on purpose, so that a duplicate would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from postsql.runtime.database import Database
from postsql.runtime.failover import writable_url
from runtime.failover_cluster import FailoverCluster

TABLE = "ha_writes"
CREATE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scenario text NOT NULL,
    task integer NOT NULL,
    seq integer NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
)
"""
INSERT = f"INSERT INTO {TABLE} (scenario, task, seq) VALUES ($1, $2, $3)"


@dataclass(frozen=True, slots=True)
class Figures:
    """One scenario's counts and times (see the module docstring)."""

    scenario: str
    primary_before: str
    primary_after: str
    attempted: int
    acknowledged: int
    raised: int
    acknowledged_missing: int
    raised_present: int
    raised_absent: int
    duplicates: int
    hung: int
    recovery_seconds: float
    longest_gap_seconds: float
    errors: dict[str, int]

    def row(self) -> str:
        """A markdown table row (the columns of :data:`HEADER`)."""
        errors = ", ".join(f"{name} {count}" for name, count in sorted(self.errors.items()))
        return (
            f"| {self.scenario} | {self.primary_before} → {self.primary_after} | "
            f"{self.attempted} | {self.acknowledged} | "
            f"{self.acknowledged_missing} | {self.raised} | {self.raised_present} | "
            f"{self.duplicates} | {self.hung} | {self.recovery_seconds:.1f} s | "
            f"{self.longest_gap_seconds:.1f} s | {errors or '-'} |"
        )


HEADER = (
    "| scenario | primary | writes attempted | acknowledged | acknowledged, missing | raised | "
    "raised, present (outcome unknown) | duplicates | hung | writes succeed again after | "
    "longest gap without an ack | errors raised |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


@dataclass
class _Record:
    acked: list[tuple[int, int]] = field(default_factory=list)
    ack_times: list[float] = field(default_factory=list)
    raised: list[tuple[int, int]] = field(default_factory=list)
    error_times: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    attempted: int = 0
    hung: int = 0  # writes answered (or still unanswered at the end) after more than the deadline


async def _writer(
    db: Database,
    scenario: str,
    task: int,
    stop: asyncio.Event,
    record: _Record,
    deadline: float,
) -> None:
    seq = 0
    while not stop.is_set():
        seq += 1
        record.attempted += 1
        began = time.monotonic()
        try:
            await db.execute(INSERT, scenario, task, seq)
        except Exception as exc:  # every failure is counted, whatever its class
            if time.monotonic() - began > deadline:
                record.hung += 1
            record.raised.append((task, seq))
            record.error_times.append(time.monotonic())
            record.errors[type(exc).__name__] += 1
            await asyncio.sleep(0.05)  # a failing server is not hammered by 200 tight loops
        else:
            if time.monotonic() - began > deadline:
                record.hung += 1
            record.acked.append((task, seq))
            record.ack_times.append(time.monotonic())


async def run_scenario(
    cluster: FailoverCluster,
    scenario: str,
    disrupt: Callable[[], object],
    *,
    tasks: int = 200,
    pool_size: int = 10,
    warmup: float = 2.0,
    settle: float = 3.0,
    deadline: float = 30.0,
    ready_timeout: float = 120.0,
) -> Figures:
    """Run one scenario on ``cluster`` (see the module docstring); ``disrupt`` runs in a thread.

    Example: ``await run_scenario(cluster, "switchover", cluster.switchover)``.
    """
    url = cluster.url()
    run = f"{scenario} {uuid.uuid4().hex[:8]}"  # the rows' key: the same scenario may run again
    before = cluster.wait_ready(timeout=ready_timeout).name
    record = _Record()
    stop = asyncio.Event()
    async with Database(
        url=url,
        pool_min_size=pool_size,
        pool_max_size=pool_size,
        acquire_timeout=10.0,
        connect_timeout=5.0,
        log_queries=False,
        trace_queries=False,
    ) as db:
        await db.execute(CREATE_TABLE)
        writers = [
            asyncio.create_task(_writer(db, run, n, stop, record, deadline)) for n in range(tasks)
        ]
        try:
            await asyncio.sleep(warmup)
            # The guarantee is that of synchronous replication: disrupt a cluster whose primary
            # has its synchronous standby (the load may have made the monitor think otherwise).
            await asyncio.to_thread(cluster.wait_ready, timeout=ready_timeout)
            started = time.monotonic()
            await asyncio.to_thread(disrupt)
            primary = await asyncio.to_thread(cluster.wait_ready, timeout=ready_timeout)
            # Writes must flow again: wait for an acknowledgment after the cluster settled.
            settled = time.monotonic()
            while not record.ack_times or record.ack_times[-1] < settled:
                if time.monotonic() - settled > deadline:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(settle)
        finally:
            stop.set()
            _, pending = await asyncio.wait(writers, timeout=deadline)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
    counts = await _stored(url, run)
    acked = set(record.acked)
    raised = set(record.raised)
    # Writes fail or stall (waiting on a dead connection) through the disruption: the longest
    # stretch without an acknowledgment after it began, and when that stretch ended.
    times = [started, *(t for t in record.ack_times if t >= started)]
    gap_start, gap_end = max(
        itertools.pairwise(times),
        key=lambda gap: gap[1] - gap[0],
        default=(started, time.monotonic()),  # nothing acknowledged since: not back at all
    )
    return Figures(
        scenario=scenario,
        primary_before=before,
        primary_after=primary.name,
        attempted=record.attempted,
        acknowledged=len(acked),
        raised=len(raised),
        acknowledged_missing=sum(1 for key in acked if key not in counts),
        raised_present=sum(1 for key in raised if key in counts),
        raised_absent=sum(1 for key in raised if key not in counts),
        duplicates=sum(1 for n in counts.values() if n > 1),
        hung=record.hung + len(pending),
        recovery_seconds=gap_end - started,
        longest_gap_seconds=gap_end - gap_start,
        errors=dict(record.errors),
    )


async def _stored(url: str, scenario: str) -> dict[tuple[int, int], int]:
    conn = await asyncpg.connect(await writable_url(url))
    try:
        rows = await conn.fetch(
            f"SELECT task, seq, count(*) AS n FROM {TABLE} WHERE scenario = $1 GROUP BY 1, 2",
            scenario,
        )
    finally:
        await conn.close()
    return {(r["task"], r["seq"]): r["n"] for r in rows}
