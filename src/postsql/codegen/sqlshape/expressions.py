"""Nullability, type and JSON shape of one expression, given the scope it is evaluated in."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from pglast import ast
from pglast.enums import (
    FRAMEOPTION_NONDEFAULT,
    A_Expr_Kind,
    BoolExprType,
    MinMaxOp,
    SQLValueFunctionOp,
    SubLinkType,
)

from . import functions as fn
from .model import (
    Col,
    NestedField,
    NestedShape,
    Rel,
    Scope,
    Value,
    all_elements,
    non_null,
    nullable,
    unknown,
    weakest,
)
from .names import (
    column_names,
    const_string,
    const_type,
    func_name,
    last_name,
    strip_casts,
    svf_name,
    type_name,
)
from .refine import refine_frame

# How aggregates behave at this query level:
#   "ungrouped"     no GROUP BY: one row even over zero input rows, so sum() etc. can be NULL;
#   "grouped"       plain GROUP BY: every group has at least one row;
#   "grouping_sets" ROLLUP/CUBE/GROUPING SETS: the empty set may aggregate zero rows, and grouped
#                   columns read NULL in super-aggregate rows.
AggMode = Literal["ungrouped", "grouped", "grouping_sets"]


class SubqueryAnalyzer(Protocol):
    """The part of the statement analyser expressions need for subqueries."""

    def subquery(self, node: ast.Node, scope: Scope) -> tuple[Col, ...] | None:
        """Output columns of a subquery evaluated inside ``scope`` (None if unknown)."""
        ...

    def returns_one_row(self, node: ast.Node) -> bool:
        """True only if the query provably returns exactly one row."""
        ...


@dataclass(frozen=True, slots=True)
class Ctx:
    """Where an expression is evaluated."""

    scope: Scope
    sub: SubqueryAnalyzer
    params: frozenset[int]
    agg_mode: AggMode = "ungrouped"
    in_aggregate: bool = False
    windows: Mapping[str, ast.WindowDef] = field(default_factory=dict)


def infer(node: object, ctx: Ctx) -> Value:
    """What we can prove about ``node``; anything unrecognised is nullable, certainty unknown."""
    handler = _HANDLERS.get(type(node)) if isinstance(node, ast.Node) else None
    if handler is None:
        return unknown(f"{type(node).__name__} is not analysed")
    return handler(node, ctx)


def _all_non_null(values: list[Value], reason: str, type_name: str | None = None) -> Value:
    weak = weakest(values, reason)
    if weak is not None:
        return weak.with_type(type_name)
    return non_null(reason, type_name)


# --------------------------------------------------------------------------- leaves


def _const(node: ast.A_Const, ctx: Ctx) -> Value:
    if node.isnull:
        return nullable("NULL literal")
    value = non_null("literal", const_type(node))
    if isinstance(node.val, ast.String) and "null" not in (node.val.sval or "").lower():
        # Read as an array ('{}', '{a,b}'::text[]), it holds a NULL element only where it spells
        # an unquoted NULL.
        return value.with_elements(True, "array literal without NULL")
    return value


def _param(node: ast.ParamRef, ctx: Ctx) -> Value:
    if node.number in ctx.params:
        return nullable(f"parameter ${node.number} admits NULL")
    return non_null(f"parameter ${node.number} is non-null")


def _column_ref(node: ast.ColumnRef, ctx: Ctx) -> Value:
    names = column_names(node)
    if names is None:
        return unknown("* in an expression")
    value = resolve_column(names, ctx.scope)
    if ctx.agg_mode == "grouping_sets" and not ctx.in_aggregate and not value.nullable:
        return nullable(
            "grouped column under GROUPING SETS/ROLLUP/CUBE", value.type_name, value.nested
        ).elements_like(value)
    return value


def resolve_column(names: list[str], scope: Scope | None) -> Value:
    """Look ``a.b`` / ``b`` / ``s.a.b`` up through the scope chain."""
    while scope is not None:
        found = _lookup(names, scope)
        if found is not None:
            return found
        scope = scope.parent
    return unknown(f"{'.'.join(names)} could not be resolved")


def _lookup(names: list[str], scope: Scope) -> Value | None:
    frame = scope.frame
    if len(names) == 1:
        name = names[0]
        for merged in frame.merged:
            if merged.name == name:
                return merged.current()
        for rel in frame.rels:
            i = rel.index(name)
            if i is not None:
                return rel.value_at(i)
        for rel in frame.rels:
            if rel.alias == name:
                return whole_row(rel)
        for rel in frame.rels:
            system = rel.system_value(name)
            if system is not None:
                return system
        if any(not rel.complete for rel in frame.rels):
            return unknown(f"{name} may belong to a relation whose columns are unknown")
        return None
    qualifier, name = names[-2], names[-1]
    for rel in frame.rels:
        if rel.alias == qualifier:
            i = rel.index(name)
            if i is not None:
                return rel.value_at(i)
            return rel.system_value(name) or unknown(f"{qualifier}.{name} is not a known column")
    return None


def nested_field(name: str, value: Value) -> NestedField:
    """A JSON object key holding ``value``; an element proof is kept for array values only."""
    scalar = (value.type_name or "").split("(")[0].strip() in fn.SCALAR_TYPES
    elements = value.elements_non_null and not scalar
    return NestedField(name, value.type_name, value.nullable, value.nested, elements)


def whole_row(rel: Rel) -> Value:
    """A whole-row reference (``p`` in ``row_to_json(p)``): its shape is an object of columns."""
    if rel.scalar and len(rel.cols) == 1:
        return rel.value_at(0)
    shape: NestedShape | None = None
    if rel.complete:
        names = [col.name for col in rel.cols]
        names[: len(rel.row_names)] = rel.row_names
        # A null-extended row is NULL as a whole (not an object of NULLs): the fields are as
        # they are when the row exists.
        values = replace(rel, nulled_by=None).values()
        fields = tuple(nested_field(name, value) for name, value in zip(names, values, strict=True))
        shape = NestedShape("object", fields)
    if rel.row_nullable():
        value = nullable(f"row {rel.alias}: {rel.nulled_by}", rel.type_name, shape)
    else:
        value = non_null(f"row {rel.alias}", rel.type_name, shape)
    return replace(value, composite=True)


# --------------------------------------------------------------------------- operators


def _a_expr(node: ast.A_Expr, ctx: Ctx) -> Value:
    kind = node.kind
    if kind in (A_Expr_Kind.AEXPR_DISTINCT, A_Expr_Kind.AEXPR_NOT_DISTINCT):
        return non_null("IS [NOT] DISTINCT FROM is never NULL", "boolean")
    if kind == A_Expr_Kind.AEXPR_NULLIF:
        left = infer(node.lexpr, ctx)
        return nullable("nullif() can return NULL", left.type_name)
    if kind == A_Expr_Kind.AEXPR_OP:
        return _operator(node, ctx)
    if kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE, A_Expr_Kind.AEXPR_SIMILAR):
        values = [infer(node.lexpr, ctx), infer(node.rexpr, ctx)]
        return _all_non_null(values, "pattern match of non-null operands", "boolean")
    if kind in (
        A_Expr_Kind.AEXPR_IN,
        A_Expr_Kind.AEXPR_BETWEEN,
        A_Expr_Kind.AEXPR_NOT_BETWEEN,
        A_Expr_Kind.AEXPR_BETWEEN_SYM,
        A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM,
    ):
        items = node.rexpr if isinstance(node.rexpr, tuple) else (node.rexpr,)
        values = [infer(node.lexpr, ctx)] + [infer(item, ctx) for item in items]
        if any(v.composite for v in values):
            return nullable("IN/BETWEEN over row values with possibly NULL fields", "boolean")
        return _all_non_null(values, "IN/BETWEEN over non-null operands", "boolean")
    if kind in (A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP_ALL):
        return _any_all(node, ctx)
    return unknown(f"operator kind {getattr(kind, 'name', kind)} is not analysed")


def _operator(node: ast.A_Expr, ctx: Ctx) -> Value:
    op = last_name(node.name)
    operands = [infer(side, ctx) for side in (node.lexpr, node.rexpr) if side is not None]
    result_type = _operator_type(op, operands)
    if op not in fn.STRICT_OPERATORS:
        return nullable(f"operator {op} can return NULL", result_type)
    if any(v.composite for v in operands):
        return nullable(f"operator {op} on row values with possibly NULL fields", result_type)
    value = _all_non_null(operands, f"operator {op} of non-null operands", result_type)
    if op == "||" and len(operands) == 2:
        sides: list[object] = [side for side in (node.lexpr, node.rexpr) if side is not None]
        return value.with_elements(*_concat_elements(operands, sides))
    return value


def _concat_elements(operands: list[Value], nodes: list[object]) -> tuple[bool, str]:
    """``a || b`` on arrays: array with array, or array with one element."""
    left, right = operands
    if left.elements_non_null and right.elements_non_null:
        return True, "|| of arrays with non-null elements"
    for array, other, node in ((left, right, nodes[1]), (right, left, nodes[0])):
        if array.elements_non_null and _non_null_scalar(other, node):
            return True, "|| of an array with non-null elements and a non-null element"
    return False, ""


def _non_null_scalar(value: Value, node: object) -> bool:
    """A non-null value known not to be an array (a bare string literal may be one: '{a,NULL}')."""
    bare = strip_casts(node) is node
    if bare and isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return False
    # A domain's name hides whether it is over an array: only built-in scalar types count.
    type_ = (value.type_name or "").split("(")[0].strip()
    return not value.nullable and type_ in fn.SCALAR_TYPES


def _operator_type(op: str, operands: list[Value]) -> str | None:
    types = [v.type_name for v in operands]
    if op in fn.COMPARISON_OPERATORS:
        return "boolean"
    if op == "->>" or op == "#>>":
        return "text"
    if op in ("->", "#>", "#-") or (op == "-" and "jsonb" in types):
        return types[0] if types and types[0] in ("json", "jsonb") else None
    if op == "||":
        if "jsonb" in types:
            return "jsonb"
        if "text" in types and all(t is not None and not t.endswith("[]") for t in types):
            return "text"
        return None
    if len(set(types)) != 1 or types[0] is None:
        return None
    # Arithmetic on two values of one type: the same type only for numbers (and interval or
    # money sums); ``date - date`` is an integer, ``timestamp - timestamp`` an interval.
    base = types[0].split("(")[0].strip()
    if op == "-" and base in _DIFFERENCE_TYPES:
        return _DIFFERENCE_TYPES[base]
    if op in ("+", "-", "*", "/", "%") and base in _ARITHMETIC_TYPES:
        return types[0]
    if op in ("+", "-") and base in ("interval", "money"):
        return types[0]
    return None


_ARITHMETIC_TYPES = frozenset(
    {"smallint", "integer", "bigint", "numeric", "real", "double precision"}
)
_DIFFERENCE_TYPES = {
    "date": "integer",
    "timestamp without time zone": "interval",
    "timestamp with time zone": "interval",
    "time without time zone": "interval",
    "inet": "bigint",
    "pg_lsn": "numeric",
}


def _any_all(node: ast.A_Expr, ctx: Ctx) -> Value:
    op = last_name(node.name)
    right = strip_casts(node.rexpr)
    if op in fn.STRICT_OPERATORS and isinstance(right, ast.A_ArrayExpr):
        values = [infer(node.lexpr, ctx)] + [infer(e, ctx) for e in right.elements or ()]
        return _all_non_null(values, "ANY/ALL over a non-null array literal", "boolean")
    return nullable("ANY/ALL can be NULL when the array holds NULLs", "boolean")


def _bool_expr(node: ast.BoolExpr, ctx: Ctx) -> Value:
    values = [infer(arg, ctx) for arg in node.args or ()]
    op = "NOT" if node.boolop == BoolExprType.NOT_EXPR else "AND/OR"
    return _all_non_null(values, f"{op} of non-null operands", "boolean")


def _null_test(node: ast.NullTest, ctx: Ctx) -> Value:
    return non_null("IS [NOT] NULL is never NULL", "boolean")


def _boolean_test(node: ast.BooleanTest, ctx: Ctx) -> Value:
    return non_null("IS [NOT] TRUE/FALSE/UNKNOWN is never NULL", "boolean")


# --------------------------------------------------------------------------- structural


_JSON_TEXT_TARGETS = frozenset({"json", "jsonb", "text", "character varying", "varchar"})


def _type_cast(node: ast.TypeCast, ctx: Ctx) -> Value:
    inner = infer(node.arg, ctx)
    target = type_name(node.typeName) if node.typeName is not None else None
    nested = inner.nested if target in ("json", "jsonb") else None
    if (
        not inner.nullable
        and inner.type_name in ("json", "jsonb")
        and target not in _JSON_TEXT_TARGETS
    ):
        # 'null'::jsonb::int is NULL: casts from JSON to a scalar map JSON null to SQL NULL.
        return nullable(f"cast of {inner.type_name} to {target} is NULL for JSON null", target)
    value = replace(inner, type_name=target, nested=nested)
    # Casting an array casts each element: a non-null one stays non-null, except JSON null cast
    # to a scalar. A cast to anything but a built-in array type (a domain, text) proves nothing.
    json_source = (inner.type_name or "").removesuffix("[]") in ("json", "jsonb")
    json_target = (target or "").removesuffix("[]") in ("json", "jsonb")
    if target is None or not target.endswith("[]") or (json_source and not json_target):
        return value.with_elements(False)
    return value


def _collate(node: ast.CollateClause, ctx: Ctx) -> Value:
    return infer(node.arg, ctx)


def _coalesce(node: ast.CoalesceExpr, ctx: Ctx) -> Value:
    values = [infer(arg, ctx) for arg in node.args or ()]
    type_ = next((v.type_name for v in values if v.type_name is not None), None)
    # The result is one of the arguments up to the first non-null one: their elements decide.
    reached = values
    for i, value in enumerate(values):
        if not value.nullable:
            reached = values[: i + 1]
            break
    nested = _common_shape(list(node.args or ())[: len(reached)], reached)
    elements = all_elements(reached, "coalesce() of arrays with non-null elements")
    for i, value in enumerate(values):
        if not value.nullable:
            return non_null(
                f"coalesce() argument {i + 1} is non-null: {value.reason}", type_, nested
            ).with_elements(*elements)
    weak = weakest(values, "coalesce() of nullable arguments")
    value = replace(weak or unknown("coalesce()"), type_name=type_, nested=nested)
    return value.with_elements(*elements)


def _common_shape(nodes: list[object], values: list[Value]) -> NestedShape | None:
    """The JSON shape every one of these values has (NULL and ``'[]'`` fit any array), else None.

    ``coalesce(to_jsonb(c), '{}')`` is an object without ``c``'s keys: no shape fits it.
    """
    shapes = {v.nested for v in values if v.nested is not None}
    if len(shapes) != 1:
        return None
    shape = shapes.pop()
    for node, value in zip(nodes, values, strict=True):
        if value.nested is not None or _is_null_literal(node):
            continue
        if shape.kind == "array" and (const_string(node) or "").strip() == "[]":
            continue
        return None
    return shape


def _min_max(node: ast.MinMaxExpr, ctx: Ctx) -> Value:
    values = [infer(arg, ctx) for arg in node.args or ()]
    name = "greatest" if node.op == MinMaxOp.IS_GREATEST else "least"
    type_ = values[0].type_name if values and len({v.type_name for v in values}) == 1 else None
    if any(not v.nullable for v in values):
        return non_null(f"{name}() with a non-null argument", type_)
    return replace(weakest(values, f"{name}()") or unknown(name), type_name=type_)


def _case(node: ast.CaseExpr, ctx: Ctx) -> Value:
    results = [infer(w.result, ctx) for w in node.args or () if isinstance(w, ast.CaseWhen)]
    type_ = next((v.type_name for v in results if v.type_name is not None), None)
    if node.defresult is None:
        elements = all_elements(results, "CASE whose branches have non-null elements")
        return nullable("CASE without ELSE", type_).with_elements(*elements)
    results.append(infer(node.defresult, ctx))
    type_ = type_ or results[-1].type_name
    value = _all_non_null(results, "CASE whose branches are all non-null", type_)
    return value.with_elements(*all_elements(results, "CASE whose branches have non-null elements"))


def _array_expr(node: ast.A_ArrayExpr, ctx: Ctx) -> Value:
    elements = [infer(e, ctx) for e in node.elements or ()]
    element_type = elements[0].type_name if elements else None
    value = non_null("ARRAY[...] constructor", element_type + "[]" if element_type else None)
    # ARRAY[ARRAY[...], ...] or ARRAY[array, ...] builds a multidimensional array instead.
    nested = any(
        isinstance(strip_casts(e), ast.A_ArrayExpr) or (v.type_name or "").endswith("[]")
        for e, v in zip(node.elements or (), elements, strict=True)
    )
    if nested or any(v.nullable for v in elements):
        return value
    return value.with_elements(True, "ARRAY[...] of non-null elements")


def _row_expr(node: ast.RowExpr, ctx: Ctx) -> Value:
    return non_null("row constructor", "record", composite=True)


def _indirection(node: ast.A_Indirection, ctx: Ctx) -> Value:
    return nullable("subscript or field selection can be NULL")


def _svf(node: ast.SQLValueFunction, ctx: Ctx) -> Value:
    name = svf_name(node)
    if node.op == SQLValueFunctionOp.SVFOP_CURRENT_SCHEMA:
        return nullable("current_schema is NULL with an empty search_path", "name")
    return non_null(name, _SVF_TYPES.get(name, "name"))


_SVF_TYPES = {
    "current_date": "date",
    "current_time": "time with time zone",
    "current_timestamp": "timestamp with time zone",
    "localtime": "time without time zone",
    "localtimestamp": "timestamp without time zone",
}


def _grouping(node: ast.GroupingFunc, ctx: Ctx) -> Value:
    return non_null("GROUPING()", "integer")


def _sublink(node: ast.SubLink, ctx: Ctx) -> Value:
    kind = node.subLinkType
    if kind == SubLinkType.EXISTS_SUBLINK:
        return non_null("EXISTS is never NULL", "boolean")
    if node.subselect is None:
        return unknown("empty subquery")
    scope = ctx.scope
    if ctx.agg_mode == "grouping_sets" and not ctx.in_aggregate:
        # A correlated subquery reads this level's grouped columns, NULL in super-aggregate rows.
        reason = "grouped column under GROUPING SETS/ROLLUP/CUBE"
        scope = replace(scope, frame=scope.frame.null_extended(reason))
    cols = ctx.sub.subquery(node.subselect, scope)
    first = cols[0].value if cols else None
    if kind == SubLinkType.ARRAY_SUBLINK:
        element = first.type_name if first else None
        value = non_null("ARRAY(subquery) is never NULL", element + "[]" if element else None)
        if first is None or first.nullable or (element or "").endswith("[]"):
            return value
        return value.with_elements(True, f"ARRAY(subquery) of a non-null column: {first.reason}")
    if kind == SubLinkType.EXPR_SUBLINK:
        return _scalar_subquery(node.subselect, first, ctx)
    return nullable("IN/ANY/ALL (subquery) can be NULL", "boolean")


def _scalar_subquery(select: ast.Node, first: Value | None, ctx: Ctx) -> Value:
    if first is None:
        return unknown("scalar subquery could not be analysed")
    if not ctx.sub.returns_one_row(select):
        value = nullable("scalar subquery may return no row", first.type_name, first.nested)
        return value.elements_like(first)
    return replace(first, reason=f"scalar subquery returning one row: {first.reason}")


# --------------------------------------------------------------------------- function calls


def _func_call(node: ast.FuncCall, ctx: Ctx) -> Value:
    name = func_name(node)
    if node.over is not None:
        return _window_call(node, name, ctx)
    if node.agg_within_group:
        return nullable(f"{name}() WITHIN GROUP can be NULL")
    if name in fn.AGGREGATES:
        return _aggregate(node, name, ctx)
    args = [infer(arg, ctx) for arg in node.args or ()]
    value = _scalar_call(node, name, args, ctx)
    if node.func_variadic or node.agg_star:
        return value
    return value.with_elements(*_call_elements(node, name, args))


def _call_elements(node: ast.FuncCall, name: str, args: list[Value]) -> tuple[bool, str]:
    """Whether the array a built-in returns holds only non-null elements (False when unsure)."""
    raw = list(node.args or ())
    reason = f"{name}() elements"
    if name in fn.NON_NULL_ELEMENTS or (name == "string_to_array" and len(args) == 2):
        return True, f"{reason} are never NULL"
    if name in fn.ELEMENT_PRESERVING and args:
        return all_elements(args[:1], f"{reason} of an array with non-null elements")
    if name == "array_remove" and len(args) == 2:
        if _is_null_literal(raw[1]):
            return True, "array_remove(x, NULL) removes every NULL element"
        return all_elements(args[:1], f"{reason} of an array with non-null elements")
    if name == "array_append" and len(args) == 2:
        return _array_and_element(args[0], args[1], name)
    if name == "array_prepend" and len(args) == 2:
        return _array_and_element(args[1], args[0], name)
    if name == "array_cat" and len(args) == 2:
        return all_elements(args, f"{reason}: both arrays' elements are non-null")
    replaced = len(args) == 3 and (args[0].elements_non_null or _is_null_literal(raw[1]))
    if name == "array_replace" and replaced and not args[2].nullable:
        return True, f"{reason}: non-null elements, NULLs replaced by a non-null value"
    if name == "array_fill" and args and not args[0].nullable:
        return True, f"{reason}: filled with a non-null value"
    return False, ""


def _array_and_element(array: Value, element: Value, name: str) -> tuple[bool, str]:
    # A NULL array counts as empty: only the array's elements and the new one matter.
    if array.elements_non_null and not element.nullable:
        return True, f"{name}() of an array with non-null elements and a non-null element"
    return False, ""


def _is_null_literal(node: object) -> bool:
    bare = strip_casts(node)
    return isinstance(bare, ast.A_Const) and bool(bare.isnull)


_NUMBER_TYPES = frozenset({"smallint", "integer", "bigint", "numeric", "real", "double precision"})


def _scalar_call(node: ast.FuncCall, name: str, args: list[Value], ctx: Ctx) -> Value:
    result_type = fn.result_type(name, [a.type_name for a in args])
    builder = _JSON_BUILDERS.get(name)
    if builder is not None:
        return builder(node, args, result_type, ctx)
    if name in fn.ALWAYS_NON_NULL:
        return non_null(f"{name}() is never NULL", result_type)
    if name == "concat_ws" and args:
        return _all_non_null(args[:1], "concat_ws() with a non-null separator", "text")
    if name == "format" and args:
        return _all_non_null(args[:1], "format() with a non-null format", "text")
    if name in fn.NON_NULL_PRESERVING:
        return _all_non_null(args, f"{name}() of non-null arguments", result_type)
    if name == "to_char" and len(args) == 2 and args[0].type_name in _NUMBER_TYPES:
        # Of a number only: to_char('infinity'::timestamptz, 'YYYY') and to_char(now(), '')
        # are NULL.
        return _all_non_null(args, "to_char() of a non-null number and format", "text")
    if name in fn.SET_RETURNING:
        return nullable(f"{name}() elements may be NULL", result_type)
    return unknown(f"{name}() is not known to be non-null", result_type)


def _json_object(node: ast.FuncCall, args: list[Value], type_: str | None, ctx: Ctx) -> Value:
    raw = node.args or ()
    fields: list[NestedField] = []
    for i in range(0, len(raw) - 1, 2):
        key = const_string(raw[i])
        if key is None:
            return non_null(f"{func_name(node)}() is never NULL", type_)
        value = args[i + 1]
        fields.append(nested_field(key, value))
    return non_null(
        f"{func_name(node)}() is never NULL", type_, NestedShape("object", tuple(fields))
    )


def _json_array(node: ast.FuncCall, args: list[Value], type_: str | None, ctx: Ctx) -> Value:
    types = {a.type_name for a in args}
    shape = NestedShape(
        "array",
        element_type_name=types.pop() if len(types) == 1 else None,
        element_nullable=any(a.nullable for a in args),
    )
    return non_null(f"{func_name(node)}() is never NULL", type_, shape)


def _to_json(node: ast.FuncCall, args: list[Value], type_: str | None, ctx: Ctx) -> Value:
    if len(args) != 1:
        return unknown(f"{func_name(node)}() with {len(args)} arguments", type_)
    arg = args[0]
    nested = arg.nested if arg.nested is not None and arg.nested.kind == "object" else None
    if arg.nullable:
        return replace(
            arg, type_name=type_, nested=nested, reason=f"{func_name(node)}(): {arg.reason}"
        )
    return non_null(f"{func_name(node)}() of a non-null value", type_, nested)


_JSON_BUILDERS = {
    "json_build_object": _json_object,
    "jsonb_build_object": _json_object,
    "json_build_array": _json_array,
    "jsonb_build_array": _json_array,
    "row_to_json": _to_json,
    "to_json": _to_json,
    "to_jsonb": _to_json,
}


def _aggregate(node: ast.FuncCall, name: str, ctx: Ctx) -> Value:
    inner = ctx
    if node.agg_filter is not None:
        inner = replace(
            ctx, scope=replace(ctx.scope, frame=refine_frame(ctx.scope.frame, node.agg_filter))
        )
    inner = replace(inner, in_aggregate=True)
    args = [infer(arg, inner) for arg in node.args or ()]
    return _aggregate_value(node, name, args, ctx).with_elements(*_agg_elements(name, args))


def _agg_elements(name: str, args: list[Value]) -> tuple[bool, str]:
    """``array_agg(x)`` collects NULLs too: its elements are non-null when ``x`` is."""
    if name != "array_agg" or len(args) != 1:
        return False, ""
    arg = args[0]
    if arg.nullable or (arg.type_name or "").endswith("[]"):
        return False, ""
    return True, f"array_agg() of a non-null value: {arg.reason}"


def _aggregate_value(node: ast.FuncCall, name: str, args: list[Value], ctx: Ctx) -> Value:
    type_ = fn.result_type(name, [a.type_name for a in args])
    nested = _agg_shape(name, args)
    if name == "count":
        return non_null("count() is never NULL", "bigint")
    if ctx.agg_mode != "grouped":
        return nullable(f"{name}() is NULL over zero rows", type_, nested)
    if node.agg_filter is not None:
        return nullable(f"{name}() FILTER may aggregate zero rows", type_, nested)
    if name in fn.COLLECTING_AGGREGATES:
        return non_null(f"{name}() over a non-empty group", type_, nested)
    if name in fn.VALUE_AGGREGATES and args:
        value = _all_non_null(
            args[:1], f"{name}() over a non-empty group of non-null values", type_
        )
        return replace(value, nested=nested)
    return nullable(f"{name}() can be NULL", type_, nested)


def _agg_shape(name: str, args: list[Value]) -> NestedShape | None:
    if name not in ("json_agg", "jsonb_agg", "json_agg_strict", "jsonb_agg_strict") or not args:
        return None
    element = args[0]
    element_nullable = element.nullable and not name.endswith("_strict")
    if element.nested is not None:
        return NestedShape("array", element=element.nested, element_nullable=element_nullable)
    return NestedShape(
        "array", element_type_name=element.type_name, element_nullable=element_nullable
    )


def _window_call(node: ast.FuncCall, name: str, ctx: Ctx) -> Value:
    # A window function reads the grouped rows: under ROLLUP/CUBE/GROUPING SETS its arguments
    # see grouped columns NULL in super-aggregate rows (unlike an aggregate's arguments).
    args = [infer(arg, ctx) for arg in node.args or ()]
    # A FILTER only drops rows: a non-null argument still proves the collected elements.
    return _window_value(node, name, args, ctx).with_elements(*_agg_elements(name, args))


def _window_value(node: ast.FuncCall, name: str, args: list[Value], ctx: Ctx) -> Value:
    type_ = fn.result_type(name, [a.type_name for a in args])
    if name == "count" or name in fn.WINDOW_NON_NULL:
        return non_null(f"window {name}() is never NULL", type_)
    if name == "ntile":
        return _all_non_null(args, "ntile() of a non-null bucket count", type_)
    frame_includes_row = _default_frame(node.over, ctx) and node.agg_filter is None
    if name in ("first_value", "last_value") and frame_includes_row and len(args) == 1:
        # The default frame always holds the current row: some row's value is read.
        return _all_non_null(args, f"window {name}() of a non-null value", type_)
    if name in ("lag", "lead") and len(args) == 3:
        # A missing row gives the default; a NULL offset gives NULL.
        return _all_non_null(args, f"{name}() with a non-null value, offset and default", type_)
    if name in fn.WINDOW_NULLABLE:
        return nullable(f"window {name}() can be NULL", type_)
    nested = _agg_shape(name, args)
    if frame_includes_row and name in fn.COLLECTING_AGGREGATES:
        return non_null(f"window {name}() over a frame holding the current row", type_, nested)
    if frame_includes_row and name in fn.VALUE_AGGREGATES and args:
        value = _all_non_null(args[:1], f"window {name}() over the current row's frame", type_)
        return replace(value, nested=nested)
    return nullable(f"window {name}() can be NULL", type_, nested)


def _default_frame(window: ast.WindowDef | None, ctx: Ctx) -> bool:
    """True when the frame is the default one, which always holds the current row."""
    seen: set[str] = set()
    while window is not None:
        if (window.frameOptions or 0) & FRAMEOPTION_NONDEFAULT:
            return False
        ref = window.refname or window.name
        if ref is None or ref in seen:
            return True
        seen.add(ref)
        window = ctx.windows.get(ref)
        if window is None:
            return False
    return True


_HANDLERS: dict[type[ast.Node], Callable[[Any, Ctx], Value]] = {}


def _register() -> None:
    pairs: list[tuple[type[ast.Node], Callable[[Any, Ctx], Value]]] = [
        (ast.A_Const, _const),
        (ast.ParamRef, _param),
        (ast.ColumnRef, _column_ref),
        (ast.A_Expr, _a_expr),
        (ast.BoolExpr, _bool_expr),
        (ast.NullTest, _null_test),
        (ast.BooleanTest, _boolean_test),
        (ast.TypeCast, _type_cast),
        (ast.CollateClause, _collate),
        (ast.CoalesceExpr, _coalesce),
        (ast.MinMaxExpr, _min_max),
        (ast.CaseExpr, _case),
        (ast.A_ArrayExpr, _array_expr),
        (ast.RowExpr, _row_expr),
        (ast.A_Indirection, _indirection),
        (ast.SQLValueFunction, _svf),
        (ast.GroupingFunc, _grouping),
        (ast.SubLink, _sublink),
        (ast.FuncCall, _func_call),
    ]
    _HANDLERS.update(pairs)


_register()
