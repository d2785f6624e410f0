"""CHECK constraints → Python: the subset of expressions an insert model can check before a trip.

A constraint's definition (``pg_get_constraintdef``) is parsed with pglast and compiled into a
Python condition that is true exactly when the SQL expression is FALSE; a CHECK passes when its
expression is TRUE or NULL, so a column left ``None`` never fails a rule here (the database
decides, as it does for a column left to its default). Recognised, and nothing else:

- comparisons ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=`` between columns, integer or string
  constants (casts of constants are fine) and ``lower``/``upper``/``btrim``/``length``/
  ``char_length`` of those;
- ``col ~ 'pattern'`` (a PostgreSQL regular expression), translated to Python's ``re`` with the
  same meaning: ``$`` becomes ``\\Z`` (Python's ``$`` also matches before a final newline), ``.``
  also matches a newline, and the class escapes ``\\s \\d \\w`` (and ``\\S \\D \\W`` outside
  brackets) become the exact characters the server matches with them, read from the server at
  codegen time (``regex_classes``: they follow its LC_CTYPE, not Python's Unicode tables). Other
  letter escapes, back references and POSIX bracket classes (``[[:alpha:]]``) are not compiled;
- ``col = ANY (ARRAY[...])`` (what ``col IN (...)`` becomes);
- ``IS NULL`` / ``IS NOT NULL``; ``AND`` and ``OR`` of any of these.

Anything else (NOT, function calls outside the list, subqueries of functions, numeric literals
with a fraction) is not compiled: the constraint is still listed in the manifest and the model's
docstring, and the database enforces it alone.

Example::

    compile_check("CHECK ((view_count >= 0))", {"view_count": "view_count"})
    # 'self.view_count is not None and self.view_count < 0'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums.parsenodes import A_Expr_Kind
from pglast.enums.primnodes import BoolExprType, NullTestType

__all__ = [
    "CLASS_ESCAPES",
    "Compiled",
    "class_body",
    "class_escapes_used",
    "compile_check",
    "elements_not_null",
    "translate_pattern",
]

# The Python comparison that holds exactly when the SQL one is false (both sides non-NULL).
_NEGATED = {"=": "!=", "<>": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
_STRING_FUNCTIONS = {
    "lower": "{}.lower()",
    "upper": "{}.upper()",
    "btrim": '{}.strip(" ")',
    "length": "len({})",
    "char_length": "len({})",
}


class _Unsupported(Exception):
    """The expression leaves the recognised subset."""


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled rule: ``violated`` is a Python condition over ``self.<field>``."""

    violated: str
    uses_regex: bool


@dataclass(frozen=True, slots=True)
class _Value:
    code: str
    needs: tuple[str, ...]  # python expressions that must not be None
    kind: str  # "str", "number", "bool" or "any" (unknown: no type check)


def _same_kind(*values: _Value) -> str:
    kinds = {v.kind for v in values} - {"any"}
    if len(kinds) > 1:
        raise _Unsupported(f"compares {' and '.join(sorted(kinds))}")
    return kinds.pop() if kinds else "any"


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


# The escapes whose meaning is a character class that depends on the server's locale.
CLASS_ESCAPES = frozenset("sdw")
_SAME_ESCAPES = frozenset("ntrfv")  # \n \t \r \f \v mean the same control character in both


def class_escapes_used(definition: str) -> frozenset[str]:
    """Which of ``\\s \\d \\w`` (either case) a constraint's text uses, as lower-case letters."""
    return frozenset(m.lower() for m in re.findall(r"\\([sSdDwW])", definition))


def class_body(code_points: Iterable[int]) -> str:
    """A character-class body (no brackets) matching exactly ``code_points``, as ranges."""
    points = sorted(set(code_points))
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = _escaped(points[i]), _escaped(points[j])
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return "".join(parts)


