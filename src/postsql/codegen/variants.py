"""Dynamic queries: optional fragments and named sort orders, expanded into static variants.

A query becomes dynamic when its body marks lines with comments (so the file stays an aiosql
file and passes sqlfluff; see docs/codegen.md, "Dynamic queries")::

    -- name: find_posts(status, author_id, limit)
    -- @sort newest: p.created_at DESC, p.id DESC
    -- @sort title: p.title, p.id
    SELECT p.id, p.title FROM posts AS p
    WHERE
        p.deleted_at IS NULL
        AND p.status = :status -- @if status
    -- @if author_id
        AND p.author_id = :author_id
    -- @end
    ORDER BY p.created_at DESC, p.id DESC -- @sort
    LIMIT :limit

A line ending in ``-- @if name`` (or the lines between ``-- @if name`` and ``-- @end``) is kept
only in the variants where parameter ``name`` is given (``-- @if not name``: where it is not);
the line ending in ``-- @sort`` is the ``ORDER BY`` of the chosen order. Plain aiosql ignores
the markers and runs the text as written: every fragment included (so ``@if not`` lines are for
postsql only), the order spelled in the body (one of the declared ones: the default).

:func:`expand` turns such a query into every variant (each subset of the optional parameters
times each order), each a static statement numbered by aiosql's asyncpg adapter over only the
parameters it uses. Nothing here touches a database.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aiosql.adapters.asyncpg import AsyncPGAdapter
from aiosql.query_loader import _UNCOMMENT, _preprocess_object_attributes
from aiosql.utils import VAR_REF

from postsql.errors import QueryParseError

if TYPE_CHECKING:
    from postsql.codegen.loader import QueryDef

__all__ = [
    "AFTER",
    "MAX_VARIANTS",
    "DynamicDef",
    "SortOrder",
    "VariantDef",
    "expand",
    "is_marker",
    "variant_key",
    "variant_label",
    "variant_query",
]

# Each variant is a statement the server describes at codegen time and a constant in the
# generated module: past this many, a query should be split (or a filter made unconditional).
MAX_VARIANTS = 128

_IF_LINE = re.compile(r"^\s*--\s*@if\s+(?P<rest>.*?)\s*$")
_END_LINE = re.compile(r"^\s*--\s*@end\s*$")
_AFTER_LINE = re.compile(r"^(?P<indent>\s*)--\s*@after\s*$")
_KEY = re.compile(r"^(?P<expr>[\w.]*?(?P<column>\w+))(?:\s+(?P<dir>ASC|DESC))?$", re.IGNORECASE)
#: The pseudo-parameter of a keyset query's variants that continue after a cursor.
AFTER = "after"
_SORT_DECL = re.compile(r"^\s*--\s*@sort\s+(?P<name>\w+)\s*:\s*(?P<sql>.*?)\s*$")
_ANY_SORT = re.compile(r"^\s*--\s*@sort\b")
_TRAILING_IF = re.compile(r"^--\s*@if\s+(?P<rest>.*?)\s*$")
_TRAILING_SORT = re.compile(r"^--\s*@sort\s*$")
_ORDER_BY = re.compile(r"^(?P<indent>\s*)ORDER\s+BY\s+(?P<sql>.+?)\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"^\s*--")
_DYNAMIC_OPERATIONS = ("select", "select_one", "select_value")


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A declared sort order: ``-- @sort name: sql`` at file ``line``."""

    name: str
    sql: str
    line: int


@dataclass(frozen=True, slots=True)
class VariantDef:
    """One static statement of a dynamic query.

    ``given`` lists the optional parameters it includes (in declaration order), ``order`` the sort
    order's name (``""`` without declared orders); ``sql`` is aiosql's ``$n`` form, ``params`` name
    each ``$n``, ``sql_lines`` give each SQL line's file line.
    """

    given: tuple[str, ...]
    order: str
    sql: str
    params: tuple[str, ...]
    sql_lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DynamicDef:
    """What makes a query dynamic: its optional parameters, its orders and every variant."""

    optional: tuple[str, ...]
    orders: tuple[SortOrder, ...]
    default_order: str
    variants: tuple[VariantDef, ...]
    # With an ``-- @after`` line: per order, the result columns of its sort keys and the
    # parameters (``after_<column>``) a cursor's values bind, in key order.
    keyset: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


def is_marker(line: str) -> bool:
    """Whether a comment line of a query's doc block is ours (``@if``, ``@end``, ``@sort``)."""
    text = "-- " + line.strip()
    return bool(
        _IF_LINE.match(text)
        or _END_LINE.match(text)
        or _ANY_SORT.match(text)
        or _AFTER_LINE.match(text)
    )


