"""Assemble the IR: catalog + parsed queries + the server's describes + nullability + overrides.

No I/O here: :func:`build_project` gets everything it needs as arguments, collects every problem
(all failing queries, not just the first) and raises one :class:`CodegenError` listing them.
"""

from __future__ import annotations

import functools
import importlib
import keyword
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, cast

import pglast
from pglast import ast, enums
from pydantic import TypeAdapter

from postsql.codegen.checks import compile_check, elements_not_null, only_element_rules
from postsql.codegen.introspect import Catalog, Described, Relation
from postsql.codegen.ir import (
    CheckConstraint,
    Column,
    EnumDef,
    NestedModel,
    Param,
    Project,
    PyType,
    Query,
    ResultColumn,
    Table,
    TableKind,
    Variant,
)
from postsql.codegen.loader import QueryDef
from postsql.codegen.naming import pascal, python_field, singular
from postsql.codegen.sqlshape.names import parsed
from postsql.codegen.sqlshape.params import stored_into
from postsql.codegen.typemap import BASE_TYPES, BINARY_ONLY, TypeMapper
from postsql.codegen.variants import AFTER, DynamicDef, variant_key, variant_label, variant_query
from postsql.errors import CodegenError, ConfigurationError, QueryCheckError, UnsupportedTypeError
from postsql.project import ProjectConfig, parse_annotation

__all__ = ["Analysis", "build_project", "fallback_analysis", "load_analyzer"]

_JSON_TYPES = ("json", "jsonb")
_KINDS: Mapping[str, TableKind] = {
    "r": "table",
    "p": "table",
    "v": "view",
    "m": "materialized_view",
    "c": "composite",
}


