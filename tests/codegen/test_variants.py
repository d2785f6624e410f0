"""Dynamic queries without a database: how ``-- @if`` and ``-- @sort`` expand into variants."""

from __future__ import annotations

from pathlib import Path

import aiosql
import pytest

from postsql.codegen.loader import QueryDef, load_file
from postsql.codegen.variants import MAX_VARIANTS
from postsql.errors import QueryParseError

FIND = """\
-- name: find_posts(status, author_id, tag, limit)
-- Live posts.
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort title: p.title, p.id
SELECT p.id, p.title
FROM posts AS p
-- @if tag
INNER JOIN post_tags AS pt
    ON p.id = pt.post_id AND pt.tag = :tag
-- @end
WHERE
    p.deleted_at IS NULL
    AND p.status = :status -- @if status
    AND p.author_id = :author_id -- @if author_id
ORDER BY p.created_at DESC, p.id DESC -- @sort
LIMIT :limit;
"""


def _load(tmp_path: Path, text: str) -> list[QueryDef]:
    path = tmp_path / "posts.sql"
    path.write_text(text, encoding="utf-8")
    return load_file(path, display="posts.sql")


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(QueryParseError) as caught:
        _load(tmp_path, text)
    return str(caught.value)


def test_every_combination_of_fragments_and_orders_is_a_variant(tmp_path: Path) -> None:
    (query,) = _load(tmp_path, FIND)
    assert query.dynamic is not None
    assert query.dynamic.optional == ("tag", "status", "author_id")
    assert [o.name for o in query.dynamic.orders] == ["newest", "title"]
    assert query.dynamic.default_order == "newest"
    keys = {(v.given, v.order) for v in query.dynamic.variants}
    assert len(keys) == len(query.dynamic.variants) == 2**3 * 2
    assert (("tag", "author_id"), "title") in keys


def test_a_variant_numbers_only_the_parameters_it_uses(tmp_path: Path) -> None:
    (query,) = _load(tmp_path, FIND)
    assert query.dynamic is not None
    (variant,) = [
        v for v in query.dynamic.variants if v.given == ("author_id",) and v.order == "title"
    ]
    assert variant.params == ("author_id", "limit")
    assert variant.sql == (
        "SELECT p.id, p.title\nFROM posts AS p\nWHERE\n    p.deleted_at IS NULL\n"
        "    AND p.author_id = $1\nORDER BY p.title, p.id\nLIMIT $2;"
    )
    # Each SQL line keeps its file line, so a server error points into the file.
    assert variant.sql_lines == (5, 6, 11, 12, 14, 15, 16)


def test_a_multi_line_fragment_is_kept_whole_when_its_parameter_is_given(
    tmp_path: Path,
) -> None:
    (query,) = _load(tmp_path, FIND)
    assert query.dynamic is not None
    (variant,) = [v for v in query.dynamic.variants if v.given == ("tag",) and v.order == "newest"]
    assert "INNER JOIN post_tags AS pt\n    ON p.id = pt.post_id AND pt.tag = $1" in variant.sql
    assert "-- @" not in variant.sql
    assert variant.params == ("tag", "limit")


def test_markers_stay_out_of_the_docstring(tmp_path: Path) -> None:
    (query,) = _load(tmp_path, FIND)
    assert query.doc == "Live posts."


def test_plain_aiosql_loads_the_file_and_runs_every_fragment_in_the_default_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "posts.sql"
    path.write_text(FIND, encoding="utf-8")
    queries = aiosql.from_path(path, "asyncpg")
    sql = queries.find_posts.sql
    assert "pt.tag = $1" in sql
    assert "p.status = $2" in sql
    assert "p.author_id = $3" in sql
    assert "ORDER BY p.created_at DESC, p.id DESC" in sql


def test_a_query_without_markers_is_not_dynamic(tmp_path: Path) -> None:
    (query,) = _load(tmp_path, "-- name: one(x)$\n-- A value.\nSELECT :x::int;\n")
    assert query.dynamic is None


def test_too_many_variants_is_an_error_at_the_name_line(tmp_path: Path) -> None:
    names = [f"p{i}" for i in range(8)]
    lines = "".join(f"    AND t.c{i} = :{n} -- @if {n}\n" for i, n in enumerate(names))
    text = f"-- name: wide({', '.join(names)})\nSELECT 1 FROM t\nWHERE true\n{lines};\n"
    message = _error(tmp_path, text)
    assert message.startswith("posts.sql:1: wide: 8 optional parameters")
    assert f"make 256 variants; at most {MAX_VARIANTS} are allowed" in message


def test_an_unclosed_fragment_is_an_error_at_its_if_line(tmp_path: Path) -> None:
    text = "-- name: q(a)\nSELECT 1\n-- @if a\nWHERE x = :a\n;\n"
    assert _error(tmp_path, text) == "posts.sql:3: q: -- @if a has no -- @end"


def test_an_end_without_if_is_an_error(tmp_path: Path) -> None:
    text = "-- name: q(a)\nSELECT :a::int\n-- @end\n;\n"
    assert _error(tmp_path, text) == "posts.sql:3: q: -- @end without an open -- @if"


def test_a_fragment_naming_no_parameter_is_an_error(tmp_path: Path) -> None:
    text = "-- name: q(a)\nSELECT :a::int\nWHERE true -- @if b\n;\n"
    message = _error(tmp_path, text)
    assert "posts.sql:3: q: parameter" not in message
    assert message.startswith("posts.sql:1: q:")
    assert "-- @if b" in message


def test_a_parameter_used_only_inside_another_fragment_is_an_error(tmp_path: Path) -> None:
    text = "-- name: q(a, b)\nSELECT 1\nWHERE true\n    AND x = :a AND y = :b -- @if a\n;\n"
    message = _error(tmp_path, text)
    assert message.startswith("posts.sql:4: q: parameter :b is used only under -- @if a")


