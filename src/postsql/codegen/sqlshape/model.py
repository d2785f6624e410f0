"""Data the analysis passes around: the public result types and the private scope model.

The public dataclasses (``CatalogColumn`` … ``QueryAnalysis``) are re-exported by
:mod:`postsql.codegen.nullability`, which is the module other code imports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

Certainty = Literal["proven_non_null", "proven_nullable", "unknown"]


# --------------------------------------------------------------------------- public contract


@dataclass(frozen=True, slots=True)
class CatalogColumn:
    """One column of a table, view, materialized view or composite type, as the catalog says."""

    name: str
    type_name: str
    not_null: bool
    type_oid: int
    # An array column whose elements a validated CHECK constraint (or its domain) proves non-null.
    elements_not_null: bool = False


class CatalogLookup(Protocol):
    """What the analysis needs to know about the schema."""

    def relation(self, schema: str | None, name: str) -> Sequence[CatalogColumn] | None:
        """Columns in attnum order (dropped ones skipped), or None when the relation is unknown."""
        ...

    def view_sql(self, schema: str | None, name: str) -> str | None:
        """``pg_get_viewdef()`` of a view or materialized view, else None."""
        ...


@dataclass(frozen=True, slots=True)
class NestedField:
    """One key of a JSON object built in SQL."""

    name: str
    type_name: str | None
    nullable: bool
    nested: NestedShape | None
    elements_non_null: bool = False


@dataclass(frozen=True, slots=True)
class NestedShape:
    """The shape of a JSON value built in SQL: an object with fields, or an array."""

    kind: Literal["object", "array"]
    fields: tuple[NestedField, ...] = ()
    element: NestedShape | None = None
    element_type_name: str | None = None
    element_nullable: bool = True


@dataclass(frozen=True, slots=True)
class ColumnInference:
    """What the analysis concluded about one result column."""

    nullable: bool
    certainty: Certainty
    reason: str
    nested: NestedShape | None
    # An array's elements (the outermost level): proven never NULL, and why.
    elements_non_null: bool = False
    elements_reason: str = ""


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """Everything :func:`analyze_query` learns about one statement."""

    columns: tuple[ColumnInference, ...]
    nullable_params: frozenset[int]
    tables_read: frozenset[str]
    tables_written: frozenset[str]
    read_only: bool


# --------------------------------------------------------------------------- private model


@dataclass(frozen=True, slots=True)
class Value:
    """What we know about one expression: can it be NULL, its type, its JSON shape."""

    nullable: bool
    certainty: Certainty
    reason: str
    type_name: str | None = None
    nested: NestedShape | None = None
    # A row value: comparing rows with NULL fields yields NULL even when both rows are non-null.
    composite: bool = False
    # An array value whose elements (outermost level) are proven never NULL. Independent of
    # ``nullable``: a NULL array has no elements, so a value turning nullable keeps this.
    elements_non_null: bool = False
    elements_reason: str = ""

    def with_type(self, type_name: str | None) -> Value:
        return replace(self, type_name=type_name)

    def with_elements(self, proven: bool, reason: str = "") -> Value:
        """This value with its elements proven non-null (``reason``) or not proven."""
        return replace(self, elements_non_null=proven, elements_reason=reason if proven else "")

    def elements_like(self, other: Value) -> Value:
        """This value with ``other``'s element proof."""
        return replace(
            self, elements_non_null=other.elements_non_null, elements_reason=other.elements_reason
        )


def all_elements(values: Sequence[Value], reason: str) -> tuple[bool, str]:
    """Whether every value's elements are proven non-null, and the reason to record."""
    if all(v.elements_non_null for v in values):
        return True, reason
    return False, ""


def non_null(
    reason: str,
    type_name: str | None = None,
    nested: NestedShape | None = None,
    *,
    composite: bool = False,
) -> Value:
    return Value(False, "proven_non_null", reason, type_name, nested, composite)


def nullable(reason: str, type_name: str | None = None, nested: NestedShape | None = None) -> Value:
    return Value(True, "proven_nullable", reason, type_name, nested)


def unknown(reason: str, type_name: str | None = None, nested: NestedShape | None = None) -> Value:
    return Value(True, "unknown", reason, type_name, nested)


def weakest(values: Sequence[Value], reason: str) -> Value | None:
    """The first nullable value among ``values`` (proven before unknown), or None if none is."""
    for certainty in ("proven_nullable", "unknown"):
        for value in values:
            if value.nullable and value.certainty == certainty:
                # The result is another value: an argument's element proof does not carry over.
                return replace(
                    value, reason=f"{reason}: {value.reason}", elements_non_null=False,
                    elements_reason="",
                )  # fmt: skip
    return None


SYSTEM_COLUMNS = {
    "ctid": "tid",
    "xmin": "xid",
    "xmax": "xid",
    "cmin": "cid",
    "cmax": "cid",
    "tableoid": "oid",
}


