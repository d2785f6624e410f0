"""Array element proofs of the analysis, the CHECK recognizer and the ``col[]`` directives."""

from __future__ import annotations

import pytest

from codegen.test_nullability import TABLES, FakeCatalog, _cols
from postsql.codegen.checks import elements_not_null
from postsql.codegen.loader import parse_directives
from postsql.codegen.nullability import CatalogColumn, analyze_query

_TABLES = dict(TABLES)
# roles.permissions under a validated CHECK (array_position(permissions, NULL) IS NULL).
_TABLES["roles"] = tuple(
    CatalogColumn(c.name, c.type_name, c.not_null, 0, c.name == "permissions")
    for c in TABLES["roles"]
)
_TABLES["plain"] = _cols("id bigint!", "tags text[]!")
CATALOG = FakeCatalog(tables=_TABLES)

_LEFT = "FROM posts p LEFT JOIN users u ON u.id = p.author_id GROUP BY p.id"


@pytest.mark.parametrize(
    ("sql", "proven"),
    [
        (f"SELECT array_agg(u.name) AS a {_LEFT}", False),
        (f"SELECT array_agg(u.name) FILTER (WHERE u.id IS NOT NULL) AS a {_LEFT}", True),
        ("SELECT array_agg(p.title ORDER BY p.id) AS a FROM posts p", True),
        ("SELECT array_agg(p.excerpt) AS a FROM posts p", False),
        ("SELECT array_agg(p.title) OVER () AS a FROM posts p", True),
        ("SELECT ARRAY[1, 2] AS a", True),
        ("SELECT ARRAY[1, NULL] AS a", False),
        ("SELECT ARRAY[ARRAY[1], ARRAY[2]] AS a", False),
        ("SELECT ARRAY(SELECT id FROM users) AS a", True),
        ("SELECT ARRAY(SELECT avatar FROM users) AS a", False),
        ("SELECT array_remove(tags, NULL) AS a FROM plain", True),
        ("SELECT array_remove(tags, 'x') AS a FROM plain", False),
        ("SELECT tags AS a FROM plain", False),
        ("SELECT permissions AS a FROM roles", True),
        ("SELECT r.permissions AS a FROM posts p LEFT JOIN roles r ON true", True),
        ("SELECT string_to_array('a,b', ',') AS a", True),
        ("SELECT string_to_array('a,b', ',', 'b') AS a", False),
        ("SELECT regexp_split_to_array('a b', ' ') AS a", True),
        ("SELECT enum_range(NULL::post_status) AS a", True),
        ("SELECT array_append(permissions, 'x') AS a FROM roles", True),
        ("SELECT array_append(permissions, NULL) AS a FROM roles", False),
        ("SELECT array_append(tags, 'x') AS a FROM plain", False),
        ("SELECT array_prepend('x'::text, permissions) AS a FROM roles", True),
        ("SELECT array_cat(permissions, ARRAY['a']) AS a FROM roles", True),
        ("SELECT array_cat(permissions, tags) AS a FROM roles, plain", False),
        ("SELECT permissions || 'x'::text AS a FROM roles", True),
        ("SELECT permissions || avatar AS a FROM roles, users", False),
        ("SELECT permissions || tags AS a FROM roles, plain", False),
        ("SELECT permissions || '{a,NULL}' AS a FROM roles", False),
        ("SELECT coalesce(array_agg(p.title), '{}') AS a FROM posts p", True),
        ("SELECT coalesce(array_agg(p.excerpt), '{}') AS a FROM posts p", False),
        ("SELECT '{a,NULL}'::text[] AS a", False),
        ("SELECT CASE WHEN true THEN permissions ELSE tags END AS a FROM roles, plain", False),
        ("SELECT a FROM (SELECT permissions AS a FROM roles UNION SELECT ARRAY['x']) s", True),
        (
            "SELECT a FROM (SELECT permissions AS a FROM roles UNION SELECT tags FROM plain) s",
            False,
        ),
        ("WITH c AS (SELECT array_agg(id) AS a FROM users) SELECT a FROM c", True),
        ("SELECT (SELECT r.permissions FROM roles r LIMIT 1) AS a", True),
        ("UPDATE roles SET name = 'x' RETURNING permissions AS a", True),
    ],
)
def test_element_proofs(sql: str, proven: bool) -> None:
    column = analyze_query(sql, CATALOG, ["a"]).columns[0]
    assert column.elements_non_null is proven, column.elements_reason


def test_unnest_of_an_array_with_non_null_elements_yields_non_null_values() -> None:
    sql = "SELECT x AS a FROM unnest(enum_range(NULL::post_status)) AS x"
    assert analyze_query(sql, CATALOG, ["a"]).columns[0].nullable is False
    sql = "SELECT x AS a FROM unnest('{a,NULL}'::text[]) AS x"
    assert analyze_query(sql, CATALOG, ["a"]).columns[0].nullable is True


@pytest.mark.parametrize(
    ("definition", "columns"),
    [
        ("CHECK ((array_position(tags, NULL::text) IS NULL))", {"tags"}),
        ("CHECK ((array_position(VALUE, NULL::text) IS NULL))", {"value"}),
        ("CHECK ((array_position(tags, NULL::text) IS NULL)) NOT VALID", {"tags"}),
        ("CHECK (((n > 0) AND (array_position(tags, NULL::text) IS NULL)))", {"tags"}),
        # OR, IS NOT NULL, another needle, a start position, NO INHERIT: no proof.
        ("CHECK (((n > 0) OR (array_position(tags, NULL::text) IS NULL)))", set()),
        ("CHECK ((array_position(tags, NULL::text) IS NOT NULL))", set()),
        ("CHECK ((array_position(tags, 'x'::text) IS NULL))", set()),
        ("CHECK ((array_position(tags, NULL::text, 2) IS NULL))", set()),
        ("CHECK ((array_position(tags, NULL::text) IS NULL)) NO INHERIT", set()),
        ("CHECK ((NOT (NULL::text = ANY (tags))))", set()),
    ],
)
def test_check_constraints_that_forbid_null_elements(definition: str, columns: set[str]) -> None:
    assert elements_not_null(definition) == columns


def test_element_directives_keep_their_brackets() -> None:
    _, directives = parse_directives(
        "@nonnull a, a[], b[]\n@nullable c[]", file="q.sql", doc_lines=[3, 4]
    )
    assert directives.nonnull == (("a", 3), ("a[]", 3), ("b[]", 3))
    assert directives.nullable == (("c[]", 4),)
