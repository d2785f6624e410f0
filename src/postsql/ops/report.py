"""``postsql report``: where the space goes and what needs maintenance.

Database size; the largest tables with row estimates and heap/index/TOAST sizes; every index with
its size and scan count; unused indexes (never scanned since the statistics were reset, and not
enforcing a constraint; with the statistics' age, since zero scans over a short window say
little) and duplicate ones (same table, columns, sort order, operator classes, expressions and
predicate; which one to keep); dead tuples, a bloat estimate and the last (auto)vacuum/analyze
per table; the slowest statements from pg_stat_statements. Sizes are bytes in
:meth:`Report.to_json`, human-readable in :func:`sections`.

Example::

    report = await build_report(conn)
    print(json.dumps(report.to_json()))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from postsql.builtin.queries import monitoring as q
from postsql.ops.console import Section, human_bytes, human_seconds
from postsql.ops.monitoring import SlowQueries, query_registry, slow_queries
from postsql.runtime.executor import Executor, QueryInfo

__all__ = ["STATS_TOO_RECENT_SECONDS", "Report", "build_report", "sections", "unused_indexes"]

# Scan counts younger than this say little: an index a weekly job uses shows 0 scans until then.
STATS_TOO_RECENT_SECONDS = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``postsql report`` shows (see the module docstring)."""

    database: str
    size_bytes: int
    generated_at: datetime
    stats_reset: datetime | None  # when the scan counts began (None: never reset)
    stats_age_seconds: float | None
    tables: tuple[q.LargestTablesRow, ...]
    indexes: tuple[q.IndexUsageRow, ...]
    duplicate_indexes: tuple[q.DuplicateIndexesRow, ...]
    maintenance: tuple[q.TableMaintenanceRow, ...]
    slow: SlowQueries

    @property
    def unused_indexes(self) -> tuple[q.IndexUsageRow, ...]:
        """Indexes never scanned that enforce nothing: candidates to drop."""
        return unused_indexes(self.indexes)

    def to_json(self) -> dict[str, object]:
        """JSON-ready data; every size in bytes (``*_bytes``), times as ISO 8601."""
        return {
            "database": self.database,
            "size_bytes": self.size_bytes,
            "generated_at": self.generated_at.isoformat(),
            "stats_reset": None if self.stats_reset is None else self.stats_reset.isoformat(),
            "stats_age_seconds": self.stats_age_seconds,
            "tables": [t.model_dump(mode="json") for t in self.tables],
            "indexes": [i.model_dump(mode="json") for i in self.indexes],
            "unused_indexes": [i.model_dump(mode="json") for i in self.unused_indexes],
            "duplicate_indexes": [d.model_dump(mode="json") for d in self.duplicate_indexes],
            "maintenance": [m.model_dump(mode="json") for m in self.maintenance],
            "slow_queries": self.slow.to_json(),
        }


def unused_indexes(indexes: tuple[q.IndexUsageRow, ...]) -> tuple[q.IndexUsageRow, ...]:
    """The indexes with zero scans that back no primary key, unique or other constraint.

    Example: ``[i.index_name for i in unused_indexes(report.indexes)]``.
    """
    return tuple(
        i
        for i in indexes
        if i.scans == 0 and not (i.is_primary or i.is_unique or i.backs_constraint)
    )


async def build_report(
    db: Executor,
    *,
    limit: int = 20,
    slow_limit: int = 10,
    registry: Iterable[QueryInfo] | None = None,
) -> Report:
    """Run the report's queries; ``limit`` caps the largest-tables list; slow queries are named
    from ``registry`` (the project's generated queries; default: postsql's own).

    Example: ``report = await build_report(conn, limit=10)``.
    """
    size = await q.database_size(db)
    assert size is not None  # noqa: S101 - a SELECT without FROM returns one row
    return Report(
        database=size.database_name,
        size_bytes=size.size_bytes,
        generated_at=datetime.now(UTC),
        stats_reset=size.stats_reset,
        stats_age_seconds=size.stats_age_seconds,
        tables=tuple(await q.largest_tables(db, limit=limit)),
        indexes=tuple(await q.index_usage(db)),
        duplicate_indexes=tuple(await q.duplicate_indexes(db)),
        maintenance=tuple(await q.table_maintenance(db)),
        slow=await slow_queries(
            db, limit=slow_limit, registry=None if registry is None else query_registry(registry)
        ),
    )


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value else "never"


