"""The ``sample_dump`` golden case (a database taken from ``pg_dump``, queries as other tools
accept them), generated into an importable package and run on a server: every type asyncpg
decodes, result columns named alike, a table's row as a value, nested JSON from a ``$`` query,
and UPDATE ... RETURNING of a value other than the one its WHERE tested."""

from __future__ import annotations

import datetime
import importlib
import inspect
import json
from pathlib import Path
from types import ModuleType

import asyncpg
import pydantic
import pytest
from mypy import api as mypy_api

from codegen.helpers import CASES, ROOT, generate_case, write_package
from postsql.codegen.cli import manifest
from postsql.codegen.introspect import apply_schema
from postsql.runtime.executor import init_connection

pytestmark = pytest.mark.db

CASE = CASES / "sample_dump"
UTC = datetime.UTC


async def _import_case(directory: Path, admin_url: str) -> tuple[ModuleType, ModuleType]:
    write_package(await generate_case(CASE, admin_url), directory)
    return (
        importlib.import_module("expected.models"),
        importlib.import_module("expected.queries.query_building"),
    )


async def _connect(url: str) -> asyncpg.Connection:
    """The dump applied as codegen applies it, then a new session (the dump empties
    search_path for its own)."""
    conn = await asyncpg.connect(url)
    try:
        await apply_schema(conn, [("schema.sql", (CASE / "schema.sql").read_text("utf-8"))])
    finally:
        await conn.close()
    conn = await asyncpg.connect(url)
    await init_connection(conn)
    # The dump's own rows (COPY ... FROM stdin) are not loaded: codegen needs the schema only.
    assert await conn.fetchval("SELECT count(*) FROM staff") == 0
    await conn.execute(
        "INSERT INTO staff VALUES (1, 'Mike', 'mike@example.com'), (2, 'Jon', NULL);"
        "INSERT INTO customer VALUES (1, 1, 'mary@example.com', true);"
        "INSERT INTO rental VALUES (1, 1, 1, now()), (2, 1, 2, NULL);"
        "INSERT INTO film (film_id, title, length) VALUES (1, 'Alien', 117)"
    )
    return conn


