"""Cross-check the analysis against a real server: proven non-null columns never come back NULL.

The catalog is read from the migrated test database, the queries are described by the server (so
the column names are the real ones), rows that provoke NULLs are inserted, and every column the
analysis calls ``proven_non_null`` is checked in every returned row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import pytest

from postsql.codegen.introspect import read_catalog
from postsql.codegen.nullability import CatalogColumn, analyze_query

_COLUMNS = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type_name,
       a.attnotnull, a.atttypid::int AS type_oid
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p') AND a.attnum > 0
   AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum
"""

_VIEWS = """
SELECT c.relname, pg_get_viewdef(c.oid) AS sql
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
"""


@dataclass
class SnapshotCatalog:
    """A :class:`CatalogLookup` over a snapshot of the public schema."""

    relations: dict[str, list[CatalogColumn]]
    views: dict[str, str]

    def relation(self, schema: str | None, name: str) -> Sequence[CatalogColumn] | None:
        return self.relations.get(name) if schema in (None, "public") else None

    def view_sql(self, schema: str | None, name: str) -> str | None:
        return self.views.get(name) if schema in (None, "public") else None


async def _snapshot(conn: asyncpg.Connection) -> SnapshotCatalog:
    relations: dict[str, list[CatalogColumn]] = {}
    for r in await conn.fetch(_COLUMNS):
        column = CatalogColumn(r["attname"], r["type_name"], r["attnotnull"], r["type_oid"])
        relations.setdefault(r["relname"], []).append(column)
    views = {r["relname"]: r["sql"] for r in await conn.fetch(_VIEWS)}
    return SnapshotCatalog(relations, views)


_FIXTURE_ROWS = """
INSERT INTO users (email, name) VALUES ('a@x', 'Ann'), ('b@x', 'Bob');
INSERT INTO user_profiles (user_id, bio) SELECT id, NULL FROM users WHERE email = 'a@x';
INSERT INTO posts (title, content, slug, author_id)
     SELECT 'T' || g, 'C', 's' || g, (SELECT id FROM users WHERE email = 'a@x')
       FROM generate_series(1, 2) g;
INSERT INTO comments (post_id, author_id, content)
     SELECT p.id, p.author_id, 'hi' FROM posts p WHERE p.slug = 's1';
INSERT INTO categories (name, slug) VALUES ('Empty', 'empty');
INSERT INTO roles (name) VALUES ('probe-no-permissions');
CREATE VIEW post_cards AS
     SELECT p.id, p.title, u.name AS author, p.excerpt
       FROM posts p JOIN users u ON u.id = p.author_id;
"""

# json_object_agg_unique() is an aggregate: NULL over zero rows.
_JSON_OBJECT_AGG_UNIQUE = (
    "SELECT json_object_agg_unique(name, id) AS o, count(*) AS n FROM users WHERE false"
)
# A cast from jsonb to a scalar maps JSON null to SQL NULL.
_JSONB_NULL_CAST = (
    "SELECT e.value::int AS v, e.value AS raw FROM jsonb_array_elements('[1, null]') AS e"
)
# Queries the server can only run from some major version on: (version, why).
_NEEDS_SERVER = {
    _JSON_OBJECT_AGG_UNIQUE: (16, "json_object_agg_unique() is new in PostgreSQL 16"),
    _JSONB_NULL_CAST: (18, "before PostgreSQL 18 a cast of a JSON null raises instead of NULL"),
}

QUERIES = [
    "SELECT u.id, u.email, p.id AS post_id, p.title FROM users u "
    "LEFT JOIN posts p ON p.author_id = u.id",
    "SELECT p.id, count(c.id) AS n, max(c.id) AS last_id, "
    "coalesce(json_agg(c.content) FILTER (WHERE c.id IS NOT NULL), '[]') AS contents "
    "FROM posts p LEFT JOIN comments c ON c.post_id = p.id GROUP BY p.id",
    "SELECT u.email, up.bio, up.preferences FROM users u "
    "LEFT JOIN user_profiles up ON up.user_id = u.id",
    "SELECT c.id, pc.post_id, count(*) OVER () AS n FROM categories c "
    "FULL JOIN post_categories pc "
    "ON pc.category_id = c.id",
    "SELECT (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS n, "
    "(SELECT max(c.id) FROM comments c WHERE c.post_id = p.id) AS last_id FROM posts p",
    "SELECT id, author, excerpt FROM post_cards",
    "SELECT sum(view_count) AS total, count(*) AS n FROM posts WHERE false",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) "
    "SELECT n, row_number() OVER () AS rn FROM r",
    "INSERT INTO categories (name, slug) VALUES ('New', 'new') RETURNING *",
    "SELECT p.id, row_to_json(u) AS author FROM posts p "
    "LEFT JOIN users u ON u.id = p.author_id AND u.email = 'nobody'",
    # ROLLUP's super-aggregate row: a grouped column is NULL for a correlated subquery and for
    # a window function's argument too, not only when selected directly.
    "SELECT p.author_id, (SELECT p.author_id) AS again, count(*) AS n "
    "FROM posts p GROUP BY ROLLUP (p.author_id)",
    "SELECT sum(p.author_id) OVER (ORDER BY p.author_id NULLS FIRST) AS running, count(*) AS n "
    "FROM posts p GROUP BY ROLLUP (p.author_id)",
    # array_dims() and array_ndims() of an empty array are NULL.
    "SELECT array_dims(permissions) AS dims, array_ndims(permissions) AS ndims, "
    "cardinality(permissions) AS n FROM roles",
    _JSON_OBJECT_AGG_UNIQUE,
    _JSONB_NULL_CAST,
]


