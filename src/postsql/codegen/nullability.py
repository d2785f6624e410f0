"""Which result columns and parameters of a query can be NULL, and the shape of JSON it builds.

The analysis is static: it parses the SQL with pglast (PostgreSQL's own parser), reads NOT NULL
constraints and view definitions through a :class:`CatalogLookup`, and walks the statement. It is
*sound*: a column is reported non-null only when that is proven (a NOT NULL column on the inner
side of every join, ``count(*)``, a literal, ``coalesce`` with a non-null argument, a strict
built-in over non-null inputs, ...). Whatever it does not understand comes back nullable with
certainty ``"unknown"``; it never raises.

Example::

    analysis = analyze_query(
        "SELECT p.id, u.email FROM posts p LEFT JOIN users u ON u.id = p.author_id",
        catalog,
        ["id", "email"],
    )
    analysis.columns[0].nullable  # False: posts.id is NOT NULL
    analysis.columns[1].nullable  # True: right side of LEFT JOIN
"""

from __future__ import annotations

from collections.abc import Sequence

from pglast import ast

from .sqlshape.model import (
    CatalogColumn,
    CatalogLookup,
    Certainty,
    Col,
    ColumnInference,
    NestedField,
    NestedShape,
    QueryAnalysis,
)
from .sqlshape.names import parsed
from .sqlshape.params import nullable_params
from .sqlshape.statements import StatementAnalyzer
from .sqlshape.tables import table_use

__all__ = [
    "CatalogColumn",
    "CatalogLookup",
    "Certainty",
    "ColumnInference",
    "NestedField",
    "NestedShape",
    "QueryAnalysis",
    "analyze_query",
]

_JSON_TYPES = frozenset({"json", "jsonb"})


def analyze_query(sql: str, catalog: CatalogLookup, column_names: Sequence[str]) -> QueryAnalysis:
    """Infer the nullability of every result column and parameter of ``sql``.

    ``sql`` uses ``$1..$n`` placeholders; ``column_names`` are the result columns the server
    described, in order (``*`` already expanded). For a script, the last statement is analysed.
    Never raises: SQL that cannot be parsed or understood yields nullable columns with certainty
    ``"unknown"`` (and, for a parse failure, parameters assumed non-null).

    >>> analyze_query("SELECT count(*) FROM posts", catalog, ["count"]).columns[0].nullable
    False
    """
    try:
        stmts = [raw.stmt for raw in parsed(sql) if raw.stmt is not None]
    except Exception as exc:
        reason = f"SQL could not be parsed ({type(exc).__name__}); parameters assumed non-null"
        return _fallback(column_names, reason)
    if not stmts:
        return _fallback(column_names, "no statement to analyse")
    try:
        return _analyze(stmts, catalog, column_names)
    except Exception as exc:
        return _fallback(column_names, f"analysis failed ({type(exc).__name__}); assumed nullable")


def _analyze(
    stmts: list[ast.Node], catalog: CatalogLookup, column_names: Sequence[str]
) -> QueryAnalysis:
    last = stmts[-1]
    params = nullable_params(last, catalog)
    cols = StatementAnalyzer(catalog, params).statement(last)
    use = table_use(stmts, catalog)
    if cols is None or len(cols) != len(column_names):
        columns = _unknown_columns(column_names, "could not match the select list to the result")
    else:
        columns = tuple(_inference(col) for col in cols)
    return QueryAnalysis(columns, params, use.read, use.written, use.read_only)


def _inference(col: Col) -> ColumnInference:
    value = col.value
    nested = value.nested if value.type_name in _JSON_TYPES else None
    return ColumnInference(
        value.nullable,
        value.certainty,
        value.reason,
        nested,
        value.elements_non_null,
        value.elements_reason,
    )


def _unknown_columns(names: Sequence[str], reason: str) -> tuple[ColumnInference, ...]:
    return tuple(ColumnInference(True, "unknown", reason, None) for _ in names)


def _fallback(column_names: Sequence[str], reason: str) -> QueryAnalysis:
    return QueryAnalysis(
        columns=_unknown_columns(column_names, reason),
        nullable_params=frozenset(),
        tables_read=frozenset(),
        tables_written=frozenset(),
        read_only=False,
    )
