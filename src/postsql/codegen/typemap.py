"""PostgreSQL type → Python annotation, following what asyncpg actually returns for each type.

Every type asyncpg has a codec for is mapped (docs/codegen.md lists them); what is left (an
anonymous record, a partition's row type) raises :class:`UnsupportedTypeError`; nothing is ever
mapped to ``Any``.

asyncpg's decoding, type by type, and the annotation we generate:

=====================================  ===============================  =========================
PostgreSQL                             asyncpg returns                  annotation
=====================================  ===============================  =========================
smallint, integer, bigint, oid         int                              int
real, double precision                 float                            float
numeric                                Decimal (NaN and ±Infinity too)  Numeric (of the executor)
text, varchar, char(n), name, citext   str                              str
boolean                                bool                             bool
uuid                                   asyncpg's UUID (a uuid.UUID)     UUID
date / time / timetz                   date / time                      date / time
timestamp                              naive datetime                   datetime
timestamptz                            aware datetime (UTC)             AwareDatetime
interval                               timedelta                        timedelta
inet                                   IPv4/6Address or …Interface      the union of those
cidr                                   IPv4Network / IPv6Network        the union of those
bytea                                  bytes                            bytes
tsvector, xml, money, "char",          str                              str
macaddr, jsonpath, reg*, aclitem ...
an extension's type (hstore, ltree)    str (asyncpg's text fallback)    str
pg_lsn, cid                            int                              int
tid / txid_snapshot, pg_snapshot       tuple                            tuple[int, int] / ...
int2vector, oidvector                  list                             list[int]
bit, varbit                            asyncpg's BitString              PgBitString (executor)
point, line, lseg, box, path,          asyncpg's Point, Line ...        PgPoint ... (executor)
polygon, circle
range / multirange                     asyncpg's Range / list of them   PgRange[T] / list[...]
json, jsonb                            str; objects once the codec of   JsonValue (or a model
                                       ``init_connection`` (executor)   configured per column)
                                       is set
enum                                   str                              its StrEnum
domain                                 its base type                    its base type
composite                              Record                           its model
a table's row type                     Record                           RowValue[its model]
array of any of these                  list                             list[T | None], or
                                                                        list[T] when its elements
                                                                        are proven non-null
=====================================  ===============================  =========================

Array elements may be NULL whatever the column's own nullability, so an array is
``list[T | None]`` unless the caller proves its elements non-null (``elements_non_null``, one flag
per nesting level, outermost first) or a domain over it does (a validated
``CHECK (array_position(VALUE, NULL) IS NULL)``). Parameters are typed ``list[T]``
(``for_input``): a narrower input type is safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from postsql.codegen.introspect import Catalog
from postsql.codegen.ir import PyType
from postsql.errors import UnsupportedTypeError

__all__ = ["BASE_TYPES", "BINARY_ONLY", "WIRE_EXACT", "TypeMapper", "wire_exact"]

_DT = "datetime"
_IP = "ipaddress"

_ASYNCPG_CLASSES = (
    ("bit", "BitString"), ("varbit", "BitString"), ("point", "Point"), ("line", "Line"),
    ("lseg", "LineSegment"), ("box", "Box"), ("path", "Path"), ("polygon", "Polygon"),
    ("circle", "Circle"),
)  # fmt: skip


def _instance_of(name: str) -> PyType:
    return PyType(f"Pg{name}", frozenset({("postsql.runtime.executor", f"Pg{name}")}))


BASE_TYPES: Mapping[str, PyType] = {
    "bool": PyType("bool"),
    "int2": PyType("int"),
    "int4": PyType("int"),
    "int8": PyType("int"),
    "oid": PyType("int"),
    "xid": PyType("int"),
    "xid8": PyType("int"),
    "float4": PyType("float"),
    "float8": PyType("float"),
    # Annotated[Decimal, AllowInfNan()]: numeric columns can hold NaN and ±Infinity.
    "numeric": PyType("Numeric", frozenset({("postsql.runtime.executor", "Numeric")})),
    "text": PyType("str"),
    "varchar": PyType("str"),
    "bpchar": PyType("str"),
    "char": PyType("str"),
    "name": PyType("str"),
    "citext": PyType("str"),
    "xml": PyType("str"),
    "money": PyType("str"),
    "tsvector": PyType("str"),
    "tsquery": PyType("str"),
    "regclass": PyType("str"),
    "regtype": PyType("str"),
    "regproc": PyType("str"),
    "regconfig": PyType("str"),
    "bytea": PyType("bytes"),
    "uuid": PyType("UUID", frozenset({("uuid", "UUID")})),
    "date": PyType("date", frozenset({(_DT, "date")})),
    "time": PyType("time", frozenset({(_DT, "time")})),
    "timetz": PyType("time", frozenset({(_DT, "time")})),
    "timestamp": PyType("datetime", frozenset({(_DT, "datetime")})),
    "timestamptz": PyType("AwareDatetime", frozenset({("pydantic", "AwareDatetime")})),
    "interval": PyType("timedelta", frozenset({(_DT, "timedelta")})),
    "inet": PyType(
        "IPv4Address | IPv6Address | IPv4Interface | IPv6Interface",
        frozenset(
            {
                (_IP, "IPv4Address"),
                (_IP, "IPv6Address"),
                (_IP, "IPv4Interface"),
                (_IP, "IPv6Interface"),
            }
        ),
    ),
    "cidr": PyType(
        "IPv4Network | IPv6Network", frozenset({(_IP, "IPv4Network"), (_IP, "IPv6Network")})
    ),
    "macaddr": PyType("str"),
    "macaddr8": PyType("str"),
    "jsonpath": PyType("str"),
    "aclitem": PyType("str"),
    "refcursor": PyType("str"),
    "unknown": PyType("str"),
    "gtsvector": PyType("str"),
    "pg_node_tree": PyType("str"),
    "pg_ndistinct": PyType("str"),
    "pg_dependencies": PyType("str"),
    "regnamespace": PyType("str"),
    "regrole": PyType("str"),
    "regcollation": PyType("str"),
    "regoper": PyType("str"),
    "regoperator": PyType("str"),
    "regprocedure": PyType("str"),
    "regdictionary": PyType("str"),
    "regdatabase": PyType("str"),
    "pg_mcv_list": PyType("bytes"),
    "pg_brin_bloom_summary": PyType("bytes"),
    "pg_brin_minmax_multi_summary": PyType("bytes"),
    "cid": PyType("int"),
    "pg_lsn": PyType("int"),
    "int2vector": PyType("list[int]"),
    "oidvector": PyType("list[int]"),
    "tid": PyType("tuple[int, int]"),
    # (xmin, xmax, in-progress transaction ids)
    "txid_snapshot": PyType("tuple[int, int, tuple[int, ...]]"),
    "pg_snapshot": PyType("tuple[int, int, tuple[int, ...]]"),
    # asyncpg's own classes (postsql.runtime.executor.PgPoint is InstanceOf[asyncpg.Point]).
    **{pg: _instance_of(name) for pg, name in _ASYNCPG_CLASSES},
    "json": PyType("JsonValue", frozenset({("pydantic", "JsonValue")})),
    "jsonb": PyType("JsonValue", frozenset({("pydantic", "JsonValue")})),
    "void": PyType("None"),
}

# Types whose asyncpg value (a Point, a tuple, an int) is not what their text, the way JSON
# renders them, decodes to: inside JSON they are plain JSON values.
BINARY_ONLY = frozenset(
    {
        "bit", "varbit", "point", "line", "lseg", "box", "path", "polygon", "circle", "pg_lsn",
        "int2vector", "oidvector", "tid", "txid_snapshot", "pg_snapshot", "pg_mcv_list",
        "pg_brin_bloom_summary", "pg_brin_minmax_multi_summary",
    }
)  # fmt: skip

# Types whose asyncpg codec always yields exactly the Python type BASE_TYPES gives them (int8 an
# int, timestamptz an aware datetime, numeric a Decimal, NaN included...), on a connection with no
# codecs of its own for them, by their format_type() spelling (typmod removed) and name. A result
# whose every column is one of these, with that annotation, is built without validating it again
# (postsql.runtime.executor.construct_rows), unless in strict mode. Left out: enums (decoded as
# str), JSON
# (nested models), arrays (element nullability), domains, "char" and the reg* types (asyncpg's
# own representations), network types, money, xml, timetz.
WIRE_EXACT: Mapping[str, str] = {
    "boolean": "bool",
    "smallint": "int2",
    "integer": "int4",
    "bigint": "int8",
    "oid": "oid",
    "real": "float4",
    "double precision": "float8",
    "numeric": "numeric",
    "text": "text",
    "character varying": "varchar",
    "character": "bpchar",
    "name": "name",
    "bytea": "bytea",
    "uuid": "uuid",
    "date": "date",
    "time without time zone": "time",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "interval": "interval",
}
_TYPMOD = re.compile(r"\([0-9, ]*\)")


def wire_exact(formatted: str, py: PyType) -> bool:
    """Whether asyncpg decodes a column of type ``formatted`` (``format_type()``) into ``py``.

    Example::

        wire_exact("timestamp(3) with time zone", BASE_TYPES["timestamptz"])  # True
    """
    name = WIRE_EXACT.get(_TYPMOD.sub("", formatted).strip())
    return name is not None and BASE_TYPES[name] == py


class TypeMapper:
    """Maps type oids of one catalog; enum and composite class names come from the caller."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        enum_classes: Mapping[int, str],
        composite_classes: Mapping[int, str],
        row_classes: Mapping[int, str] | None = None,
    ) -> None:
        self.catalog = catalog
        self.enum_classes = enum_classes
        self.composite_classes = composite_classes
        # Models of tables and views (by relation oid), for their row types used as values.
        self.row_classes = row_classes or {}
        self._by_name = {t.formatted: t.oid for t in catalog.types.values()}

    def formatted(self, oid: int) -> str:
        """``format_type(oid, NULL)``."""
        found = self.catalog.types.get(oid)
        return found.formatted if found else f"oid {oid}"

    def oid_of(self, type_name: str) -> int | None:
        """The oid whose ``format_type()`` spelling is ``type_name`` (ignoring a typmod)."""
        exact = self._by_name.get(type_name)
        if exact is not None:
            return exact
        base = type_name.split("(")[0].strip()
        suffix = "[]" if type_name.endswith("[]") else ""
        return self._by_name.get(base + suffix)

    def map(
        self,
        oid: int,
        *,
        what: str,
        elements_non_null: tuple[bool, ...] = (),
        for_input: bool = False,
    ) -> PyType:
        """The annotation for type ``oid``; ``what`` names the column or parameter for errors.

        ``elements_non_null[i]`` says the elements at array nesting level ``i`` (0: the value's
        own elements; 1: those of an array of a domain over an array, ...) are proven never NULL;
        a level not given may hold NULL. ``for_input`` types every level non-null.

        Example::

            mapper.map(text_array_oid, what="tags").annotation  # 'list[str | None]'
            mapper.map(text_array_oid, what="tags", elements_non_null=(True,)).annotation
            # 'list[str]'
        """
        pg = self.catalog.types.get(oid)
        if pg is None:
            raise UnsupportedTypeError(f"{what}: unknown type oid {oid}")
        if pg.kind == "e":
            name = self.enum_classes[oid]
            return PyType(name, frozenset({("", name)}))
        if pg.kind == "c":
            model = self.composite_classes.get(pg.relid) or self.composite_classes.get(oid)
            if model is not None:
                return PyType(model, frozenset({("", model)}))
            row = self.row_classes.get(pg.relid)
            if row is not None:
                imports = frozenset({("", row), ("postsql.runtime.executor", "RowValue")})
                return PyType(f"RowValue[{row}]", imports)
            raise UnsupportedTypeError(
                f"{what}: composite type {pg.formatted} has no generated model "
                "(anonymous records and rows of partitions or of extensions' tables are not "
                "supported; select its columns instead)"
            )
        if pg.kind == "d":
            if self.catalog.type_elements_not_null(oid):
                elements_non_null = (True, *elements_non_null[1:])
            return self.map(
                pg.base, what=what, elements_non_null=elements_non_null, for_input=for_input
            )
        if pg.category == "A" and pg.elem:
            inner = self.map(
                pg.elem, what=what, elements_non_null=elements_non_null[1:], for_input=for_input
            )
            proven = for_input or (bool(elements_non_null) and elements_non_null[0])
            inner = inner.optional(not proven)
            return PyType(f"list[{inner.annotation}]", inner.imports)
        if pg.kind in "rm" and pg.range_subtype:
            bound = self.map(pg.range_subtype, what=what, for_input=for_input)
            imports = bound.imports | {("postsql.runtime.executor", "PgRange")}
            if pg.kind == "r":
                return PyType(f"PgRange[{bound.annotation}]", imports)
            return PyType(f"list[PgRange[{bound.annotation}]]", imports)
        if pg.kind == "b" or (pg.kind == "p" and pg.name == "void"):
            mapped = BASE_TYPES.get(pg.name) if pg.schema == "pg_catalog" else None
            if mapped is not None:
                return mapped
            if pg.schema != "pg_catalog":
                # An extension's type (citext, hstore, ltree, isn, postgis ...): asyncpg has no
                # codec for it and exchanges it in text form, a str both ways.
                return PyType("str")
        raise UnsupportedTypeError(
            f"{what}: PostgreSQL type {pg.formatted} has no Python mapping "
            "(cast it in the query, e.g. ::text, or add a mapping)"
        )
