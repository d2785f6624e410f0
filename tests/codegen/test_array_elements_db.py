"""Array elements on a real server: every element typed non-null is never NULL in the probe data.

The ``array_elements`` golden case is generated end to end (its annotations are what users get),
its schema is applied to the test database with rows that provoke NULL elements wherever the
rules allow them, and every query's rows are checked against its generated annotation at every
nesting level: ``list[T]`` must hold no ``None``.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from codegen.helpers import CASES, generate_case
from postsql.codegen.cli import manifest
from postsql.codegen.introspect import read_catalog
from postsql.codegen.ir import Query
from postsql.errors import QueryCheckError, QueryParseError

pytestmark = pytest.mark.db

CASE = CASES / "array_elements"

# Rows written before the NOT VALID constraint: boxes.unvalidated holds a NULL element.
_PROBE_ROWS = """
INSERT INTO authors VALUES (1, 'Ann', NULL), (2, 'Bob', 'bobby');
INSERT INTO boxes (
    id, author_id, loose, checked, unvalidated, domained, short, moods, grid, place
)
VALUES
    (1, 1, '{a,NULL}', '{x,y}', '{NULL}', '{d}', '{NULL}', '{happy,NULL}',
     '{"{g}",NULL}', ROW('s', '{NULL,l}', '{t}')),
    (2, NULL, '{NULL}', '{}', NULL, NULL, NULL, '{}', NULL, NULL),
    (3, 2, '{}', '{z}', '{u}', '{}', '{}', '{sad}', '{}', ROW(NULL, NULL, NULL));
