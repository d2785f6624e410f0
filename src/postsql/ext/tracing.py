"""OpenTelemetry spans for queries, when ``opentelemetry-api`` is installed.

One span per query, named after the query (``find_posts``; ``adhoc`` for other SQL), with
``db.system`` = ``postgresql``, ``db.operation.name`` = the query name, ``db.query.text`` (the SQL
of a generated query, which is parameterized; ad-hoc SQL may carry literal values inline, so its
text is recorded only with ``record_adhoc_sql=True``; never the parameters), ``code.filepath``/
``code.lineno`` from ``file:line``, ``db.response.returned_rows``, ``postsql.target`` (``primary``
or ``replica:host:port``) and, for a replica, ``server.address``/``server.port``. A failed query
records the exception and an ERROR status. The span is built from the hook's record after the
query ran, with its real start and end times; it joins the trace current when the query finished.

Example::

    tracer = QueryTracer()          # raises TracingUnavailable without opentelemetry
    db.add_query_hook(tracer)
"""

from __future__ import annotations

import importlib.util
from typing import Any

from postsql.errors import ConfigurationError
from postsql.runtime.hooks import QueryRecord

__all__ = ["QueryTracer", "tracer_provider_configured", "tracing_available"]


def tracing_available() -> bool:
    """Whether ``opentelemetry-api`` can be imported."""
    return importlib.util.find_spec("opentelemetry") is not None


def tracer_provider_configured() -> bool:
    """Whether the application has set a global tracer provider (``trace.set_tracer_provider``).

    Until it does, OpenTelemetry's API returns a proxy whose spans go nowhere: a
    :class:`~postsql.runtime.database.Database` then attaches no tracing hook, so a query pays
    nothing for tracing (the hook would build a span's attributes per query only to drop them).
    """
    if not tracing_available():
        return False
    from opentelemetry import trace

    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


class QueryTracer:
    """A query hook that emits one OpenTelemetry span per query; see the module docstring."""

    def __init__(self, tracer_provider: Any = None, *, record_adhoc_sql: bool = False) -> None:
        if not tracing_available():
            raise ConfigurationError(
                "QueryTracer needs opentelemetry-api (pip install opentelemetry-api)"
            )
        from opentelemetry import trace

        self._trace = trace
        self.record_adhoc_sql = record_adhoc_sql
        self.tracer = trace.get_tracer("postsql", tracer_provider=tracer_provider)

    def __call__(self, record: QueryRecord) -> None:
        start_ns = int(record.started_at * 1e9)
        end_ns = start_ns + int(record.duration * 1e9)
        attributes: dict[str, str | int | bool] = {
            "db.system": "postgresql",
            "db.system.name": "postgresql",
            "db.operation.name": record.label,
            "postsql.target": record.target,
            "postsql.in_transaction": record.in_transaction,
        }
        if record.name is not None or self.record_adhoc_sql:
            attributes["db.query.text"] = record.sql
        # server.address is a host or socket, not a role: only a replica's label carries one.
        if record.target.startswith("replica:"):
            host, _, port = record.target.removeprefix("replica:").rpartition(":")
            if host and port.isdigit():
                attributes["server.address"] = host
                attributes["server.port"] = int(port)
            else:
                attributes["server.address"] = record.target.removeprefix("replica:")
        if record.location:
            path, _, line = record.location.rpartition(":")
            attributes["code.filepath"] = path
            if line.isdigit():
                attributes["code.lineno"] = int(line)
        if record.rows is not None:
            attributes["db.response.returned_rows"] = record.rows
        span = self.tracer.start_span(
            record.label,
            kind=self._trace.SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_ns,
        )
        if record.error is not None:
            sqlstate = getattr(record.error, "sqlstate", None)
            if sqlstate:
                span.set_attribute("db.response.status_code", str(sqlstate))
            span.set_attribute("error.type", type(record.error).__name__)
            if isinstance(record.error, Exception):
                span.record_exception(record.error, timestamp=end_ns)
            span.set_status(
                self._trace.Status(self._trace.StatusCode.ERROR, type(record.error).__name__)
            )
        span.end(end_time=end_ns)
