"""Output columns of SELECT, VALUES, set operations, CTEs and DML ... RETURNING."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pglast import ast
from pglast.enums import GroupingSetKind, ReturningOptionKind, SetOperation

from . import functions as fn
from .expressions import AggMode, Ctx, infer
from .model import (
    CatalogLookup,
    Col,
    Cte,
    Frame,
    Rel,
    Scope,
    Value,
    all_elements,
    join_frames,
    non_null,
    unknown,
)
from .names import figure_colname, func_name, parsed, slot_names, strings
from .relations import FromBuilder, rename

_MAX_RECURSIVE_ROUNDS = 32


class StatementAnalyzer(FromBuilder):
    """Turns one parsed statement into its output columns (None where they cannot be known)."""

    def __init__(self, catalog: CatalogLookup, params: frozenset[int]) -> None:
        super().__init__(catalog, params)
        self._views: dict[tuple[str | None, str], tuple[Value, ...] | None] = {}
        self._views_open: set[tuple[str | None, str]] = set()

    # ----------------------------------------------------------------- entry points

    def statement(self, node: ast.Node) -> tuple[Col, ...] | None:
        """Output columns of a top-level statement."""
        return self.subquery(node, Scope())

    def subquery(self, node: ast.Node, scope: Scope) -> tuple[Col, ...] | None:
        """Output columns of a (possibly correlated) query evaluated inside ``scope``."""
        if isinstance(node, ast.SelectStmt):
            return self.select(node, scope)
        if isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt):
            return self.dml(node, scope)
        return None

    def returns_one_row(self, node: ast.Node) -> bool:
        """True for ``SELECT agg(...) FROM ...`` (no GROUP BY/HAVING/LIMIT) or FROM-less SELECT."""
        if not isinstance(node, ast.SelectStmt) or node.op != SetOperation.SETOP_NONE:
            return False
        if node.valuesLists or node.groupClause or node.havingClause:
            return False
        if node.limitCount is not None or node.limitOffset is not None:
            return False
        calls = list(_calls_outside_sublinks(node.targetList or ()))
        if any(not _known_scalar_or_aggregate(call) for call in calls):
            return False
        if not node.fromClause and node.whereClause is None:
            return True
        return any(func_name(c) in fn.AGGREGATES and c.over is None for c in calls)

    # ----------------------------------------------------------------- views

    def view_values(self, schema: str | None, name: str, width: int) -> tuple[Value, ...] | None:
        key = (schema, name)
        if key in self._views:
            return self._views[key]
        if key in self._views_open:
            return None
        sql = self.catalog.view_sql(schema, name)
        if sql is None:
            return None
        self._views_open.add(key)
        try:
            values = self._analyze_view(sql, width)
        finally:
            self._views_open.discard(key)
        self._views[key] = values
        return values

    def _analyze_view(self, sql: str, width: int) -> tuple[Value, ...] | None:
        stmts = parsed(sql)
        if len(stmts) != 1 or stmts[0].stmt is None:
            return None
        inner = StatementAnalyzer(self.catalog, frozenset())
        inner._views, inner._views_open = self._views, self._views_open
        cols = inner.statement(stmts[0].stmt)
        if cols is None or len(cols) != width:
            return None
        return tuple(col.value for col in cols)

    # ----------------------------------------------------------------- SELECT

    def select(self, node: ast.SelectStmt, scope: Scope) -> tuple[Col, ...] | None:
        scope = replace(scope, ctes=self._with(node.withClause, scope))
        if node.op != SetOperation.SETOP_NONE:
            return self._set_operation(node, scope)
        if node.valuesLists:
            return self._values(node.valuesLists, scope)
        frame = self.from_clause(node.fromClause or (), scope)
        if node.whereClause is not None:
            frame = self.refine(frame, node.whereClause)
        windows = {
            w.name: w for w in node.windowClause or () if isinstance(w, ast.WindowDef) and w.name
        }
        level = Scope(frame, scope.ctes, scope)
        ctx = Ctx(level, self, self.params, _agg_mode(node), False, windows)
        return self.targets(node.targetList or (), ctx)

    def targets(self, targets: Sequence[object], ctx: Ctx) -> tuple[Col, ...] | None:
        """Output columns of a select or RETURNING list, expanding ``*`` and ``alias.*``."""
        out: list[Col] = []
        for target in targets:
            if not isinstance(target, ast.ResTarget):
                return None
            star = _star_qualifier(target.val)
            if star is not None:
                expanded = self._expand_star(star, ctx)
                if expanded is None:
                    return None
                out.extend(expanded)
                continue
            name = target.name or figure_colname(target.val)
            out.append(Col(name, infer(target.val, ctx)))
        return tuple(out)

    def _expand_star(self, qualifier: list[str], ctx: Ctx) -> tuple[Col, ...] | None:
        frame = ctx.scope.frame
        if not qualifier:
            return frame.star_values()
        for rel in frame.rels:
            if rel.alias == qualifier[-1]:
                if not rel.complete:
                    return None
                return tuple(Col(c.name, v) for c, v in zip(rel.cols, rel.values(), strict=True))
        return None

    def _values(self, rows: Sequence[object], scope: Scope) -> tuple[Col, ...] | None:
        ctx = Ctx(Scope(Frame(), scope.ctes, scope), self, self.params)
        columns: list[list[Value]] = []
        for row in rows:
            items = row if isinstance(row, tuple) else ()
            if columns and len(items) != len(columns):
                return None
            if not columns:
                columns = [[] for _ in items]
            for i, item in enumerate(items):
                columns[i].append(infer(item, ctx))
        return tuple(
            Col(f"column{i + 1}", _union_values(values, "VALUES"))
            for i, values in enumerate(columns)
        )

    def _set_operation(self, node: ast.SelectStmt, scope: Scope) -> tuple[Col, ...] | None:
        left = self.subquery(node.larg, scope) if node.larg is not None else None
        right = self.subquery(node.rarg, scope) if node.rarg is not None else None
        if left is None or right is None or len(left) != len(right):
            return None
        return tuple(
            Col(lc.name, _set_value(node.op, lc.value, rc.value))
            for lc, rc in zip(left, right, strict=True)
        )

    # ----------------------------------------------------------------- WITH

    def _with(self, clause: ast.WithClause | None, scope: Scope) -> Mapping[str, Cte]:
        ctes = dict(scope.ctes)
        for cte in clause.ctes or () if clause is not None else ():
            if not isinstance(cte, ast.CommonTableExpr) or cte.ctename is None:
                continue
            at = replace(scope, ctes=dict(ctes))
            if clause is not None and clause.recursive:
                cols = self._recursive_cte(cte, at)
            else:
                cols = self._cte_columns(cte, at)
            ctes[cte.ctename] = Cte(cte.ctename, cols)
        return ctes

    def _cte_columns(self, cte: ast.CommonTableExpr, scope: Scope) -> tuple[Col, ...] | None:
        if cte.ctequery is None:
            return None
        cols = self.subquery(cte.ctequery, scope)
        return rename(cols, strings(cte.aliascolnames)) if cols is not None else None

    def _recursive_cte(self, cte: ast.CommonTableExpr, scope: Scope) -> tuple[Col, ...] | None:
        query = cte.ctequery
        name = cte.ctename or ""
        if not (
            isinstance(query, ast.SelectStmt)
            and query.op == SetOperation.SETOP_UNION
            and query.larg is not None
            and query.rarg is not None
        ):
            placeholder = replace(scope, ctes={**scope.ctes, name: Cte(name, None)})
            return self._cte_columns(cte, placeholder)
        current = self.subquery(query.larg, scope)
        if current is None:
            return None
        current = rename(current, strings(cte.aliascolnames))
        # Least fixpoint: start from the non-recursive term, widen by each recursive round.
        for _ in range(_MAX_RECURSIVE_ROUNDS):
            bound = replace(scope, ctes={**scope.ctes, name: Cte(name, current)})
            step = self.subquery(query.rarg, bound)
            if step is None or len(step) != len(current):
                return None
            widened = tuple(
                Col(c.name, _set_value(SetOperation.SETOP_UNION, c.value, s.value))
                for c, s in zip(current, step, strict=True)
            )
            if [_facts(c.value) for c in widened] == [_facts(c.value) for c in current]:
                return widened
            current = widened
        return None

    # ----------------------------------------------------------------- INSERT/UPDATE/DELETE

    def dml(
        self, node: ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt, scope: Scope
    ) -> tuple[Col, ...] | None:
        clause = node.returningClause
        if clause is None or node.relation is None:
            return ()
        scope = replace(scope, ctes=self._with(node.withClause, scope))
        target = self.relation(node.relation, scope)
        frame = Frame((target,), (), tuple(("rel", 0, j) for j in range(len(target.cols))))
        extra: tuple[object, ...] = ()
        if isinstance(node, ast.UpdateStmt):
            extra = node.fromClause or ()
        elif isinstance(node, ast.DeleteStmt):
            extra = node.usingClause or ()
        if extra:
            frame = join_frames(frame, self.from_clause(extra, scope))
        where = getattr(node, "whereClause", None)
        if where is not None:
            frame = self.refine(frame, where)
        if isinstance(node, ast.UpdateStmt):
            # RETURNING reads the new row: WHERE proved things of the old values only.
            ctx = Ctx(Scope(frame, scope.ctes, scope), self, self.params)
            target = self._assigned(node, target, ctx)
            assigned = {t.name for t in node.targetList or () if isinstance(t, ast.ResTarget)}
            old = frame.rels[0]
            new = replace(old, cols=target.cols, proven=old.proven - assigned)
            frame = replace(frame, rels=(new, *frame.rels[1:]))
        frame = self._old_new(node, clause, frame, target)
        ctx = Ctx(Scope(frame, scope.ctes, scope), self, self.params)
        return self.targets(clause.exprs or (), ctx)

    def _assigned(self, node: ast.UpdateStmt, target: Rel, ctx: Ctx) -> Rel:
        """``target`` with the values its SET clause gives (the expressions read the old row,
        as the refined ``ctx`` sees it); a column NOT NULL in the catalog stays non-null."""
        cols = list(target.cols)
        for item in node.targetList or ():
            if not isinstance(item, ast.ResTarget) or item.name is None:
                continue
            i = target.index(item.name)
            if i is None:
                continue
            before = cols[i].value
            if not before.nullable:
                continue
            value: Value = unknown(f"{target.alias}.{item.name} is assigned an expression")
            if not item.indirection and not isinstance(item.val, ast.MultiAssignRef):
                value = infer(item.val, ctx)
            if value.nullable:
                reason = f"{target.alias}.{item.name} is set by UPDATE: {value.reason}"
                value = replace(value, reason=reason)
            else:
                value = replace(value, reason=f"UPDATE sets {item.name} to {value.reason}")
            value = replace(value, type_name=before.type_name, composite=before.composite)
            cols[i] = Col(item.name, value.elements_like(before))
        return replace(target, cols=tuple(cols))

    def _old_new(
        self,
        node: ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt,
        clause: ast.ReturningClause,
        frame: Frame,
        target: Rel,
    ) -> Frame:
        """PostgreSQL 18's ``RETURNING old.*, new.*``: NULL rows for INSERT's old, DELETE's new."""
        names = {"old": "old", "new": "new"}
        for option in clause.options or ():
            if isinstance(option, ast.ReturningOption) and option.value:
                is_old = option.option == ReturningOptionKind.RETURNING_OPTION_OLD
                names["old" if is_old else "new"] = option.value
        old_reason = "OLD is NULL for inserted rows" if isinstance(node, ast.InsertStmt) else None
        new_reason = "NEW is NULL for deleted rows" if isinstance(node, ast.DeleteStmt) else None
        rels = (
            replace(target, alias=names["old"], nulled_by=old_reason),
            replace(target, alias=names["new"], nulled_by=new_reason),
        )
        return replace(frame, rels=frame.rels + rels)