def _escaped(point: int) -> str:
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def translate_pattern(pattern: str, classes: Mapping[str, str]) -> str:
    """A PostgreSQL (ARE) regular expression as a Python one with the same matches, for ``search``.

    Raises ``_Unsupported`` for what it cannot carry over exactly (see the module docstring).
    ``classes`` maps ``s``/``d``/``w`` to the class body the server matches for that escape.
    """
    out: list[str] = []
    dotall = False
    in_bracket = False
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                raise _Unsupported("trailing backslash")
            nxt = pattern[i + 1]
            i += 2
            if nxt.lower() in CLASS_ESCAPES:
                body = classes.get(nxt.lower())
                if body is None:
                    raise _Unsupported(f"\\{nxt} without the server's class")
                negated = nxt.isupper()
                if in_bracket:
                    if negated:
                        raise _Unsupported(f"\\{nxt} inside brackets")
                    out.append(body)
                else:
                    out.append(f"[^{body}]" if negated else f"[{body}]")
            elif nxt in _SAME_ESCAPES or not (nxt.isalnum() or nxt == "_"):
                out.append("\\" + nxt)
            else:
                raise _Unsupported(f"escape \\{nxt}")
            continue
        if in_bracket:
            if ch == "[":
                if pattern[i + 1 : i + 2] in (":", ".", "="):
                    raise _Unsupported("POSIX bracket expression")
                out.append("\\[")  # literal in both; Python warns on a bare one
            else:
                out.append(ch)
                if ch == "]":
                    in_bracket = False
            i += 1
            continue
        if ch == "[":
            in_bracket = True
            out.append("[")
            i += 1
            if pattern[i : i + 1] == "^":
                out.append("^")
                i += 1
            if pattern[i : i + 1] == "]":  # a leading ] is a literal member
                out.append("\\]")
                i += 1
            continue
        if ch == "$":
            out.append("\\Z")
        elif ch == ".":
            dotall = True
            out.append(".")
        else:
            out.append(ch)
        i += 1
    if in_bracket:
        raise _Unsupported("unclosed bracket")
    return ("(?s)" if dotall else "") + "".join(out)


def compile_check(
    definition: str,
    fields: Mapping[str, str],
    kinds: Mapping[str, str] | None = None,
    regex_classes: Mapping[str, str] | None = None,
    *,
    typed_elements: frozenset[str] = frozenset(),
    omittable: frozenset[str] = frozenset(),
    required: frozenset[str] = frozenset(),
) -> Compiled | None:
    """Compile ``CHECK (expr)`` over columns named in ``fields`` (column → model field), or None.

    ``kinds`` gives each column's Python kind (``"str"`` for text and enums, ``"number"``,
    ``"decimal"`` for a number that may be NaN, ``"bool"``, ``"other"``); a rule comparing
    different kinds, or using string functions on a non-string, is not compiled (it would not
    type-check, or would raise instead of validating).
    Without ``kinds`` every column is taken to fit. ``regex_classes`` is the server's meaning of
    ``\\s \\d \\w`` (see :func:`class_body`); a pattern using one it lacks is not compiled.
    ``typed_elements`` are the array columns the model types ``list[T]``: a conjunct
    ``array_position(col, NULL) IS NULL`` over one is enforced by that type, so it adds nothing.
    ``omittable`` columns may be left out of the model (``MISSING``): a rule over one is not
    applied then, the database's default being unknown here. ``required`` columns always hold a
    value in the model (typed ``T``): a rule over one needs no presence test (type checkers
    flag ``x is not None`` on a ``str`` as a comparison that is always true).

    Example::

        compile_check("CHECK ((email = lower(email)))", {"email": "email"})
    """
    match = re.fullmatch(r"\s*CHECK\s*(\(.*\))\s*(NOT VALID)?\s*", definition, re.S)
    if match is None or "NO INHERIT" in definition:
        return None
    try:
        select = parse_sql(f"SELECT {match.group(1)}")[0].stmt
        if not isinstance(select, ast.SelectStmt) or not select.targetList:
            return None
        target = select.targetList[0].val
        compiler = _Compiler(fields, kinds or {}, regex_classes or {})
        compiler.typed_elements = typed_elements
        compiler.omittable = frozenset(f"self.{fields[c]}" for c in omittable if c in fields)
        compiler.required = frozenset(f"self.{fields[c]}" for c in required if c in fields)
        return Compiled(compiler.false_when(target), compiler.uses_regex)
    except Exception:  # _Unsupported, a pglast parse error or a pattern Python cannot compile
        return None


