"""Talk to PostgreSQL: apply the schema to a scratch database, read its catalog, describe queries.

The scratch database gets a unique name and is dropped in ``finally``, even when something fails.

Example::

    async with scratch_database(admin_url) as url:
        conn = await asyncpg.connect(url)
        await apply_schema(conn, migration_scripts(Path("sql/migrations")))
        catalog = await read_catalog(conn)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import asyncpg
import pglast

from postsql.codegen.checks import class_body, class_escapes_used, elements_not_null
from postsql.codegen.nullability import CatalogLookup, analyze_query
from postsql.errors import CodegenError
from postsql.runtime.urls import redact, with_database

__all__ = [
    "Catalog",
    "CatalogColumn",
    "Described",
    "PgType",
    "Relation",
    "RelationCheck",
    "RelationColumn",
    "apply_schema",
    "as_psql_runs",
    "describe",
    "is_pg_dump",
    "migration_scripts",
    "read_catalog",
    "schema_scripts",
    "scratch_database",
]

_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


@dataclass(frozen=True, slots=True)
class CatalogColumn:
    """The nullability module's view of a column (see ``codegen/nullability.py``)."""

    name: str
    type_name: str
    not_null: bool
    type_oid: int
    elements_not_null: bool = False


@dataclass(frozen=True, slots=True)
class PgType:
    """One row of ``pg_type``, with ``format_type()``'s spelling in ``formatted``."""

    oid: int
    schema: str
    name: str
    kind: str  # typtype: b base, c composite, d domain, e enum, p pseudo, r range, m multirange
    category: str
    elem: int
    base: int
    relid: int
    formatted: str
    # A domain's own NOT NULL and DEFAULT (a column of the domain takes its default when it has
    # none of its own).
    not_null: bool = False
    has_default: bool = False
    # A range's or multirange's element type (pg_range.rngsubtype), else 0.
    range_subtype: int = 0


@dataclass(frozen=True, slots=True)
class RelationColumn:
    """A column as the catalog stores it."""

    name: str
    type_oid: int
    formatted: str
    not_null: bool
    has_default: bool
    identity: str
    generated: bool
    comment: str | None
    # A generated column's expression (pg_get_expr), else None.
    generation: str | None = None


@dataclass(frozen=True, slots=True)
class RelationCheck:
    """A CHECK constraint: its name, ``pg_get_constraintdef`` text and the columns it reads."""

    name: str
    definition: str
    columns: tuple[str, ...]
    validated: bool


@dataclass(frozen=True, slots=True)
class Relation:
    """A table (``r``/``p``), view (``v``), materialized view (``m``) or composite type (``c``)."""

    oid: int
    schema: str
    name: str
    relkind: str
    columns: tuple[RelationColumn, ...]
    comment: str | None
    view_sql: str | None
    from_extension: bool
    checks: tuple[RelationCheck, ...] = ()
    # A partition of a partitioned table: rows of the parent's shape, so no model of its own.
    partition: bool = False


