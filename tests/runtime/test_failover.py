"""On a real pg_auto_failover cluster (monitor + two nodes, synchronous replication).

pg_auto_failover comes from Debian's packages, installed by ``scripts/install-pg-auto-failover.sh``
when missing (as root with apt-get); the tests skip, saying why, only when it cannot be installed.
One cluster serves the module: first the tests that leave it as it is, then the three failovers
under 200 concurrent writers, each asserting that no acknowledged write is lost, none is stored
twice, none hangs, and writes succeed again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from postsql.builtin.queries import monitoring
from postsql.cli import main
from postsql.errors import NoWritableHost
from postsql.migrations.migrator import Migrator
from postsql.ops.monitoring import health
from postsql.runtime.database import Database
from postsql.runtime.failover import direct_writable_url, probe, writable_url
from postsql.testing import free_port
from runtime.failover_cluster import DATABASE, FailoverCluster, Unavailable
from runtime.failover_load import Figures, run_scenario

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 200
POOL = 10


@pytest.fixture(scope="module")
def cluster() -> Iterator[FailoverCluster]:
    try:
        started = FailoverCluster.start()
    except Unavailable as exc:
        pytest.skip(str(exc))
    try:
        yield started
    finally:
        started.destroy()


def standby_first_url(cluster: FailoverCluster, attrs: str = "read-write") -> str:
    """The cluster's URL with the standby listed first: the primary is not simply the first host."""
    primary, standby = cluster.primary(), cluster.secondary()
    hosts = f"{standby.address},{primary.address}"
    return f"postgresql://postgres@{hosts}/{DATABASE}?target_session_attrs={attrs}"


def assert_no_write_lost(figures: Figures, cluster: FailoverCluster) -> None:
    print(figures.row())  # the figures, for the log (docs/benchmarks.md has the bench's)
    why = f"{figures}\n{cluster.events()}"
    assert figures.acknowledged > 0
    assert figures.acknowledged_missing == 0, why
    assert figures.duplicates == 0, why
    assert figures.hung == 0, why
    assert figures.raised_present + figures.raised_absent == figures.raised, why
    assert figures.recovery_seconds < 60, why


# -- the cluster as it is ---------------------------------------------------------------------


async def test_a_database_on_the_cluster_url_writes_on_the_primary_even_when_listed_second(
    cluster: FailoverCluster,
) -> None:
    async with Database(url=standby_first_url(cluster), log_queries=False, pool_min_size=1) as db:
        port = await db.fetchval("SELECT inet_server_port()")
        assert port == cluster.primary().port
        assert await db.fetchval("SELECT pg_is_in_recovery()") is False


async def test_read_only_queries_use_the_standby_with_prefer_standby_and_fall_back_when_down(
    cluster: FailoverCluster,
) -> None:
    async with Database(
        url=cluster.url(),
        replica_urls=(cluster.url("prefer-standby"),),
        log_queries=False,
        pool_min_size=1,
    ) as db:
        info = await monitoring.server_info(db)
        assert info is not None
        assert info.in_recovery is True  # served by the standby
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/{DATABASE}"
    async with Database(
        url=cluster.url(), replica_urls=(dead,), log_queries=False, pool_min_size=1
    ) as db:
        info = await monitoring.server_info(db)
        assert info is not None
        assert info.in_recovery is False  # fell back to the primary


async def test_health_names_each_nodes_role_and_the_synchronous_standby(
    cluster: FailoverCluster,
) -> None:
    primary, standby = cluster.primary(), cluster.secondary()
    async with Database(url=cluster.url(), log_queries=False, pool_min_size=1) as db:
        report = await db.health()
    assert report.ok
    roles = {node.address: node.role for node in report.nodes}
    assert roles == {primary.address: "primary", standby.address: "standby"}
    assert [n.sync_standbys for n in report.nodes if n.role == "primary"] == [1]

    full = await health(cluster.url())
    check = full.check("cluster")
    assert full.status != "unhealthy"
    assert check.status == "ok", check
    assert f"{primary.address} primary, 1 synchronous standby streaming" in check.summary
    assert f"{standby.address} standby" in check.summary


