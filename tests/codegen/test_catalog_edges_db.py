"""The ``catalog_edges`` golden case, generated into an importable package and run on a server.

Enum labels that are no identifier as written, composite parameters, NOT NULL domains and
partitions: the generated code must import, pass ``mypy --strict`` and accept real rows.
"""

from __future__ import annotations

import datetime
import enum
import importlib
from pathlib import Path
from types import ModuleType

import asyncpg
import pydantic
import pytest
from mypy import api as mypy_api
from pydantic import ValidationError

from codegen.helpers import CASES, ROOT, generate_case, write_package

pytestmark = pytest.mark.db

CASE = CASES / "catalog_edges"
FULLWIDTH_FOO = "\uff46\uff4f\uff4f"


async def _import_case(directory: Path, admin_url: str) -> tuple[ModuleType, ModuleType]:
    write_package(await generate_case(CASE, admin_url), directory)
    return (
        importlib.import_module("expected.models"),
        importlib.import_module("expected.queries.people"),
    )


async def _connect(url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url)
    await conn.execute((CASE / "schema.sql").read_text(encoding="utf-8"))
    return conn


async def test_enum_labels_that_python_reads_alike_or_cannot_spell_get_distinct_members(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # '²x' rendered the member V_²X (a SyntaxError: ruff refused models.py), and fullwidth 'foo'
    # and 'foo' rendered two spellings of FOO, one name once Python NFKC-normalizes identifiers.
    models, people = await _import_case(importable_dir, admin_url)
    conn = await _connect(empty_db_url)
    try:
        labels = await conn.fetchval("SELECT enum_range(NULL::label)::text[]")
        assert [member.value for member in models.Label] == labels
        person = await people.add_person(
            conn, labels=list(models.Label), contact=None, contacts=None, rank=1
        )
        assert person.labels == list(models.Label)
        found = await people.with_label(conn, label=models.Label(FULLWIDTH_FOO))
        assert [row.id for row in found] == [person.id]
    finally:
        await conn.close()


async def test_composite_parameters_are_sent_as_their_attributes(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # A composite parameter was typed as its model, which asyncpg cannot encode: "invalid
    # input for query argument $2: Contact(...) (object of type 'Contact' has no len())".
    models, people = await _import_case(importable_dir, admin_url)
    home = models.Address(street="1 Main St", city=None)
    contact = models.Contact(name="Ada", home=home, others=[models.Address(street=None, city="X")])
    conn = await _connect(empty_db_url)
    try:
        person = await people.add_person(
            conn, labels=[], contact=contact, contacts=[contact, contact], rank=2
        )
        assert person.contact == contact
        assert person.contacts == [contact, contact]
        await people.add_people(
            conn,
            [
                people.AddPeopleParams(contact=contact, rank=3),
                people.AddPeopleParams(contact=None, rank=4),
            ],
        )
        stored = await conn.fetch("SELECT (contact).name, rank FROM people ORDER BY id")
        assert [tuple(r) for r in stored] == [("Ada", 2), ("Ada", 3), (None, 4)]
    finally:
        await conn.close()


async def test_a_not_null_domain_column_is_required_by_the_insert_model(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # people.rank is of a NOT NULL domain: leaving it out fails on the server, yet the insert
    # model made it optional (None). people.code's domain has a default: it may be left out.
    models, _ = await _import_case(importable_dir, admin_url)
    with pytest.raises(ValidationError, match="rank"):
        models.PeopleInsert()
    with pytest.raises(ValidationError, match="rank"):
        models.PeopleInsert(rank=None)
    values = models.PeopleInsert(rank=5)
    conn = await _connect(empty_db_url)
    try:
        with pytest.raises(asyncpg.NotNullViolationError):
            await conn.execute("INSERT INTO people (labels) VALUES ('{}')")
        sent = values.model_dump(exclude_unset=True)
        await conn.execute("INSERT INTO people (rank) VALUES ($1)", sent["rank"])
        assert await conn.fetchval("SELECT code FROM people") == "none"
    finally:
        await conn.close()


async def test_a_partition_reads_into_its_parents_model_and_has_none_of_its_own(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    models, people = await _import_case(importable_dir, admin_url)
    assert not hasattr(models, "Readings2024")
    assert "Readings2024" not in models.__all__
    conn = await _connect(empty_db_url)
    try:
        await conn.execute("INSERT INTO readings VALUES (1, '2024-05-01')")
        rows = await people.readings_of_2024(conn)
        assert [type(r) for r in rows] == [models.Reading]
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


async def test_a_table_named_like_an_import_and_a_column_named_like_its_type_build(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # Table fields became `class Field`, shadowing pydantic's Field (mypy failed: "Name 'Field'
    # already defined"); `date: date | None = None` in the insert model made pydantic read
    # `None | None` and models.py failed to import.
    models, people = await _import_case(importable_dir, admin_url)
    assert models.Field is pydantic.Field
    assert models.FieldsInsert(id=1, date="2024-02-29").date == datetime.date(2024, 2, 29)
    assert models.FieldsInsert(id=1).model_dump(exclude_unset=True) == {"id": 1}
    conn = await _connect(empty_db_url)
    try:
        await conn.execute("INSERT INTO fields VALUES (1, '2024-01-02', 'x')")
        rows = await people.all_fields(conn)
        assert [type(r) for r in rows] == [models.Fields]
        assert (rows[0].date, rows[0].from_) == (datetime.date(2024, 1, 2), "x")
    finally:
        await conn.close()


async def test_an_enum_with_no_labels_is_an_empty_strenum(
    importable_dir: Path, admin_url: str, empty_db_url: str
) -> None:
    # Enums were read from pg_enum, where an enum with no labels has no row: a column of one
    # failed codegen with a KeyError traceback.
    models, people = await _import_case(importable_dir, admin_url)
    assert issubclass(models.NothingYet, enum.StrEnum)
    assert list(models.NothingYet) == []
    conn = await _connect(empty_db_url)
    try:
        await conn.execute("INSERT INTO fields (id) VALUES (1)")
        [row] = await people.all_fields(conn)
        assert row.pending is None
    finally:
        await conn.close()
