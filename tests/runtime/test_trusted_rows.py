"""Rows built from the wire without validation (construct_rows), and strict mode."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator
from datetime import datetime

import asyncpg
import pytest
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError, field_validator

from postsql.runtime import executor
from postsql.runtime.executor import construct_row, construct_rows, set_strict_rows, strict_rows


class Row(BaseModel):
    id: int
    name: str
    at: AwareDatetime
    note: str | None


class Checked(BaseModel):
    id: int

    @field_validator("id")
    @classmethod
    def positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("not positive")
        return value


ROWS = TypeAdapter(list[Row])
SQL = (
    "SELECT g AS id, 'n' || g AS name, timestamptz '2026-01-02 03:04:05+00' AS at,"
    " CASE WHEN g % 2 = 0 THEN 'even' END AS note FROM generate_series(1, 3) AS g"
)


@pytest.fixture
def trusting() -> Iterator[None]:
    """Production's default for the length of a test (the suite itself runs strict)."""
    was = strict_rows()
    set_strict_rows(False)
    try:
        yield
    finally:
        set_strict_rows(was)


@pytest.mark.usefixtures("trusting")
async def test_trusted_rows_equal_validated_rows_and_behave_like_them(
    conn: asyncpg.Connection,
) -> None:
    records = await conn.fetch(SQL)
    trusted = construct_rows(Row, ROWS, records)
    validated = ROWS.validate_python([dict(r) for r in records])
    assert trusted == validated
    assert [r.model_dump() for r in trusted] == [r.model_dump() for r in validated]
    assert trusted[0].model_dump_json() == validated[0].model_dump_json()
    assert trusted[1].note == "even"
    assert trusted[0].at == datetime.fromisoformat("2026-01-02T03:04:05+00:00")
    assert trusted[0].model_fields_set == {"id", "name", "at", "note"}
    assert pickle.loads(pickle.dumps(trusted[0])) == trusted[0]  # noqa: S301 (our own bytes)
    assert copy.deepcopy(trusted[2]) == trusted[2]
    # Each row owns its fields set: changing one row leaves the others alone.
    trusted[0].model_fields_set.discard("note")
    assert trusted[1].model_fields_set == {"id", "name", "at", "note"}
    one = construct_row(Row, records[0])
    assert one == validated[0]
    assert one.model_fields_set == {"id", "name", "at", "note"}


@pytest.mark.usefixtures("trusting")
async def test_trusting_takes_the_values_as_decoded_and_strict_mode_validates_them(
    conn: asyncpg.Connection,
) -> None:
    # A NULL in a column typed non-null is what a wrong nullability proof would give.
    records = await conn.fetch("SELECT 1 AS id, NULL::text AS name, now() AS at, NULL AS note")
    assert construct_rows(Row, ROWS, records)[0].name is None
    assert construct_row(Row, records[0]).name is None
    set_strict_rows(True)
    with pytest.raises(ValidationError, match="name"):
        construct_rows(Row, ROWS, records)
    with pytest.raises(ValidationError, match="name"):
        construct_row(Row, records[0])


@pytest.mark.usefixtures("trusting")
async def test_columns_that_are_not_the_models_fields_are_validated(
    conn: asyncpg.Connection,
) -> None:
    # A schema that changed under the generated code: a renamed column is not silently dropped.
    records = await conn.fetch("SELECT 1 AS id, 'n' AS title, now() AS at, NULL AS note")
    with pytest.raises(ValidationError, match="name"):
        construct_rows(Row, ROWS, records)
    with pytest.raises(ValidationError, match="name"):
        construct_row(Row, records[0])


@pytest.mark.usefixtures("trusting")
async def test_a_model_with_validators_of_its_own_is_always_validated(
    conn: asyncpg.Connection,
) -> None:
    records = await conn.fetch("SELECT 0 AS id")
    with pytest.raises(ValidationError, match="not positive"):
        construct_rows(Checked, TypeAdapter(list[Checked]), records)
    with pytest.raises(ValidationError, match="not positive"):
        construct_row(Checked, records[0])


def test_strict_mode_comes_from_the_environment_and_refuses_a_value_it_cannot_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTSQL_STRICT_ROWS", "1")
    assert executor._strict_from_environment() is True
    monkeypatch.setenv("POSTSQL_STRICT_ROWS", "off")
    assert executor._strict_from_environment() is False
    monkeypatch.delenv("POSTSQL_STRICT_ROWS")
    assert executor._strict_from_environment() is False
    monkeypatch.setenv("POSTSQL_STRICT_ROWS", "maybe")
    with pytest.raises(ValueError, match=r"POSTSQL_STRICT_ROWS: expected .* got 'maybe'"):
        executor._strict_from_environment()


def test_the_test_suite_runs_in_strict_mode() -> None:
    assert strict_rows() is True
