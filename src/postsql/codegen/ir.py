"""The intermediate representation: what the database told us, before any Python is written.

Everything here is frozen and sorted where order is not meaningful, so :func:`render` is a pure,
deterministic function of a :class:`Project`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CheckConstraint",
    "Column",
    "EnumDef",
    "NestedModel",
    "Operation",
    "Param",
    "Project",
    "PyType",
    "Query",
    "ResultColumn",
    "Table",
    "TableKind",
    "Variant",
]

Operation = Literal[
    "select",
    "select_one",
    "select_value",
    "insert_returning",
    "insert_update_delete",
    "insert_update_delete_many",
    "script",
]
TableKind = Literal["table", "view", "materialized_view", "composite"]


@dataclass(frozen=True, slots=True)
class PyType:
    """A Python annotation and the imports it needs.

    ``imports`` holds ``(module, name)`` pairs; module ``""`` means a name from this package's
    generated ``models`` module, ``"."`` a name defined in the same generated module.
    """

    annotation: str
    imports: frozenset[tuple[str, str]] = frozenset()

    def optional(self, nullable: bool) -> PyType:
        """``T | None`` when ``nullable``, else ``T`` unchanged."""
        if not nullable or self.annotation == "None":
            return self
        return PyType(f"{self.annotation} | None", self.imports)


@dataclass(frozen=True, slots=True)
class EnumDef:
    """A PostgreSQL enum, rendered as a ``StrEnum``."""

    schema: str
    name: str
    class_name: str
    values: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table, view, materialized view or composite type."""

    name: str
    pg_type: str
    type_oid: int
    py: PyType
    nullable: bool
    has_default: bool = False
    identity: Literal["", "always", "by_default"] = ""
    generated: bool = False
    comment: str | None = None
    # Of a NOT NULL domain: an INSERT must give it a value (a stored row may still hold NULL:
    # PostgreSQL does not check the domain on every path, so the row model keeps ``nullable``).
    domain_not_null: bool = False

    @property
    def insert_omittable(self) -> bool:
        """Whether an insert model may leave the column out (the database supplies it) while a
        given value may not be None: NOT NULL (or a NOT NULL domain) with a default or identity."""
        has_default = self.has_default or self.identity != ""
        return has_default and (not self.nullable or self.domain_not_null)


@dataclass(frozen=True, slots=True)
class CheckConstraint:
    """A table's CHECK constraint; ``violated`` is its Python form when recognised.

    ``violated`` is a condition over ``self.<field>`` that is true exactly when the rule fails
    (see ``codegen/checks.py`` for the recognised subset); ``uses_regex`` says it calls
    ``re.search``; ``elements_not_null`` names the array columns whose elements it proves
    non-null.
    """

    name: str
    definition: str
    columns: tuple[str, ...]
    violated: str | None = None
    uses_regex: bool = False
    # Array columns whose elements this (validated) constraint proves never NULL: their types
    # are ``list[T]``, so every model enforces the rule (see ``checks.elements_not_null``).
    elements_not_null: tuple[str, ...] = ()
    # The insert model enforces all of it: ``violated`` is the whole rule, or the rule is only
    # element rules its list[T] fields enforce.
    checked_by_model: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A relation or composite type; ``class_name`` is its row model's name."""

    schema: str
    name: str
    kind: TableKind
    class_name: str
    columns: tuple[Column, ...]
    comment: str | None = None
    checks: tuple[CheckConstraint, ...] = ()
    # Columns left out of the models because their type has no Python mapping: (name, type).
    omitted: tuple[tuple[str, str], ...] = ()

    @property
    def insert_class_name(self) -> str:
        return f"{self.class_name}Insert"


@dataclass(frozen=True, slots=True)
class NestedModel:
    """A pydantic model for a JSON value whose shape the analysis knows."""

    class_name: str
    fields: tuple[ResultColumn, ...]


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter: ``position`` is its ``$n``; ``name`` its Python keyword."""

    name: str
    sql_name: str
    position: int
    pg_type: str
    type_oid: int
    py: PyType
    nullable: bool
    # A composite type (or an array of one, at any depth): asyncpg cannot encode a model, so the
    # generated call passes its attributes as a mapping (``_composite_arg``).
    composite: bool = False


@dataclass(frozen=True, slots=True)
class ResultColumn:
    """A result column (or a field of a nested JSON model)."""

    name: str
    pg_type: str
    py: PyType
    nullable: bool
    reason: str = ""
    nested: tuple[NestedModel, ...] = ()
    # The server's column name when another column has it too and ``name`` was made distinct.
    renamed_from: str = ""

    @property
    def annotation(self) -> PyType:
        return self.py.optional(self.nullable)


@dataclass(frozen=True, slots=True)
class Query:
    """One named query, typed by the server and checked against the schema."""

    name: str
    module: str
    file: str
    line: int
    operation: Operation
    sql: str
    doc: str
    params: tuple[Param, ...]
    columns: tuple[ResultColumn, ...]
    tables_read: frozenset[str]
    tables_written: frozenset[str]
    read_only: bool
    row_class: str
    reuses_table: str | None = None
    returns_optional: bool = True
    value_nullable: bool = True
    cache_ttl: float | None = None
    # A dynamic query (``-- @if`` / ``-- @sort``): its optional parameters, its sort orders
    # (``default_order`` first written in the body) and every static variant; ``sql`` and
    # ``params`` above are then the variant with every fragment, in the default order.
    optional: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    default_order: str = ""
    variants: tuple[Variant, ...] = ()
    # With ``-- @after``: per order, the result columns a cursor holds and the parameters they bind.
    keyset: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Variant:
    """One static statement of a dynamic query: ``given`` optional parameters, sort ``order``."""

    given: tuple[str, ...]
    order: str
    query: Query


@dataclass(frozen=True, slots=True)
class Project:
    """Everything :func:`postsql.codegen.render.render` needs."""

    enums: tuple[EnumDef, ...]
    tables: tuple[Table, ...]
    queries: tuple[Query, ...]
    source_prefix: str = ""
    # Things the run left out or decided for the user, printed but not failing it.
    warnings: tuple[str, ...] = ()
