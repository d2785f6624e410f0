"""The FROM clause: tables, views, CTEs, subqueries, functions and the join tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pglast import ast
from pglast.enums import JoinType

from .expressions import Ctx, infer
from .functions import SCALAR_TYPES
from .model import (
    CatalogLookup,
    Col,
    Frame,
    Merged,
    Rel,
    Scope,
    StarRef,
    Value,
    join_frames,
    non_null,
    nullable,
    unknown,
)
from .names import func_name, strings, type_name
from .refine import refine_frame

# Set-returning functions of a scalar type (``unnest`` of one array): ``to_json(e)`` of
# ``jsonb_array_elements(...) AS e`` is the element itself, not an object {"value": ...}.
_SCALAR_FUNCTIONS = frozenset(
    {
        "generate_series", "generate_subscripts", "unnest", "json_array_elements",
        "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
        "json_object_keys", "jsonb_object_keys", "regexp_split_to_table",
    }
)  # fmt: skip


def rename(cols: tuple[Col, ...], names: Sequence[str]) -> tuple[Col, ...]:
    """Apply an alias column list (``AS x(a, b)``) to the leading columns."""
    return tuple(Col(names[i], col.value) if i < len(names) else col for i, col in enumerate(cols))


def single_rel_frame(rel: Rel) -> Frame:
    return Frame((rel,), (), tuple(("rel", 0, j) for j in range(len(rel.cols))))


class FromBuilder:
    """Builds the :class:`Frame` of a FROM list; subclasses supply subquery and view analysis."""

    def __init__(self, catalog: CatalogLookup, params: frozenset[int]) -> None:
        self.catalog = catalog
        self.params = params

    def subquery(self, node: ast.Node, scope: Scope) -> tuple[Col, ...] | None:
        raise NotImplementedError

    def returns_one_row(self, node: ast.Node) -> bool:
        raise NotImplementedError

    def view_values(self, schema: str | None, name: str, width: int) -> tuple[Value, ...] | None:
        raise NotImplementedError

    def refine(self, frame: Frame, predicate: object) -> Frame:
        return refine_frame(frame, predicate)

    # ----------------------------------------------------------------- FROM list

    def from_clause(self, items: Sequence[object], scope: Scope) -> Frame:
        """Comma-separated items are cross joined; LATERAL items see the ones before them."""
        frame = Frame()
        for item in items:
            frame = join_frames(frame, self.from_item(item, scope, frame))
        return frame

    def from_item(self, item: object, scope: Scope, before: Frame) -> Frame:
        if isinstance(item, ast.RangeVar):
            return single_rel_frame(self.relation(item, scope))
        if isinstance(item, ast.JoinExpr):
            return self.join(item, scope, before)
        if isinstance(item, ast.RangeSubselect):
            return single_rel_frame(self._range_subselect(item, scope, before))
        if isinstance(item, ast.RangeFunction):
            return single_rel_frame(self._range_function(item, scope, before))
        if isinstance(item, ast.RangeTableSample) and isinstance(item.relation, ast.RangeVar):
            return single_rel_frame(self.relation(item.relation, scope))
        alias = getattr(item, "alias", None)
        name = alias.aliasname if isinstance(alias, ast.Alias) and alias.aliasname else ""
        return single_rel_frame(Rel(name, (), complete=False))

    def relation(self, node: ast.RangeVar, scope: Scope) -> Rel:
        """A table, view or CTE named in FROM (or the target of INSERT/UPDATE/DELETE)."""
        name = node.relname or ""
        alias = node.alias.aliasname if node.alias and node.alias.aliasname else name
        colnames = strings(node.alias.colnames) if node.alias else []
        if node.schemaname is None and name in scope.ctes:
            cte = scope.ctes[name]
            if cte.cols is None:
                return Rel(alias, (), complete=False)
            return Rel(alias, rename(cte.cols, colnames), complete=True)
        columns = self.catalog.relation(node.schemaname, name)
        if columns is None:
            return Rel(alias, (), complete=False)
        is_view = self.catalog.view_sql(node.schemaname, name) is not None
        view = self.view_values(node.schemaname, name, len(columns)) if is_view else None
        cols: list[Col] = []
        for i, column in enumerate(columns):
            if view is not None:
                value = replace(view[i], type_name=column.type_name)
            elif is_view:
                reason = f"view column {name}.{column.name} was not analysed"
                value = unknown(reason, column.type_name)
            elif column.not_null:
                value = non_null(f"{name}.{column.name} is NOT NULL", column.type_name)
            else:
                value = nullable(f"{name}.{column.name} is nullable", column.type_name)
            if column.elements_not_null:
                reason = f"{name}.{column.name}: a CHECK or its domain forbids NULL elements"
                value = value.with_elements(True, reason)
            if self._is_composite(column.type_name):
                value = replace(value, composite=True)
            cols.append(Col(column.name, value))
        cols_ = rename(tuple(cols), colnames)
        row_names = tuple(c.name for c in cols) if colnames else ()
        return Rel(
            alias, cols_, complete=True, type_name=name, has_system_columns=not is_view,
            row_names=row_names,
        )  # fmt: skip

    def _is_composite(self, type_name: str) -> bool:
        """A column of a table or composite type: its row comparisons can be NULL."""
        base = type_name.removesuffix("[]")
        if base in SCALAR_TYPES:
            return False
        schema, _, name = base.rpartition(".")
        return self.catalog.relation(schema or None, name.strip('"')) is not None

    def _range_subselect(self, node: ast.RangeSubselect, scope: Scope, before: Frame) -> Rel:
        alias = node.alias.aliasname if node.alias and node.alias.aliasname else ""
        colnames = strings(node.alias.colnames) if node.alias else []
        inner = Scope(before, scope.ctes, scope) if node.lateral else scope
        cols = self.subquery(node.subquery, inner) if node.subquery is not None else None
        if cols is None:
            return Rel(alias, (), complete=False)
        return Rel(alias, rename(cols, colnames), complete=True)

    # ----------------------------------------------------------------- functions in FROM

    def _range_function(self, node: ast.RangeFunction, scope: Scope, before: Frame) -> Rel:
        alias = node.alias.aliasname if node.alias and node.alias.aliasname else ""
        colnames = strings(node.alias.colnames) if node.alias else []
        inner = Scope(before, scope.ctes, scope) if node.lateral else scope
        ctx = Ctx(inner, self, self.params)
        functions = [f for f in node.functions or () if isinstance(f, tuple) and f]
        cols: list[Col] = []
        for call, coldefs in ((f[0], f[1] if len(f) > 1 else None) for f in functions):
            produced = _function_columns(call, coldefs or node.coldeflist, ctx, alias)
            if produced is None:
                return Rel(alias, (), complete=False)
            cols.extend(produced)
        if len(functions) > 1:
            cols = [_pad(col) for col in cols]
        scalar = (
            len(functions) == 1
            and len(cols) == 1
            and not node.ordinality
            and not node.coldeflist
            and not (len(functions[0]) > 1 and functions[0][1])
            and func_name(functions[0][0]) in _SCALAR_FUNCTIONS
        )
        if node.ordinality:
            cols.append(Col("ordinality", non_null("WITH ORDINALITY", "bigint")))
        return Rel(alias, rename(tuple(cols), colnames), complete=True, scalar=scalar)

    # ----------------------------------------------------------------- joins

    def join(self, node: ast.JoinExpr, scope: Scope, before: Frame) -> Frame:
        left = self.from_item(node.larg, scope, before)
        right = self.from_item(node.rarg, scope, join_frames(before, left))
        kind = node.jointype
        quals = node.quals
        if kind == JoinType.JOIN_LEFT and self._one_row_always_joined(node.rarg, quals):
            pass  # LEFT JOIN (SELECT count(*) ...) ON true: exactly one row joins every row
        elif kind == JoinType.JOIN_LEFT:
            right = self._refined(right, quals).null_extended("right side of LEFT JOIN")
        elif kind == JoinType.JOIN_RIGHT:
            left = self._refined(left, quals).null_extended("left side of RIGHT JOIN")
        elif kind == JoinType.JOIN_FULL:
            left = left.null_extended("FULL JOIN side")
            right = right.null_extended("FULL JOIN side")
        using = self._using_names(node, left, right)
        frame = self._merge_using(join_frames(left, right), using, left, right, kind)
        if kind == JoinType.JOIN_INNER and quals is not None:
            frame = self.refine(frame, quals)
        if node.alias is not None and node.alias.aliasname:
            return self._aliased(frame, node.alias)
        return frame

    def _one_row_always_joined(self, item: object, quals: object) -> bool:
        """A subquery that yields exactly one row (an ungrouped aggregate without HAVING, LIMIT
        or OFFSET), joined ON TRUE."""
        if not (isinstance(item, ast.RangeSubselect) and item.subquery is not None):
            return False
        constant = quals.val if isinstance(quals, ast.A_Const) else None
        is_true = isinstance(constant, ast.Boolean) and bool(constant.boolval)
        return is_true and self.returns_one_row(item.subquery)

    def _refined(self, frame: Frame, quals: object) -> Frame:
        return self.refine(frame, quals) if quals is not None else frame

    def _using_names(self, node: ast.JoinExpr, left: Frame, right: Frame) -> list[str] | None:
        if not node.isNatural:
            return strings(node.usingClause)
        lcols, rcols = left.star_values(), right.star_values()
        if lcols is None or rcols is None:
            return None
        rnames = {c.name for c in rcols}
        return [c.name for c in lcols if c.name in rnames]

    def _merge_using(
        self, frame: Frame, using: list[str] | None, left: Frame, right: Frame, kind: object
    ) -> Frame:
        if using is None:
            return replace(frame, rels=(*frame.rels, Rel("", (), complete=False)))
        if not using:
            return frame
        merged = tuple(Merged(name, _merged_value(name, left, right, kind)) for name in using)
        shift = len(merged)
        star: list[StarRef] = [("merged", i, 0) for i in range(shift)]
        for kind_, i, j in frame.star:
            if _star_name(frame, (kind_, i, j)) in using:
                continue
            star.append((kind_, i + shift, j) if kind_ == "merged" else (kind_, i, j))
        return Frame(frame.rels, merged + frame.merged, tuple(star))

    def _aliased(self, frame: Frame, alias: ast.Alias) -> Frame:
        cols = frame.star_values()
        name = alias.aliasname or ""
        if cols is None:
            return single_rel_frame(Rel(name, (), complete=False))
        return single_rel_frame(Rel(name, rename(cols, strings(alias.colnames)), complete=True))


# --------------------------------------------------------------------------- helpers


def _star_name(frame: Frame, ref: StarRef) -> str:
    kind, i, j = ref
    if kind == "merged":
        return frame.merged[i].name
    return frame.rels[i].cols[j].name


def _frame_value(frame: Frame, name: str) -> Value:
    """The value an unqualified ``name`` has in one side of a join (before USING merging)."""
    for merged in frame.merged:
        if merged.name == name:
            return merged.current()
    for rel in frame.rels:
        i = rel.index(name)
        if i is not None:
            return rel.value_at(i)
    return unknown(f"USING column {name} not found")


def _base_value(frame: Frame, name: str) -> Value:
    """Like :func:`_frame_value` but as if the side were not null-extended."""
    for merged in frame.merged:
        if merged.name == name:
            return merged.value
    for rel in frame.rels:
        i = rel.index(name)
        if i is not None:
            return replace(rel, nulled_by=None).value_at(i)
    return unknown(f"USING column {name} not found")


def _merged_value(name: str, left: Frame, right: Frame, kind: object) -> Value:
    if kind == JoinType.JOIN_FULL:
        lv, rv = _base_value(left, name), _base_value(right, name)
        if not lv.nullable and not rv.nullable:
            return non_null(f"FULL JOIN USING ({name}): non-null on both sides", lv.type_name)
        return nullable(f"FULL JOIN USING ({name}) of a nullable side", lv.type_name)
    if kind == JoinType.JOIN_RIGHT:
        return _frame_value(right, name)
    return _frame_value(left, name)


def _pad(col: Col) -> Col:
    if col.value.nullable:
        return col
    reason = "ROWS FROM pads shorter functions with NULL"
    return Col(col.name, nullable(reason, col.value.type_name))


def _element_type(value: Value) -> str | None:
    t = value.type_name
    return t[:-2] if t is not None and t.endswith("[]") else None


def _function_columns(call: object, coldefs: object, ctx: Ctx, alias: str) -> list[Col] | None:
    if not isinstance(call, ast.FuncCall):
        return None
    name = func_name(call)
    if isinstance(coldefs, tuple) and coldefs:
        return [_coldef(c) for c in coldefs if isinstance(c, ast.ColumnDef)]
    args = [infer(arg, ctx) for arg in call.args or ()]
    scalar = alias or name
    if name == "generate_series":
        type_ = args[0].type_name if args else None
        return [Col(scalar, non_null("generate_series() yields non-null values", type_))]
    if name == "generate_subscripts":
        return [Col(scalar, non_null("generate_subscripts() yields subscripts", "integer"))]
    if name == "unnest":
        if len(args) == 1 and args[0].elements_non_null:
            reason = f"unnest() of an array with non-null elements: {args[0].elements_reason}"
            return [Col(scalar, non_null(reason, _element_type(args[0])))]
        cols = [
            Col("unnest", nullable("unnest() elements may be NULL", _element_type(a))) for a in args
        ]
        return [Col(scalar, cols[0].value)] if len(cols) == 1 else cols
    return _json_set_function(name, scalar)


def _json_set_function(name: str, scalar: str) -> list[Col] | None:
    kind = "jsonb" if name.startswith("jsonb") else "json"
    if name in ("json_array_elements", "jsonb_array_elements"):
        reason = f"{name}() yields JSON values (JSON null is not NULL)"
        return [Col("value", non_null(reason, kind))]
    if name in ("json_array_elements_text", "jsonb_array_elements_text"):
        return [Col("value", nullable(f"{name}() turns JSON null into NULL", "text"))]
    if name in ("json_each", "jsonb_each"):
        return [
            Col("key", non_null(f"{name}() keys", "text")),
            Col("value", non_null(f"{name}() values (JSON null is not NULL)", kind)),
        ]
    if name in ("json_each_text", "jsonb_each_text"):
        return [
            Col("key", non_null(f"{name}() keys", "text")),
            Col("value", nullable(f"{name}() turns JSON null into NULL", "text")),
        ]
    if name in ("json_object_keys", "jsonb_object_keys"):
        return [Col(scalar, non_null(f"{name}() keys", "text"))]
    if name == "regexp_split_to_table":
        return [Col(scalar, non_null("regexp_split_to_table() pieces", "text"))]
    return None


def _coldef(node: ast.ColumnDef) -> Col:
    type_ = type_name(node.typeName) if node.typeName is not None else None
    return Col(node.colname or "", nullable("column definition list: fields may be missing", type_))
