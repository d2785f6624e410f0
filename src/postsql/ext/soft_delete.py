"""Lint: every query that reads a soft-deletable table filters ``deleted_at IS NULL``.

A table is soft-deletable when it has a ``deleted_at`` column in the migrated schema
(``sql/schema.sql``, parsed with pglast: no database needed). A query passes when, for every
reference to such a table (in a ``SELECT``'s ``FROM``, or as the target of an ``UPDATE`` or
``DELETE``, or of an ``INSERT ... ON CONFLICT DO UPDATE``, whose ``DO UPDATE ... WHERE`` must
filter), the same query level has ``alias.deleted_at IS NULL`` as one of the ``AND``-ed
conditions of its ``WHERE`` or of a join's ``ON`` that restricts that table (an outer join's
``ON`` restricts only its nullable side). A condition under ``OR`` or ``NOT`` does not count.
Unqualified ``deleted_at IS NULL`` counts when the level reads a single soft-deletable table;
``coalesce(a.deleted_at, b.deleted_at) IS NULL`` filters ``a`` and ``b`` (it holds only when both
are NULL). A view (or materialized view) whose own query reads a soft-deletable relation without
the filter is soft-deletable too: its readers must filter its ``deleted_at`` (or be marked). A
``WITH`` name shadows a table only where it is visible: not in its own body (unless ``WITH
RECURSIVE``), not in the bodies of the ``WITH`` items before it, not outside its statement.

A query that means to see soft-deleted rows says so in its comment block, with the sentence
``Deliberately includes soft-deleted rows.`` (optionally followed by the reason); it is then
skipped as a whole. Plain ``INSERT`` targets are not reads and are never flagged; ``MERGE``
targets are not checked (their ``USING`` side is, like any ``SELECT``).

``postsql check`` runs it over a project's queries (:mod:`postsql.ops.check`); alone::

    python -m postsql.ext.soft_delete sql/queries --schema sql/schema.sql

Findings print as ``file:line: query: table alias p reads soft-deletable table posts without
p.deleted_at IS NULL``; the exit status is 1 when there are any, 2 on unreadable input.

Example::

    tables = soft_deletable_tables(Path("sql/schema.sql").read_text())
    for finding in check_queries(load_queries([Path("sql/queries")]), tables):
        print(finding)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pglast import ast, parse_sql
from pglast.enums import (
    AlterTableType,
    BoolExprType,
    JoinType,
    NullTestType,
    ObjectType,
    OnConflictAction,
)
from pglast.parser import ParseError

from postsql.codegen.loader import QueryDef, load_queries
from postsql.codegen.sqlshape.names import column_names, slot_names
from postsql.errors import QueryParseError

__all__ = [
    "DELIBERATE_MARKER",
    "Finding",
    "check_queries",
    "check_query",
    "is_deliberate",
    "main",
    "soft_deletable_tables",
]

DELIBERATE_MARKER = "Deliberately includes soft-deleted rows."
_COLUMN = "deleted_at"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reference to a soft-deletable table that is not filtered; ``line`` is the file line."""

    file: str
    line: int
    query: str
    table: str
    alias: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.query}: table alias {self.alias} reads "
            f"soft-deletable table {self.table} without {self.alias}.{_COLUMN} IS NULL"
        )


def soft_deletable_tables(schema_sql: str) -> frozenset[str]:
    """Names of the tables that have a ``deleted_at`` column, from schema DDL, and of the views
    that read one of them (or such a view) without filtering ``deleted_at IS NULL``.

    Example::

        >>> sorted(soft_deletable_tables("CREATE TABLE t (id int, deleted_at timestamptz);"))
        ['t']
    """
    out: set[str] = set()
    views: dict[str, ast.Node | None] = {}
    # pg_dump writes psql meta-commands (\restrict KEY) that are not SQL: blank them out.
    sql = "\n".join("" if line.startswith("\\") else line for line in schema_sql.splitlines())
    for raw in parse_sql(sql):
        stmt = raw.stmt
        if isinstance(stmt, ast.CreateStmt) and stmt.relation is not None:
            if any(
                isinstance(elt, ast.ColumnDef) and elt.colname == _COLUMN
                for elt in stmt.tableElts or ()
            ):
                out.add(stmt.relation.relname or "")
        elif isinstance(stmt, ast.AlterTableStmt) and stmt.relation is not None:
            for cmd in stmt.cmds or ():
                if (
                    isinstance(cmd, ast.AlterTableCmd)
                    and cmd.subtype == AlterTableType.AT_AddColumn
                    and isinstance(cmd.def_, ast.ColumnDef)
                    and cmd.def_.colname == _COLUMN
                ):
                    out.add(stmt.relation.relname or "")
        elif isinstance(stmt, ast.ViewStmt) and stmt.view is not None:
            views[stmt.view.relname or ""] = stmt.query
        elif (
            isinstance(stmt, ast.CreateTableAsStmt)
            and stmt.objtype == ObjectType.OBJECT_MATVIEW
            and stmt.into is not None
            and stmt.into.rel is not None
        ):
            views[stmt.into.rel.relname or ""] = stmt.query
    # A view reading a soft-deletable relation unfiltered hands its soft-deleted rows on; views of
    # such views too, whatever order the DDL lists them in.
    changed = True
    while changed:
        changed = False
        known = frozenset(out)
        for name, query in views.items():
            if name not in out and _unfiltered_anywhere(query, known):
                out.add(name)
                changed = True
    return frozenset(out - {""})