def variant_label(given: tuple[str, ...], order: str) -> str:
    """How errors name a variant: ``given: status, author_id; order: newest``."""
    parts = [f"given: {', '.join(given) if given else 'none'}"]
    if order:
        parts.append(f"order: {order}")
    return "; ".join(parts)


def variant_key(name: str, variant: VariantDef) -> str:
    """The key a variant's describe is stored under (never a query name: it holds a space)."""
    return f"{name} [{variant_label(variant.given, variant.order)}]"


def variant_query(query: QueryDef, variant: VariantDef) -> QueryDef:
    """``query`` as the static query that ``variant`` is (for describing and building)."""
    return replace(
        query,
        sql=variant.sql,
        params=variant.params,
        sql_lines=variant.sql_lines,
        dynamic=None,
    )


def _trailing_comment(line: str) -> tuple[str, str] | None:
    """``(code, comment)`` when ``line`` ends in a ``--`` comment outside quotes."""
    for match in _UNCOMMENT.finditer(line):
        if match.group("oneline"):
            return line[: match.start()].rstrip(), match.group("oneline").strip()
    return None


def _condition(rest: str, where: str) -> str:
    """``name`` (kept when given) or ``!name`` (written ``not name``: kept when not given)."""
    words = rest.split()
    negated = len(words) == 2 and words[0] == "not"
    name = words[-1] if words else ""
    if not name.isidentifier() or len(words) != (2 if negated else 1):
        raise QueryParseError(
            f"{where}: write @if PARAMETER or @if not PARAMETER (one parameter name), got {rest!r}"
        )
    return f"!{name}" if negated else name


def _holds(condition: str, given: tuple[str, ...]) -> bool:
    if condition.startswith("!"):
        return condition[1:] not in given
    return condition in given


@dataclass(frozen=True, slots=True)
class _Line:
    text: str  # the SQL as written, marker removed
    number: int
    conditions: tuple[str, ...]
    sort: bool = False
    after: bool = False  # the -- @after line: the keyset condition of the chosen order


def _params_of(sql: str) -> list[str]:
    names: list[str] = []
    for match in VAR_REF.finditer(sql):
        groups = match.groupdict()
        if groups["squote"] or groups["dquote"]:
            continue
        name = groups["var_name"]
        if not name.isdigit() and name not in names:
            names.append(name)
    return names