def test_an_optional_parameter_used_outside_its_fragments_is_an_error(tmp_path: Path) -> None:
    text = "-- name: q(a)\nSELECT :a::int AS v\nWHERE true\n    AND x = :a -- @if a\n;\n"
    assert "parameter :a is optional (-- @if a) but also used outside" in _error(tmp_path, text)


def test_the_written_order_must_be_a_declared_one(tmp_path: Path) -> None:
    text = "-- name: q()\n-- @sort newest: id DESC\nSELECT id FROM t\nORDER BY id -- @sort\n;\n"
    message = _error(tmp_path, text)
    assert message.startswith("posts.sql:4: q: the ORDER BY written here must be one of")


def test_declared_orders_need_one_sort_line(tmp_path: Path) -> None:
    text = "-- name: q()\n-- @sort newest: id DESC\nSELECT id FROM t;\n"
    assert "so an SQL line must end in -- @sort" in _error(tmp_path, text)


def test_an_order_declared_twice_is_an_error_at_the_second(tmp_path: Path) -> None:
    text = (
        "-- name: q()\n-- @sort a: id\n-- @sort a: id DESC\nSELECT id FROM t\n"
        "ORDER BY id -- @sort\n;\n"
    )
    assert _error(tmp_path, text) == "posts.sql:3: q: sort order 'a' declared twice"


def test_fragments_on_a_statement_that_writes_are_refused(tmp_path: Path) -> None:
    text = "-- name: q(a)!\nDELETE FROM t\nWHERE true\n    AND x = :a -- @if a\n;\n"
    assert "@if and @sort apply to queries that read rows" in _error(tmp_path, text)


def test_if_not_keeps_a_line_only_when_the_parameter_is_omitted(tmp_path: Path) -> None:
    text = (
        "-- name: q(a)\nSELECT\n    NULL::text AS n -- @if not a\n"
        "    t.name AS n -- @if a\nFROM t\nWHERE true\n    AND t.x = :a -- @if a\n;\n"
    )
    (query,) = _load(tmp_path, text)
    assert query.dynamic is not None
    by_given = {v.given: v.sql for v in query.dynamic.variants}
    assert "NULL::text AS n" in by_given[()]
    assert "t.name" not in by_given[()]
    assert "t.name AS n" in by_given[("a",)]
    assert "NULL::text" not in by_given[("a",)]


def test_every_sort_line_takes_the_chosen_order(tmp_path: Path) -> None:
    # A CTE and the outer query both order (by output names, which both levels have).
    text = (
        "-- name: q()\n-- @sort newest: created_at DESC, id DESC\n-- @sort title: title, id\n"
        "WITH page AS (\n    SELECT id, title, created_at FROM t\n"
        "    ORDER BY created_at DESC, id DESC -- @sort\n    LIMIT 5\n)\n"
        "SELECT * FROM page\nORDER BY\n    created_at DESC, id DESC -- @sort\n;\n"
    )
    (query,) = _load(tmp_path, text)
    assert query.dynamic is not None
    (title,) = [v for v in query.dynamic.variants if v.order == "title"]
    assert title.sql.count("title, id") == 2
    assert "    ORDER BY title, id\n" in title.sql
    assert "ORDER BY\n    title, id" in title.sql


def test_sort_lines_spelling_different_orders_are_an_error(tmp_path: Path) -> None:
    text = (
        "-- name: q()\n-- @sort a: id\n-- @sort b: id DESC\nSELECT id FROM t\n"
        "ORDER BY id -- @sort\n    id DESC -- @sort\n;\n"
    )
    assert _error(tmp_path, text).startswith("posts.sql:6: q: every -- @sort line must spell")


SCROLL = """\
-- name: scroll(limit)
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort popular: p.view_count DESC, p.id
SELECT p.id, p.view_count, p.created_at
FROM posts AS p
WHERE
    p.deleted_at IS NULL
    -- @after
ORDER BY p.created_at DESC, p.id DESC -- @sort
LIMIT :limit;
"""


def test_after_continues_each_order_from_its_own_keys(tmp_path: Path) -> None:
    (query,) = _load(tmp_path, SCROLL)
    assert query.dynamic is not None
    assert query.dynamic.optional == ("after",)
    assert query.dynamic.keyset == (
        ("newest", ("created_at", "id"), ("after_created_at", "after_id")),
        ("popular", ("view_count", "id"), ("after_view_count", "after_id")),
    )
    by_key = {(v.given, v.order): v for v in query.dynamic.variants}
    newest = by_key[(("after",), "newest")]
    assert "    AND (p.created_at, p.id) < ($1, $2)\n" in newest.sql
    assert newest.params == ("after_created_at", "after_id", "limit")
    # Mixed directions cannot be one row comparison.
    popular = by_key[(("after",), "popular")]
    assert "AND ((p.view_count < $1) OR (p.view_count = $1 AND p.id > $2))" in popular.sql
    assert "@after" not in by_key[((), "newest")].sql
    assert "AND (" not in by_key[((), "newest")].sql


def test_after_needs_orders_whose_keys_are_columns(tmp_path: Path) -> None:
    no_orders = "-- name: q(limit)\nSELECT id FROM t\nWHERE true\n    -- @after\nLIMIT :limit;\n"
    assert "-- @after needs declared sort orders" in _error(tmp_path, no_orders)
    expression = SCROLL.replace("p.view_count DESC, p.id", "lower(p.title), p.id")
    message = _error(tmp_path, expression)
    assert message.startswith("posts.sql:3: scroll: with -- @after, each key of order 'popular'")