async def test_update_returning_the_new_value_accepts_null_where_the_old_was_tested(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # Each returned column was typed non-null from its WHERE; the row then failed validation.
    _, queries = await _import_case(importable_dir, admin_url)
    conn = await _connect(empty_db_url)
    try:
        row = await queries.update_customer_email(conn, new_email="", id=1)
        assert row is not None
        assert row.email is None
        rental = await queries.return_rental(conn, id=1)
        assert rental is not None
        assert rental.return_date is None
        film = await queries.set_film_length(conn, length=None, id=1)
        assert film is not None
        assert film.length is None
    finally:
        await conn.close()


async def test_every_type_asyncpg_decodes_round_trips_through_the_models(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    models, queries = await _import_case(importable_dir, admin_url)
    during = asyncpg.Range(datetime.datetime(2024, 1, 1, tzinfo=UTC), None)
    conn = await _connect(empty_db_url)
    try:
        added = await queries.add_film(
            conn, film_id=2, title="Heat", shown_during=during,
            seats=[asyncpg.Range(1, 10)], location=asyncpg.Point(1.5, 2),
            flags=asyncpg.BitString.from_int(0b101, 3), wal=0x16_B374D848,
        )  # fmt: skip
        assert added.shown_during == during
        assert added.seats == [asyncpg.Range(1, 10)]
        assert added.location == asyncpg.Point(1.5, 2)
        assert added.flags == asyncpg.BitString.from_int(0b101, 3)
        assert added.wal == 0x16_B374D848
        await conn.execute(
            "UPDATE film SET route = '((0,0),(1,1))', area = '((0,0),(1,1),(1,0))', "
            "reach = '<(0,0),2>', edge = '[(0,0),(1,1)]', frame = '((0,0),(1,1))', "
            "axis = '{1,2,3}', mask = B'1', mac = '08:00:2b:01:02:03', "
            "mac8 = '08:00:2b:01:02:03:04:05', price = 12.5, "
            "snap = pg_current_snapshot(), query = 'a & b', path_expr = '$.a' WHERE film_id = 2"
        )
        film = await queries.get_film(conn, id=2)
        assert isinstance(film, models.Film)
        assert isinstance(film.route, asyncpg.Path)
        assert isinstance(film.area, asyncpg.Polygon)
        assert isinstance(film.reach, asyncpg.Circle)
        assert isinstance(film.edge, asyncpg.LineSegment)
        assert isinstance(film.frame, asyncpg.Box)
        assert isinstance(film.axis, asyncpg.Line)
        assert film.mask == asyncpg.BitString.from_int(1, 1)
        assert (film.mac, film.mac8) == ("08:00:2b:01:02:03", "08:00:2b:01:02:03:04:05")
        assert film.price.endswith("12.50")
        assert film.notes is None  # xml: a server built without libxml refuses values
        assert isinstance(film.snap, tuple)
        assert len(film.snap) == 3
        assert (film.query, film.path_expr) == ("'a' & 'b'", '$."a"')
    finally:
        await conn.close()


async def test_columns_named_alike_get_distinct_fields_holding_their_own_values(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    _, queries = await _import_case(importable_dir, admin_url)
    conn = await _connect(empty_db_url)
    try:
        pairs = await queries.staff_pairs(conn)
        assert [(p.staff_id, p.staff_id_2, p.count, p.count_2) for p in pairs] == [
            (1, 2, 1, 1),
            (2, 1, 1, 0),
        ]
        rentals = await queries.rentals_with_staff(conn)
        assert [(r.staff_id, r.staff_id_2, r.first_name) for r in rentals] == [
            (1, 1, "Mike"),
            (2, 2, "Jon"),
        ]
        streamed = [r async for r in queries.iter_staff_pairs(conn)]
        assert streamed == pairs
    finally:
        await conn.close()


async def test_a_table_row_as_a_value_and_nested_json_of_a_value_query_validate(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # SELECT s FROM staff AS s was refused ("composite type staff has no generated model"); the
    # `$` query's module failed to import (NameError: its nested models were never rendered).
    models, queries = await _import_case(importable_dir, admin_url)
    conn = await _connect(empty_db_url)
    try:
        rows = await queries.staff_rows(conn)
        assert [row.s for row in rows] == [
            models.Staff(staff_id=1, first_name="Mike", email="mike@example.com"),
            models.Staff(staff_id=2, first_name="Jon", email=None),
        ]
        document = await queries.film_document(conn, id=1)
        assert document is not None
        assert document.film.title == "Alien"
        assert [s.first_name for s in document.staff or []] == ["Mike", "Jon"]
    finally:
        await conn.close()


async def test_the_generated_package_passes_mypy_strict(
    importable_dir: Path, admin_url: str
) -> None:
    package = write_package(await generate_case(CASE, admin_url), importable_dir)
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"),
         str(package)]
    )  # fmt: skip
    assert status == 0, out + err


async def test_a_parameter_stored_through_a_case_into_a_nullable_column_accepts_none(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    _, queries = await _import_case(importable_dir, admin_url)
    assert "email: str | None" in inspect.getsource(queries.add_staff)
    conn = await _connect(empty_db_url)
    try:
        added = await queries.add_staff(
            conn, staff_id=3, first_name="Ann", share_email=True, email=None
        )
        assert (added.staff_id, added.email) == (3, None)
    finally:
        await conn.close()


async def test_an_insert_model_leaves_a_not_null_default_to_the_database_never_none(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # ProductInsert(description=None) passed the model, then failed NotNullViolationError.
    models, _ = await _import_case(importable_dir, admin_url)
    with pytest.raises(pydantic.ValidationError, match="description"):
        models.ProductInsert(product_id=1, description=None)
    given = models.ProductInsert(product_id=1)
    assert given.model_dump() == {"product_id": 1, "note": None}
    assert given.model_dump(exclude_unset=True) == {"product_id": 1}
    conn = await _connect(empty_db_url)
    try:
        values = given.model_dump(exclude_unset=True)
        await conn.execute("INSERT INTO product (product_id) VALUES ($1)", values["product_id"])
        rows = await conn.fetch("SELECT * FROM product")
        assert [models.Product.model_validate(dict(r)).description for r in rows] == [""]
    finally:
        await conn.close()


async def test_a_check_is_marked_checked_only_when_the_model_enforces_all_of_it(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # CHECK (cardinality(tags) <= 10 AND array_position(tags, NULL) IS NULL) was marked checked
    # (for its element rule) while ProductInsert(tags=['t'] * 11) was accepted.
    generated = await generate_case(CASE, admin_url)
    data = json.loads(json.dumps(manifest(generated.project)))
    product = next(t for t in data["tables"] if t["name"] == "product")
    assert [(c["name"], c["checked_by_model"]) for c in product["checks"]] == [
        ("product_tags_check", True)
    ]
    models, _ = await _import_case(importable_dir, admin_url)
    assert "* product_tags_check:" in (models.ProductInsert.__doc__ or "")
    with pytest.raises(pydantic.ValidationError, match="product_tags_check"):
        models.ProductInsert(product_id=1, tags=["t"] * 11)
    conn = await _connect(empty_db_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("INSERT INTO product (product_id, tags) VALUES (1, $1)", ["t"] * 11)
        ten = models.ProductInsert(product_id=1, tags=["t"] * 10)
        await conn.execute("INSERT INTO product (product_id, tags) VALUES (1, $1)", ten.tags)
    finally:
        await conn.close()


async def test_a_parameter_written_into_a_json_columns_column_is_typed_by_its_model(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # settings={"theme": "huge"} type-checked and was written; every later read of the row
    # then failed validation.
    package = write_package(await generate_case(CASE, admin_url), importable_dir)
    (importable_dir / "caller.py").write_text(
        "import asyncpg\n\n"
        "from expected.queries.query_building import set_product_settings\n\n\n"
        "async def call(conn: asyncpg.Connection) -> int:\n"
        '    return await set_product_settings(conn, settings={"theme": "huge"}, product_id=1)\n',
        encoding="utf-8",
    )
    out, err, status = mypy_api.run(
        ["--strict", "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"),
         str(importable_dir / "caller.py")]
    )  # fmt: skip
    assert status == 1, out + err
    assert 'Argument "settings" to "set_product_settings" has incompatible type' in out
    assert package.is_dir()


async def test_columns_proven_non_null_hold_on_real_rows(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # A generated column of NOT NULL columns, first_value/last_value, lag with a default, a
    # count from LEFT JOIN LATERAL ... ON true, IN and to_char of non-null numbers: each typed
    # non-null, each validated here on rows that hold NULLs wherever they may.
    write_package(await generate_case(CASE, admin_url), importable_dir)
    precision = importlib.import_module("expected.queries.precision")
    conn = await _connect(empty_db_url)
    try:
        await conn.execute(
            "INSERT INTO person (person_id, first_name, last_name, nick, settings) VALUES "
            "(1, 'Ada', 'Lovelace', NULL, '{\"theme\": null}'), (2, 'Alan', 'Turing', 'al', '{}')"
        )
        names = await precision.person_names(conn)
        assert [(n.full_name, n.nick_name) for n in names] == [
            ("Ada Lovelace", None),
            ("Alan Turing", "al!"),
        ]
        rows = await precision.neighbours(conn)
        assert [(r.first_in_order, r.last_so_far, r.previous, r.next) for r in rows] == [
            ("Ada", "Ada", "-", "Alan"),
            ("Ada", "Alan", "Ada", None),
        ]
        assert [r.after_next for r in rows] == ["Alan", None]
        counts = await precision.rental_counts(conn)
        assert [(c.staff_id, c.n, c.few, c.shown) for c in counts] == [
            (1, 1, True, "1"),
            (2, 1, True, "1"),
        ]
        await conn.execute("DELETE FROM rental")
        assert [c.n for c in await precision.rental_counts(conn)] == [0, 0]
        assert [t.theme for t in await precision.person_theme(conn)] == [None, None]
    finally:
        await conn.close()
