"""The ``@cache ttl=...`` directive: parsed by the loader, checked by codegen, in QueryInfo."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.helpers import generate_case
from postsql.codegen.loader import load_file
from postsql.errors import QueryCheckError, QueryParseError
from postsql.testing import TestServer


def _load_one(tmp_path: Path, text: str) -> float | None:
    path = tmp_path / "q.sql"
    path.write_text(text, encoding="utf-8")
    (query,) = load_file(path)
    return query.directives.cache_ttl


@pytest.mark.parametrize(
    ("spelling", "seconds"),
    [("60s", 60.0), ("500ms", 0.5), ("5m", 300.0), ("1h", 3600.0), ("90", 90.0), ("2.5s", 2.5)],
)
def test_cache_ttl_spellings(tmp_path: Path, spelling: str, seconds: float) -> None:
    text = f"-- name: q()\n-- Counts.\n-- @cache ttl={spelling}\nSELECT 1;\n"
    assert _load_one(tmp_path, text) == seconds


def test_the_directive_leaves_the_docstring(tmp_path: Path) -> None:
    path = tmp_path / "q.sql"
    path.write_text("-- name: q()\n-- Counts.\n-- @cache ttl=60s\nSELECT 1;\n", encoding="utf-8")
    (query,) = load_file(path)
    assert query.doc == "Counts."


def test_queries_without_the_directive_are_not_cacheable(tmp_path: Path) -> None:
    assert _load_one(tmp_path, "-- name: q()\nSELECT 1;\n") is None


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        ("@cache", r"q.sql:3: write @cache ttl=DURATION"),
        ("@cache ttl=0s", r"q.sql:3: write @cache ttl=DURATION with a positive duration"),
        ("@cache ttl=10d", r"q.sql:3: write @cache ttl=DURATION"),
        ("@cache ttl=1s\n-- @cache ttl=2s", r"q.sql:4: @cache given twice"),
    ],
)
def test_malformed_cache_directives_name_file_and_line(
    tmp_path: Path, directive: str, message: str
) -> None:
    with pytest.raises(QueryParseError, match=message):
        _load_one(tmp_path, f"-- name: q()\n-- Doc.\n-- {directive}\nSELECT 1;\n")


async def test_cache_on_a_query_that_writes_is_a_codegen_error(
    tmp_path: Path, test_pg: TestServer
) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "schema.sql").write_text("CREATE TABLE t (id bigint);\n", encoding="utf-8")
    (tmp_path / "queries" / "t.sql").write_text(
        "-- name: wipe()!\n-- @cache ttl=5s\nDELETE FROM t;\n", encoding="utf-8"
    )
    with pytest.raises(QueryCheckError, match=r"queries/t.sql:1: wipe: @cache on a query that"):
        await generate_case(tmp_path, test_pg.admin_url)
