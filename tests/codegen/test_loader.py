"""The loader parses exactly as aiosql does, adds file:line, and reads our @ directives (no DB)."""

from __future__ import annotations

from pathlib import Path

import aiosql
import pytest

from postsql.codegen.loader import load_file, load_queries, module_name
from postsql.errors import QueryParseError

ROOT = Path(__file__).resolve().parents[2]
QUERY_DIRS = [
    ROOT / "sql" / "queries",
    *sorted((Path(__file__).parent / "cases").glob("*/queries")),
]


@pytest.mark.parametrize("directory", QUERY_DIRS, ids=lambda p: p.parent.name + "/" + p.name)
def test_loader_matches_aiosql_from_path_on_every_query(directory: Path) -> None:
    ours = {q.name: q for q in load_queries([directory])}
    theirs = aiosql.from_path(directory, "asyncpg")
    adapter = theirs.driver_adapter
    for name, query in ours.items():
        fn = getattr(theirs, name)
        assert query.sql == fn.sql, name
        assert query.operation == fn.operation.name.lower(), name
        assert list(query.params) == adapter.var_sorted[name], name
        assert query.raw_doc == fn.__doc__, name
    # aiosql also offers a "<name>_cursor" variant of each select.
    names = {n for n in theirs.available_queries if not n.endswith("_cursor") or n[:-7] not in ours}
    assert set(ours) == names


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "things.sql"
    path.write_text(text, encoding="utf-8")
    return path


def test_query_lines_count_from_the_file_even_after_block_comments(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "/* a\nblock\ncomment */\n-- name: one()^\nSELECT 1;\n\n-- name: two()$\nSELECT\n  2;\n",
    )
    one, two = load_file(path)
    assert (one.line, two.line) == (4, 7)
    assert two.sql_lines == (8, 9)
    assert two.file_line_of(len("SELECT\n  ")) == 9


def test_operators_map_to_aiosql_operation_names(tmp_path: Path) -> None:
    ops = {"": "select", "^": "select_one", "$": "select_value", "<!": "insert_returning"}
    ops |= {"!": "insert_update_delete", "*!": "insert_update_delete_many"}
    text = "".join(f"-- name: q{i}(){op}\nSELECT 1;\n" for i, op in enumerate(ops))
    text += "-- name: q_script#\nSELECT 1;\n"
    loaded = load_file(_write(tmp_path, text))
    assert [q.operation for q in loaded] == [*ops.values(), "script"]


def test_directives_leave_the_docstring_and_keep_their_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "-- name: q(a)^\n-- Finds things.\n-- @nonnull x, y\n-- @nullable z\n"
        "-- @param a nullable\n-- @json j: list[pkg.mod.Thing]\nSELECT :a AS x;\n",
    )
    (query,) = load_file(path)
    assert query.doc == "Finds things."
    assert query.directives.nonnull == (("x", 3), ("y", 3))
    assert query.directives.nullable == (("z", 4),)
    assert query.directives.param_nullable == (("a", True, 5),)
    assert query.directives.json == (("j", "list[pkg.mod.Thing]", 6),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-- name: q$\nSELECT 1;\n", "missing mandatory parameter list"),
        ("-- name: q(a)\nSELECT :b;\n", "undeclared parameter name"),
        ("-- name: q(class)\nSELECT :class;\n", "'class' is not a valid parameter name"),
        ("-- name: q()\n-- @frobnicate x\nSELECT 1;\n", "unknown directive @frobnicate"),
        ("-- name: q()\n-- @param x maybe\nSELECT 1;\n", "@param NAME nullable"),
        ("-- name: q()\n", "empty query"),
    ],
)
def test_malformed_query_files_fail_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, "-- header\n\n" + text)
    with pytest.raises(QueryParseError, match=message) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:3:") or f"{path}:4:" in str(caught.value)


def test_every_broken_file_and_duplicate_name_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text("-- name: dup()\nSELECT 1;\n")
    (tmp_path / "d.sql").write_text("-- name: good()\nSELECT 1;\n-- name: bad$\nSELECT 1;\n")
    (tmp_path / "b.sql").write_text("-- name: dup()\nSELECT 2;\n")
    (tmp_path / "c.sql").write_text("-- name: worse\nSELECT 1;\n")
    with pytest.raises(QueryParseError) as caught:
        load_queries([tmp_path])
    message = str(caught.value)
    assert "d.sql:3:" in message
    assert "c.sql:1:" in message
    assert "b.sql:1: dup: defined again (first at" in message


@pytest.mark.parametrize(
    ("stem", "module"),
    [
        ("posts", "posts"),
        ("query-building", "query_building"),
        ("2024 reports.v2", "q_2024_reports_v2"),
        ("class", "class_"),
        ("x²", "x_"),
    ],
)
def test_any_query_file_name_gives_an_importable_module_name(stem: str, module: str) -> None:
    assert module_name(stem) == module
    assert module.isidentifier()
