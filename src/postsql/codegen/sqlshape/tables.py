"""Tables a statement reads and writes, and whether it is safe on a read-only replica."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pglast import ast

from . import functions as fn
from .model import CatalogLookup
from .names import func_name, parsed, walk

_WRITES = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt)


@dataclass(frozen=True, slots=True)
class TableUse:
    """Unqualified names read and written; views count as read together with what they read."""

    read: frozenset[str]
    written: frozenset[str]
    read_only: bool


def table_use(stmts: Sequence[ast.Node], catalog: CatalogLookup) -> TableUse:
    """Walk every statement; CTE names are not tables, DML targets are written, not read."""
    read: set[str] = set()
    written: set[str] = set()
    read_only = True
    for stmt in stmts:
        read_only &= _read_only(stmt)
        targets = {id(n.relation) for n in walk(stmt) if isinstance(n, _WRITES)}
        ctes = {n.ctename for n in walk(stmt) if isinstance(n, ast.CommonTableExpr)}
        for node in walk(stmt):
            if isinstance(node, _WRITES) and isinstance(node.relation, ast.RangeVar):
                written.add(node.relation.relname or "")
            elif isinstance(node, ast.RangeVar) and id(node) not in targets:
                if node.schemaname is None and node.relname in ctes:
                    continue
                read.update(_with_view_bases(node.schemaname, node.relname or "", catalog, set()))
    return TableUse(frozenset(read - {""}), frozenset(written - {""}), read_only)


def _read_only(stmt: ast.Node) -> bool:
    if not isinstance(stmt, ast.SelectStmt):
        return False
    for node in walk(stmt):
        if isinstance(node, _WRITES):
            return False
        if isinstance(node, ast.SelectStmt) and (node.lockingClause or node.intoClause):
            return False
        if isinstance(node, ast.FuncCall) and func_name(node) in fn.WRITING:
            return False
    return True


def _with_view_bases(
    schema: str | None, name: str, catalog: CatalogLookup, seen: set[tuple[str | None, str]]
) -> set[str]:
    """The relation itself plus, for a view, every table its definition reads (cycle-safe)."""
    out = {name}
    key = (schema, name)
    if key in seen:
        return out
    seen.add(key)
    sql = catalog.view_sql(schema, name)
    if sql is None:
        return out
    try:
        stmts = [raw.stmt for raw in parsed(sql) if raw.stmt is not None]
    except Exception:
        return out
    for stmt in stmts:
        ctes = {n.ctename for n in walk(stmt) if isinstance(n, ast.CommonTableExpr)}
        for node in walk(stmt):
            if isinstance(node, ast.RangeVar) and not (
                node.schemaname is None and node.relname in ctes
            ):
                out |= _with_view_bases(node.schemaname, node.relname or "", catalog, seen)
    return out


__all__ = ["TableUse", "table_use"]