# --------------------------------------------------------------------------- helpers


def _agg_mode(node: ast.SelectStmt) -> AggMode:
    groups = node.groupClause or ()
    if not groups:
        return "ungrouped"
    sets = [g for g in groups if isinstance(g, ast.GroupingSet)]
    if not sets:
        return "grouped"
    if all(g.kind == GroupingSetKind.GROUPING_SET_EMPTY for g in sets):
        return "ungrouped" if len(sets) == len(groups) else "grouping_sets"
    return "grouping_sets"


def _star_qualifier(node: object) -> list[str] | None:
    """[] for ``*``, ["a"] for ``a.*``, None when not a star."""
    if not isinstance(node, ast.ColumnRef):
        return None
    fields = node.fields or ()
    if not fields or not isinstance(fields[-1], ast.A_Star):
        return None
    return strings(fields[:-1])


def _facts(value: Value) -> tuple[bool, bool]:
    return value.nullable, value.elements_non_null


def _set_value(op: object, left: Value, right: Value) -> Value:
    type_ = left.type_name if left.type_name == right.type_name else None
    nested = left.nested if left.nested == right.nested else None
    if op == SetOperation.SETOP_EXCEPT:
        return replace(left, reason=f"EXCEPT keeps the left branch: {left.reason}")
    composite = left.composite or right.composite
    if op == SetOperation.SETOP_INTERSECT:
        # Every row INTERSECT returns equals a row of each branch: either branch's proof holds.
        proven = next((side for side in (left, right) if side.elements_non_null), left)
        for side in (left, right):
            if not side.nullable:
                reason = f"INTERSECT with a non-null branch: {side.reason}"
                return non_null(reason, type_, nested, composite=composite).elements_like(proven)
        value = replace(left, type_name=type_, nested=nested, composite=composite)
        return value.elements_like(proven)
    return _union_values([left, right], "UNION")