@pytest.mark.parametrize("sql", QUERIES)
async def test_proven_non_null_columns_hold_on_the_server(
    conn: asyncpg.Connection, sql: str
) -> None:
    if sql in _NEEDS_SERVER:
        version, why = _NEEDS_SERVER[sql]
        if conn.get_server_version().major < version:
            pytest.skip(why)
    await conn.execute(_FIXTURE_ROWS)
    catalog = await _snapshot(conn)
    statement = await conn.prepare(sql)
    names = [attribute.name for attribute in statement.get_attributes()]
    analysis = analyze_query(sql, catalog, names)
    assert any(not c.nullable for c in analysis.columns), [c.reason for c in analysis.columns]
    rows = await statement.fetch()
    assert rows, "the fixture rows should make every query return something"
    for i, column in enumerate(analysis.columns):
        if not column.nullable:
            assert all(row[i] is not None for row in rows), (names[i], column.reason)


async def test_view_definitions_from_the_server_are_analysed(conn: asyncpg.Connection) -> None:
    await conn.execute(_FIXTURE_ROWS)
    catalog = await _snapshot(conn)
    analysis = analyze_query(
        "SELECT * FROM post_cards", catalog, ["id", "title", "author", "excerpt"]
    )
    assert [c.nullable for c in analysis.columns] == [False, False, False, True]


async def test_not_valid_not_null_constraint_leaves_the_column_nullable(
    conn: asyncpg.Connection,
) -> None:
    # PostgreSQL 18 sets attnotnull for NOT NULL ... NOT VALID, but older rows may hold NULL.
    if conn.get_server_version().major < 18:
        pytest.skip("NOT NULL ... NOT VALID needs PostgreSQL 18")
    await conn.execute(
        "CREATE TABLE legacy (id int PRIMARY KEY, note text, tag text NOT NULL);"
        "INSERT INTO legacy VALUES (1, NULL, 't');"
        "ALTER TABLE legacy ADD CONSTRAINT legacy_note_nn NOT NULL note NOT VALID;"
    )
    assert await conn.fetchval("SELECT count(*) FROM legacy WHERE note IS NULL") == 1
    read = (await read_catalog(conn)).relation(None, "legacy") or ()
    assert {c.name: c.not_null for c in read} == {"id": True, "note": False, "tag": True}
    columns = [CatalogColumn(c.name, c.type_name, c.not_null, c.type_oid) for c in read]
    catalog = SnapshotCatalog({"legacy": columns}, {})
    analysis = analyze_query("SELECT note, tag FROM legacy", catalog, ["note", "tag"])
    assert [c.nullable for c in analysis.columns] == [True, False]


async def test_no_inherit_not_null_leaves_the_parent_column_nullable(
    conn: asyncpg.Connection,
) -> None:
    # A query of the parent reads the child's rows, where a NO INHERIT NOT NULL does not apply.
    if conn.get_server_version().major < 18:
        pytest.skip("NOT NULL ... NO INHERIT needs PostgreSQL 18")
    await conn.execute(
        "CREATE TABLE parent_row (id int NOT NULL, note text);"
        "ALTER TABLE parent_row ADD CONSTRAINT parent_row_note_nn NOT NULL note NO INHERIT;"
        "CREATE TABLE child_row () INHERITS (parent_row);"
        "INSERT INTO child_row VALUES (1, NULL);"
    )
    assert await conn.fetchval("SELECT count(*) FROM parent_row WHERE note IS NULL") == 1
    read = (await read_catalog(conn)).relation(None, "parent_row") or ()
    assert {c.name: c.not_null for c in read} == {"id": True, "note": False}


# Each writes a value other than the one its WHERE (or DO UPDATE ... WHERE) tested.
_NEW_VALUE_WRITES = [
    "UPDATE posts SET excerpt = nullif('', '') WHERE excerpt IS NOT NULL RETURNING id, excerpt",
    "UPDATE posts SET status = 'DRAFT', published_at = NULL WHERE published_at IS NOT NULL "
    "RETURNING id, published_at",
    "UPDATE posts SET excerpt = NULL WHERE excerpt > '' RETURNING id, excerpt, new.excerpt AS n",
    "INSERT INTO posts AS p (title, content, slug, author_id) "
    "SELECT 'T', 'C', 's1', author_id FROM posts LIMIT 1 ON CONFLICT (slug) DO UPDATE "
    "SET excerpt = NULL WHERE p.excerpt IS NOT NULL RETURNING id, excerpt",
    "MERGE INTO posts p USING (SELECT 's1' AS slug) s ON p.slug = s.slug "
    "WHEN MATCHED AND p.excerpt IS NOT NULL THEN UPDATE SET excerpt = NULL "
    "RETURNING p.id, p.excerpt",
]


@pytest.mark.parametrize("sql", _NEW_VALUE_WRITES)
async def test_returning_after_a_write_gives_the_new_value_not_the_tested_one(
    conn: asyncpg.Connection, sql: str
) -> None:
    if sql.startswith("MERGE") and conn.get_server_version().major < 17:
        pytest.skip("MERGE ... RETURNING is new in PostgreSQL 17")
    if " new." in sql and conn.get_server_version().major < 18:
        pytest.skip("RETURNING new.column is new in PostgreSQL 18")
    await conn.execute(_FIXTURE_ROWS)
    await conn.execute("UPDATE posts SET excerpt = 'e', status = 'PUBLISHED', published_at = now()")
    catalog = await _snapshot(conn)
    statement = await conn.prepare(sql)
    names = [attribute.name for attribute in statement.get_attributes()]
    analysis = analyze_query(sql, catalog, names)
    rows = await statement.fetch()
    assert rows, "the fixture rows should make every write return something"
    assert all(row[1] is None for row in rows)
    for i, column in enumerate(analysis.columns):
        if not column.nullable:
            assert all(row[i] is not None for row in rows), (names[i], column.reason)
