"""Query logging on the standard :mod:`logging` module, built on the query hook.

Logger ``postsql.queries``:

- a query slower than ``slow_query_threshold`` seconds: WARNING, with its name, ``file:line`` and
  duration (ad-hoc SQL, which has neither, with its SQL);
- every other query: INFO in development (``POSTSQL_ENV=development``), DEBUG otherwise, with the
  SQL and the duration;
- a failed query: at that same level, with the error's class and sqlstate (the caller gets the
  exception; logging it as an error too would report it twice).

SQL and parameter values are cut after 2,000 characters. Parameter values are replaced by
``<redacted>`` unless ``log_parameters`` is on. The
:class:`~postsql.runtime.database.Database` attaches one of these by default (``log_queries``).

Example::

    db.add_query_hook(QueryLogger(slow_query_threshold=0.2, log_parameters=False))
"""

from __future__ import annotations

import logging

from postsql.runtime.hooks import QueryRecord
from postsql.runtime.settings import DatabaseSettings

__all__ = ["QueryLogger"]

_SQL_LIMIT = 2000  # characters of SQL shown per record


class QueryLogger:
    """A query hook that logs records; see the module docstring."""

    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        slow_query_threshold: float = 0.5,
        log_parameters: bool = False,
        development: bool = False,
    ) -> None:
        self.logger = logger if logger is not None else logging.getLogger("postsql.queries")
        self.slow_query_threshold = slow_query_threshold
        self.log_parameters = log_parameters
        self.level = logging.INFO if development else logging.DEBUG

    @classmethod
    def from_settings(cls, settings: DatabaseSettings) -> QueryLogger:
        """The logger the settings ask for (threshold, parameters, development level)."""
        return cls(
            slow_query_threshold=settings.slow_query_threshold,
            log_parameters=settings.log_parameters,
            development=settings.environment.lower() == "development",
        )

    def wants(self, duration: float, failed: bool) -> bool:
        """Whether a query that took ``duration`` seconds would be logged (see HookList)."""
        slow = duration >= self.slow_query_threshold
        return self.logger.isEnabledFor(logging.WARNING if slow else self.level)

    def __call__(self, record: QueryRecord) -> None:
        slow = record.duration >= self.slow_query_threshold
        level = logging.WARNING if slow else self.level
        if not self.logger.isEnabledFor(level):
            return
        where = f"{record.label} ({record.location})" if record.location else record.label
        outcome = "ok" if record.error is None else _describe_error(record.error)
        extra = {
            "query_name": record.name,
            "query_location": record.location,
            "duration_ms": round(record.duration * 1000, 3),
            "rows": record.rows,
            "target": record.target,
        }
        if slow:
            # A generated query is found by its file:line; ad-hoc SQL only by its text.
            self.logger.log(
                level,
                "slow query %s took %.1f ms (threshold %.0f ms) on %s: %s; params %s%s",
                where,
                record.duration * 1000,
                self.slow_query_threshold * 1000,
                record.target,
                outcome,
                self.params(record),
                "" if record.location else "\n" + _shorten(record.sql),
                extra=extra,
            )
            return
        self.logger.log(
            level,
            "query %s %.2f ms on %s: %s; rows %s; params %s\n%s",
            where,
            record.duration * 1000,
            record.target,
            outcome,
            record.rows,
            self.params(record),
            _shorten(record.sql),
            extra=extra,
        )

    def params(self, record: QueryRecord) -> str:
        """The parameters as logged: their values when enabled (cut at 2,000 characters), else
        ``<redacted>`` each."""
        if self.log_parameters:
            return _shorten(repr(record.params))  # executemany: every row's values
        return "(" + ", ".join("<redacted>" for _ in record.params) + ")"


def _describe_error(error: BaseException) -> str:
    sqlstate = getattr(error, "sqlstate", None)
    return f"failed with {type(error).__name__}" + (f" (sqlstate {sqlstate})" if sqlstate else "")


def _shorten(sql: str) -> str:
    return sql if len(sql) <= _SQL_LIMIT else sql[:_SQL_LIMIT] + " ..."
