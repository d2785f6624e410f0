"""Nested JSON models against a real server: the generated model must take the rows as they are.

Each probe query is generated end to end into an importable package, its schema is applied to
the test database with rows that exercise JSON's renderings (a numeric(30,10) past double
precision, a bigint past 2**53, bytea, interval with months, composites, NULLs from outer joins),
and the generated function is called on it: every row must validate. Where a query also selects
a nested value as a plain column (binary protocol), a nested field typed like that column must
decode to the same value; one typed otherwise must be a type that claims no more than the JSON
text gives (``str``, ``int | float``, a plain JSON value or a nested model).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import pytest
from pydantic import BaseModel

from codegen.helpers import generate_case, write_package
from postsql.codegen.cli import Generated
from postsql.errors import QueryCheckError

pytestmark = pytest.mark.db

SCHEMA = """
CREATE TYPE jmood AS ENUM ('ok', 'sad');
CREATE DOMAIN jblob AS bytea;
CREATE TYPE jpair AS (label text, amount numeric(30,10), raw bytea, span interval);
CREATE TYPE jplain AS (label text, n integer);
CREATE TABLE jt (
    id bigint PRIMARY KEY,
    n numeric(30,10) NOT NULL,
    big bigint NOT NULL,
    ts timestamp NOT NULL,
    tstz timestamptz NOT NULL,
    d date NOT NULL,
    tm time NOT NULL,
    iv interval NOT NULL,
    b bytea NOT NULL,
    bs bytea[] NOT NULL,
    u uuid NOT NULL,
    ip inet NOT NULL,
    m jmood NOT NULL,
    tags text[] NOT NULL,
    p jpair NOT NULL,
    plain jplain NOT NULL,
    dom jblob NOT NULL,
    f float8 NOT NULL,
    note text
);
CREATE TABLE jc (id bigint PRIMARY KEY, jt_id bigint NOT NULL REFERENCES jt, body text NOT NULL);
"""

ROWS = r"""
INSERT INTO jt VALUES
    (1, 12345678901234567890.1234567891, 9007199254740993, '2024-01-02 03:04:05.123456',
     '2024-01-02 03:04:05+02', '2024-01-02', '10:11:12', '1 mon 2 days 03:00:00', '\x0001ff',
     ARRAY['\x41'::bytea, NULL], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.0.0.1/8', 'sad',
     '{a,NULL}', ROW('x', 0.1, '\x41', '1 day'), ROW('y', 7), '\x4142', 0.1, NULL),
    (2, -0.5, -1, '2024-06-01 00:00:00', '2024-06-01 00:00:00+00', '2024-06-01', '00:00:00',
     '-1 days +02:00:00', '\x', '{}', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '::1', 'ok',
     '{}', ROW(NULL, NULL, NULL, NULL), ROW(NULL, NULL), '\x', 'Infinity', 'n');
INSERT INTO jc VALUES (1, 1, 'hello');
"""

# Each object key is also selected as a plain column of the same name, for the cross-check.
QUERIES = """
-- name: scalars()
SELECT jsonb_build_object(
           'n', jt.n, 'big', jt.big, 'ts', jt.ts, 'tstz', jt.tstz, 'd', jt.d, 'tm', jt.tm,
           'iv', jt.iv, 'b', jt.b, 'bs', jt.bs, 'u', jt.u, 'ip', jt.ip, 'm', jt.m,
           'tags', jt.tags, 'p', jt.p, 'plain', jt.plain, 'dom', jt.dom, 'f', jt.f,
           'note', jt.note
       ) AS obj,
       jt.n, jt.big, jt.ts, jt.tstz, jt.d, jt.tm, jt.iv, jt.b, jt.bs, jt.u, jt.ip, jt.m,
       jt.tags, jt.p, jt.plain, jt.dom, jt.f, jt.note
  FROM jt ORDER BY jt.id;

-- name: whole_rows()
SELECT row_to_json(jt) AS obj, jt.* FROM jt ORDER BY jt.id;