"""

_PARAMS = {"id": 1, "text": "a,,b  c"}


def _strip_none(annotation: str) -> str:
    return annotation.removesuffix(" | None")


def _check(value: object, annotation: str, where: str) -> None:
    """Fail when ``value`` has a None where ``annotation`` (``list[...]`` nesting) forbids one."""
    annotation = _strip_none(annotation)
    if value is None or not annotation.startswith("list["):
        return
    inner = annotation[len("list[") : -1]
    assert isinstance(value, list), where
    for element in value:
        assert element is not None or inner.endswith(" | None"), f"{where}: {annotation}"
        _check(element, inner, where)


async def _apply_schema_with_probe_rows(conn: asyncpg.Connection) -> None:
    schema = (CASE / "schema.sql").read_text(encoding="utf-8")
    head, sep, tail = schema.partition("ALTER TABLE boxes ADD CONSTRAINT")
    await conn.execute(head)
    await conn.execute(_PROBE_ROWS)
    await conn.execute(sep + tail)


async def _rows(conn: asyncpg.Connection, query: Query) -> list[asyncpg.Record]:
    args = [_PARAMS[p.sql_name] for p in sorted(query.params, key=lambda p: p.position)]
    return await conn.fetch(query.sql, *args)


async def test_elements_typed_non_null_are_never_null_on_the_server(
    admin_url: str, conn: asyncpg.Connection
) -> None:
    project = (await generate_case(CASE, admin_url, format_output=False)).project
    await _apply_schema_with_probe_rows(conn)
    checked = 0
    for query in project.queries:
        if not query.columns or any(
            c.reason == "@nonnull override" or c.name == "loose" for c in query.columns
        ):
            continue  # an override is the user's promise, which the probe rows break on purpose
        rows = await _rows(conn, query)
        assert rows, query.name
        for row in rows:
            for i, column in enumerate(query.columns):
                if column.name == "place" and row[i] is not None:
                    shelf = {t.class_name: t for t in project.tables}["Shelf"]
                    for field, value in zip(shelf.columns, row[i], strict=True):
                        ann = field.py.optional(field.nullable).annotation
                        _check(value, ann, f"{query.name}.place.{field.name}")
                        checked += ann.startswith("list[") and "| None]" not in ann
                    continue
                _check(row[i], column.annotation.annotation, f"{query.name}.{column.name}")
                checked += column.annotation.annotation.startswith("list[")
    assert checked > 10


async def test_table_models_match_what_the_server_stores(
    admin_url: str, conn: asyncpg.Connection
) -> None:
    project = (await generate_case(CASE, admin_url, format_output=False)).project
    await _apply_schema_with_probe_rows(conn)
    for table in project.tables:
        if table.kind == "composite":
            continue
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        for row in await conn.fetch(f"SELECT {names} FROM {table.name}"):
            for i, column in enumerate(table.columns):
                ann = column.py.optional(column.nullable).annotation
                _check(row[i], ann, f"{table.name}.{column.name}")


async def test_left_join_array_agg_is_typed_with_nullable_elements_and_needs_them(
    admin_url: str, conn: asyncpg.Connection
) -> None:
    project = (await generate_case(CASE, admin_url, format_output=False)).project
    query = next(q for q in project.queries if q.name == "author_names_per_box")
    assert [c.annotation.annotation for c in query.columns] == ["int", "list[str | None]"]
    await _apply_schema_with_probe_rows(conn)
    rows = await _rows(conn, query)
    # The box without an author: the server returns [None], which list[str] would reject.
    assert [None] in [row["names"] for row in rows]
    filtered = next(q for q in project.queries if q.name == "author_names_filtered")
    assert filtered.columns[1].annotation.annotation == "list[str] | None"


async def test_manifest_follows_the_annotation_and_names_the_element_rule(
    admin_url: str,
) -> None:
    data = manifest((await generate_case(CASE, admin_url, format_output=False)).project)
    queries = {q["name"]: q for q in data["queries"]}  # type: ignore[attr-defined]
    names = {c["name"]: c["python_type"] for c in queries["author_names_per_box"]["columns"]}
    assert names["names"] == "list[str | None]"
    params = {p["name"]: p["python_type"] for p in queries["set_loose"]["params"]}
    assert params == {"id": "int", "loose": "list[str]"}
    forced = {c["name"]: c["python_type"] for c in queries["loose_forced"]["columns"]}
    assert forced["loose"] == "list[str]"
    tables = {t["name"]: t for t in data["tables"]}  # type: ignore[attr-defined]
    checks = {k["name"]: k for k in tables["boxes"]["checks"]}
    assert checks["boxes_checked_check"]["elements_not_null"] == ["checked"]
    assert checks["boxes_checked_check"]["checked_by_model"] is True
    # NOT VALID: old rows may break it, so it proves nothing.
    assert "elements_not_null" not in checks["boxes_unvalidated_no_null"]
    columns = {c["name"]: c["python_type"] for c in tables["boxes"]["columns"]}
    assert columns["checked"] == "list[str]"
    assert columns["unvalidated"] == "list[str | None] | None"


def _case(tmp_path: Path, queries: str) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY, tags text[] NOT NULL, "
        "safe text[] CHECK (array_position(safe, NULL) IS NULL));",
        encoding="utf-8",
    )
    (tmp_path / "queries" / "t.sql").write_text(queries, encoding="utf-8")
    return tmp_path


async def test_nullable_elements_override_contradicting_a_proof_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nullable safe[]\nSELECT safe FROM t;\n")
    with pytest.raises(
        QueryCheckError,
        match=r"t.sql:2: q: @nullable safe\[\] contradicts a proof that its elements are never "
        r"NULL \(t.safe: a CHECK",
    ):
        await generate_case(case, admin_url)


async def test_nullable_elements_override_without_a_proof_is_accepted(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nullable tags[]\nSELECT tags FROM t;\n")
    project = (await generate_case(case, admin_url, format_output=False)).project
    assert project.queries[0].columns[0].annotation.annotation == "list[str | None]"


async def test_element_override_on_a_non_array_column_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nonnull id[]\nSELECT id FROM t;\n")
    with pytest.raises(QueryCheckError, match=r"t.sql:2: q: @nonnull id\[\]: the column is "):
        await generate_case(case, admin_url)


async def test_element_override_on_an_unknown_column_names_it(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nonnull tagz[]\nSELECT tags FROM t;\n")
    with pytest.raises(QueryCheckError, match=r"t.sql:2: q: @nonnull names unknown column 'tagz'"):
        await generate_case(case, admin_url)


async def test_element_override_with_bad_syntax_is_a_parse_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nonnull tags[ ]\nSELECT tags FROM t;\n")
    with pytest.raises(QueryParseError, match=r"t.sql:2: @nonnull takes column names"):
        await generate_case(case, admin_url)


async def test_blog_array_columns_refuse_null_elements_so_their_list_str_holds(
    conn: asyncpg.Connection,
) -> None:
    catalog = await read_catalog(conn)
    for table, column in (("roles", "permissions"), ("audit_log", "changed_columns")):
        found = {c.name: c for c in catalog.relation(None, table) or ()}
        assert found[column].elements_not_null, (table, column)
    with pytest.raises(asyncpg.CheckViolationError, match="roles_permissions_no_null_check"):
        await conn.execute("INSERT INTO roles (name, permissions) VALUES ('probe', '{a,NULL}')")
    # The audit trigger's changed_columns of a real UPDATE: keys, never NULL.
    await conn.execute("INSERT INTO roles (name, permissions) VALUES ('probe', '{a}')")
    await conn.execute(
        "UPDATE roles SET permissions = '{b}', description = 'd' WHERE name = 'probe'"
    )
    changed = await conn.fetchval(
        "SELECT changed_columns FROM audit_log WHERE table_name = 'roles' AND action = 'UPDATE'"
    )
    assert changed == ["description", "permissions"]