def _union_values(values: list[Value], what: str) -> Value:
    types = {v.type_name for v in values}
    type_ = types.pop() if len(types) == 1 else None
    nesteds = {v.nested for v in values}
    nested = nesteds.pop() if len(nesteds) == 1 else None
    composite = any(v.composite for v in values)
    elements = all_elements(values, f"non-null elements in every {what} branch")
    for certainty in ("proven_nullable", "unknown"):
        for v in values:
            if v.nullable and v.certainty == certainty:
                reason = f"{what} branch: {v.reason}"
                return replace(
                    v, reason=reason, type_name=type_, nested=nested, composite=composite
                ).with_elements(*elements)
    if not values:
        return unknown(f"empty {what}")
    value = non_null(f"non-null in every {what} branch", type_, nested, composite=composite)
    return value.with_elements(*elements)


def _calls_outside_sublinks(targets: Sequence[object]) -> list[ast.FuncCall]:
    calls: list[ast.FuncCall] = []
    stack: list[object] = list(targets)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.SubLink):
            continue
        if isinstance(item, ast.FuncCall):
            calls.append(item)
        if isinstance(item, ast.Node):
            stack.extend(getattr(item, name, None) for name in slot_names(item))
        elif isinstance(item, tuple):
            stack.extend(item)
    return calls


_KNOWN_SCALAR = (
    fn.STRICT_NON_NULL | fn.NON_NULL_PRESERVING | fn.ALWAYS_NON_NULL | {"concat_ws", "format"}
) - fn.SET_RETURNING


def _known_scalar_or_aggregate(call: ast.FuncCall) -> bool:
    name = func_name(call)
    return (
        name in _KNOWN_SCALAR
        or name in fn.AGGREGATES
        or (call.over is not None and name in fn.WINDOW_NON_NULL | fn.WINDOW_NULLABLE | {"ntile"})
    )