-- name: differences()
SELECT json_build_object(
           'dd', jt.d - jt.d, 'tsd', jt.ts - jt.ts, 'tzd', jt.tstz - jt.tstz,
           'tmd', jt.tm - jt.tm, 'ipd', jt.ip - jt.ip, 'nn', jt.n - jt.n, 'bb', jt.big + jt.big
       ) AS obj,
       jt.d - jt.d AS dd, jt.ts - jt.ts AS tsd, jt.tstz - jt.tstz AS tzd, jt.tm - jt.tm AS tmd,
       jt.ip - jt.ip AS ipd, jt.n - jt.n AS nn, jt.big + jt.big AS bb
  FROM jt ORDER BY jt.id;

-- name: range_bounds()
SELECT json_build_object(
           'lo', lower(int4range(1, 3)), 'up', upper(numrange(1.5, 2.5)), 'word', lower(jt.note)
       ) AS obj,
       lower(int4range(1, 3)) AS lo, upper(numrange(1.5, 2.5)) AS up, lower(jt.note) AS word
  FROM jt ORDER BY jt.id;

-- name: no_exact_type()
SELECT json_build_object(
           'r', ROW(1, 'a'), 'pt', point(1, 2), 'rng', int4range(1, 3),
           'nan', 'NaN'::numeric, 'inf', '-Infinity'::numeric
       ) AS obj;

-- name: repeated_key()
SELECT json_build_object('a', 1, 'a', 'x') AS j, jsonb_build_object('a', 1, 'a', 'x') AS jb;

-- name: aliased_table_row()
SELECT row_to_json(x) AS r, to_jsonb(x) AS rb FROM jc AS x(a, b);

-- name: scalar_function_row()
SELECT to_json(e) AS e, to_json(s) AS s
  FROM jsonb_array_elements('[1, "two"]') AS e, generate_series(1, 2) AS s(n);

-- name: coalesced_row()
SELECT coalesce(to_jsonb(jc), '{}') AS obj,
       coalesce((SELECT json_agg(c) FROM jc AS c WHERE c.jt_id = jt.id), '[]') AS list
  FROM jt LEFT JOIN jc ON jc.jt_id = jt.id ORDER BY jt.id;

-- name: outer_join_rows()
SELECT jt.id, to_jsonb(jc) AS obj, json_agg(jc) AS list
  FROM jt LEFT JOIN jc ON jc.jt_id = jt.id GROUP BY jt.id, jc.* ORDER BY jt.id;