def test_postsql_health_prints_the_cluster_nodes(
    cluster: FailoverCluster, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", cluster.url())
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    assert main(["health", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"name": "cluster"' in out
    assert f'"address": "{cluster.primary().address}"' in out
    assert '"sync_standby": true' in out


async def test_no_writable_node_is_unhealthy_and_commands_refuse_with_the_reason(
    cluster: FailoverCluster,
) -> None:
    # The standby and a port nothing listens on: a cluster whose primary is gone.
    standby = cluster.secondary()
    url = (
        f"postgresql://postgres@{standby.address},127.0.0.1:{free_port()}/{DATABASE}"
        "?target_session_attrs=read-write"
    )
    async with Database(url=url, log_queries=False, pool_min_size=0) as db:
        report = await db.health(within=3)
    assert not report.ok
    assert sorted(n.role for n in report.nodes) == ["standby", "unreachable"]

    full = await health(url, timeout_seconds=3)
    assert full.status == "unhealthy"
    assert full.check("cluster").status == "critical"
    with pytest.raises(NoWritableHost, match=r"accepts writes.*standby"):
        await writable_url(url, within=3)


async def test_migrate_through_the_cluster_url_runs_on_the_primary_and_reaches_the_standby(
    cluster: FailoverCluster, tmp_path: Path
) -> None:
    url = standby_first_url(cluster)
    migrator = Migrator(
        url=url, migrations_dir=ROOT / "sql" / "migrations", schema_file=tmp_path / "schema.sql"
    )
    migrator.up()
    assert "Applied" in migrator.status() or "[X]" in migrator.status()
    standby = await asyncpg.connect(cluster.secondary().url())
    try:
        deadline = time.monotonic() + 10
        while not await standby.fetchval("SELECT to_regclass('public.posts') IS NOT NULL"):
            assert time.monotonic() < deadline, "the migration did not reach the standby"
            await asyncio.sleep(0.1)
    finally:
        await standby.close()


def test_every_command_gets_the_writable_node_of_the_direct_url(
    cluster: FailoverCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", standby_first_url(cluster))
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    assert direct_writable_url() == cluster.primary().url()


# -- failovers under load ---------------------------------------------------------------------


async def test_a_planned_switchover_loses_no_acknowledged_write_and_no_writer_hangs(
    cluster: FailoverCluster,
) -> None:
    figures = await run_scenario(
        cluster, "switchover", cluster.switchover, tasks=WRITERS, pool_size=POOL
    )
    assert_no_write_lost(figures, cluster)
    assert figures.primary_after != figures.primary_before
    roles = {n.address: n.role for n in await probe(cluster.url())}
    assert roles[cluster.primary().address] == "primary"


async def test_sigkill_of_the_primarys_postgres_loses_no_acknowledged_write(
    cluster: FailoverCluster,
) -> None:
    figures = await run_scenario(
        cluster,
        "sigkill",
        cluster.kill_primary_postgres,
        tasks=WRITERS,
        pool_size=POOL,
    )
    assert_no_write_lost(figures, cluster)
    assert figures.raised > 0  # the kill cut the connections in use: it did happen


async def test_the_primary_node_stopped_for_10_s_fails_over_without_losing_acknowledged_writes(
    cluster: FailoverCluster,
) -> None:
    def stop_for_10_s() -> None:
        node = cluster.primary()
        cluster.stop_node(node)
        time.sleep(10)
        cluster.start_node(node)

    figures = await run_scenario(cluster, "node stopped", stop_for_10_s, tasks=WRITERS)
    assert_no_write_lost(figures, cluster)
    assert figures.primary_after != figures.primary_before  # the standby was promoted