@dataclass(frozen=True, slots=True)
class Col:
    """A named output column of a relation, subquery or CTE."""

    name: str
    value: Value


@dataclass(frozen=True, slots=True)
class Rel:
    """One range-table entry: a table, view, subquery, CTE or function in FROM.

    ``cols`` hold the values as they are when the row exists; ``nulled_by`` says which outer join
    may null-extend the row; ``proven`` lists columns a predicate (WHERE, ON, FILTER) showed
    non-null, and ``present`` says a predicate showed that the row is never null-extended.
    """

    alias: str
    cols: tuple[Col, ...]
    complete: bool
    type_name: str = "record"
    nulled_by: str | None = None
    present: bool = False
    proven: frozenset[str] = frozenset()
    has_system_columns: bool = False
    # The row type's own column names when an alias list renamed a table's or view's columns:
    # a whole-row reference (``row_to_json(x)`` of ``t AS x(a, b)``) keeps the original names.
    row_names: tuple[str, ...] = ()
    # A function in FROM returning a scalar type: a whole-row reference is that scalar.
    scalar: bool = False

    def index(self, name: str) -> int | None:
        for i, col in enumerate(self.cols):
            if col.name == name:
                return i
        return None

    def value_at(self, i: int) -> Value:
        col = self.cols[i]
        base = col.value
        if col.name in self.proven and base.nullable:
            reason = f"{self.alias}.{col.name} is filtered to NOT NULL"
            base = replace(base, nullable=False, certainty="proven_non_null", reason=reason)
        if self.row_nullable() and not base.nullable:
            reason = f"{self.alias}.{col.name}: {self.nulled_by}"
            return replace(base, nullable=True, certainty="proven_nullable", reason=reason)
        return base

    def system_value(self, name: str) -> Value | None:
        """``ctid``, ``xmin``, ``xmax``, ... of a table row: never NULL unless null-extended."""
        type_ = SYSTEM_COLUMNS.get(name)
        if type_ is None or not self.has_system_columns:
            return None
        if self.row_nullable():
            return nullable(f"{self.alias}.{name}: {self.nulled_by}", type_)
        return non_null(f"system column {name}", type_)

    def values(self) -> tuple[Value, ...]:
        return tuple(self.value_at(i) for i in range(len(self.cols)))

    def row_nullable(self) -> bool:
        return self.nulled_by is not None and not self.present


@dataclass(frozen=True, slots=True)
class Merged:
    """A column merged by JOIN ... USING or NATURAL JOIN: unqualified references see this one."""

    name: str
    value: Value
    nulled_by: str | None = None

    def current(self) -> Value:
        if self.nulled_by is None or self.value.nullable:
            return self.value
        reason = f"{self.name}: {self.nulled_by}"
        return replace(self.value, nullable=True, certainty="proven_nullable", reason=reason)


# A slot of ``SELECT *``: ("rel", rel index, column index) or ("merged", merged index, 0).
StarRef = tuple[Literal["rel", "merged"], int, int]


@dataclass(frozen=True, slots=True)
class Frame:
    """The FROM clause of one query level: its entries, merged columns and ``*`` order."""

    rels: tuple[Rel, ...] = ()
    merged: tuple[Merged, ...] = ()
    star: tuple[StarRef, ...] = ()

    def null_extended(self, reason: str) -> Frame:
        rels = tuple(
            replace(r, nulled_by=r.nulled_by if r.row_nullable() else reason, present=False)
            for r in self.rels
        )
        merged = tuple(m if m.nulled_by else replace(m, nulled_by=reason) for m in self.merged)
        return replace(self, rels=rels, merged=merged)

    def star_values(self) -> tuple[Col, ...] | None:
        if not all(r.complete for r in self.rels):
            return None
        out: list[Col] = []
        for kind, i, j in self.star:
            if kind == "merged":
                out.append(Col(self.merged[i].name, self.merged[i].current()))
            else:
                rel = self.rels[i]
                out.append(Col(rel.cols[j].name, rel.value_at(j)))
        return tuple(out)


def join_frames(left: Frame, right: Frame) -> Frame:
    """Concatenate two frames as a cross join does (indices of ``right`` shift)."""
    shift_rel, shift_merged = len(left.rels), len(left.merged)
    star = left.star + tuple(
        (kind, i + (shift_merged if kind == "merged" else shift_rel), j)
        for kind, i, j in right.star
    )
    return Frame(left.rels + right.rels, left.merged + right.merged, star)


@dataclass(frozen=True, slots=True)
class Cte:
    """A common table expression visible by name; ``cols`` is None when it could not be analysed."""

    name: str
    cols: tuple[Col, ...] | None


@dataclass(frozen=True, slots=True)
class Scope:
    """Name resolution for one query level, chained to the enclosing levels."""

    frame: Frame = field(default_factory=Frame)
    ctes: Mapping[str, Cte] = field(default_factory=dict)
    parent: Scope | None = None

    def child(self, frame: Frame) -> Scope:
        return Scope(frame, self.ctes, self)