@dataclass
class Catalog:
    """The catalog as codegen needs it; also the nullability module's ``CatalogLookup``."""

    types: dict[int, PgType]
    enums: dict[int, tuple[str, ...]]
    enum_comments: dict[int, str]
    relations: list[Relation]
    search_path: tuple[str, ...] = ("public",)
    # Each domain's CHECK constraints (by domain type oid); ``columns`` is empty.
    domain_checks: dict[int, tuple[RelationCheck, ...]] = field(default_factory=dict)
    # The server's meaning of the regex escapes \s \d \w that CHECK constraints use: letter ->
    # character-class body (codegen.checks.class_body), read by read_catalog.
    regex_classes: dict[str, str] = field(default_factory=dict)
    # Names of set-returning functions (any overload): a call in a select list can yield no row.
    set_returning: frozenset[str] = frozenset()
    _by_name: dict[tuple[str, str], Relation] = field(default_factory=dict, repr=False)
    _elements: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {(r.schema, r.name): r for r in self.relations}
        self._elements = {}
        for rel in self.relations:
            proven: set[str] = set()
            for check in rel.checks:
                if check.validated:
                    proven |= elements_not_null(check.definition) & set(check.columns)
            proven |= {c.name for c in rel.columns if self.type_elements_not_null(c.type_oid)}
            self._elements[rel.oid] = frozenset(proven)

    def domain_constraints(self, oid: int) -> tuple[bool, bool]:
        """``(not null, has default)`` of ``oid`` when it is a domain (over domains ...): NOT
        NULL on any of them; the default of the outermost that has one."""
        not_null = has_default = False
        seen: set[int] = set()
        pg = self.types.get(oid)
        while pg is not None and pg.kind == "d" and pg.oid not in seen:
            seen.add(pg.oid)
            not_null = not_null or pg.not_null
            has_default = has_default or pg.has_default
            pg = self.types.get(pg.base)
        return not_null, has_default

    def type_elements_not_null(self, oid: int) -> bool:
        """Whether ``oid`` is a domain (over a domain ...) over an array whose validated CHECK
        constraint proves its elements never NULL (``array_position(VALUE, NULL) IS NULL``)."""
        seen: set[int] = set()
        pg = self.types.get(oid)
        while pg is not None and pg.kind == "d" and pg.oid not in seen:
            seen.add(pg.oid)
            for check in self.domain_checks.get(pg.oid, ()):
                if check.validated and "value" in elements_not_null(check.definition):
                    return True
            pg = self.types.get(pg.base)
        return False

    def elements_not_null(self, rel: Relation) -> frozenset[str]:
        """Array columns of ``rel`` whose elements a validated CHECK (or their domain) proves
        never NULL."""
        return self._elements.get(rel.oid, frozenset())

    def find(self, schema: str | None, name: str) -> Relation | None:
        """The relation ``schema.name``, or the first on the search path when ``schema`` is None."""
        if schema is not None:
            return self._by_name.get((schema, name))
        for candidate in self.search_path:
            found = self._by_name.get((candidate, name))
            if found is not None:
                return found
        return None

    def relation(self, schema: str | None, name: str) -> Sequence[CatalogColumn] | None:
        found = self.find(schema, name)
        if found is None:
            return None
        proven = self.elements_not_null(found)
        return [
            CatalogColumn(c.name, c.formatted, c.not_null, c.type_oid, c.name in proven)
            for c in found.columns
        ]

    def view_sql(self, schema: str | None, name: str) -> str | None:
        found = self.find(schema, name)
        return None if found is None else found.view_sql