"""

# Annotations that claim no more than what json.loads makes of the JSON text.
_JSON_TEXT_TYPES = {"str", "int | float", "JsonValue"}

_counter = iter(range(1_000_000))


@pytest.fixture
def probe_package(importable_dir: Path) -> tuple[Path, str]:
    """A directory on ``sys.path`` and a package name unique to this test."""
    return importable_dir, f"nested_json_probe_{next(_counter)}"


def _case(directory: Path, queries: str) -> Path:
    case = directory / "case"
    (case / "queries").mkdir(parents=True)
    (case / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (case / "queries" / "probe.sql").write_text(queries, encoding="utf-8")
    return case


async def _generated_module(
    admin_url: str, probe: tuple[Path, str], queries: str
) -> tuple[Generated, ModuleType]:
    directory, package = probe
    generated = await generate_case(_case(directory, queries), admin_url, package=package)
    write_package(generated, directory, package)
    return generated, importlib.import_module(f"{package}.queries.probe")


def _field_annotations(module: ModuleType, model: type[BaseModel]) -> dict[str, str]:
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    block = source.split(f"class {model.__name__}(BaseModel):", 1)[1].split("\nclass ", 1)[0]
    out: dict[str, str] = {}
    for line in block.splitlines():
        name, sep, rest = line.strip().partition(": ")
        if sep and name.isidentifier() and not line.startswith("        "):
            out[name] = rest.split(" = ")[0]
    return out


def _check_against_binary(module: ModuleType, nested: BaseModel, row: BaseModel, where: str) -> int:
    """Compare each nested field with the same-named plain column; returns the fields compared."""
    nested_types = _field_annotations(module, type(nested))
    row_types = _field_annotations(module, type(row))
    compared = 0
    for name, annotation in nested_types.items():
        if name not in row_types:
            continue
        value, binary = getattr(nested, name), getattr(row, name)
        plain = annotation.removesuffix(" | None")
        if plain == row_types[name].removesuffix(" | None"):
            assert value == binary or (value != value and binary != binary), (  # NaN
                f"{where}.{name}: {annotation} decoded {value!r}, the server holds {binary!r}"
            )
            compared += 1
        else:
            is_model = isinstance(value, BaseModel) or plain.startswith(type(nested).__name__)
            assert plain in _JSON_TEXT_TYPES or plain.startswith("list[") or is_model, (
                f"{where}.{name}: {annotation} is neither the column's type "
                f"({row_types[name]}) nor a JSON text type"
            )
    return compared


async def _call(module: ModuleType, name: str, conn: asyncpg.Connection) -> list[Any]:
    rows: list[Any] = await getattr(module, name)(conn)
    assert rows, f"{name}: the probe rows should make it return something"
    return rows


async def test_nested_fields_decode_to_what_the_server_sends(
    admin_url: str, db: asyncpg.Connection, probe_package: tuple[Path, str]
) -> None:
    _, module = await _generated_module(admin_url, probe_package, QUERIES)
    await db.execute(SCHEMA + ROWS)
    compared = 0
    for name in ("scalars", "whole_rows", "differences", "range_bounds"):
        for row in await _call(module, name, db):
            compared += _check_against_binary(module, row.obj, row, name)
    assert compared > 30
    first = (await module.scalars(db))[0]
    # JSON renders these as text or as a number the decoder reads as a float: typed as such.
    assert first.obj.b == "\\x0001ff"
    assert first.obj.dom == "\\x4142"
    assert first.obj.bs == ["\\x41", None]
    assert first.obj.iv == "1 mon 2 days 03:00:00"
    assert first.obj.p.raw == "\\x41"
    assert first.obj.p.span == "1 day"
    assert first.obj.plain == first.plain  # a composite JSON types alike keeps its model
    assert first.obj.big == 9007199254740993
    assert first.obj.ts.tzinfo is None
    assert first.obj.tstz.tzinfo is not None


async def test_every_probe_query_validates_its_rows(
    admin_url: str, db: asyncpg.Connection, probe_package: tuple[Path, str]
) -> None:
    generated, module = await _generated_module(admin_url, probe_package, QUERIES)
    await db.execute(SCHEMA + ROWS)
    for query in generated.project.queries:
        await _call(module, query.name, db)

    [odd] = await _call(module, "no_exact_type", db)
    assert odd.obj.r == {"f1": 1, "f2": "a"}
    assert odd.obj.pt == "(1,2)"
    assert odd.obj.nan != odd.obj.nan
    assert odd.obj.inf == float("-inf")

    # A repeated key is one field, typed as the last value (the one decoding keeps).
    query = next(q for q in generated.project.queries if q.name == "repeated_key")
    for column in query.columns:
        assert [(f.name, f.annotation.annotation) for f in column.nested[0].fields] == [
            ("a", "str")
        ]
    [repeated] = await _call(module, "repeated_key", db)
    assert repeated.j.a == "x"
    assert repeated.jb.a == "x"

    # A table's whole row keeps its column names whatever the alias list says.
    [aliased] = await _call(module, "aliased_table_row", db)
    assert aliased.r.body == "hello"
    assert aliased.rb.jt_id == 1

    # The whole row of a function returning a scalar is that scalar, not {"value": ...}.
    rows = await _call(module, "scalar_function_row", db)
    assert {(r.e, r.s) for r in rows} == {(1, 1), (1, 2), ("two", 1), ("two", 2)}

    coalesced = await _call(module, "coalesced_row", db)
    assert coalesced[1].obj == {}
    assert coalesced[1].list == []
    assert coalesced[0].list[0].body == "hello"

    # A null-extended row is NULL as a whole: the fields of a present one are non-null.
    types = _field_annotations(module, module.OuterJoinRowsRowObj)
    assert types == {"id": "int", "jt_id": "int", "body": "str"}
    outer = await _call(module, "outer_join_rows", db)
    assert outer[0].obj.body == "hello"
    assert outer[1].obj is None
    assert outer[1].list == [None]


async def test_json_keys_that_become_one_python_field_are_an_error(
    admin_url: str, probe_package: tuple[Path, str]
) -> None:
    queries = "-- name: clash()\nSELECT json_build_object('class', 1, 'class_', 'x') AS o;\n"
    with pytest.raises(
        QueryCheckError,
        match=r"probe.sql:1: clash: column 'o': JSON keys 'class' and 'class_' would both be "
        r"the Python field 'class_'",
    ):
        await _generated_module(admin_url, probe_package, queries)
