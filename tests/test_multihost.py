"""A cluster's multi-host URL, without a cluster: parsing, validation, settings, probes, checks.

The real cluster (pg_auto_failover) is in ``tests/runtime/test_failover.py``.
"""

from __future__ import annotations

import pytest

from postsql.errors import ConfigurationError, NoWritableHost
from postsql.ops.monitoring import cluster_check, health
from postsql.runtime.database import Database
from postsql.runtime.failover import NodeStatus, probe, writable_url, writable_url_sync
from postsql.runtime.settings import DatabaseSettings
from postsql.runtime.urls import (
    dbmate_url,
    host_urls,
    is_multi_host,
    redact,
    url_hosts,
    validate_url,
)
from postsql.testing import free_port

CLUSTER = "postgresql://app:s3cret@db1:5432,db2:5433/app?target_session_attrs=read-write"


def test_url_hosts_lists_every_host_and_port_in_order() -> None:
    assert url_hosts(CLUSTER) == (("db1", 5432), ("db2", 5433))
    assert url_hosts("postgresql://app@db1,[::1]:6000/app") == (("db1", None), ("::1", 6000))
    assert url_hosts("postgresql://app@/app?host=/a,/b&port=5432") == (("/a", 5432), ("/b", 5432))
    assert url_hosts("postgresql://app@db1/app") == (("db1", None),)


def test_is_multi_host_tells_a_cluster_url_from_a_single_server() -> None:
    assert is_multi_host(CLUSTER)
    assert not is_multi_host("postgresql://app@db1:5432/app")
    assert not is_multi_host("postgresql://app@/app?host=/run/postgresql")


def test_host_urls_give_one_single_server_url_per_host_keeping_credentials_and_options() -> None:
    url = CLUSTER + "&sslmode=require"
    assert host_urls(url) == (
        "postgresql://app:s3cret@db1:5432/app?sslmode=require",
        "postgresql://app:s3cret@db2:5433/app?sslmode=require",
    )
    assert host_urls("postgresql://u@/app?host=/a,/b&port=1,2") == (
        "postgresql://u@/app?host=/a&port=1",
        "postgresql://u@/app?host=/b&port=2",
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://app:s3cret@db1:5432,db2:x/app", "invalid port number"),
        ("postgresql://app:s3cret@db1:5432,db2:70000/app", "invalid port number"),
        ("postgresql://app:s3cret@db1,,db2/app", "empty host"),
        ("postgresql://app:s3cret@db1,db2/app?target_session_attrs=master", "read-write"),
        ("postgresql://u@/app?host=/a,/b&port=1,2,3", "2 hosts but 3 ports"),
    ],
)
def test_a_malformed_cluster_url_is_refused_naming_the_setting_without_the_password(
    url: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        validate_url(url, setting="DATABASE_URL")
    assert "s3cret" not in str(caught.value)
    assert "DATABASE_URL" in str(caught.value)


def test_redact_masks_the_password_of_a_cluster_url() -> None:
    assert redact(CLUSTER) == (
        "postgresql://app:***@db1:5432,db2:5433/app?target_session_attrs=read-write"
    )


def test_settings_accept_a_cluster_url_and_a_prefer_standby_replica_url_among_others() -> None:
    standby = CLUSTER.replace("read-write", "prefer-standby")
    settings = DatabaseSettings(url=CLUSTER, replica_urls=f"{standby},postgresql://r2/app")
    assert settings.target().url == CLUSTER
    assert settings.replica_urls == (standby, "postgresql://r2/app")


def test_settings_refuse_a_cluster_url_with_a_bad_port_naming_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=r"url \(DATABASE_URL\) has an invalid port"):
        DatabaseSettings(url="postgresql://app:s3cret@db1:5432,db2:port/app")


def test_dbmate_is_never_handed_a_cluster_url() -> None:
    with pytest.raises(ConfigurationError, match="dbmate connects to one server"):
        dbmate_url(CLUSTER)


async def test_writable_url_returns_a_single_server_url_unchanged_without_connecting() -> None:
    single = f"postgresql://app@127.0.0.1:{free_port()}/app"  # nothing listens there
    assert await writable_url(single) == single
    assert writable_url_sync(single) == single


async def test_probe_reports_unreachable_nodes_instead_of_raising() -> None:
    ports = free_port(), free_port()
    url = f"postgresql://app@127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}/app"
    nodes = await probe(url, within=2)
    assert [(n.address, n.role) for n in nodes] == [
        (f"127.0.0.1:{ports[0]}", "unreachable"),
        (f"127.0.0.1:{ports[1]}", "unreachable"),
    ]
    assert all(n.error for n in nodes)
    with pytest.raises(NoWritableHost, match=r"no server of .* accepts writes"):
        await writable_url(url, within=2)
    report = await health(url, timeout_seconds=2)
    assert report.status == "unhealthy"
    assert report.check("cluster").status == "critical"


PRIMARY = NodeStatus("db1:5432", "primary", read_only=False, standbys=1, sync_standbys=1)
STANDBY = NodeStatus("db2:5432", "standby", read_only=True)


@pytest.mark.parametrize(
    ("nodes", "status", "summary"),
    [
        ((PRIMARY, STANDBY), "ok", "db1:5432 primary, 1 synchronous standby streaming"),
        (
            (NodeStatus("db1:5432", "primary", read_only=False, standbys=1, sync_standbys=0),),
            "warning",
            "no synchronous standby",
        ),
        ((PRIMARY, NodeStatus("db2:5432", "unreachable", error="refused")), "warning", "refused"),
        ((STANDBY, NodeStatus("db1:5432", "unreachable", error="x")), "critical", "no node"),
        ((NodeStatus("db1:5432", "primary", read_only=True, sync_standbys=1),), "critical", ""),
        ((PRIMARY, PRIMARY), "critical", "more than one node accepts writes"),
    ],
)
def test_the_cluster_check_grades_roles_and_synchronous_replication(
    nodes: tuple[NodeStatus, ...], status: str, summary: str
) -> None:
    check = cluster_check(nodes)
    assert check.status == status
    assert summary in check.summary


async def test_a_write_whose_connection_breaks_mid_statement_says_its_outcome_is_unknown(
    db_url: str,
) -> None:
    async with Database(url=db_url, pool_min_size=1, log_queries=False) as db:
        with pytest.raises(Exception) as caught:  # noqa: PT011 - asyncpg's class varies by timing
            await db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        assert any("outcome unknown" in note for note in caught.value.__notes__)


async def test_a_write_that_cannot_connect_is_not_called_an_unknown_outcome() -> None:
    url = f"postgresql://app@127.0.0.1:{free_port()}/app"
    async with Database(url=url, pool_min_size=0, log_queries=False) as db:
        with pytest.raises(ConnectionRefusedError) as caught:
            await db.execute("INSERT INTO t VALUES (1)")
        assert not any("outcome unknown" in n for n in getattr(caught.value, "__notes__", ()))