class _Compiler:
    def __init__(
        self, fields: Mapping[str, str], kinds: Mapping[str, str], classes: Mapping[str, str]
    ) -> None:
        self.fields = fields
        self.kinds = kinds
        self.classes = classes
        self.nan_guarded: set[str] = set()
        self.uses_regex = False
        self.typed_elements: frozenset[str] = frozenset()
        self.omittable: frozenset[str] = frozenset()
        self.required: frozenset[str] = frozenset()

    def false_when(self, node: object) -> str:
        """A Python condition true exactly when the SQL boolean ``node`` is FALSE."""
        if isinstance(node, ast.BoolExpr):
            args = node.args or ()
            if node.boolop == BoolExprType.AND_EXPR:
                # A conjunct the field's type list[T] enforces is never FALSE for the model.
                args = tuple(a for a in args if not self._typed_element_rule(a))
                if not args:
                    raise _Unsupported("only element rules")
            parts = [f"({self.false_when(arg)})" for arg in args]
            if node.boolop == BoolExprType.OR_EXPR:
                return " and ".join(parts)
            if node.boolop == BoolExprType.AND_EXPR:
                return " or ".join(parts)
            raise _Unsupported("NOT")
        if isinstance(node, ast.NullTest):
            value = self.value(node.arg, null_test=True)
            if value.needs != (value.code,):
                raise _Unsupported("IS NULL of an expression")
            if node.nulltesttype == NullTestType.IS_NULL:
                return " and ".join(self._present(value.code))
            return f"{value.code} is None"
        if isinstance(node, ast.A_Expr):
            return self._expr(node)
        raise _Unsupported(type(node).__name__)

    def _expr(self, node: ast.A_Expr) -> str:
        op = node.name[-1].sval if node.name else ""
        left = self.value(node.lexpr)
        if node.kind == A_Expr_Kind.AEXPR_OP_ANY and op == "=":
            if not isinstance(node.rexpr, ast.A_ArrayExpr):
                raise _Unsupported("ANY of a non-array")
            consts = [self.value_constant(e) for e in node.rexpr.elements or ()]
            _same_kind(left, *consts)
            items = [c.code for c in consts]
            return self._guard(left.needs, f"{left.code} not in {_tuple(items)}")
        if node.kind == A_Expr_Kind.AEXPR_IN and op == "=" and isinstance(node.rexpr, tuple):
            consts = [self.value_constant(e) for e in node.rexpr]
            _same_kind(left, *consts)
            items = [c.code for c in consts]
            return self._guard(left.needs, f"{left.code} not in {_tuple(items)}")
        if node.kind != A_Expr_Kind.AEXPR_OP:
            raise _Unsupported(str(node.kind))
        if op == "~":
            pattern = self.constant_string(node.rexpr)
            if left.kind not in ("str", "any"):
                raise _Unsupported("regex on a non-string")
            translated = translate_pattern(pattern, self.classes)
            re.compile(translated)
            self.uses_regex = True
            return self._guard(left.needs, f"search({translated!r}, {left.code}) is None")
        if op not in _NEGATED:
            raise _Unsupported(op)
        right = self.value(node.rexpr)
        if _same_kind(left, right) == "bool" and op not in ("=", "<>"):
            raise _Unsupported("ordering booleans")
        needs = tuple(dict.fromkeys((*left.needs, *right.needs)))
        return self._guard(needs, f"{left.code} {_NEGATED[op]} {right.code}")

    def _typed_element_rule(self, node: object) -> bool:
        proves = _no_null_elements(node)
        return bool(proves) and proves <= self.typed_elements

    def _present(self, code: str) -> list[str]:
        """Conditions that the field ``code`` holds a value (not NULL, not left out)."""
        # A field the model may leave out is typed ``T | MISSING``: never None.
        if code in self.required:
            return []
        return [f"{code} is not MISSING" if code in self.omittable else f"{code} is not None"]

    def _guard(self, needs: tuple[str, ...], condition: str) -> str:
        checks = [check for n in needs for check in self._present(n)]
        checks += [f"not {n}.is_nan()" for n in needs if n in self.nan_guarded]
        return " and ".join([*checks, condition])

    def value(
        self, node: object, *, null_test: bool = False, in_cardinality: bool = False
    ) -> _Value:
        if isinstance(node, ast.ColumnRef):
            names = [str(f.sval) for f in node.fields or () if isinstance(f, ast.String)]
            if len(names) != 1 or names[0] not in self.fields:
                raise _Unsupported("unknown column")
            code = f"self.{self.fields[names[0]]}"
            kind = self.kinds.get(names[0], "any")
            if kind == "list" and not in_cardinality:
                raise _Unsupported("an array outside cardinality()")
            if kind == "other" and not null_test:
                raise _Unsupported("a column of a type rules are not compiled for")
            if kind == "decimal":
                # A numeric may be NaN, which PostgreSQL orders above every number and Python's
                # Decimal refuses to order: such a value is left for the database to judge.
                self.nan_guarded.add(code)
                kind = "number"
            return _Value(code, (code,), kind)
        if isinstance(node, ast.FuncCall):
            name = node.funcname[-1].sval if node.funcname else ""
            args = node.args or ()
            if name == "cardinality" and len(args) == 1:
                inner = self.value(args[0], in_cardinality=True)
                if inner.kind != "list":
                    raise _Unsupported("cardinality of a non-array")
                return _Value(f"len({inner.code})", inner.needs, "number")
            if name not in _STRING_FUNCTIONS or len(args) != 1:
                raise _Unsupported(f"function {name}")
            inner = self.value(args[0])
            if inner.kind not in ("str", "any"):
                raise _Unsupported(f"{name} of a non-string")
            kind = "number" if name in ("length", "char_length") else "str"
            return _Value(_STRING_FUNCTIONS[name].format(inner.code), inner.needs, kind)
        return self.value_constant(node)

    def value_constant(self, node: object) -> _Value:
        if isinstance(node, ast.TypeCast):
            return self.value_constant(node.arg)
        if isinstance(node, ast.A_Const) and not node.isnull:
            val = node.val
            if isinstance(val, ast.Integer) and val.ival is not None:
                return _Value(repr(int(val.ival)), (), "number")
            if isinstance(val, ast.String):
                return _Value(repr(val.sval), (), "str")
            if isinstance(val, ast.Boolean):
                return _Value(repr(bool(val.boolval)), (), "bool")
        raise _Unsupported("constant")

    def constant_string(self, node: object) -> str:
        if isinstance(node, ast.TypeCast):
            return self.constant_string(node.arg)
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
            return str(node.val.sval)
        raise _Unsupported("pattern")