def migration_scripts(directory: Path) -> list[tuple[str, str]]:
    """``(file, up SQL)`` of every dbmate migration, in filename order."""
    if not directory.is_dir():
        raise CodegenError(f"{directory}: migrations directory not found")
    out: list[tuple[str, str]] = []
    for path in sorted(directory.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        up = re.search(r"^--\s*migrate:up\b.*$", text, re.MULTILINE)
        if up is None:
            raise CodegenError(f"{path}:1: no '-- migrate:up' line (dbmate format)")
        down = re.search(r"^--\s*migrate:down\b.*$", text[up.end() :], re.MULTILINE)
        body = text[up.end() : up.end() + down.start()] if down else text[up.end() :]
        out.append((str(path), "\n" * text[: up.end()].count("\n") + body))
    return out


def schema_scripts(files: Sequence[Path]) -> list[tuple[str, str]]:
    """``(file, SQL)`` of plain DDL files, in the order given."""
    out: list[tuple[str, str]] = []
    for path in files:
        if not path.is_file():
            raise CodegenError(f"{path}: schema file not found")
        out.append((str(path), path.read_text(encoding="utf-8")))
    return out


@asynccontextmanager
async def scratch_database(admin_url: str) -> AsyncIterator[str]:
    """Create a uniquely named database next to ``admin_url``; yield its URL; always drop it."""
    name = f"postsql_codegen_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(admin_url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise CodegenError(f"cannot connect to {redact(admin_url)}: {exc}") from exc
    try:
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.PostgresError as exc:
            raise CodegenError(
                f"cannot create the scratch database on {redact(admin_url)}: {exc} "
                "(codegen needs a role allowed CREATE DATABASE; --database-url names another "
                "server or role)"
            ) from exc
        try:
            yield with_database(admin_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


_DUMP_HEADER = re.compile(r"^--\s*PostgreSQL database dump\b", re.MULTILINE)
_COPY_FROM_STDIN = re.compile(r"^COPY\b.*\bFROM\s+stdin\b", re.IGNORECASE)
# Ownership and privileges name roles the scratch server does not have; codegen needs neither.
_ROLE_STATEMENT = re.compile(
    r"^(ALTER\s+.*\s+OWNER\s+TO\s|GRANT\s|REVOKE\s|ALTER\s+DEFAULT\s+PRIVILEGES\s)",
    re.IGNORECASE,
)


def is_pg_dump(sql: str) -> bool:
    """Whether ``sql`` is a plain-format ``pg_dump`` (its header comment, near the top)."""
    return _DUMP_HEADER.search(sql[:2000]) is not None


def as_psql_runs(sql: str) -> str:
    """A ``pg_dump`` file as ``psql`` runs it, minus what only psql or a real cluster has.

    psql's meta-commands (``\\restrict KEY``, ``\\connect``...) are psql's own, not SQL; table
    data (``COPY ... FROM stdin`` up to ``\\.``) is not needed to describe queries; ownership and
    privilege statements name roles this server lacks. Each dropped line becomes an empty one,
    so the server's line numbers still point into the file.
    """
    out: list[str] = []
    in_copy = False
    for line in sql.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        drop = in_copy or bare.startswith("\\") or _ROLE_STATEMENT.match(bare) is not None
        if in_copy and bare == "\\.":
            in_copy = False
        elif not in_copy and _COPY_FROM_STDIN.match(bare):
            in_copy = drop = True
        out.append("\n" if drop else line)
    return "".join(out)


def _has_statement(sql: str) -> bool:
    # asyncpg fails with an AttributeError on a script without statements (only comments).
    try:
        return bool(pglast.split(sql))
    except Exception:  # pglast's grammar may trail the server's: let the server judge
        return True


async def apply_schema(conn: asyncpg.Connection, scripts: Sequence[tuple[str, str]]) -> None:
    """Run each script; a failure names the file and line PostgreSQL complained about.

    A ``pg_dump`` file runs as :func:`as_psql_runs` makes it; a file of only comments is skipped.
    Settings a script makes for its session (a dump empties ``search_path``) end with it: describe
    queries on a new connection, as psql's session would have ended.
    """
    for file, script in scripts:
        sql = as_psql_runs(script) if is_pg_dump(script) else script
        if not _has_statement(sql):
            continue
        try:
            await conn.execute(sql)
        except asyncpg.PostgresError as exc:
            position = getattr(exc, "position", None)
            line = sql[: int(position) - 1].count("\n") + 1 if position else 1
            raise CodegenError(f"{file}:{line}: schema failed to apply: {exc}") from exc


_TYPES_SQL = """
SELECT t.oid::int AS oid, n.nspname AS schema, t.typname AS name, t.typtype::text AS kind,
       t.typcategory::text AS category, t.typelem::int AS elem, t.typbasetype::int AS base,
       t.typrelid::int AS relid, format_type(t.oid, NULL) AS formatted,
       t.typnotnull AS not_null, t.typdefaultbin IS NOT NULL AS has_default,
       coalesce(r.rngsubtype, m.rngsubtype, 0)::int AS range_subtype
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_range r ON r.rngtypid = t.oid
-- rngmultitypid is new in PostgreSQL 14 (multiranges); read through to_jsonb to run on 13 too.
LEFT JOIN pg_range m ON t.typtype = 'm' AND (to_jsonb(m) ->> 'rngmultitypid')::oid = t.oid
"""

# From pg_type, not pg_enum: an enum with no labels (CREATE TYPE e AS ENUM ()) has no pg_enum row.
_ENUMS_SQL = """
SELECT t.oid::int AS oid,
       coalesce(array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                FILTER (WHERE e.enumlabel IS NOT NULL), '{}') AS labels,
       obj_description(t.oid, 'pg_type') AS comment
FROM pg_type t LEFT JOIN pg_enum e ON e.enumtypid = t.oid
WHERE t.typtype = 'e'
GROUP BY t.oid
"""

_RELATIONS_SQL = """
SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
       obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS view_sql,
       EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
               AND d.objid = c.oid AND d.deptype = 'e')
       OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
               AND d.objid = c.reltype AND d.deptype = 'e') AS from_extension,
       c.relispartition AS partition
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'c')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
"""

_COLUMNS_SQL = """
SELECT a.attrelid::int AS relid, a.attname AS name, a.atttypid::int AS type_oid,
       format_type(a.atttypid, a.atttypmod) AS formatted,
       -- PostgreSQL 18 sets attnotnull for a NOT NULL ... NOT VALID constraint too, yet rows
       -- written before it may still hold NULL; and a NO INHERIT one leaves the rows of child
       -- tables, which a query of the parent reads, free to hold NULL.
       a.attnotnull AND NOT EXISTS (
           SELECT 1 FROM pg_constraint k
           WHERE k.conrelid = a.attrelid AND k.contype = 'n'
             AND (NOT k.convalidated OR k.connoinherit)
             AND k.conkey[1] = a.attnum) AS not_null,
       a.atthasdef AS has_default, a.attidentity::text AS identity,
       a.attgenerated::text <> '' AS generated, col_description(a.attrelid, a.attnum) AS comment,
       CASE WHEN a.attgenerated::text <> '' THEN pg_get_expr(d.adbin, d.adrelid) END AS generation
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
ORDER BY a.attrelid, a.attnum
"""

_CHECKS_SQL = """
SELECT c.conrelid::int AS relid, c.conname AS name, pg_get_constraintdef(c.oid) AS definition,
       c.convalidated AS validated,
       coalesce((SELECT array_agg(a.attname::text ORDER BY k.ord)
                 FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),
                '{}') AS columns
FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
WHERE c.contype = 'c'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
ORDER BY c.conrelid, c.conname
"""

_DOMAIN_CHECKS_SQL = """
SELECT c.contypid::int AS oid, c.conname AS name, pg_get_constraintdef(c.oid) AS definition,
       c.convalidated AS validated
FROM pg_constraint c
WHERE c.contype = 'c' AND c.contypid <> 0
ORDER BY c.contypid, c.conname
"""


async def read_catalog(conn: asyncpg.Connection) -> Catalog:
    """Types, enums and every user relation with its columns."""
    types = {
        r["oid"]: PgType(
            r["oid"], r["schema"], r["name"], r["kind"], r["category"], r["elem"], r["base"],
            r["relid"], r["formatted"], r["not_null"], r["has_default"], r["range_subtype"],
        )
        for r in await conn.fetch(_TYPES_SQL)
    }  # fmt: skip
    enums: dict[int, tuple[str, ...]] = {}
    enum_comments: dict[int, str] = {}
    for r in await conn.fetch(_ENUMS_SQL):
        enums[r["oid"]] = tuple(r["labels"])
        if r["comment"]:
            enum_comments[r["oid"]] = r["comment"]
    columns: dict[int, list[RelationColumn]] = {}
    for r in await conn.fetch(_COLUMNS_SQL):
        columns.setdefault(r["relid"], []).append(
            RelationColumn(
                r["name"], r["type_oid"], r["formatted"], r["not_null"], r["has_default"],
                {"a": "always", "d": "by_default"}.get(r["identity"], ""), r["generated"],
                r["comment"], r["generation"],
            )
        )  # fmt: skip
    checks: dict[int, list[RelationCheck]] = {}
    for r in await conn.fetch(_CHECKS_SQL):
        checks.setdefault(r["relid"], []).append(
            RelationCheck(r["name"], r["definition"], tuple(r["columns"]), r["validated"])
        )
    relations = [
        Relation(
            r["oid"], r["schema"], r["name"], r["relkind"], tuple(columns.get(r["oid"], [])),
            r["comment"], r["view_sql"], r["from_extension"], tuple(checks.get(r["oid"], [])),
            r["partition"],
        )
        for r in await conn.fetch(_RELATIONS_SQL)
    ]  # fmt: skip
    relations.sort(key=lambda rel: (rel.schema, rel.name))
    domain_checks: dict[int, list[RelationCheck]] = {}
    for r in await conn.fetch(_DOMAIN_CHECKS_SQL):
        domain_checks.setdefault(r["oid"], []).append(
            RelationCheck(r["name"], r["definition"], (), r["validated"])
        )
    path = await conn.fetchval("SELECT current_schemas(false)")
    used = frozenset().union(
        *(class_escapes_used(c.definition) for rel in relations for c in rel.checks)
    )
    regex_classes = {letter: await _regex_class(conn, letter) for letter in sorted(used)}
    set_returning = frozenset(
        await conn.fetchval(
            "SELECT coalesce(array_agg(DISTINCT proname::text), '{}') FROM pg_proc WHERE proretset"
        )
    )
    catalog = Catalog(
        types, enums, enum_comments, relations, tuple(path) or ("public",),
        {oid: tuple(checks) for oid, checks in domain_checks.items()}, regex_classes,
        set_returning,
    )  # fmt: skip
    proven = _generated_not_null(catalog)
    if not proven:
        return catalog
    return replace(
        catalog,
        relations=[
            replace(rel, columns=tuple(
                replace(c, not_null=True) if (rel.oid, c.name) in proven else c
                for c in rel.columns
            ))
            for rel in relations
        ],
    )  # fmt: skip


def _generated_not_null(catalog: Catalog) -> set[tuple[int, str]]:
    """Generated columns whose expression is proven non-null over the row's own columns (a
    generated column has no NOT NULL of its own): ``(relation oid, column)``."""
    proven: set[tuple[int, str]] = set()
    for rel in catalog.relations:
        for col in rel.columns:
            if col.generation is None or col.not_null:
                continue
            # Only parsed by the analysis, never sent to a server.
            sql = f"SELECT ({col.generation}) AS g FROM ONLY {_quoted(rel.schema, rel.name)}"  # noqa: S608
            # Catalog's columns are the analysis' CatalogColumn in all but the class.
            analysis = analyze_query(sql, cast(CatalogLookup, catalog), ["g"])
            if not analysis.columns[0].nullable:
                proven.add((rel.oid, col.name))
    return proven


def _quoted(schema: str, name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


async def _regex_class(conn: asyncpg.Connection, letter: str) -> str:
    """Every character the server's ``\\<letter>`` matches (its LC_CTYPE decides), as a class body.

    One scan of all code points (surrogates excluded, chr refuses them): about 0.2 s, done only
    for the escapes some CHECK constraint uses.
    """
    points = await conn.fetchval(
        "SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM generate_series(1, 1114111) AS c"
        " WHERE c NOT BETWEEN 55296 AND 57343 AND chr(c) ~ $1",
        "\\" + letter,
    )
    return class_body(points)


@dataclass(frozen=True, slots=True)
class Described:
    """The server's describe of a prepared statement: ``(name, type oid)`` pairs."""

    params: tuple[int, ...]
    columns: tuple[tuple[str, int], ...]


async def describe(conn: asyncpg.Connection, sql: str) -> Described:
    """Prepare ``sql`` (never executing it) and return its parameter and column types."""
    stmt = await conn.prepare(sql)
    return Described(
        params=tuple(t.oid for t in stmt.get_parameters()),
        columns=tuple((a.name, a.type.oid) for a in stmt.get_attributes()),
    )


def is_system_schema(schema: str) -> bool:
    """Whether ``schema`` belongs to PostgreSQL itself."""
    return schema in _SYSTEM_SCHEMAS or schema.startswith("pg_")
