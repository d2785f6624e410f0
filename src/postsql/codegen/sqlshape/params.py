"""Which ``$n`` parameters the SQL itself admits as NULL.

A parameter is nullable when some use of it handles NULL on purpose: ``$1 IS NULL``,
``$1 IS [NOT] DISTINCT FROM x``, a non-last ``coalesce($1, ...)`` argument, ``nullif($1, ...)``,
or a value stored into a column that allows NULL (INSERT values/select list, UPDATE SET,
ON CONFLICT DO UPDATE SET), also as a CASE result or a coalesce/greatest/least argument there.
Every other parameter is non-null.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pglast import ast
from pglast.enums import A_Expr_Kind

from .model import CatalogColumn, CatalogLookup
from .names import param_number, strip_casts, walk


def nullable_params(stmt: ast.Node, catalog: CatalogLookup) -> frozenset[int]:
    """1-based numbers of the parameters that may be passed NULL."""
    found: set[int] = set()
    for node in walk(stmt):
        found.update(n for n in _admitting(node, catalog) if n is not None)
    return frozenset(found)


def _admitting(node: ast.Node, catalog: CatalogLookup) -> Iterator[int | None]:
    if isinstance(node, ast.NullTest):
        yield param_number(node.arg)
    elif isinstance(node, ast.A_Expr):
        if node.kind in (A_Expr_Kind.AEXPR_DISTINCT, A_Expr_Kind.AEXPR_NOT_DISTINCT):
            yield param_number(node.lexpr)
            yield param_number(node.rexpr)
        elif node.kind == A_Expr_Kind.AEXPR_NULLIF:
            yield param_number(node.lexpr)
    elif isinstance(node, ast.CoalesceExpr):
        args = node.args or ()
        yield from (param_number(arg) for arg in args[:-1])
    elif isinstance(node, ast.InsertStmt):
        yield from _insert(node, catalog)
    elif isinstance(node, ast.UpdateStmt) and node.relation is not None:
        yield from _assignments(node.targetList or (), _columns(catalog, node.relation))


def _columns(catalog: CatalogLookup, relation: ast.RangeVar) -> dict[str, CatalogColumn]:
    columns = catalog.relation(relation.schemaname, relation.relname or "") or ()
    return {c.name: c for c in columns}


def _insert(node: ast.InsertStmt, catalog: CatalogLookup) -> Iterator[int | None]:
    if node.relation is None:
        return
    columns = _columns(catalog, node.relation)
    names = [t.name for t in node.cols or () if isinstance(t, ast.ResTarget) and t.name]
    if not node.cols:
        names = list(columns)
    targets = [columns.get(name) for name in names]
    select = node.selectStmt
    if isinstance(select, ast.SelectStmt):
        rows: Sequence[object] = select.valuesLists or ()
        if not rows and select.targetList:
            rows = [tuple(t.val for t in select.targetList if isinstance(t, ast.ResTarget))]
        for row in rows:
            for value, column in zip(row if isinstance(row, tuple) else (), targets, strict=False):
                if column is not None and not column.not_null:
                    yield from _stored(value)
    conflict = node.onConflictClause
    if conflict is not None:
        yield from _assignments(conflict.targetList or (), columns)


def _assignments(
    targets: Sequence[object], columns: dict[str, CatalogColumn]
) -> Iterator[int | None]:
    """``SET col = $n`` and ``SET (a, b) = ($1, $2)`` into nullable columns."""
    for target in targets:
        if not isinstance(target, ast.ResTarget) or not target.name:
            continue
        column = columns.get(target.name)
        if column is None or column.not_null or target.indirection:
            continue
        value = target.val
        if isinstance(value, ast.MultiAssignRef):
            source = value.source
            items = source.args if isinstance(source, ast.RowExpr) else None
            colno = value.colno or 0
            value = items[colno - 1] if items and 0 < colno <= len(items) else None
        yield from _stored(value)


def _stored(value: object) -> Iterator[int | None]:
    """Parameters whose value ``value`` may be, as it is: through casts, a CASE's results,
    ``coalesce``, ``greatest``/``least`` and ``nullif``'s first argument. Stored into a nullable
    column, a NULL there is a NULL stored, so each may be passed None."""
    value = strip_casts(value)
    if isinstance(value, ast.ParamRef):
        yield value.number
    elif isinstance(value, ast.CaseExpr):
        for when in value.args or ():
            if isinstance(when, ast.CaseWhen):
                yield from _stored(when.result)
        yield from _stored(value.defresult)
    elif isinstance(value, ast.CoalesceExpr | ast.MinMaxExpr):
        for arg in value.args or ():
            yield from _stored(arg)
    elif isinstance(value, ast.A_Expr) and value.kind == A_Expr_Kind.AEXPR_NULLIF:
        yield from _stored(value.lexpr)


def stored_into(stmt: ast.Node) -> dict[int, tuple[str | None, str, str]]:
    """Parameters written as they are (through casts) into a table column, by number:
    ``(schema, table, column)``. INSERT values or select list, UPDATE SET, ON CONFLICT DO UPDATE
    SET; a parameter written into two columns is left out."""
    found: dict[int, set[tuple[str | None, str, str]]] = {}

    def note(value: object, relation: ast.RangeVar, column: str) -> None:
        number = param_number(value)
        if number is not None and relation.relname:
            found.setdefault(number, set()).add((relation.schemaname, relation.relname, column))

    for node in walk(stmt):
        if isinstance(node, ast.InsertStmt) and node.relation is not None:
            names = [t.name for t in node.cols or () if isinstance(t, ast.ResTarget) and t.name]
            select = node.selectStmt
            if names and isinstance(select, ast.SelectStmt):
                rows: Sequence[object] = select.valuesLists or ()
                if not rows and select.targetList:
                    rows = [tuple(t.val for t in select.targetList if isinstance(t, ast.ResTarget))]
                for row in rows:
                    for value, name in zip(
                        row if isinstance(row, tuple) else (), names, strict=False
                    ):
                        note(value, node.relation, name)
            conflict = node.onConflictClause
            for target in conflict.targetList or () if conflict is not None else ():
                if isinstance(target, ast.ResTarget) and target.name and not target.indirection:
                    note(target.val, node.relation, target.name)
        elif isinstance(node, ast.UpdateStmt) and node.relation is not None:
            for target in node.targetList or ():
                if isinstance(target, ast.ResTarget) and target.name and not target.indirection:
                    note(target.val, node.relation, target.name)
    return {n: next(iter(targets)) for n, targets in found.items() if len(targets) == 1}
