"""Null-rejecting predicates: what a WHERE, ON or FILTER clause proves about the rows it keeps.

If a top-level conjunct is TRUE for every kept row and it is strict in a column (a NULL there
would make it NULL, not TRUE), that column is non-NULL in every kept row, and so the relation the
column belongs to is never null-extended there: ``LEFT JOIN b ... WHERE b.id IS NOT NULL`` reads
like an inner join. OR branches are not looked into.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from pglast import ast
from pglast.enums import A_Expr_Kind, BoolExprType, BoolTestType, NullTestType

from . import functions as fn
from .model import Frame, Rel
from .names import column_names, func_name, last_name

# (column reference names, whether every field of a whole-row reference is proven too)
_Proof = tuple[list[str], bool]


def refine_frame(frame: Frame, predicate: object) -> Frame:
    """The frame as seen by rows for which ``predicate`` is TRUE."""
    for conjunct in _conjuncts(predicate):
        for names, all_fields in _proofs(conjunct):
            frame = _mark(frame, names, all_fields)
    return frame


def _conjuncts(node: object) -> Iterator[object]:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args or ():
            yield from _conjuncts(arg)
    elif node is not None:
        yield node


def _proofs(node: object) -> list[_Proof]:
    if isinstance(node, ast.NullTest):
        if node.nulltesttype != NullTestType.IS_NOT_NULL:
            return []
        arg = node.arg
        if isinstance(arg, ast.ColumnRef) and _names(arg) is not None:
            return [(_names(arg) or [], True)]
        return [(names, False) for names in strict_columns(arg)]
    if isinstance(node, ast.BooleanTest):
        if node.booltesttype in (BoolTestType.IS_TRUE, BoolTestType.IS_FALSE):
            return [(names, False) for names in strict_columns(node.arg)]
        return []
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.NOT_EXPR:
        inner = (node.args or (None,))[0]
        if isinstance(inner, ast.NullTest) and inner.nulltesttype == NullTestType.IS_NULL:
            return [(names, False) for names in strict_columns(inner.arg)]
        return [(names, False) for names in strict_columns(inner)]
    if isinstance(node, ast.A_Expr):
        return [(names, False) for names in _a_expr_columns(node)]
    return [(names, False) for names in strict_columns(node)]


def _a_expr_columns(node: ast.A_Expr) -> list[list[str]]:
    kind = node.kind
    if kind == A_Expr_Kind.AEXPR_OP:
        return strict_columns(node)
    if kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE, A_Expr_Kind.AEXPR_SIMILAR):
        return strict_columns(node.lexpr) + strict_columns(node.rexpr)
    if kind in (A_Expr_Kind.AEXPR_IN, A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_BETWEEN_SYM):
        return strict_columns(node.lexpr)
    if kind == A_Expr_Kind.AEXPR_OP_ANY and last_name(node.name) in _STRICT_OPS:
        return strict_columns(node.lexpr)
    return []


_STRICT_OPS = fn.STRICT_OPERATORS - {"||"}


def strict_columns(node: object) -> list[list[str]]:
    """Column references that, if NULL, force ``node`` to be NULL."""
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    if isinstance(node, ast.ColumnRef):
        names = _names(node)
        return [names] if names else []
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
        if last_name(node.name) not in _STRICT_OPS:
            return []
        return strict_columns(node.lexpr) + strict_columns(node.rexpr)
    if isinstance(node, ast.FuncCall):
        if node.over is not None or node.agg_filter is not None or node.agg_star:
            return []
        if func_name(node) not in fn.STRICT_NON_NULL:
            return []
        return [names for arg in node.args or () for names in strict_columns(arg)]
    return []


def _names(node: ast.ColumnRef) -> list[str] | None:
    return column_names(node)


def _mark(frame: Frame, names: list[str], all_fields: bool) -> Frame:
    found = _find(frame, names)
    if found is None:
        return frame
    index, column = found
    rel = frame.rels[index]
    if column is None:
        proven = frozenset(c.name for c in rel.cols) if all_fields else rel.proven
    else:
        proven = rel.proven | {column}
    rels = list(frame.rels)
    rels[index] = replace(rel, present=True, proven=proven)
    return replace(frame, rels=tuple(rels))


def _find(frame: Frame, names: list[str]) -> tuple[int, str | None] | None:
    """(relation index, column name or None for a whole-row reference) in this frame only."""
    if len(names) == 1:
        name = names[0]
        if any(m.name == name for m in frame.merged):
            return None
        for i, rel in enumerate(frame.rels):
            if rel.index(name) is not None:
                return i, name
        if any(not rel.complete for rel in frame.rels):
            return None
        return _by_alias(frame.rels, name, None)
    return _by_alias(frame.rels, names[-2], names[-1])


def _by_alias(
    rels: tuple[Rel, ...], alias: str, column: str | None
) -> tuple[int, str | None] | None:
    for i, rel in enumerate(rels):
        if rel.alias == alias:
            if column is not None and rel.index(column) is None:
                return None
            return i, column
    return None