def only_element_rules(definition: str) -> bool:
    """Whether ``CHECK (expr)`` is nothing but ``array_position(col, NULL) IS NULL`` rules (one,
    or several joined by AND), which a model enforces by typing ``col`` as ``list[T]``."""
    match = re.fullmatch(r"\s*CHECK\s*(\(.*\))\s*(NOT VALID)?\s*", definition, re.S)
    if match is None:
        return False
    try:
        select = parse_sql(f"SELECT {match.group(1)}")[0].stmt
    except Exception:  # a pglast parse error: nothing recognised
        return False
    if not isinstance(select, ast.SelectStmt) or not select.targetList:
        return False
    return _all_element_rules(select.targetList[0].val)


def _all_element_rules(node: object) -> bool:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        return all(_all_element_rules(arg) for arg in node.args or ())
    return bool(_no_null_elements(node))


def elements_not_null(definition: str) -> frozenset[str]:
    """The array columns whose elements ``CHECK (expr)`` proves never NULL.

    Recognised: ``array_position(col, NULL) IS NULL`` (``array_position`` finds a NULL element
    too, and ``IS NULL`` is never NULL itself, so the rule is FALSE, and fails, exactly when
    ``col`` holds a NULL element), alone or as a conjunct of ``AND``. A domain's constraint names
    its value ``VALUE``, returned as ``"value"``. A NO INHERIT constraint proves nothing: the rows
    of child tables, which a query of the parent reads, escape it.

    Example::

        elements_not_null("CHECK ((array_position(tags, NULL::text) IS NULL))")
        # frozenset({'tags'})
    """
    match = re.fullmatch(r"\s*CHECK\s*(\(.*\))\s*(NOT VALID)?\s*", definition, re.S)
    if match is None or "NO INHERIT" in definition:
        return frozenset()
    try:
        select = parse_sql(f"SELECT {match.group(1)}")[0].stmt
    except Exception:  # a pglast parse error: nothing recognised
        return frozenset()
    if not isinstance(select, ast.SelectStmt) or not select.targetList:
        return frozenset()
    return frozenset(_no_null_elements(select.targetList[0].val))


def _no_null_elements(node: object) -> set[str]:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        return {name for arg in node.args or () for name in _no_null_elements(arg)}
    if not (isinstance(node, ast.NullTest) and node.nulltesttype == NullTestType.IS_NULL):
        return set()
    call = node.arg
    if not isinstance(call, ast.FuncCall) or call.agg_star or call.func_variadic:
        return set()
    names = [str(f.sval) for f in call.funcname or () if isinstance(f, ast.String)]
    args = call.args or ()
    if names not in (["array_position"], ["pg_catalog", "array_position"]) or len(args) != 2:
        return set()
    column, needle = args
    while isinstance(needle, ast.TypeCast):
        needle = needle.arg
    if not (isinstance(needle, ast.A_Const) and needle.isnull):
        return set()
    if not isinstance(column, ast.ColumnRef):
        return set()
    fields = [str(f.sval) for f in column.fields or () if isinstance(f, ast.String)]
    return {fields[0]} if len(fields) == 1 else set()