def expand(
    *, name: str, operation: str, body: str, first_line: int, file: str, params: tuple[str, ...]
) -> DynamicDef | None:
    """The variants of the query whose text after the ``-- name:`` line is ``body``.

    ``first_line`` is the file line of the ``-- name:`` line; ``params`` the declared parameter
    list. ``None`` when the query uses no ``@if``/``@sort`` marker.
    """
    lines = body.splitlines()
    orders: list[SortOrder] = []
    kept: list[_Line] = []
    stack: list[tuple[str, int]] = []
    marked = False
    in_doc = True
    # ``body`` starts right after ``-- name:``: its first line is the rest of that line.
    for offset, raw in enumerate(lines[1:], start=1):
        number = first_line + offset
        where = f"{file}:{number}: {name}"
        line = raw.rstrip()
        if _COMMENT.match(line):
            if (decl := _SORT_DECL.match(line)) is not None:
                marked = True
                if not in_doc:
                    raise QueryParseError(
                        f"{where}: declare sort orders (-- @sort NAME: SQL) in the comment block "
                        "before the SQL"
                    )
                if any(o.name == decl.group("name") for o in orders):
                    raise QueryParseError(
                        f"{where}: sort order {decl.group('name')!r} declared twice"
                    )
                if not decl.group("sql"):
                    raise QueryParseError(f"{where}: sort order {decl.group('name')!r} has no SQL")
                orders.append(SortOrder(decl.group("name"), decl.group("sql"), number))
            elif _ANY_SORT.match(line):
                raise QueryParseError(f"{where}: write -- @sort NAME: ORDER BY LIST")
            elif (opened := _IF_LINE.match(line)) is not None:
                marked = True
                stack.append((_condition(opened.group("rest"), where), number))
            elif _END_LINE.match(line):
                marked = True
                if not stack:
                    raise QueryParseError(f"{where}: -- @end without an open -- @if")
                stack.pop()
            elif (after := _AFTER_LINE.match(line)) is not None:
                marked = True
                if stack or any(k.after for k in kept):
                    raise QueryParseError(
                        f"{where}: one -- @after line per query, outside -- @if fragments"
                    )
                kept.append(_Line(after.group("indent"), number, (), after=True))
            continue
        if line.strip():
            in_doc = False
        conditions = tuple(c for c, _ in stack)
        sort = False
        trailing = _trailing_comment(line)
        if trailing is not None:
            code, comment = trailing
            if (cond := _TRAILING_IF.match(comment)) is not None:
                marked = True
                conditions += (_condition(cond.group("rest"), where),)
                line = code
            elif _TRAILING_SORT.match(comment):
                marked = True
                sort = True
                line = code
            elif comment.startswith(("--@", "-- @")) and comment.split()[-1].startswith("@"):
                raise QueryParseError(
                    f"{where}: unknown line marker {comment!r} (known: -- @if PARAMETER, -- @sort)"
                )
        kept.append(_Line(line, number, conditions, sort))
    if stack:
        opened_name, opened_at = stack[-1]
        raise QueryParseError(f"{file}:{opened_at}: {name}: -- @if {opened_name} has no -- @end")
    if not marked:
        return None
    where = f"{file}:{first_line}: {name}"
    if operation not in _DYNAMIC_OPERATIONS:
        raise QueryParseError(
            f"{where}: @if and @sort apply to queries that read rows (no suffix, ^ or $), "
            f"not to {operation}"
        )
    sort_lines = [k for k in kept if k.sort]
    default_order = ""
    if orders and not sort_lines:
        raise QueryParseError(
            f"{where}: sort orders are declared, so an SQL line must end in -- @sort (the "
            "ORDER BY the chosen order replaces)"
        )
    if sort_lines and not orders:
        raise QueryParseError(
            f"{file}:{sort_lines[0].number}: {name}: -- @sort marks the ORDER BY line, but no "
            "order is declared (-- @sort NAME: SQL in the comment block)"
        )
    for placeholder in sort_lines:
        at = f"{file}:{placeholder.number}: {name}"
        if placeholder.conditions:
            raise QueryParseError(f"{at}: a -- @sort line cannot be inside an -- @if fragment")
        written = _normal(_order_list(placeholder.text)[1])
        matching = [o.name for o in orders if _normal(o.sql) == written]
        if not matching:
            raise QueryParseError(
                f"{at}: the ORDER BY written here must be one of the declared orders "
                f"({', '.join(o.name for o in orders)}): it is the order plain aiosql runs, "
                "and the default"
            )
        if default_order and matching[0] != default_order:
            raise QueryParseError(
                f"{at}: every -- @sort line must spell the same order (the default, "
                f"{default_order})"
            )
        default_order = matching[0]

    optional: list[str] = []
    for k in kept:
        for condition in k.conditions:
            if condition.lstrip("!") not in optional:
                optional.append(condition.lstrip("!"))
    unconditional = {p for k in kept if not k.conditions for p in _params_of(k.text)}
    for k in kept:
        for p in _params_of(k.text):
            if k.conditions and p not in k.conditions and p not in unconditional:
                raise QueryParseError(
                    f"{file}:{k.number}: {name}: parameter :{p} is used only under -- @if "
                    f"{', '.join(k.conditions)}; use it unconditionally too, or make it the "
                    "fragment's own parameter"
                )
    for condition in optional:
        if condition == AFTER:
            continue
        if condition in unconditional:
            raise QueryParseError(
                f"{where}: parameter :{condition} is optional (-- @if {condition}) but also used "
                "outside its fragments"
            )
        if condition not in params:
            raise QueryParseError(
                f"{where}: -- @if {condition} names no parameter of the query "
                f"(parameters: {', '.join(params) or 'none'})"
            )
        if not any(condition in _params_of(k.text) for k in kept if condition in k.conditions):
            raise QueryParseError(
                f"{where}: the fragments under -- @if {condition} do not use :{condition}"
            )

    keyset: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []
    after_lines = [k for k in kept if k.after]
    if after_lines:
        at = f"{file}:{after_lines[0].number}: {name}"
        if not orders:
            raise QueryParseError(f"{at}: -- @after needs declared sort orders (-- @sort)")
        if AFTER in params or AFTER in optional:
            raise QueryParseError(f"{at}: with -- @after, no parameter may be named {AFTER!r}")
        for o in orders:
            keys = _keys(o, file, name)
            keyset.append(
                (o.name, tuple(c for _, c, _ in keys), tuple(f"after_{c}" for _, c, _ in keys))
            )
        taken = sorted({p for _, _, ps in keyset for p in ps} & set(params))
        if taken:
            raise QueryParseError(
                f"{at}: -- @after binds {', '.join(taken)}, which the query already uses"
            )
        optional.append(AFTER)
    order_names = [o.name for o in orders] or [""]
    count = 2 ** len(optional) * len(order_names)
    if count > MAX_VARIANTS:
        raise QueryParseError(
            f"{where}: {len(optional)} optional parameters ({', '.join(optional)}) and "
            f"{len(orders)} sort orders make {count} variants; at most {MAX_VARIANTS} are "
            "allowed (split the query, or make a filter unconditional)"
        )
    variants: list[VariantDef] = []
    for mask in itertools.product((False, True), repeat=len(optional)):
        given = tuple(o for o, on in zip(optional, mask, strict=True) if on)
        for order in order_names:
            variants.append(_variant(name, operation, kept, given, order, orders))
    return DynamicDef(tuple(optional), tuple(orders), default_order, tuple(variants), tuple(keyset))