def _unfiltered_anywhere(stmt: ast.Node | None, tables: frozenset[str]) -> bool:
    return any(_unfiltered(node, tables, ctes) for node, ctes in _levels(stmt))


def is_deliberate(doc: str) -> bool:
    """True when a query's comment block carries :data:`DELIBERATE_MARKER` (spacing-insensitive).

    Example::

        >>> is_deliberate("Lists users.\nDeliberately includes soft-deleted rows. (Admin view.)")
        True
    """
    return " ".join(DELIBERATE_MARKER.split()) in " ".join(doc.split())


def check_query(query: QueryDef, tables: frozenset[str]) -> list[Finding]:
    """Every unfiltered reference to a table of ``tables`` in one query, in text order.

    Example::

        findings = check_query(load_file(Path("sql/queries/posts.sql"))[0], {"posts"})
    """
    if not tables or is_deliberate(query.raw_doc):
        return []
    try:
        stmts = [raw.stmt for raw in parse_sql(query.sql) if raw.stmt is not None]
    except ParseError as exc:
        raise QueryParseError(f"{query.location}: {query.name}: cannot parse: {exc}") from exc
    encoded = query.sql.encode()
    found: dict[tuple[int, str], Finding] = {}
    for stmt in stmts:
        for node, ctes in _levels(stmt):
            for rel in _unfiltered(node, tables, ctes):
                offset = len(encoded[: max(rel.location or 0, 0)].decode(errors="ignore"))
                line = query.file_line_of(offset + 1)
                alias = _alias(rel)
                found[(offset, alias)] = Finding(
                    query.file, line, query.name, rel.relname or "", alias
                )
    return [found[key] for key in sorted(found)]


def check_queries(queries: Iterable[QueryDef], tables: frozenset[str]) -> list[Finding]:
    """:func:`check_query` over many queries, concatenated in their order."""
    return [finding for query in queries for finding in check_query(query, tables)]


# ----------------------------------------------------------------------------- one query level

