"""Logging, Prometheus metrics and OpenTelemetry spans, all fed by the query hook."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from blog.generated.queries import taxonomy, users
from postsql.ext.logging import QueryLogger
from postsql.ext.metrics import QueryMetrics
from postsql.ext.tracing import QueryTracer
from postsql.runtime.database import Database

SECRET_EMAIL = "very-private-person@example.com"


async def create_secret_user(db: Database) -> None:
    await users.create_user(
        db,
        email=f"{uuid.uuid4().hex[:6]}-{SECRET_EMAIL}",
        name="Private",
        avatar=None,
        role=None,
        bio=None,
        website=None,
        location=None,
    )


@pytest.fixture
async def logged_db(db_url: str) -> AsyncIterator[Database]:
    async with Database(url=db_url, pool_min_size=1, pool_max_size=2, log_queries=False) as db:
        yield db


async def test_logging_shows_sql_and_duration_with_parameters_redacted(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=60))
    with caplog.at_level(logging.DEBUG, logger="postsql.queries"):
        await create_secret_user(logged_db)
    [record] = [r for r in caplog.records if r.name == "postsql.queries"]
    text = record.getMessage()
    assert record.levelno == logging.DEBUG
    assert "create_user (sql/queries/users.sql:" in text
    assert " ms on primary" in text
    assert "INSERT INTO users" in text
    assert "<redacted>" in text
    assert "very-private-person" not in text
    assert record.__dict__["query_name"] == "create_user"


async def test_logging_shows_parameters_only_when_enabled(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=60, log_parameters=True))
    with caplog.at_level(logging.DEBUG, logger="postsql.queries"):
        await create_secret_user(logged_db)
    assert "very-private-person" in caplog.text


async def test_development_logs_at_info_and_slow_queries_warn(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=0.3, development=True))
    with caplog.at_level(logging.INFO, logger="postsql.queries"):
        await logged_db.fetchval("SELECT 1")
        await logged_db.execute("SELECT pg_sleep(0.35)")
    levels = [(r.levelno, r.getMessage().split(" ")[0]) for r in caplog.records]
    assert levels == [(logging.INFO, "query"), (logging.WARNING, "slow")]
    assert "threshold 300 ms" in caplog.records[1].getMessage()


async def test_a_slow_adhoc_query_warning_shows_its_sql(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=0.05))
    with caplog.at_level(logging.WARNING, logger="postsql.queries"):
        await logged_db.execute("SELECT pg_sleep(0.06) /* the slow report */")
        await logged_db.fetchval("SELECT 1")  # fast: not logged
    (warning,) = caplog.records
    assert warning.getMessage().startswith("slow query adhoc took")
    assert "SELECT pg_sleep(0.06) /* the slow report */" in warning.getMessage()


async def test_logged_parameter_values_are_cut_like_the_sql(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=60, log_parameters=True))
    with caplog.at_level(logging.DEBUG, logger="postsql.queries"):
        await logged_db.fetchval("SELECT length($1::text)", "x" * 100_000)
    (record,) = caplog.records
    assert "xxxx ..." in record.getMessage()
    assert len(record.getMessage()) < 5_000


async def test_failed_queries_are_logged_with_sqlstate(
    logged_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    logged_db.add_query_hook(QueryLogger(slow_query_threshold=60))
    with (
        caplog.at_level(logging.DEBUG, logger="postsql.queries"),
        pytest.raises(asyncpg.UndefinedTableError),
    ):
        await logged_db.fetch("SELECT * FROM no_such_table")
    assert "failed with UndefinedTableError (sqlstate 42P01)" in caplog.text


async def test_database_attaches_the_settings_logger_by_default(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with Database(url=db_url, pool_min_size=1, slow_query_threshold=0) as db:
        with caplog.at_level(logging.WARNING, logger="postsql.queries"):
            await db.fetchval("SELECT $1::text", "hidden-value")
    assert "slow query adhoc" in caplog.text
    assert "hidden-value" not in caplog.text


def test_database_attaches_logging_and_tracing_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://app@db.internal/app"
    monkeypatch.setattr(trace, "get_tracer_provider", TracerProvider)
    default = Database(url=url)
    assert [type(h) for h in default.query_hooks] == [QueryLogger, QueryTracer]
    assert Database(url=url, log_queries=False, trace_queries=False).query_hooks == ()


def test_without_a_tracer_provider_no_tracing_hook_is_attached() -> None:
    # Spans would go nowhere: the hook would cost every query its attributes for nothing.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert [type(h) for h in Database(url="postgresql://app@db/app").query_hooks] == [QueryLogger]


async def test_a_tracer_provider_set_before_connect_gets_the_tracing_hook(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(url=db_url, pool_min_size=1)
    assert [type(h) for h in db.query_hooks] == [QueryLogger]
    monkeypatch.setattr(trace, "get_tracer_provider", TracerProvider)
    async with db:
        assert [type(h) for h in db.query_hooks] == [QueryLogger, QueryTracer]
    async with db:  # connecting again adds no second one
        assert [type(h) for h in db.query_hooks] == [QueryLogger, QueryTracer]


def test_the_logging_hook_below_its_level_wants_no_record_unless_the_query_was_slow() -> None:
    logger = logging.getLogger("postsql.test.wants")
    logger.setLevel(logging.WARNING)
    hook = QueryLogger(logger, slow_query_threshold=0.5)
    assert not hook.wants(0.01, False)
    assert not hook.wants(0.01, True)  # a failure is logged at the query level too
    assert hook.wants(0.5, False)
    logger.setLevel(logging.DEBUG)
    assert hook.wants(0.01, False)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    value = registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_metrics_count_calls_errors_latency_and_pool_gauges(logged_db: Database) -> None:
    registry = CollectorRegistry()
    metrics = QueryMetrics(registry)
    metrics.attach(logged_db)
    slug = f"m-{uuid.uuid4().hex[:6]}"
    await taxonomy.create_tag(logged_db, name=slug, slug=slug)
    with pytest.raises(asyncpg.UniqueViolationError):
        await taxonomy.create_tag(logged_db, name=slug, slug=slug)
    await logged_db.fetchval("SELECT 1")
    labels = {"query": "create_tag", "target": "primary"}
    assert sample(registry, "postsql_queries_total", **labels) == 2
    assert (
        sample(registry, "postsql_query_errors_total", error="UniqueViolationError", **labels) == 1
    )
    assert sample(registry, "postsql_queries_total", query="adhoc", target="primary") == 1
    assert sample(registry, "postsql_query_duration_seconds_count", query="create_tag") == 2
    assert sample(registry, "postsql_pool_max_size", pool="primary") == 2
    assert sample(registry, "postsql_pool_connections", pool="primary", state="idle") >= 1
    assert sample(registry, "postsql_pool_connections", pool="primary", state="in_use") == 0
    metrics.detach(logged_db)
    await logged_db.fetchval("SELECT 1")
    assert sample(registry, "postsql_queries_total", query="adhoc", target="primary") == 1


async def test_latency_buckets_resolve_sub_millisecond_queries(logged_db: Database) -> None:
    registry = CollectorRegistry()
    QueryMetrics(registry).attach(logged_db)
    await logged_db.fetchval("SELECT 1")
    bounds = [
        le
        for le in ("0.0001", "0.00025", "0.0005", "0.001")
        if registry.get_sample_value(
            "postsql_query_duration_seconds_bucket", {"query": "adhoc", "le": le}
        )
        is not None
    ]
    # An indexed lookup nearby takes a few hundred microseconds: with 1 ms as the first bucket
    # every one of them would land in it, saying nothing about their spread.
    assert bounds == ["0.0001", "0.00025", "0.0005", "0.001"]


async def test_tracing_emits_one_span_per_query_with_db_attributes(logged_db: Database) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    logged_db.add_query_hook(QueryTracer(provider))
    slug = f"s-{uuid.uuid4().hex[:6]}"
    await taxonomy.create_tag(logged_db, name=slug, slug=slug)
    with pytest.raises(asyncpg.UniqueViolationError):
        await taxonomy.create_tag(logged_db, name=slug, slug=slug)
    ok, failed = exporter.get_finished_spans()
    assert ok.name == "create_tag"
    attributes = dict(ok.attributes or {})
    assert attributes["db.system"] == "postgresql"
    assert attributes["db.operation.name"] == "create_tag"
    assert attributes["code.filepath"] == "sql/queries/taxonomy.sql"
    assert attributes["db.response.returned_rows"] == 1
    assert ok.end_time is not None
    assert ok.start_time is not None
    assert ok.end_time > ok.start_time
    assert failed.status.status_code.name == "ERROR"
    assert dict(failed.attributes or {})["db.response.status_code"] == "23505"
    assert any(event.name == "exception" for event in failed.events)


async def test_spans_keep_adhoc_sql_out_and_never_name_a_role_as_the_server_address(
    logged_db: Database,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    logged_db.add_query_hook(QueryTracer(provider))
    await logged_db.execute(f"SELECT '{SECRET_EMAIL}'")  # a literal value inline
    await taxonomy.list_categories_with_post_counts(logged_db)
    adhoc, generated = (dict(span.attributes or {}) for span in exporter.get_finished_spans())
    assert "db.query.text" not in adhoc
    assert generated["db.query.text"] == taxonomy.LIST_CATEGORIES_WITH_POST_COUNTS.sql
    assert "server.address" not in generated
    assert generated["postsql.target"] == "primary"
    exporter.clear()
    logged_db.remove_query_hook(logged_db.query_hooks[-1])
    logged_db.add_query_hook(QueryTracer(provider, record_adhoc_sql=True))
    await logged_db.execute("SELECT 1")
    (span,) = exporter.get_finished_spans()
    assert dict(span.attributes or {})["db.query.text"] == "SELECT 1"
