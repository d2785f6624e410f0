"""Prometheus metrics from the query hook, with prometheus-client.

- ``postsql_queries_total{query, target}``: calls;
- ``postsql_query_errors_total{query, target, error}``: failed calls by error class;
- ``postsql_query_duration_seconds{query}``: latency histogram;
- ``postsql_pool_connections{pool, state}`` (``idle`` / ``in_use``), ``postsql_pool_max_size{pool}``
  and ``postsql_pool_waiting{pool}``: gauges read from the pools at scrape time.

``query`` is the generated query's name (``adhoc`` for other SQL), so the label set stays bounded.
Metrics go to prometheus-client's default registry unless a ``CollectorRegistry`` is given (tests
give their own).

Example::

    metrics = QueryMetrics()
    metrics.attach(db)          # hook + pool gauges
    # expose prometheus_client.generate_latest() at /metrics
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from postsql.errors import NotConnected
from postsql.runtime.hooks import QueryRecord

if TYPE_CHECKING:
    from postsql.runtime.database import Database

__all__ = ["DEFAULT_BUCKETS", "QueryMetrics"]

# From 100 µs: an indexed lookup on a nearby server takes a few hundred microseconds, and with a
# first bucket of 1 ms every one of them would land in it, saying nothing about their spread.
DEFAULT_BUCKETS: Sequence[float] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
)  # fmt: skip


class QueryMetrics:
    """A query hook that counts calls and errors and times queries; see the module docstring."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
    ) -> None:
        self.registry = registry if registry is not None else REGISTRY
        self.calls = Counter(
            "postsql_queries",
            "Queries run, by generated query name and target server.",
            ["query", "target"],
            registry=self.registry,
        )
        self.errors = Counter(
            "postsql_query_errors",
            "Queries that failed, by query name, target and error class.",
            ["query", "target", "error"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "postsql_query_duration_seconds",
            "Query latency in seconds, including the wait for a pooled connection.",
            ["query"],
            buckets=buckets,
            registry=self.registry,
        )
        self._pools: _PoolCollector | None = None

    def __call__(self, record: QueryRecord) -> None:
        self.calls.labels(record.label, record.target).inc()
        self.latency.labels(record.label).observe(record.duration)
        if record.error is not None:
            self.errors.labels(record.label, record.target, type(record.error).__name__).inc()

    def attach(self, db: Database) -> None:
        """Hook into ``db`` and export its pools' gauges.

        Example: ``QueryMetrics(registry).attach(db)``
        """
        db.add_query_hook(self)
        if self._pools is None:
            self._pools = _PoolCollector()
            self.registry.register(self._pools)
        self._pools.databases.append(db)

    def detach(self, db: Database) -> None:
        """Undo :meth:`attach`."""
        db.remove_query_hook(self)
        if self._pools is not None and db in self._pools.databases:
            self._pools.databases.remove(db)


class _PoolCollector(Collector):
    def __init__(self) -> None:
        self.databases: list[Database] = []

    def collect(self) -> Iterable[Metric]:
        connections = GaugeMetricFamily(
            "postsql_pool_connections", "Pooled connections by state.", labels=["pool", "state"]
        )
        max_size = GaugeMetricFamily(
            "postsql_pool_max_size", "Largest size the pool may grow to.", labels=["pool"]
        )
        waiting = GaugeMetricFamily(
            "postsql_pool_waiting", "Tasks waiting for a pooled connection.", labels=["pool"]
        )
        for db in self.databases:
            try:
                stats = {"primary": db.pool_stats(), **db.replica_stats()}
            except NotConnected:
                continue
            for label, s in stats.items():
                connections.add_metric([label, "idle"], s.idle)
                connections.add_metric([label, "in_use"], s.in_use)
                max_size.add_metric([label], s.max_size)
                waiting.add_metric([label], s.waiting)
        return [connections, max_size, waiting]
