"""Small helpers over pglast nodes: names, type names, literal types, casts, tree walking."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind

# Internal type names as the parser spells them → format_type() text.
_FORMAT_TYPE = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "bpchar": "character",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timetz": "time with time zone",
    "time": "time without time zone",
    "varbit": "bit varying",
    "int": "integer",
    "integer": "integer",
    "smallint": "smallint",
    "bigint": "bigint",
}

# Names pglast puts under pg_catalog for SQL-standard type syntax.
_STANDARD_SYNTAX = frozenset(_FORMAT_TYPE) | {"numeric", "interval", "bit", "char", "float"}


def strings(nodes: tuple[object, ...] | None) -> list[str]:
    """The ``sval`` of every ``String`` node in a list (others skipped)."""
    return [n.sval for n in nodes or () if isinstance(n, ast.String) and n.sval is not None]


def last_name(nodes: tuple[object, ...] | None) -> str:
    names = strings(nodes)
    return names[-1].lower() if names else ""


def func_name(call: ast.FuncCall) -> str:
    """Lower-case function name; schema-qualified names other than pg_catalog get their schema."""
    names = strings(call.funcname)
    if len(names) == 2 and names[0] == "pg_catalog":
        return names[1].lower()
    return ".".join(names).lower()


def type_name(node: ast.TypeName) -> str | None:
    """``format_type()``-style text for a parsed type name (best effort; None if odd)."""
    names = strings(node.names)
    if not names or node.pct_type:
        return None
    base = names[-1]
    if len(names) == 1 or (names[0] == "pg_catalog" and base in _STANDARD_SYNTAX):
        text = _FORMAT_TYPE.get(base, base)
    else:
        text = ".".join(names)
    mods = [
        str(m.val.ival)
        for m in node.typmods or ()
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer)
    ]
    if mods and base not in ("timestamptz", "timestamp", "timetz", "time", "interval"):
        text = f"{text}({','.join(mods)})"
    return text + "[]" * len(node.arrayBounds or ())


def const_type(node: ast.A_Const) -> str | None:
    """The type PostgreSQL gives a bare literal in a select list."""
    val = node.val
    if isinstance(val, ast.Integer):
        return "integer"
    if isinstance(val, ast.Float):
        text = val.fval or ""
        if text.isdigit():
            return "bigint" if int(text) < 2**63 else "numeric"
        return "numeric"
    if isinstance(val, ast.Boolean):
        return "boolean"
    if isinstance(val, ast.String):
        return "text"
    if isinstance(val, ast.BitString):
        return "bit"
    return None


def const_string(node: object) -> str | None:
    """The text of a string literal, possibly cast (``'k'::text``), else None."""
    node = strip_casts(node)
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return node.val.sval
    return None


def strip_casts(node: object) -> object:
    """Look through ``::type`` and ``COLLATE`` to the expression underneath."""
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    return node


def param_number(node: object) -> int | None:
    """``n`` if the node is ``$n`` (possibly cast), else None."""
    node = strip_casts(node)
    if isinstance(node, ast.ParamRef):
        return node.number
    return None


@functools.lru_cache(maxsize=4096)
def parsed(sql: str) -> tuple[ast.RawStmt, ...]:
    """``pglast.parse_sql(sql)``, parsed once per run however many times it is analysed (a
    view's definition, for every query reading the view). The trees are shared: read only."""
    return tuple(parse_sql(sql))


def walk(node: object) -> Iterator[ast.Node]:
    """Every pglast node in a tree, parents before children."""
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple | list):
            stack.extend(reversed(item))
        elif isinstance(item, ast.Node):
            yield item
            stack.extend(reversed([getattr(item, name, None) for name in slot_names(item)]))


def slot_names(node: ast.Node) -> tuple[str, ...]:
    """Attribute names of a pglast node (its ``__slots__``)."""
    return tuple(getattr(type(node), "__slots__", ()))


def column_names(node: ast.ColumnRef) -> list[str] | None:
    """``["a", "b"]`` for ``a.b``; None for ``*``/``a.*``."""
    fields = node.fields or ()
    names = strings(fields)
    return names if names and len(names) == len(fields) else None


def figure_colname(node: object) -> str:
    """The column name PostgreSQL gives an unnamed select-list expression (FigureColname)."""
    name = _figure(node)
    return name if name is not None else "?column?"


def _figure(node: object) -> str | None:
    if isinstance(node, ast.ColumnRef):
        fields = node.fields or ()
        last = fields[-1] if fields else None
        return last.sval if isinstance(last, ast.String) else None
    if isinstance(node, ast.A_Indirection):
        for ind in reversed(node.indirection or ()):
            if isinstance(ind, ast.String):
                return ind.sval
        return _figure(node.arg)
    if isinstance(node, ast.FuncCall):
        names = strings(node.funcname)
        return names[-1] if names else None
    if isinstance(node, ast.A_Expr):
        return "nullif" if node.kind == A_Expr_Kind.AEXPR_NULLIF else None
    if isinstance(node, ast.TypeCast):
        inner = _figure(node.arg)
        if inner is not None:
            return inner
        names = strings(node.typeName.names) if node.typeName else []
        return names[-1] if names else None
    if isinstance(node, ast.CollateClause):
        return _figure(node.arg)
    return _figure_keyword(node)


_SVF_NAMES = {
    "SVFOP_CURRENT_DATE": "current_date",
    "SVFOP_CURRENT_TIME": "current_time",
    "SVFOP_CURRENT_TIME_N": "current_time",
    "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
    "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp",
    "SVFOP_LOCALTIME": "localtime",
    "SVFOP_LOCALTIME_N": "localtime",
    "SVFOP_LOCALTIMESTAMP": "localtimestamp",
    "SVFOP_LOCALTIMESTAMP_N": "localtimestamp",
    "SVFOP_CURRENT_ROLE": "current_role",
    "SVFOP_CURRENT_USER": "current_user",
    "SVFOP_USER": "user",
    "SVFOP_SESSION_USER": "session_user",
    "SVFOP_CURRENT_CATALOG": "current_catalog",
    "SVFOP_CURRENT_SCHEMA": "current_schema",
}


def svf_name(node: ast.SQLValueFunction) -> str:
    return _SVF_NAMES.get(getattr(node.op, "name", ""), "?column?")


def _figure_keyword(node: object) -> str | None:
    if isinstance(node, ast.CaseExpr):
        return "case"
    if isinstance(node, ast.A_ArrayExpr):
        return "array"
    if isinstance(node, ast.RowExpr):
        return "row"
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce"
    if isinstance(node, ast.MinMaxExpr):
        return "greatest" if getattr(node.op, "name", "") == "IS_GREATEST" else "least"
    if isinstance(node, ast.SQLValueFunction):
        return svf_name(node)
    if isinstance(node, ast.GroupingFunc):
        return "grouping"
    if isinstance(node, ast.SubLink):
        kind = getattr(node.subLinkType, "name", "")
        if kind == "EXISTS_SUBLINK":
            return "exists"
        if kind == "ARRAY_SUBLINK":
            return "array"
        if kind == "EXPR_SUBLINK" and isinstance(node.subselect, ast.SelectStmt):
            targets = node.subselect.targetList or ()
            if len(targets) == 1 and isinstance(targets[0], ast.ResTarget):
                return targets[0].name or _figure(targets[0].val)
    return None