_WITH_OWNERS = (ast.SelectStmt, ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


def _levels(stmt: ast.Node | None) -> Iterator[tuple[ast.Node, frozenset[str]]]:
    """Every node of ``stmt`` with the ``WITH`` names visible where it stands.

    A statement's ``WITH`` names are visible in the statement (set-operation branches included);
    in the ``WITH`` bodies only the earlier items are, or all of them under ``WITH RECURSIVE``:
    elsewhere a name like ``posts`` is the table.
    """
    stack: list[tuple[object, frozenset[str]]] = [(stmt, frozenset())]
    while stack:
        item, visible = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend((child, visible) for child in reversed(item))
            continue
        if not isinstance(item, ast.Node):
            continue
        with_clause = getattr(item, "withClause", None) if isinstance(item, _WITH_OWNERS) else None
        inner = visible
        if isinstance(with_clause, ast.WithClause):
            ctes = [c for c in with_clause.ctes or () if isinstance(c, ast.CommonTableExpr)]
            names = [c.ctename or "" for c in ctes]
            inner = visible | frozenset(names)
            for i, cte in enumerate(ctes):
                body = inner if with_clause.recursive else visible | frozenset(names[:i])
                stack.append((cte.ctequery, body))
        yield item, inner
        stack.extend(
            (getattr(item, name, None), inner)
            for name in reversed(slot_names(item))
            if name != "withClause" or with_clause is None
        )


@dataclass(frozen=True, slots=True)
class _Cond:
    """A conjunct and the aliases it may filter (``None``: every relation of the level)."""

    expr: object
    scope: frozenset[str] | None


def _unfiltered(node: ast.Node, tables: frozenset[str], ctes: frozenset[str]) -> list[ast.RangeVar]:
    rels: list[ast.RangeVar] = []
    conds: list[_Cond] = []
    if isinstance(node, ast.SelectStmt):
        for item in node.fromClause or ():
            rels += _from_item(item, conds)
        conds += [_Cond(c, None) for c in _conjuncts(node.whereClause)]
    elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
        if node.relation is not None:
            rels.append(node.relation)
        extra = node.fromClause if isinstance(node, ast.UpdateStmt) else node.usingClause
        for item in extra or ():
            rels += _from_item(item, conds)
        conds += [_Cond(c, None) for c in _conjuncts(node.whereClause)]
    elif (
        isinstance(node, ast.InsertStmt)
        and node.relation is not None
        and node.onConflictClause is not None
        and node.onConflictClause.action == OnConflictAction.ONCONFLICT_UPDATE
    ):
        # An upsert's DO UPDATE reads the conflicting row: it must not touch a soft-deleted one.
        rels.append(node.relation)
        conds += [_Cond(c, None) for c in _conjuncts(node.onConflictClause.whereClause)]
    else:
        return []
    soft = [
        r for r in rels if r.relname in tables and not (r.schemaname is None and r.relname in ctes)
    ]
    return [r for r in soft if not _filtered(r, conds, single=len(soft) == 1)]


def _from_item(item: object, conds: list[_Cond]) -> list[ast.RangeVar]:
    """Relations of a FROM item (not inside subqueries); join conditions go into ``conds``."""
    if isinstance(item, ast.RangeVar):
        return [item]
    if not isinstance(item, ast.JoinExpr):
        return []
    left = _from_item(item.larg, conds)
    right = _from_item(item.rarg, conds)
    restricted: list[ast.RangeVar] = []  # FULL joins restrict neither side
    if item.jointype == JoinType.JOIN_INNER:
        restricted = left + right
    elif item.jointype == JoinType.JOIN_LEFT:
        restricted = right
    elif item.jointype == JoinType.JOIN_RIGHT:
        restricted = left
    scope = frozenset(_alias(r) for r in restricted)
    conds += [_Cond(c, scope) for c in _conjuncts(item.quals)]
    return left + right


def _conjuncts(expr: object) -> Iterator[object]:
    if isinstance(expr, ast.BoolExpr) and expr.boolop == BoolExprType.AND_EXPR:
        for arg in expr.args or ():
            yield from _conjuncts(arg)
    elif expr is not None:
        yield expr


def _filtered(rel: ast.RangeVar, conds: Sequence[_Cond], *, single: bool) -> bool:
    alias = _alias(rel)
    for cond in conds:
        if cond.scope is not None and alias not in cond.scope:
            continue
        expr = cond.expr
        if not (isinstance(expr, ast.NullTest) and expr.nulltesttype == NullTestType.IS_NULL):
            continue
        # coalesce(a, b, ...) IS NULL holds only when every argument is NULL.
        args = expr.arg.args or () if isinstance(expr.arg, ast.CoalesceExpr) else (expr.arg,)
        for arg in args:
            names = column_names(arg) or [] if isinstance(arg, ast.ColumnRef) else []
            if names == [alias, _COLUMN] or (single and names == [_COLUMN]):
                return True
            if rel.alias is None and len(names) == 3 and names[1:] == [rel.relname, _COLUMN]:
                return True
    return False


def _alias(rel: ast.RangeVar) -> str:
    if rel.alias is not None and rel.alias.aliasname:
        return rel.alias.aliasname
    return rel.relname or ""


# ----------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m postsql.ext.soft_delete [QUERY_DIR...] [--schema FILE]``; exit 1 on findings.

    Example::

        raise SystemExit(main(["sql/queries", "--schema", "sql/schema.sql"]))
    """
    parser = argparse.ArgumentParser(
        prog="python -m postsql.ext.soft_delete",
        description="Flag queries that read a soft-deletable table without deleted_at IS NULL.",
    )
    parser.add_argument("dirs", nargs="*", type=Path, default=[Path("sql/queries")])
    parser.add_argument("--schema", type=Path, default=Path("sql/schema.sql"))
    args = parser.parse_args(argv)
    try:
        schema = args.schema.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"{args.schema}: cannot read the schema: {exc}", file=sys.stderr)
        return 2
    try:
        tables = soft_deletable_tables(schema)
        findings = check_queries(load_queries(list(args.dirs), root=Path.cwd()), tables)
    except (QueryParseError, ParseError) as exc:
        print(exc, file=sys.stderr)
        return 2
    for finding in findings:
        print(finding)
    if findings:
        print(
            f"{len(findings)} finding(s): add the filter, or write {DELIBERATE_MARKER!r} in the "
            "query's comment block if the query means to see soft-deleted rows",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