def _table(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _unused_note(report: Report, found: bool) -> str | None:
    # Zero scans mean something only over a long enough window: say which window it was.
    if report.stats_reset is None:
        window = (
            "statistics never reset: scans counted since the database was created or the "
            "server last recovered from a crash"
        )
    else:
        window = (
            f"scans counted since {_when(report.stats_reset)} UTC "
            f"({human_seconds(report.stats_age_seconds)} ago)"
        )
    if report.stats_age_seconds is not None and report.stats_age_seconds < STATS_TOO_RECENT_SECONDS:
        window += (
            f"; less than {STATS_TOO_RECENT_SECONDS / 86400:g} days of statistics: an index used "
            "only by a weekly or monthly job still shows 0 scans, so do not drop on this alone"
        )
    return window if found else f"none ({window})"


def sections(report: Report) -> list[Section]:
    """The report as titled tables of human-readable strings (what the terminal shows).

    Example: ``for section in sections(report): print_section(section)``.
    """
    out = [
        Section(
            f"Database {report.database}: {human_bytes(report.size_bytes)}",
            ("table", "rows (est.)", "total", "heap", "indexes", "toast"),
            [
                (
                    _table(t.schema_name, t.table_name),
                    "-" if t.row_estimate is None else f"{t.row_estimate:,}",
                    human_bytes(t.total_bytes),
                    human_bytes(t.table_bytes),
                    human_bytes(t.index_bytes),
                    human_bytes(t.toast_bytes),
                )
                for t in report.tables
            ],
            note=None if report.tables else "no tables",
        ),
        Section(
            "Indexes",
            ("index", "table", "size", "scans"),
            [
                (
                    i.index_name,
                    _table(i.schema_name, i.table_name),
                    human_bytes(i.size_bytes),
                    f"{i.scans:,}",
                )
                for i in report.indexes
            ],
        ),
    ]
    unused = report.unused_indexes
    out.append(
        Section(
            "Unused indexes (no scans since the statistics were reset; enforce no constraint)",
            ("index", "table", "size"),
            [
                (i.index_name, _table(i.schema_name, i.table_name), human_bytes(i.size_bytes))
                for i in unused
            ],
            note=_unused_note(report, bool(unused)),
        )
    )
    out.append(
        Section(
            "Duplicate indexes (same definition: keep one, drop the others)",
            ("table", "keep", "drop", "frees"),
            [
                (
                    _table(d.schema_name, d.table_name),
                    d.keep_index,
                    ", ".join(d.drop_index_names),
                    human_bytes(d.drop_bytes),
                )
                for d in report.duplicate_indexes
            ],
            note=None if report.duplicate_indexes else "none",
        )
    )
    out.append(
        Section(
            "Maintenance (bloat: heap size x dead fraction, an estimate)",
            ("table", "live", "dead", "bloat", "vacuum", "autovacuum", "analyze", "autoanalyze"),
            [
                (
                    _table(m.schema_name, m.table_name),
                    f"{m.live_tuples:,}",
                    f"{m.dead_tuples:,}",
                    human_bytes(m.bloat_bytes),
                    _when(m.last_vacuum),
                    _when(m.last_autovacuum),
                    _when(m.last_analyze),
                    _when(m.last_autoanalyze),
                )
                for m in report.maintenance
            ],
        )
    )
    slow = report.slow
    out.append(
        Section(
            "Slow queries (pg_stat_statements, by total execution time)",
            ("query", "source", "calls", "total ms", "mean ms", "max ms", "rows"),
            [
                (
                    s.name or " ".join(s.query.split())[:60],
                    s.location or "-",
                    f"{s.calls:,}",
                    f"{s.total_ms:,.1f}",
                    f"{s.mean_ms:,.2f}",
                    f"{s.max_ms:,.2f}",
                    f"{s.rows:,}",
                )
                for s in slow.queries
            ],
            note=None if slow.state == "enabled" else f"not enabled: {slow.hint}",
        )
    )
    return out