def _keys(order: SortOrder, file: str, name: str) -> list[tuple[str, str, bool]]:
    """``(expression, result column, descending)`` of each key of ``order``."""
    out: list[tuple[str, str, bool]] = []
    for part in order.sql.split(","):
        found = _KEY.match(part.strip())
        if found is None:
            raise QueryParseError(
                f"{file}:{order.line}: {name}: with -- @after, each key of order {order.name!r} "
                f"must be a column, optionally ASC or DESC (got {part.strip()!r}): the cursor "
                "holds the last row's value of it"
            )
        out.append(
            (
                found.group("expr"),
                found.group("column"),
                (found.group("dir") or "").upper() == "DESC",
            )
        )
    return out


def _keyset_condition(order: SortOrder) -> str:
    """Rows after the cursor in ``order``: a row comparison when every key sorts one way, else
    the expanded ``a > x OR (a = x AND ...)``."""
    keys = _keys(order, "", "")
    params = [f":after_{column}" for _, column, _ in keys]
    if len({desc for _, _, desc in keys}) == 1:
        op = "<" if keys[0][2] else ">"
        if len(keys) == 1:
            return f"{keys[0][0]} {op} {params[0]}"
        return f"({', '.join(e for e, _, _ in keys)}) {op} ({', '.join(params)})"
    terms: list[str] = []
    for i, (expr, _, desc) in enumerate(keys):
        equal = [f"{e} = {p}" for (e, _, _), p in zip(keys[:i], params[:i], strict=True)]
        terms.append(
            "(" + " AND ".join([*equal, f"{expr} {'<' if desc else '>'} {params[i]}"]) + ")"
        )
    return "(" + " OR ".join(terms) + ")"


def _order_list(text: str) -> tuple[str, str, str]:
    """A ``-- @sort`` line split into what stays before (indent, ``ORDER BY``), the order list,
    and what stays after (the statement's ``;``)."""
    found = _ORDER_BY.match(text)
    if found is not None:
        before, order = text[: found.start("sql")], found.group("sql")
    else:
        stripped = text.lstrip()
        before, order = text[: len(text) - len(stripped)], stripped.rstrip()
    if order.endswith(";"):
        return before, order[:-1].rstrip(), ";"
    return before, order, ""


def _normal(sql: str) -> str:
    return " ".join(sql.split()).lower()


def _variant(
    name: str,
    operation: str,
    kept: list[_Line],
    given: tuple[str, ...],
    order: str,
    orders: list[SortOrder],
) -> VariantDef:
    texts: list[str] = []
    numbers: list[int] = []
    chosen = {o.name: o.sql for o in orders}
    for k in kept:
        if not all(_holds(c, given) for c in k.conditions):
            continue
        text = k.text
        if k.after:
            if AFTER not in given:
                continue
            (wanted,) = [o for o in orders if o.name == order]
            text = f"{k.text}AND {_keyset_condition(wanted)}"
        if k.sort:
            before, _, after = _order_list(text)
            text = before + chosen[order] + after
        texts.append(text)
        numbers.append(k.number)
    # As aiosql's _get_sql_doc: the SQL lines joined, stripped at both ends.
    while texts and not texts[0].strip():
        texts.pop(0)
        numbers.pop(0)
    sql = "\n".join(texts).strip()
    # As aiosql's loader: ``:u.a`` becomes ``:u__a``, then the adapter numbers ``$n``.
    sql, _ = _preprocess_object_attributes("__", sql)  # type: ignore[no-untyped-call]
    adapter = AsyncPGAdapter()  # type: ignore[no-untyped-call]  # aiosql leaves it unannotated
    numbered: str = adapter.process_sql(name, None, sql)  # type: ignore[no-untyped-call]
    return VariantDef(
        given=given,
        order=order,
        sql=numbered,
        params=tuple(adapter.var_sorted[name]),
        sql_lines=tuple(numbers),
    )
