"""numeric values PostgreSQL can hold but a plain pydantic Decimal refuses (NaN, ±Infinity)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
import pytest
from pydantic import TypeAdapter

from postsql.runtime.executor import Numeric

pytestmark = pytest.mark.db


async def test_generated_numeric_fields_accept_every_value_a_numeric_column_holds(
    conn: asyncpg.Connection,
) -> None:
    infinities = conn.get_server_version().major >= 14
    literals = ["1.50", "0", "NaN", *(["Infinity", "-Infinity"] if infinities else [])]
    values = await conn.fetchval(
        "SELECT array_agg(v::numeric) FROM unnest($1::text[]) AS v", literals
    )
    adapter = TypeAdapter(Numeric)
    got = [adapter.validate_python(v) for v in values]
    assert [str(v) for v in got] == [str(Decimal(text)) for text in literals]