class _Field(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type_name(self) -> str | None: ...
    @property
    def nullable(self) -> bool: ...
    @property
    def nested(self) -> Any: ...
    @property
    def elements_non_null(self) -> bool: ...


class _Column(Protocol):
    @property
    def nullable(self) -> bool: ...
    @property
    def certainty(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def nested(self) -> Any: ...
    @property
    def elements_non_null(self) -> bool: ...
    @property
    def elements_reason(self) -> str: ...


class Analysis(Protocol):
    """The part of ``nullability.QueryAnalysis`` codegen reads."""

    @property
    def columns(self) -> Sequence[_Column]: ...
    @property
    def nullable_params(self) -> frozenset[int]: ...
    @property
    def tables_read(self) -> frozenset[str]: ...
    @property
    def tables_written(self) -> frozenset[str]: ...
    @property
    def read_only(self) -> bool: ...


Analyzer = Callable[[str, Catalog, Sequence[str]], Analysis]


@dataclass(frozen=True, slots=True)
class _FallbackColumn:
    nullable: bool = True
    certainty: str = "unknown"
    reason: str = "no nullability analysis available"
    nested: Any = None
    elements_non_null: bool = False
    elements_reason: str = ""


@dataclass(frozen=True, slots=True)
class _FallbackAnalysis:
    columns: tuple[_FallbackColumn, ...]
    nullable_params: frozenset[int] = frozenset()
    tables_read: frozenset[str] = frozenset()
    tables_written: frozenset[str] = frozenset()
    read_only: bool = False


def fallback_analysis(sql: str, catalog: Catalog, column_names: Sequence[str]) -> Analysis:
    """Every result column nullable, every parameter non-null: used until nullability.py exists."""
    return _FallbackAnalysis(tuple(_FallbackColumn() for _ in column_names))


def load_analyzer() -> Analyzer:
    """``nullability.analyze_query`` when that module exists, else :func:`fallback_analysis`."""
    try:
        module = importlib.import_module("postsql.codegen.nullability")
    except ImportError as exc:
        if exc.name != "postsql.codegen.nullability":
            raise
        print(
            "postsql codegen: warning: postsql.codegen.nullability not found; every result "
            "column is treated as nullable",
            file=sys.stderr,
        )
        return fallback_analysis
    return cast(Analyzer, module.analyze_query)


@dataclass
class _Errors:
    messages: list[str] = field(default_factory=list)
    kinds: set[type[CodegenError]] = field(default_factory=set)

    def add(self, kind: type[CodegenError], message: str) -> None:
        self.messages.append(message)
        self.kinds.add(kind)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        kind = next(iter(self.kinds)) if len(self.kinds) == 1 else CodegenError
        # Each problem once; those at a file:line in file and line order, after the others.
        messages = sorted(dict.fromkeys(self.messages), key=_message_order)
        count = len(messages)
        header = f"{count} problem{'s' if count > 1 else ''} found:\n" if count > 1 else ""
        raise kind(header + "\n".join(messages))


_LOCATED = re.compile(r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+):")


def _message_order(message: str) -> tuple[int, str, int]:
    found = _LOCATED.match(message)
    if found is None:
        return (0, "", 0)
    return (1, found.group("file"), int(found.group("line")))


# Names the generated modules import: a class of the same name would shadow one (a table
# ``fields`` became ``class Field``, after which ``Field(alias=...)`` and ``-> list[Field]``
# failed mypy and the model did not build).
_IMPORTED_NAMES = frozenset(
    {name for py in BASE_TYPES.values() for _, name in py.imports}
    | {"AsyncGenerator", "BaseModel", "CheckInfo", "CompositeModel", "ConfigDict", "Connection"}
    | {"Executor", "Field", "NamedTuple", "PoolConnectionProxy", "PydanticCustomError"}
    | {"PgRange", "QueryInfo", "Sequence", "StrEnum", "TypeAdapter"}
)


def _class_names(
    catalog: Catalog, reserved: frozenset[str] = frozenset()
) -> tuple[dict[int, str], dict[int, str]]:
    """Class names for enums (by type oid) and relations (by relation oid); unique, stable,
    and none of the names the generated modules import (``reserved`` adds the configured
    JSON models')."""
    taken: dict[str, str] = dict.fromkeys(_IMPORTED_NAMES | reserved, "an imported name")
    enum_names: dict[int, str] = {}
    rel_names: dict[int, str] = {}

    def claim(wanted: list[str], owner: str) -> str:
        for name in wanted:
            if name not in taken:
                taken[name] = owner
                return name
        raise CodegenError(f"{owner}: no free class name among {wanted} (taken by {taken})")

    prefix = {
        s: "" if s == "public" else pascal(s) for s in {t.schema for t in catalog.types.values()}
    }
    for oid in sorted(catalog.enums, key=lambda o: catalog.types[o].formatted):
        pg = catalog.types[oid]
        base = prefix.get(pg.schema, "") + pascal(pg.name)
        enum_names[oid] = claim([base, base + "Enum"], pg.formatted)
    for rel in catalog.relations:
        if rel.from_extension or rel.partition:
            continue
        base = prefix.get(rel.schema, pascal(rel.schema)) + pascal(singular(rel.name))
        plural = prefix.get(rel.schema, pascal(rel.schema)) + pascal(rel.name)
        rel_names[rel.oid] = claim([base, plural, plural + "Row"], f"{rel.schema}.{rel.name}")
    return enum_names, rel_names


# "decimal": a number that may be NaN (the compiled rule lets NaN through to the database).
_KIND_OF = {"str": "str", "int": "number", "Numeric": "decimal", "float": "number", "bool": "bool"}


def _checks(
    rel: Relation,
    columns: Sequence[Column],
    enum_classes: frozenset[str],
    regex_classes: Mapping[str, str],
) -> tuple[CheckConstraint, ...]:
    """The relation's CHECK constraints, compiled for its insert model where recognised.

    Only columns the insert model has (not identity ALWAYS, not generated) may appear in a
    compiled rule; a rule over any other column stays database-only. Enums count as strings.
    """
    cols = [c for c in columns if c.identity != "always" and not c.generated]
    insertable = {c.name: python_field(c.name)[0] for c in cols}
    kinds = {c.name: _kind_of(c.py.annotation, enum_classes) for c in cols}
    # Arrays typed list[T] (elements proven non-null), and the columns the model may leave out.
    typed = frozenset(c.name for c in cols if c.py.annotation.startswith("list[") and
                      not c.py.annotation.endswith("| None]"))  # fmt: skip
    omittable = frozenset(c.name for c in cols if c.insert_omittable)
    required = frozenset(c.name for c in cols if not c.nullable and not c.insert_omittable)
    out: list[CheckConstraint] = []
    for check in rel.checks:
        compiled = (
            compile_check(
                check.definition, insertable, kinds, regex_classes,
                typed_elements=typed, omittable=omittable, required=required,
            )
            if all(c in insertable for c in check.columns)
            else None
        )  # fmt: skip
        proves = elements_not_null(check.definition) & set(check.columns)
        # All of it, always. A rule of one column holds for its default (else no INSERT leaving
        # it out would pass); a rule relating a column left to its default to another given
        # one depends on a default the model does not know.
        enforced = (
            compiled is not None
            or (only_element_rules(check.definition) and proves <= typed and bool(proves))
        ) and not (len(set(check.columns)) > 1 and set(check.columns) & omittable)
        out.append(
            CheckConstraint(
                name=check.name,
                definition=check.definition,
                columns=check.columns,
                violated=compiled.violated if compiled else None,
                uses_regex=compiled.uses_regex if compiled else False,
                elements_not_null=tuple(sorted(proves)) if check.validated else (),
                checked_by_model=enforced and rel.relkind in "rp",
            )
        )
    return tuple(sorted(out, key=lambda c: c.name))


def _kind_of(annotation: str, enum_classes: frozenset[str]) -> str:
    if annotation in enum_classes:
        return "str"
    if annotation.startswith("list["):
        return "list"
    return _KIND_OF.get(annotation, "other")


def _always_one_row(sql: str, set_returning: frozenset[str] = frozenset()) -> bool:
    """Whether a SELECT returns exactly one row: no FROM and no WHERE, or an ungrouped aggregate,
    and no set-returning function in its select list (``SELECT generate_series(1, 0)`` yields
    none)."""
    stmt = _single_statement(sql)
    if not isinstance(stmt, ast.SelectStmt):
        return False
    if stmt.op != enums.SetOperation.SETOP_NONE or stmt.valuesLists:
        return False
    if stmt.groupClause or stmt.havingClause or stmt.limitCount or stmt.limitOffset:
        return False
    if any(
        _calls(target, lambda call: _func_name(call) in set_returning)
        for target in stmt.targetList or ()
    ):
        return False
    if not stmt.fromClause:
        return stmt.whereClause is None
    return any(_has_aggregate(target) for target in stmt.targetList or ())


def _calls(node: object, wanted: Callable[[ast.FuncCall], bool]) -> bool:
    """Whether ``node`` holds a function call ``wanted`` accepts, outside subqueries (a scalar
    subquery is one value of the row, whatever calls it makes)."""
    if isinstance(node, ast.SubLink | ast.SelectStmt):
        return False
    if isinstance(node, ast.FuncCall) and wanted(node):
        return True
    if isinstance(node, ast.Node):
        return any(_calls(getattr(node, attr), wanted) for attr in node)
    if isinstance(node, tuple | list):
        return any(_calls(item, wanted) for item in node)
    return False


def _func_name(call: ast.FuncCall) -> str:
    return call.funcname[-1].sval if call.funcname else ""


_AGGREGATES = frozenset(
    {"count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "array_agg",
     "string_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg", "bit_and",
     "bit_or", "stddev", "variance", "percentile_cont", "percentile_disc", "mode", "xmlagg"}
)  # fmt: skip


def _has_aggregate(node: object) -> bool:
    return _calls(node, lambda call: call.over is None and _func_name(call) in _AGGREGATES)


def _returns_a_row(sql: str) -> bool:
    """Whether an INSERT ... VALUES ... RETURNING always returns its row: no DO NOTHING, and no
    DO UPDATE ... WHERE (a conflicting row the WHERE rejects is neither updated nor returned)."""
    stmt = _single_statement(sql)
    if not isinstance(stmt, ast.InsertStmt):
        return False
    select = stmt.selectStmt
    if not isinstance(select, ast.SelectStmt) or not select.valuesLists:
        return False
    conflict = stmt.onConflictClause
    if conflict is None:
        return True
    return (
        conflict.action != enums.OnConflictAction.ONCONFLICT_NOTHING
        and conflict.whereClause is None
    )


_SUFFIX = {
    "select": "(no suffix)",
    "select_one": "^",
    "select_value": "$",
    "insert_returning": "<!",
    "insert_update_delete": "!",
    "insert_update_delete_many": "*!",
}


def _operator_problem(q: QueryDef, described: Described) -> tuple[str, bool] | None:
    """Whether the query's operator fits its statement: ``(message, is_error)``, or None.

    An error where the generated function could only mislead; a warning, saying what the
    function returns, where aiosql gives the combination a meaning someone may want.
    """
    op = q.operation
    if op == "script":
        return None
    suffix = _SUFFIX[op]
    count = len(described.columns)
    names = ", ".join(name for name, _ in described.columns)
    if op == "select_one" and count == 0:
        return ("^ reads one row, but the statement returns no rows (no result columns); "
                "use ! for its affected row count, or add RETURNING", True)  # fmt: skip
    if op == "insert_returning" and count == 0:
        return ("<! on a statement without RETURNING: the generated function returns None; use "
                "! for the affected row count, or add RETURNING", False)  # fmt: skip
    if op == "select_value" and count != 1:
        if count == 0:
            return ("$ reads one value, but the statement returns no rows (no result columns); "
                    "use ! for its affected row count, or add RETURNING", True)  # fmt: skip
        return (f"$ reads one value, but the statement returns {count} columns ({names}); "
                "use ^ for the row, or select one column", True)  # fmt: skip
    statement = _single_statement(q.sql)
    if op == "insert_update_delete_many" and count:
        return (f"*! runs the statement once per set of parameters (executemany) and discards "
                f"what it returns ({names}); use <! or (no suffix) per call, or drop "
                "RETURNING", True)  # fmt: skip
    if op in ("insert_update_delete", "insert_update_delete_many") and _plain_select(statement):
        if _any_call(statement):
            return (f"{suffix} on a SELECT: the generated function returns the number of rows "
                    "selected and discards them (fine for a function called for its effect, "
                    "such as pg_notify); use (no suffix), ^ or $ to read them", False)  # fmt: skip
        return (f"{suffix} on a SELECT that calls no function: its rows are discarded and "
                "nothing else happens; use (no suffix), ^ or $ to read them", True)  # fmt: skip
    return None


@functools.lru_cache(maxsize=1024)
def _stored_into(sql: str) -> dict[int, tuple[str | None, str, str]]:
    statement = _single_statement(sql)
    return {} if statement is None else stored_into(statement)


def _any_call(node: object) -> bool:
    """Whether ``node`` calls a function anywhere, subqueries included."""
    if isinstance(node, ast.FuncCall):
        return True
    if isinstance(node, ast.Node):
        return any(_any_call(getattr(node, attr)) for attr in node)
    if isinstance(node, tuple | list):
        return any(_any_call(item) for item in node)
    return False


def _single_statement(sql: str) -> ast.Node | None:
    """The one statement of ``sql`` (None for several, or SQL pglast cannot parse), parsed once
    per run for the analysis and the checks that read it (never modified: the tree is shared)."""
    try:
        stmts = parsed(sql)
    except pglast.parser.ParseError:
        return None
    return stmts[0].stmt if len(stmts) == 1 else None


def _plain_select(node: ast.Node | None) -> bool:
    """A SELECT (or VALUES) that neither writes (no data-modifying CTE, no INTO) nor locks."""
    if not isinstance(node, ast.SelectStmt) or node.intoClause is not None or node.lockingClause:
        return False
    ctes = node.withClause.ctes or () if node.withClause is not None else ()
    return all(
        isinstance(cte, ast.CommonTableExpr) and isinstance(cte.ctequery, ast.SelectStmt)
        for cte in ctes
    )


class _Builder:
    def __init__(self, catalog: Catalog, config: ProjectConfig, analyzer: Analyzer) -> None:
        self.catalog = catalog
        self.config = config
        self.analyzer = analyzer
        self.errors = _Errors()
        configured = {
            name
            for key, value in {**config.json_columns, **config.json_results}.items()
            for _, name in parse_annotation(value, where=f"[tool.postsql] {key}").imports
        }
        self.enum_names, self.rel_names = _class_names(catalog, frozenset(configured))
        composites = {
            rel.oid: self.rel_names[rel.oid]
            for rel in catalog.relations
            if rel.relkind == "c" and rel.oid in self.rel_names
        }
        rows = {
            rel.oid: self.rel_names[rel.oid]
            for rel in catalog.relations
            if rel.relkind != "c" and rel.oid in self.rel_names
        }
        self.types = TypeMapper(
            catalog, enum_classes=self.enum_names, composite_classes=composites, row_classes=rows
        )
        self.warnings: list[str] = []
        self.json_columns: dict[tuple[str, str], PyType] = {}
        for key, value in sorted(config.json_columns.items()):
            table, _, column = key.partition(".")
            rel = catalog.find(None, table)
            where = f"[tool.postsql.json_columns] {key}"
            found = (
                None if rel is None else next((c for c in rel.columns if c.name == column), None)
            )
            if rel is None or found is None:
                raise ConfigurationError(f"{where}: no such table column")
            if not self._is_json(found.type_oid):
                raise ConfigurationError(
                    f"{where}: the column is {found.formatted}, not json or jsonb"
                )
            py = parse_annotation(value, where=where)
            _check_importable(py, where=where, root=config.root)
            self.json_columns[(rel.name, column)] = py

    def _is_json(self, oid: int) -> bool:
        """Whether ``oid`` is json or jsonb, or a domain over one."""
        pg = self.catalog.types.get(oid)
        seen: set[int] = set()
        while pg is not None and pg.kind == "d" and pg.oid not in seen:
            seen.add(pg.oid)
            pg = self.catalog.types.get(pg.base)
        return pg is not None and pg.formatted in _JSON_TYPES

    # -- catalog ---------------------------------------------------------------------------
    def enums(self) -> tuple[EnumDef, ...]:
        out = [
            EnumDef(
                schema=self.catalog.types[oid].schema,
                name=self.catalog.types[oid].name,
                class_name=name,
                values=self.catalog.enums[oid],
                comment=self.catalog.enum_comments.get(oid),
            )
            for oid, name in self.enum_names.items()
        ]
        return tuple(sorted(out, key=lambda e: e.class_name))

    def tables(self) -> tuple[Table, ...]:
        out: list[Table] = []
        for rel in self.catalog.relations:
            if rel.oid not in self.rel_names:
                continue
            columns: list[Column] = []
            omitted: list[tuple[str, str]] = []
            non_null, view_elements = self._view_non_null(rel)
            elements = self.catalog.elements_not_null(rel) | view_elements
            for col in rel.columns:
                what = f"{rel.schema}.{rel.name}.{col.name}"
                try:
                    py = self.json_columns.get((rel.name, col.name)) or self.types.map(
                        col.type_oid,
                        what=f"column {what}",
                        elements_non_null=(col.name in elements,),
                    )
                except UnsupportedTypeError:
                    # A query reading the column fails on its own; the model goes without it.
                    omitted.append((col.name, col.formatted))
                    self.warnings.append(
                        f"{what}: type {col.formatted} has no Python mapping; the column is "
                        f"left out of the model {self.rel_names[rel.oid]}"
                    )
                    continue
                domain_not_null, domain_default = self.catalog.domain_constraints(col.type_oid)
                columns.append(
                    Column(
                        name=col.name,
                        pg_type=col.formatted,
                        type_oid=col.type_oid,
                        py=py,
                        nullable=not (col.not_null or col.name in non_null),
                        # A table column of a domain with a default takes it when left out.
                        has_default=col.has_default or (rel.relkind in "rp" and domain_default),
                        domain_not_null=domain_not_null,
                        identity=col.identity,  # type: ignore[arg-type]
                        generated=col.generated,
                        comment=col.comment,
                    )
                )
            clash = _field_clash([c.name for c in columns], f"{rel.schema}.{rel.name}: columns")
            if clash is not None:
                self.errors.add(CodegenError, clash)
                continue
            out.append(
                Table(
                    schema=rel.schema,
                    name=rel.name,
                    kind=_KINDS[rel.relkind],
                    class_name=self.rel_names[rel.oid],
                    columns=tuple(columns),
                    comment=rel.comment,
                    checks=_checks(
                        rel,
                        columns,
                        frozenset(self.enum_names.values()),
                        self.catalog.regex_classes,
                    ),
                    omitted=tuple(omitted),
                )
            )
        return tuple(sorted(out, key=lambda t: t.class_name))

    def _view_non_null(self, rel: Relation) -> tuple[frozenset[str], frozenset[str]]:
        """Columns of a view or materialized view that the analysis proves never NULL, and
        array columns whose elements it proves never NULL."""
        none: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
        if rel.view_sql is None:
            return none
        names = [c.name for c in rel.columns]
        try:
            analysis = self.analyzer(rel.view_sql, self.catalog, names)
        except Exception:  # best effort: a view the analysis cannot read stays all-nullable
            return none
        if len(analysis.columns) != len(names):
            return none
        pairs = list(zip(names, analysis.columns, strict=True))
        return (
            frozenset(n for n, c in pairs if not c.nullable),
            frozenset(n for n, c in pairs if c.elements_non_null),
        )

    # -- queries ---------------------------------------------------------------------------
    def query(self, q: QueryDef, described: Described, tables: Sequence[Table]) -> Query | None:
        where = f"{q.location}: {q.name}:"
        problems_before = len(self.errors.messages)
        if len(described.params) != len(q.params):
            self.errors.add(
                QueryCheckError,
                f"{where} the server sees {len(described.params)} parameters, the query names "
                f"{len(q.params)}",
            )
            return None
        names = [name for name, _ in described.columns]
        try:
            analysis = self.analyzer(q.sql, self.catalog, names)
        except Exception as exc:  # the analysis is best effort; never let it hide a query
            print(
                f"postsql codegen: warning: {where} nullability analysis failed "
                f"({type(exc).__name__}: {exc}); treating every column as nullable",
                file=sys.stderr,
            )
            analysis = fallback_analysis(q.sql, self.catalog, names)
        if len(analysis.columns) != len(names):
            analysis = fallback_analysis(q.sql, self.catalog, names)

        if q.directives.cache_ttl is not None and not analysis.read_only:
            self.errors.add(
                QueryCheckError,
                f"{where} @cache on a query that writes (only read-only queries can be cached)",
            )
        problem = _operator_problem(q, described)
        if problem is not None:
            message, is_error = problem
            if is_error:
                self.errors.add(QueryCheckError, f"{where} {message}")
            else:
                self.warnings.append(f"{where} {message}")
        params = self._params(q, described, analysis, where)
        row_class = pascal(q.name) + "Row"
        columns = self._columns(q, described, analysis, where, row_class)
        if len(self.errors.messages) > problems_before:
            return None
        reuses: str | None = None
        if q.operation in ("select", "select_one", "insert_returning") and columns:
            reuses = _matching_table(columns, tables)
        if reuses is not None:
            row_class = reuses
        value_nullable = True
        if q.operation == "select_value" and columns:
            first = columns[0]
            forced = any(n == first.name for n, _ in q.directives.nonnull)
            value_nullable = first.nullable or not (
                forced or _always_one_row(q.sql, self.catalog.set_returning)
            )
        return Query(
            name=q.name,
            module=q.module,
            file=q.file,
            line=q.line,
            operation=q.operation,
            sql=q.sql,
            doc=q.doc,
            params=params,
            columns=columns,
            tables_read=frozenset(analysis.tables_read),
            tables_written=frozenset(analysis.tables_written),
            read_only=bool(analysis.read_only),
            row_class=row_class,
            reuses_table=reuses,
            returns_optional=not _returns_a_row(q.sql),
            value_nullable=value_nullable,
            cache_ttl=q.directives.cache_ttl,
        )

    def _params(
        self, q: QueryDef, described: Described, analysis: Analysis, where: str
    ) -> tuple[Param, ...]:
        nullable = set(analysis.nullable_params)
        index_of = {name: i for i, name in enumerate(q.params, start=1)}
        for name, is_nullable, line in q.directives.param_nullable:
            position = index_of.get(name)
            if position is None:
                self.errors.add(
                    QueryCheckError,
                    f"{q.file}:{line}: {q.name}: @param names unknown parameter {name!r} "
                    f"(parameters: {', '.join(q.params) or 'none'})",
                )
                continue
            if is_nullable:
                nullable.add(position)
            else:
                nullable.discard(position)
        for sql_name, py_name in zip(q.params, q.python_params, strict=True):
            problem = _param_name_problem(q, py_name)
            if problem is not None:
                self.errors.add(QueryCheckError, f"{where} parameter :{sql_name}: {problem}")
        out: list[Param] = []
        stored = _stored_into(q.sql)
        for position, (oid, sql_name, py_name) in enumerate(
            zip(described.params, q.params, q.python_params, strict=True), start=1
        ):
            try:
                py = self.types.map(oid, what=f"{where} parameter :{sql_name}", for_input=True)
            except UnsupportedTypeError as exc:
                self.errors.add(UnsupportedTypeError, str(exc))
                continue
            if self._is_json(oid) and position in stored:
                try:
                    py = self._written_json(q, stored[position]) or py
                except (ConfigurationError, QueryCheckError) as exc:
                    self.errors.add(QueryCheckError, str(exc))
            out.append(
                Param(
                    name=py_name,
                    sql_name=sql_name,
                    position=position,
                    pg_type=self.types.formatted(oid),
                    type_oid=oid,
                    py=py,
                    nullable=position in nullable,
                    composite=self._involves_composite(oid),
                )
            )
        return tuple(out)

    def _written_json(self, q: QueryDef, target: tuple[str | None, str, str]) -> PyType | None:
        """The model a parameter written into ``target`` must fit: the query's ``@json`` for
        that column, else the column's ``json_columns`` model (a value that does not fit would
        be written, and then fail every read of the row)."""
        schema, table, column = target
        for name, annotation, line in q.directives.json:
            if name == column:
                at = f"{q.file}:{line}: {q.name}: @json {name}"
                py = parse_annotation(annotation, where=at)
                _check_importable(py, where=at, root=self.config.root)
                return py
        rel = self.catalog.find(schema, table)
        return None if rel is None else self.json_columns.get((rel.name, column))

    def _involves_composite(self, oid: int) -> bool:
        """Whether values of ``oid`` are (or hold, through arrays and domains) composites."""
        seen: set[int] = set()
        pg = self.catalog.types.get(oid)
        while pg is not None and pg.oid not in seen:
            seen.add(pg.oid)
            if pg.kind == "c":
                return True
            if pg.kind == "d":
                pg = self.catalog.types.get(pg.base)
            elif pg.category == "A" and pg.elem:
                pg = self.catalog.types.get(pg.elem)
            else:
                return False
        return False

    def _columns(
        self,
        q: QueryDef,
        described: Described,
        analysis: Analysis,
        where: str,
        row_class: str,
    ) -> tuple[ResultColumn, ...]:
        sql_names = [name for name, _ in described.columns]
        if q.operation in ("insert_update_delete", "insert_update_delete_many", "script"):
            return ()
        if "?column?" in sql_names:
            self.errors.add(
                QueryCheckError,
                f"{where} a result column has no name ('?column?'); give it one with AS",
            )
        # Columns named alike (a.id, b.id; two count(*)) become id, id_2, ...; directives and
        # json_results name the fields.
        names = distinct_names(sql_names)
        seen = set(names)
        clash = _field_clash(names, f"{where} result columns")
        if clash is not None:
            self.errors.add(QueryCheckError, clash)
        nonnull = {n: line for n, line in q.directives.nonnull if not n.endswith("[]")}
        nullable = {n: line for n, line in q.directives.nullable if not n.endswith("[]")}
        nonnull_elements = {n[:-2]: line for n, line in q.directives.nonnull if n.endswith("[]")}
        nullable_elements = {n[:-2]: line for n, line in q.directives.nullable if n.endswith("[]")}
        json_over = {n: (a, line) for n, a, line in q.directives.json}
        json_where = {
            n: f"{q.file}:{line}: {q.name}: @json {n}" for n, _, line in q.directives.json
        }
        for key, value in self.config.json_results.items():
            query_name, _, column = key.partition(".")
            if query_name != q.name or column in json_over:
                continue
            if column not in seen:
                self.errors.add(
                    QueryCheckError,
                    f"[tool.postsql.json_results] {key}: query {q.name} ({q.location}) has no "
                    f"column {column!r} (columns: {', '.join(names) or 'none'})",
                )
                continue
            json_over[column] = (value, q.line)
            json_where[column] = f"[tool.postsql.json_results] {key}"
        # @json may also name a column a parameter is written into (its type for the parameter).
        written = {column for _, _, column in _stored_into(q.sql).values()}
        for directive, table in (
            ("@nonnull", nonnull),
            ("@nullable", nullable),
            ("@nonnull", nonnull_elements),
            ("@nullable", nullable_elements),
            ("@json", json_over),
        ):
            for name, entry in table.items():
                if name not in seen and not (directive == "@json" and name in written):
                    line = entry[1] if isinstance(entry, tuple) else entry
                    self.errors.add(
                        QueryCheckError,
                        f"{q.file}:{line}: {q.name}: {directive} names unknown column {name!r} "
                        f"(columns: {', '.join(names) or 'none'})",
                    )
        for directive, table in (("@nonnull", nonnull_elements), ("@nullable", nullable_elements)):
            for name, line in table.items():
                oid = dict(zip(names, (t for _, t in described.columns), strict=True)).get(name)
                if oid is not None and not self._is_array(oid):
                    self.errors.add(
                        QueryCheckError,
                        f"{q.file}:{line}: {q.name}: {directive} {name}[]: the column is "
                        f"{self.types.formatted(oid)}, not an array",
                    )
        out: list[ResultColumn] = []
        for name, (sql_name, oid), inference in zip(
            names, described.columns, analysis.columns, strict=True
        ):
            what = f"{where} column {name!r}"
            is_nullable = bool(inference.nullable)
            reason = str(inference.reason)
            if name in nonnull:
                is_nullable, reason = False, "@nonnull override"
            if name in nullable:
                if inference.certainty == "proven_non_null":
                    self.errors.add(
                        QueryCheckError,
                        f"{q.file}:{nullable[name]}: {q.name}: @nullable {name} contradicts a "
                        f"proof that it is never NULL ({inference.reason})",
                    )
                is_nullable, reason = True, "@nullable override"
            elements = bool(inference.elements_non_null)
            if name in nonnull_elements:
                elements = True
            if name in nullable_elements:
                if inference.elements_non_null:
                    self.errors.add(
                        QueryCheckError,
                        f"{q.file}:{nullable_elements[name]}: {q.name}: @nullable {name}[] "
                        f"contradicts a proof that its elements are never NULL "
                        f"({inference.elements_reason})",
                    )
                elements = False
            pg_type = self.types.formatted(oid)
            nested: tuple[NestedModel, ...] = ()
            try:
                if name in json_over:
                    if pg_type not in _JSON_TYPES:
                        self.errors.add(
                            QueryCheckError,
                            f"{json_where[name]}: the column is {pg_type}, not json or jsonb",
                        )
                        continue
                    at = json_where[name]
                    py = parse_annotation(json_over[name][0], where=at)
                    _check_importable(py, where=at, root=self.config.root)
                elif pg_type in _JSON_TYPES and inference.nested is not None:
                    py, nested = self._nested(inference.nested, row_class + pascal(name), what)
                elif pg_type in _JSON_TYPES and (configured := self._json_column(name, analysis)):
                    py = configured
                else:
                    py = self.types.map(oid, what=what, elements_non_null=(elements,))
            except UnsupportedTypeError as exc:
                self.errors.add(UnsupportedTypeError, str(exc))
                continue
            except (ConfigurationError, QueryCheckError) as exc:
                self.errors.add(QueryCheckError, str(exc))
                continue
            renamed_from = sql_name if sql_name != name else ""
            out.append(ResultColumn(name, pg_type, py, is_nullable, reason, nested, renamed_from))
        return tuple(out)

    def _json_column(self, name: str, analysis: Analysis) -> PyType | None:
        matches = {
            py
            for (table, column), py in self.json_columns.items()
            if column == name and table in analysis.tables_read
        }
        return matches.pop() if len(matches) == 1 else None

    def _nested(
        self, shape: Any, class_name: str, what: str
    ) -> tuple[PyType, tuple[NestedModel, ...]]:
        if shape.kind == "object":
            fields: list[ResultColumn] = []
            models: list[NestedModel] = []
            # A repeated key: json keeps both, jsonb the last, and decoding either keeps the last.
            last = {f.name: f for f in cast(Sequence[_Field], shape.fields)}
            for f in last.values():
                sub_name = class_name + pascal(f.name)
                sub_what = f"{what}.{f.name}"
                if f.nested is not None:
                    py, subs = self._nested(f.nested, sub_name, sub_what)
                else:
                    py, subs = self._json_scalar(
                        f.type_name, sub_name, sub_what, bool(f.elements_non_null)
                    )
                models.extend(subs)
                fields.append(ResultColumn(f.name, f.type_name or "json", py, bool(f.nullable)))
            self._check_field_names([f.name for f in fields], f"{what}: JSON keys")
            model = NestedModel(class_name, tuple(fields))
            return PyType(class_name, frozenset({(".", class_name)})), (model, *models)
        if shape.element is not None:
            inner, models_t = self._nested(shape.element, singular(class_name), what)
            inner = inner.optional(bool(shape.element_nullable))
            return PyType(f"list[{inner.annotation}]", inner.imports), models_t
        scalar, models_t = self._json_scalar(shape.element_type_name, singular(class_name), what)
        scalar = scalar.optional(bool(shape.element_nullable))
        return PyType(f"list[{scalar.annotation}]", scalar.imports), models_t

    def _is_array(self, oid: int) -> bool:
        seen: set[int] = set()
        pg = self.catalog.types.get(oid)
        while pg is not None and pg.kind == "d" and pg.oid not in seen:
            seen.add(pg.oid)
            pg = self.catalog.types.get(pg.base)
        return pg is not None and pg.category == "A" and pg.elem != 0

    def _json_scalar(
        self, type_name: str | None, class_name: str, what: str, elements_non_null: bool = False
    ) -> tuple[PyType, tuple[NestedModel, ...]]:
        """The annotation for a SQL value of ``type_name`` rendered inside JSON.

        A type whose analysis-given name resolves to no catalog type is a plain JSON value.
        """
        oid = None if type_name is None else self.types.oid_of(type_name)
        if oid is None:
            return BASE_TYPES["json"], ()
        return self._json_type(oid, class_name, what, (elements_non_null,), frozenset())

    def _json_type(
        self,
        oid: int,
        class_name: str,
        what: str,
        elements_non_null: tuple[bool, ...],
        seen: frozenset[int],
    ) -> tuple[PyType, tuple[NestedModel, ...]]:
        """What ``json.loads`` makes of a value of type ``oid`` in PostgreSQL's JSON text, typed.

        JSON renders some types unlike the binary protocol, so their binary annotation would be
        wrong: numeric is a JSON number, which the decoder reads as ``int`` or a rounded
        ``float`` (never an exact ``Decimal``), interval is text in the server's IntervalStyle
        (``"1 mon 2 days"`` is no ``timedelta``), bytea is ``"\\x..."`` text (typed ``bytes``
        it would validate to the wrong bytes). A composite type becomes an object typed the same
        way (its generated model when that types every attribute alike), and a type with no
        exact mapping (record, geometric, range, bit types...) a plain JSON value.
        """
        pg = self.catalog.types.get(oid)
        if pg is None or oid in seen:
            return BASE_TYPES["json"], ()
        if pg.kind == "d":
            if self.catalog.type_elements_not_null(oid):
                elements_non_null = (True, *elements_non_null[1:])
            return self._json_type(pg.base, class_name, what, elements_non_null, seen | {oid})
        if pg.category == "A" and pg.elem:
            inner, models = self._json_type(
                pg.elem, class_name, what, elements_non_null[1:], seen | {oid}
            )
            proven = bool(elements_non_null) and elements_non_null[0]
            inner = inner.optional(not proven)
            return PyType(f"list[{inner.annotation}]", inner.imports), models
        if pg.kind == "c":
            return self._json_composite(pg.relid, oid, class_name, what, seen | {oid})
        if pg.kind == "b" and pg.name in _JSON_TEXT_TYPES:
            return _JSON_TEXT_TYPES[pg.name], ()
        if pg.kind == "e" or (
            pg.kind == "b" and pg.name in BASE_TYPES and pg.name not in BINARY_ONLY
        ):
            return self.types.map(oid, what=what), ()
        return BASE_TYPES["json"], ()

    def _json_composite(
        self, relid: int, oid: int, class_name: str, what: str, seen: frozenset[int]
    ) -> tuple[PyType, tuple[NestedModel, ...]]:
        rel = next((r for r in self.catalog.relations if r.oid == relid), None)
        if rel is None:
            return BASE_TYPES["json"], ()
        fields: list[ResultColumn] = []
        models: list[NestedModel] = []
        same = True
        for col in rel.columns:
            sub_what = f"{what}.{col.name}"
            py, subs = self._json_type(
                col.type_oid, class_name + pascal(col.name), sub_what, (), seen
            )
            models.extend(subs)
            # Any attribute of a composite value may be NULL.
            fields.append(ResultColumn(col.name, col.formatted, py, True))
            same = same and not subs and self._binary_annotation(col.type_oid) == py.annotation
        model_type = self._binary_annotation(oid)
        if same and model_type is not None:
            return self.types.map(oid, what=what), ()
        self._check_field_names([f.name for f in fields], f"{what}: JSON keys")
        model = NestedModel(class_name, tuple(fields))
        return PyType(class_name, frozenset({(".", class_name)})), (model, *models)

    def _binary_annotation(self, oid: int) -> str | None:
        try:
            return self.types.map(oid, what="").annotation
        except UnsupportedTypeError:
            return None

    def _check_field_names(self, names: Sequence[str], what: str) -> None:
        """Two names becoming one Python field name would make one field read the other's key."""
        clash = _field_clash(names, what)
        if clash is not None:
            raise QueryCheckError(clash)


def _field_clash(names: Sequence[str], what: str) -> str | None:
    """Why two of ``names`` cannot both be fields of one model (``class`` and ``class_`` both
    become ``class_``, so one field would read the other's value), or None."""
    seen: dict[str, str] = {}
    for name in names:
        py = python_field(name)[0]
        if py in seen:
            return (
                f"{what} {seen[py]!r} and {name!r} would both be the Python field {py!r}; "
                "rename one of them"
            )
        seen[py] = name
    return None


# What json.loads makes of the JSON text of these types (see _Builder._json_type).
_JSON_TEXT_TYPES: Mapping[str, PyType] = {
    # A JSON number: int when integral, else a float rounded to double precision;
    # NaN and Infinity come as strings, which float accepts.
    "numeric": PyType("int | float"),
    "interval": PyType("str"),
    "bytea": PyType("str"),
}


def distinct_names(names: Sequence[str]) -> list[str]:
    """Field names for result columns: the first of a name keeps it, a later one becomes
    ``name_2``, ``name_3``... (the lowest number that no column is named or was given).

    >>> distinct_names(["id", "id", "count", "count", "id_2"])
    ['id', 'id_3', 'count', 'count_2', 'id_2']
    """
    taken = set(names)
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        if name not in seen:
            seen.add(name)
            out.append(name)
            continue
        n = 2
        while f"{name}_{n}" in taken:
            n += 1
        taken.add(f"{name}_{n}")
        out.append(f"{name}_{n}")
    return out


def _matching_table(columns: Sequence[ResultColumn], tables: Sequence[Table]) -> str | None:
    # Same names, nullability and Python types (a domain and its base type are the same to Python).
    if any(c.nested or c.renamed_from for c in columns):
        return None
    wanted = [(c.name, c.nullable, c.py.annotation) for c in columns]
    for table in tables:
        if table.kind == "composite":
            continue
        if wanted == [(c.name, c.nullable, c.py.annotation) for c in table.columns]:
            return table.class_name
    return None


def build_project(
    catalog: Catalog,
    queries: Sequence[QueryDef],
    described: Mapping[str, Described],
    config: ProjectConfig,
    *,
    analyzer: Analyzer | None = None,
    check_errors: Sequence[str] = (),
) -> Project:
    """The IR for ``queries`` (each described by the server) over ``catalog``.

    ``check_errors`` are server rejections found while describing; they are reported together with
    every problem found here.
    """
    builder = _Builder(catalog, config, analyzer or load_analyzer())
    for message in check_errors:
        builder.errors.add(QueryCheckError, message)
    enums_ = builder.enums()
    tables = builder.tables()
    built: list[Query] = []
    generated: dict[tuple[str, str], QueryDef] = {}  # (file, module-level name) -> its query
    modules: dict[str, str] = {}  # generated module -> the query file it comes from
    clashing: set[str] = set()
    for q in queries:
        first = modules.setdefault(q.module, q.file)
        if first != q.file and q.file not in clashing:
            clashing.add(q.file)
            builder.errors.add(
                QueryCheckError,
                f"{q.file}: would generate the module queries/{q.module}.py, as {first} does; "
                "rename one of the files",
            )
        d = described.get(q.name)
        if d is None and q.dynamic is None:
            continue
        clash = _function_name_problem(q.name) or _generated_name_clash(q, generated)
        if clash is not None:
            builder.errors.add(QueryCheckError, f"{q.location}: {q.name}: {clash}")
            continue
        if q.dynamic is not None:
            result = _dynamic_query(builder, q, q.dynamic, described, tables)
        elif d is not None:
            result = builder.query(q, d, tables)
        if result is not None:
            built.append(result)
    known = {q.name for q in queries}
    for key in sorted(config.json_results):
        if key.partition(".")[0] not in known:
            builder.errors.add(
                QueryCheckError, f"[tool.postsql.json_results] {key}: no query of that name"
            )
    builder.errors.raise_if_any()
    return Project(
        enums=enums_, tables=tables, queries=tuple(built), warnings=tuple(builder.warnings)
    )


# Names a generated query module imports or defines besides its functions: a query named like
# one of them would shadow it (``date`` the type, ``validate_rows`` the helper).
_MODULE_NAMES = frozenset(
    {name for py in BASE_TYPES.values() for _, name in py.imports}
    | {
        "annotations", "AsyncIterator", "BaseModel", "ConfigDict", "Connection", "Executor",
        "Field", "NamedTuple", "QueryInfo", "Sequence", "TypeAdapter", "affected_rows",
        "construct_row", "construct_rows", "validate_rows",
        # builtins the generated code calls or annotates with
        "LookupError", "bool", "bytes", "dict", "float", "frozenset", "int", "len", "list", "str",
    }
)  # fmt: skip


def _generated_name_clash(q: QueryDef, generated: dict[tuple[str, str], QueryDef]) -> str | None:
    """Why ``q``'s module-level names collide with an earlier query's in the same file, or None.

    A query generates its function, its ``QueryInfo`` constant (the name in upper case) and, for
    ``select``, an ``iter_<name>`` cursor function: ``iter_x`` next to a select ``x``, or
    ``getUser`` next to ``getuser``, would define one name twice and silently keep the last.
    """
    names = {q.name, q.name.upper()} | ({f"iter_{q.name}"} if q.operation == "select" else set())
    if q.dynamic is not None and q.dynamic.keyset:
        names.add(f"{q.name}_cursor")  # a keyset query's cursor helper
    for name in sorted(names):
        other = generated.get((q.file, name))
        if other is not None:
            return (
                f"the generated name {name!r} is also generated for query {other.name!r} "
                f"({other.location}); rename one of them"
            )
    generated.update({(q.file, name): q for name in names})
    return None


# Names a generated function's body reads (besides module constants named after the query):
# a keyword parameter named like one would shadow it, or (``db``, ``prefetch``) define an
# argument twice.
_FUNCTION_NAMES = frozenset(
    {
        "db", "prefetch", "record", "dict", "LookupError", "validate_rows", "affected_rows",
        "construct_row", "construct_rows",
    }
)  # fmt: skip


def _check_importable(py: PyType, *, where: str, root: Path) -> None:
    """Every class a configured JSON annotation names imports, and pydantic can validate it.

    The generated modules import these names; a typo would otherwise surface only when the
    generated code is imported (or, for a class pydantic cannot validate, on the first row).
    """
    for module, name in sorted(py.imports):
        if module == ".":
            continue
        added = [str(p) for p in (root / "src", root) if str(p) not in sys.path]
        sys.path[:0] = added
        try:
            target = getattr(importlib.import_module(module), name)
        except Exception as exc:  # ImportError, AttributeError or the module's own failure
            raise ConfigurationError(
                f"{where}: {module}.{name} does not import ({type(exc).__name__}: {exc})"
            ) from exc
        finally:
            for entry in added:
                sys.path.remove(entry)
        try:
            TypeAdapter(target)
        except Exception as exc:  # PydanticSchemaGenerationError, PydanticUserError, TypeError
            raise ConfigurationError(
                f"{where}: {module}.{name} is not a pydantic model or a type pydantic validates"
            ) from exc


def _param_name_problem(q: QueryDef, name: str) -> str | None:
    """Why parameter ``name`` cannot be a keyword argument (or, for ``*!``, a field of the
    ``<Name>Params`` named tuple) of ``q``'s generated code, or None when it can."""
    if q.operation == "insert_update_delete_many":
        if name.startswith("_"):
            return "a named tuple field cannot start with '_'; rename the parameter"
        if hasattr(tuple, name):
            return f"a named tuple field cannot be named {name!r} (a tuple method); rename it"
        return None
    const = q.name.upper()
    used = _FUNCTION_NAMES | {const, f"_{const}_ROWS", f"_{const}_VALUE", pascal(q.name) + "Row"}
    if name in used:
        return f"the generated function already uses the name {name!r}; rename the parameter"
    return None


def _function_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a generated function, or None when it can."""
    if keyword.iskeyword(name):
        return "a Python keyword cannot name the generated function; rename the query"
    if name in _MODULE_NAMES:
        return f"the generated module already uses the name {name!r}; rename the query"
    return None


def _dynamic_query(
    builder: _Builder,
    q: QueryDef,
    dynamic: DynamicDef,
    described: Mapping[str, Described],
    tables: Sequence[Table],
) -> Query | None:
    """Build every variant of a dynamic query and merge them into one :class:`Query`.

    All variants must return the same columns (names, types, JSON shapes); a column is nullable
    when it is in any variant (the row model is shared). A parameter must have one type in every
    variant that uses it.
    """
    where = f"{q.location}: {q.name}:"
    built: list[Variant] = []
    for v in dynamic.variants:
        d = described.get(variant_key(q.name, v))
        if d is None:
            return None  # the server refused it: already reported, naming the variant
        one = builder.query(variant_query(q, v), d, tables)
        if one is None:
            return None
        built.append(Variant(v.given, v.order, one))
    # The variant with every fragment (but no cursor), in the default order.
    everything = tuple(o for o in dynamic.optional if o != AFTER)
    full = next(
        b.query for b in built if b.given == everything and b.order == dynamic.default_order
    )
    first = built[0]
    problems = 0
    unlike = [
        b
        for b in built[1:]
        if [(c.name, c.pg_type) for c in b.query.columns]
        != [(c.name, c.pg_type) for c in first.query.columns]
    ]
    if unlike:
        # The first that differs, and how many more: one cause usually breaks many variants.
        other = unlike[0]
        more = f" (and {len(unlike) - 1} more variants)" if len(unlike) > 1 else ""
        builder.errors.add(
            QueryCheckError,
            f"{where} variant ({variant_label(other.given, other.order)}){more} returns "
            f"{_columns_text([(c.name, c.pg_type) for c in other.query.columns])}, but variant "
            f"({variant_label(first.given, first.order)}) returns "
            f"{_columns_text([(c.name, c.pg_type) for c in first.query.columns])}; every "
            "variant must return the same columns",
        )
        return None
    for other in built[1:]:
        label = f"variant ({variant_label(other.given, other.order)})"
        base = f"variant ({variant_label(first.given, first.order)})"
        for mine, yours in zip(first.query.columns, other.query.columns, strict=True):
            if mine.nested != yours.nested or mine.py != yours.py:
                builder.errors.add(
                    QueryCheckError,
                    f"{where} column {mine.name} has another shape in {label} than in {base}",
                )
                problems += 1
    param_types: dict[str, tuple[str, str]] = {}
    for b in built:
        for p in b.query.params:
            seen = param_types.setdefault(p.sql_name, (p.pg_type, variant_label(b.given, b.order)))
            if seen[0] != p.pg_type:
                builder.errors.add(
                    QueryCheckError,
                    f"{where} parameter :{p.sql_name} is {seen[0]} in variant ({seen[1]}) but "
                    f"{p.pg_type} in variant ({variant_label(b.given, b.order)}); cast it",
                )
                problems += 1
    returned = {c.name for c in full.columns}
    for order, keys, _ in dynamic.keyset:
        missing = [k for k in keys if k not in returned]
        if missing:
            builder.errors.add(
                QueryCheckError,
                f"{where} order {order}: a cursor holds the last row's {', '.join(missing)}, "
                "which the query does not return (select it)",
            )
            problems += 1
    if problems:
        return None
    columns = tuple(
        replace(
            col,
            nullable=any(b.query.columns[i].nullable for b in built),
            reason=next(
                (b.query.columns[i].reason for b in built if b.query.columns[i].nullable),
                col.reason,
            ),
        )
        for i, col in enumerate(full.columns)
    )
    reuses: str | None = None
    if q.operation in ("select", "select_one") and columns:
        reuses = _matching_table(columns, tables)
    row_class = reuses or pascal(q.name) + "Row"
    return replace(
        full,
        columns=columns,
        row_class=row_class,
        reuses_table=reuses,
        tables_read=frozenset().union(*(b.query.tables_read for b in built)),
        read_only=all(b.query.read_only for b in built),
        returns_optional=any(b.query.returns_optional for b in built),
        value_nullable=any(b.query.value_nullable for b in built),
        optional=dynamic.optional,
        orders=tuple(o.name for o in dynamic.orders),
        default_order=dynamic.default_order,
        keyset=dynamic.keyset,
        variants=tuple(
            Variant(b.given, b.order, replace(b.query, row_class=row_class, reuses_table=reuses))
            for b in built
        ),
    )


def _columns_text(columns: Sequence[tuple[str, str]]) -> str:
    return "(" + ", ".join(f"{name} {pg_type}" for name, pg_type in columns) + ")"
