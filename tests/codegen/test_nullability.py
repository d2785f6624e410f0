"""Nullability of result columns and parameters, and JSON shapes, against an in-memory catalog.

Each case names the query, the server's column names and the expected nullability per column
(``False`` = proven non-null). No database is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postsql.codegen.nullability import (
    CatalogColumn,
    ColumnInference,
    NestedField,
    NestedShape,
    QueryAnalysis,
    analyze_query,
)


def _cols(*spec: str) -> tuple[CatalogColumn, ...]:
    """``"name type"`` is nullable, ``"name type!"`` is NOT NULL."""
    out: list[CatalogColumn] = []
    for item in spec:
        name, type_name = item.split(" ", 1)
        not_null = type_name.endswith("!")
        out.append(CatalogColumn(name, type_name.rstrip("!"), not_null, 0))
    return tuple(out)


TABLES: dict[str, tuple[CatalogColumn, ...]] = {
    "users": _cols(
        "id bigint!",
        "email text!",
        "name text!",
        "avatar text",
        "role user_role!",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
        "deleted_at timestamp with time zone",
    ),
    "user_profiles": _cols(
        "user_id bigint!",
        "bio text",
        "website text",
        "location text",
        "preferences jsonb!",
        "metadata jsonb!",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
    ),
    "posts": _cols(
        "id bigint!",
        "title text!",
        "content text!",
        "excerpt text",
        "slug text!",
        "status post_status!",
        "published_at timestamp with time zone",
        "author_id bigint!",
        "view_count bigint!",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
        "deleted_at timestamp with time zone",
        "search_vector tsvector",
    ),
    "categories": _cols(
        "id bigint!",
        "name text!",
        "slug text!",
        "description text",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
    ),
    "post_categories": _cols("post_id bigint!", "category_id bigint!"),
    "tags": _cols("id bigint!", "name text!", "slug text!", "created_at timestamp with time zone!"),
    "post_tags": _cols("post_id bigint!", "tag_id bigint!"),
    "roles": _cols(
        "id bigint!",
        "name text!",
        "description text",
        "permissions text[]!",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
    ),
    "comments": _cols(
        "id bigint!",
        "post_id bigint!",
        "author_id bigint!",
        "content text!",
        "created_at timestamp with time zone!",
        "updated_at timestamp with time zone!",
        "deleted_at timestamp with time zone",
    ),
    "audit_log": _cols(
        "id bigint!",
        "table_name text!",
        "record_id text",
        "action text!",
        "actor text",
        "old_data jsonb",
        "new_data jsonb",
        "transaction_id bigint!",
        "changed_at timestamp with time zone!",
    ),
    # Views: pg_attribute never marks view columns NOT NULL, so their truth is in the SQL.
    "live_posts": _cols("id bigint", "title text", "author_name text", "excerpt text"),
    "cycle_a": _cols("x integer"),
    "cycle_b": _cols("x integer"),
}

VIEWS = {
    "live_posts": (
        "SELECT p.id, p.title, u.name AS author_name, p.excerpt FROM posts p "
        "JOIN users u ON u.id = p.author_id WHERE p.deleted_at IS NULL"
    ),
    "cycle_a": "SELECT x FROM cycle_b",
    "cycle_b": "SELECT x FROM cycle_a",
}


@dataclass
class FakeCatalog:
    """A :class:`CatalogLookup` over the dictionaries above."""

    tables: dict[str, tuple[CatalogColumn, ...]] = field(default_factory=lambda: dict(TABLES))
    views: dict[str, str] = field(default_factory=lambda: dict(VIEWS))

    def relation(self, schema: str | None, name: str) -> Sequence[CatalogColumn] | None:
        if schema not in (None, "public"):
            return None
        return self.tables.get(name)

    def view_sql(self, schema: str | None, name: str) -> str | None:
        if schema not in (None, "public"):
            return None
        return self.views.get(name)


CATALOG = FakeCatalog()


def analyze(sql: str, names: Sequence[str]) -> QueryAnalysis:
    return analyze_query(sql, CATALOG, names)


def nullability(sql: str, names: Sequence[str]) -> list[bool]:
    return [c.nullable for c in analyze(sql, names).columns]


@dataclass(frozen=True)
class Case:
    id: str
    sql: str
    expected: dict[str, bool]  # column name → nullable


CASES = [
    # ----------------------------------------------------------------- sequences
    Case(
        "nextval_of_a_literal_is_not_null_of_a_looked_up_sequence_nullable",
        "SELECT nextval('s') AS a, nextval(pg_get_serial_sequence($1, 'id')) AS b,"
        " currval($2::regclass) AS c",
        {"a": False, "b": True, "c": False},  # a parameter is non-null unless made optional
    ),
    # ----------------------------------------------------------------- plain tables
    Case(
        "not_null_and_nullable_table_columns",
        "SELECT id, email, avatar FROM users WHERE id = $1",
        {"id": False, "email": False, "avatar": True},
    ),
    Case(
        "star_expands_catalog_columns",
        "SELECT * FROM categories",
        {
            "id": False,
            "name": False,
            "slug": False,
            "description": True,
            "created_at": False,
            "updated_at": False,
        },
    ),
    Case(
        "unknown_table_is_unknown",
        "SELECT a, b FROM no_such_table",
        {"a": True, "b": True},
    ),
    # ----------------------------------------------------------------- joins
    Case(
        "inner_join_keeps_not_null",
        "SELECT p.id, u.email FROM posts p JOIN users u ON u.id = p.author_id",
        {"id": False, "email": False},
    ),
    Case(
        "left_join_right_side_nullable",
        "SELECT p.id, u.email, u.avatar FROM posts p LEFT JOIN users u ON u.id = p.author_id",
        {"id": False, "email": True, "avatar": True},
    ),
    Case(
        "right_join_left_side_nullable",
        "SELECT p.id, u.email FROM posts p RIGHT JOIN users u ON u.id = p.author_id",
        {"id": True, "email": False},
    ),
    Case(
        "full_join_both_sides_nullable",
        "SELECT p.id, u.email FROM posts p FULL JOIN users u ON u.id = p.author_id",
        {"id": True, "email": True},
    ),
    Case(
        "cross_join_and_comma_join",
        "SELECT p.id, c.name FROM posts p CROSS JOIN categories c, users u",
        {"id": False, "name": False},
    ),
    Case(
        "nested_left_join_inside_inner_join",
        "SELECT p.id, c.content, u.email FROM posts p "
        "LEFT JOIN (comments c JOIN users u ON u.id = c.author_id) ON c.post_id = p.id",
        {"id": False, "content": True, "email": True},
    ),
    Case(
        "inner_join_after_left_join_does_not_restore_by_itself",
        "SELECT c.content FROM posts p LEFT JOIN comments c ON c.post_id = p.id "
        "JOIN users u ON u.id = p.author_id",
        {"content": True},
    ),
    Case(
        "inner_join_on_nullable_side_column_restores_it",
        "SELECT c.content FROM posts p LEFT JOIN comments c ON c.post_id = p.id "
        "JOIN users u ON u.id = c.author_id",
        {"content": False},
    ),
    Case(
        "where_is_not_null_turns_left_join_inner",
        "SELECT u.email, u.avatar FROM posts p LEFT JOIN users u ON u.id = p.author_id "
        "WHERE u.id IS NOT NULL",
        {"email": False, "avatar": True},
    ),
    Case(
        "where_strict_comparison_turns_left_join_inner",
        "SELECT u.email FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE u.role = $1",
        {"email": False},
    ),
    Case(
        "where_is_not_null_on_nullable_column",
        "SELECT avatar FROM users WHERE avatar IS NOT NULL AND deleted_at IS NULL",
        {"avatar": False},
    ),
    Case(
        "where_or_does_not_prove",
        "SELECT u.email FROM posts p LEFT JOIN users u ON u.id = p.author_id "
        "WHERE u.id IS NOT NULL OR p.id = 1",
        {"email": True},
    ),
    Case(
        "where_is_null_anti_join_keeps_nullable",
        "SELECT u.email FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE u.id IS NULL",
        {"email": True},
    ),
    Case(
        "using_merged_column_of_left_join_is_left_side",
        "SELECT post_id, c.id FROM post_categories pc LEFT JOIN comments c USING (post_id)",
        {"post_id": False, "id": True},
    ),
    Case(
        "full_join_using_merged_column",
        "SELECT post_id FROM post_categories FULL JOIN comments USING (post_id)",
        {"post_id": False},
    ),
    Case(
        "natural_join_star",
        "SELECT * FROM post_categories NATURAL JOIN post_categories AS pc2",
        {"post_id": False, "category_id": False},
    ),
    Case(
        "lateral_subquery_left_join",
        "SELECT p.id, lc.content FROM posts p LEFT JOIN LATERAL "
        "(SELECT c.content FROM comments c WHERE c.post_id = p.id LIMIT 1) lc ON true",
        {"id": False, "content": True},
    ),
    Case(
        "lateral_inner_subquery_keeps_not_null",
        "SELECT p.id, lc.n FROM posts p CROSS JOIN LATERAL "
        "(SELECT count(*) AS n FROM comments c WHERE c.post_id = p.id) lc",
        {"id": False, "n": False},
    ),
    Case(
        "aliased_join",
        "SELECT j.email FROM (posts p LEFT JOIN users u ON u.id = p.author_id) AS j",
        {"email": True},
    ),
    # ----------------------------------------------------------------- expressions
    Case(
        "literals_and_null",
        "SELECT 1 AS a, 'x' AS b, NULL AS c, true AS d",
        {"a": False, "b": False, "c": True, "d": False},
    ),
    Case(
        "strict_functions_and_operators",
        "SELECT lower(email) AS l, length(name) + 1 AS n, email || name AS cat, "
        "upper(avatar) AS ua, now() AS t, id::text AS s FROM users",
        {"l": False, "n": False, "cat": False, "ua": True, "t": False, "s": False},
    ),
    Case(
        "coalesce_with_non_null_argument",
        "SELECT coalesce(avatar, '') AS a, coalesce(avatar, deleted_at::text) AS b FROM users",
        {"a": False, "b": True},
    ),
    Case(
        "nullif_case_and_json_access",
        "SELECT nullif(name, '') AS a, CASE WHEN id > 1 THEN 'x' END AS b, "
        "CASE WHEN id > 1 THEN 'x' ELSE 'y' END AS c, preferences ->> 'theme' AS d "
        "FROM users u JOIN user_profiles up ON up.user_id = u.id",
        {"a": True, "b": True, "c": False, "d": True},
    ),
    Case(
        "predicates_are_never_null",
        "SELECT avatar IS NULL AS a, avatar IS DISTINCT FROM 'x' AS b, "
        "EXISTS (SELECT 1 FROM posts) AS c, avatar = 'x' AS d FROM users",
        {"a": False, "b": False, "c": False, "d": True},
    ),
    Case(
        "array_subscript_is_nullable",
        "SELECT (ARRAY[1, 2])[1] AS a, ARRAY[id] AS b FROM users",
        {"a": True, "b": False},
    ),
    Case(
        "unknown_function_is_unknown",
        "SELECT my_func(id) AS a, extract(year FROM created_at) AS b FROM users",
        {"a": True, "b": True},
    ),
    Case(
        "row_comparisons_can_be_null",
        "SELECT ROW(u.id, u.avatar) = ROW(u.id, u.avatar) AS r, u = u AS w, "
        "ROW(u.id) IS NULL AS t FROM users u",
        {"r": True, "w": True, "t": False},
    ),
    Case(
        "greatest_with_one_non_null",
        "SELECT greatest(published_at, created_at) AS g FROM posts",
        {"g": False},
    ),
    # ----------------------------------------------------------------- aggregates
    Case(
        "ungrouped_aggregates",
        "SELECT count(*) AS n, count(avatar) AS m, max(id) AS x, sum(id) AS s, "
        "array_agg(id) AS a FROM users",
        {"n": False, "m": False, "x": True, "s": True, "a": True},
    ),
    Case(
        "grouped_aggregates_over_non_empty_groups",
        "SELECT author_id, count(*) AS n, max(view_count) AS mx, max(published_at) AS mp, "
        "array_agg(id) AS ids, sum(view_count) FILTER (WHERE status = 'DRAFT') AS drafts "
        "FROM posts GROUP BY author_id",
        {"author_id": False, "n": False, "mx": False, "mp": True, "ids": False, "drafts": True},
    ),
    Case(
        "rollup_nulls_grouped_columns",
        "SELECT author_id, count(*) AS n, max(view_count) AS mx FROM posts "
        "GROUP BY ROLLUP (author_id)",
        {"author_id": True, "n": False, "mx": True},
    ),
    Case(
        "window_functions",
        "SELECT row_number() OVER w AS rn, rank() OVER (ORDER BY id) AS r, "
        "count(*) OVER () AS c, lag(id) OVER w AS prev, sum(view_count) OVER w AS running, "
        "sum(view_count) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS ahead "
        "FROM posts WINDOW w AS (ORDER BY id)",
        {"rn": False, "r": False, "c": False, "prev": True, "running": False, "ahead": True},
    ),
    Case(
        "scalar_subqueries",
        "SELECT (SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS n, "
        "(SELECT c.content FROM comments c WHERE c.post_id = p.id LIMIT 1) AS first, "
        "(SELECT max(c.id) FROM comments c WHERE c.post_id = p.id) AS last_id, "
        "ARRAY(SELECT c.id FROM comments c) AS ids FROM posts p",
        {"n": False, "first": True, "last_id": True, "ids": False},
    ),
    Case(
        "distinct_keeps_nullability",
        "SELECT DISTINCT author_id, excerpt FROM posts",
        {"author_id": False, "excerpt": True},
    ),
    # ----------------------------------------------------------------- CTEs, set ops, subqueries
    Case(
        "cte_and_subquery",
        "WITH recent AS (SELECT id, excerpt FROM posts ORDER BY id DESC LIMIT 10) "
        "SELECT r.id, r.excerpt, s.n FROM recent r, (SELECT count(*) AS n FROM users) s",
        {"id": False, "excerpt": True, "n": False},
    ),
    Case(
        "cte_column_aliases",
        "WITH t(a, b) AS (SELECT id, avatar FROM users) SELECT a, b FROM t",
        {"a": False, "b": True},
    ),
    Case(
        "recursive_cte_fixpoint",
        "WITH RECURSIVE chain(n, label) AS (SELECT 1, 'start' UNION ALL "
        "SELECT n + 1, NULL FROM chain WHERE n < 5) SELECT n, label FROM chain",
        {"n": False, "label": True},
    ),
    Case(
        "union_is_nullable_if_any_branch_is",
        "SELECT id, avatar AS x FROM users UNION ALL SELECT id, title FROM posts",
        {"id": False, "x": True},
    ),
    Case(
        "intersect_and_except",
        "SELECT avatar FROM users INTERSECT SELECT title FROM posts",
        {"avatar": False},
    ),
    Case(
        "except_keeps_left",
        "SELECT title FROM posts EXCEPT SELECT avatar FROM users",
        {"title": False},
    ),
    Case(
        "values_list",
        "SELECT * FROM (VALUES (1, NULL), (2, 'b')) AS v(a, b)",
        {"a": False, "b": True},
    ),
    # ----------------------------------------------------------------- functions in FROM
    Case(
        "generate_series_and_unnest",
        "SELECT g, u, o.ordinality FROM generate_series(1, 3) g, unnest($1::bigint[]) u, "
        "unnest(ARRAY[1]) WITH ORDINALITY o",
        {"g": False, "u": True, "ordinality": False},
    ),
    Case(
        "jsonb_each_and_elements",
        "SELECT e.key, e.value, t.value AS v FROM user_profiles up, "
        "jsonb_each(up.preferences) e, jsonb_array_elements_text(up.metadata) t",
        {"key": False, "value": False, "v": True},
    ),
    # ----------------------------------------------------------------- views
    Case(
        "view_columns_come_from_its_sql",
        "SELECT id, title, author_name, excerpt FROM live_posts",
        {"id": False, "title": False, "author_name": False, "excerpt": True},
    ),
    Case(
        "view_on_nullable_side",
        "SELECT lp.id FROM users u LEFT JOIN live_posts lp ON lp.id = u.id",
        {"id": True},
    ),
    Case(
        "cyclic_views_do_not_loop",
        "SELECT x FROM cycle_a",
        {"x": True},
    ),
    # ----------------------------------------------------------------- DML RETURNING
    Case(
        "insert_returning_star",
        "INSERT INTO categories (name, slug) VALUES ($1, $2) RETURNING *",
        {
            "id": False,
            "name": False,
            "slug": False,
            "description": True,
            "created_at": False,
            "updated_at": False,
        },
    ),
    Case(
        "insert_on_conflict_do_update_returning",
        "INSERT INTO tags_like AS t (name) VALUES ($1) ON CONFLICT (name) DO UPDATE "
        "SET name = excluded.name RETURNING t.id",
        {"id": True},
    ),
    Case(
        "insert_on_conflict_do_nothing_returning",
        "INSERT INTO categories (name, slug) VALUES ($1, $2) ON CONFLICT DO NOTHING "
        "RETURNING id, description",
        {"id": False, "description": True},
    ),
    Case(
        "update_from_returning",
        "UPDATE posts p SET title = $1 FROM users u WHERE u.id = p.author_id AND p.id = $2 "
        "RETURNING p.id, p.excerpt, u.email",
        {"id": False, "excerpt": True, "email": False},
    ),
    Case(
        "update_returning_gives_the_new_value_not_the_one_where_tested",
        "UPDATE posts SET excerpt = nullif($1, '') WHERE id = $2 AND excerpt IS NOT NULL "
        "RETURNING excerpt",
        {"excerpt": True},
    ),
    Case(
        "update_returning_set_to_null_where_tested_not_null",
        "UPDATE posts SET published_at = NULL WHERE id = $1 AND published_at IS NOT NULL "
        "RETURNING published_at, new.published_at AS after, old.published_at AS before",
        {"published_at": True, "after": True, "before": True},
    ),
    Case(
        "update_returning_compared_column_set_from_a_parameter",
        "UPDATE posts SET excerpt = $1 WHERE id = $2 AND excerpt > '' RETURNING excerpt",
        {"excerpt": True},
    ),
    Case(
        "update_returning_column_set_to_a_non_null_expression",
        "UPDATE posts SET excerpt = coalesce(excerpt, 'x') WHERE id = $1 RETURNING excerpt",
        {"excerpt": False},
    ),
    Case(
        "update_returning_unassigned_column_keeps_the_where_proof",
        "UPDATE posts SET title = $1 WHERE excerpt IS NOT NULL RETURNING excerpt",
        {"excerpt": False},
    ),
    Case(
        "upsert_returning_ignores_the_do_update_where",
        "INSERT INTO categories AS c (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO UPDATE "
        "SET description = NULL WHERE c.description IS NOT NULL RETURNING description",
        {"description": True},
    ),
    Case(
        "delete_returning_old_value_where_tested_not_null",
        "DELETE FROM posts WHERE excerpt IS NOT NULL RETURNING excerpt",
        {"excerpt": False},
    ),
    Case(
        "first_and_last_value_of_a_non_null_column_over_the_default_frame",
        "SELECT first_value(title) OVER (PARTITION BY author_id ORDER BY id) AS f, "
        "last_value(title) OVER w AS l, first_value(excerpt) OVER w AS e, "
        "first_value(title) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS x "
        "FROM posts WINDOW w AS (ORDER BY id)",
        {"f": False, "l": False, "e": True, "x": True},
    ),
    Case(
        "lag_and_lead_with_a_non_null_default",
        "SELECT lag(title, 1, 'none') OVER (ORDER BY id) AS a, "
        "lead(title, 2, title) OVER (ORDER BY id) AS b, lag(title) OVER (ORDER BY id) AS c, "
        "lag(title, 1, excerpt) OVER (ORDER BY id) AS d FROM posts",
        {"a": False, "b": False, "c": True, "d": True},
    ),
    Case(
        "count_from_a_left_joined_lateral_aggregate_on_true",
        "SELECT c.n, h.m, l.k FROM posts p "
        "LEFT JOIN LATERAL (SELECT count(*) AS n FROM comments c WHERE c.post_id = p.id) c "
        "ON true "
        "LEFT JOIN LATERAL (SELECT count(*) AS m FROM comments HAVING count(*) > 1) h ON true "
        "LEFT JOIN LATERAL (SELECT count(*) AS k FROM comments LIMIT 1 OFFSET 1) l ON true",
        {"n": False, "m": True, "k": True},
    ),
    Case(
        "to_char_of_a_number_is_non_null_of_a_timestamp_may_be_null",
        "SELECT to_char(view_count, 'FM999') AS a, to_char(created_at, 'YYYY') AS b, "
        "sin(view_count) AS c FROM posts",
        {"a": False, "b": True, "c": False},
    ),
    Case(
        "json_get_text_stays_nullable",
        "SELECT preferences ->> 'theme' AS a FROM user_profiles",
        {"a": True},
    ),
    Case(
        "delete_returning",
        "DELETE FROM comments WHERE id = $1 RETURNING id, deleted_at",
        {"id": False, "deleted_at": True},
    ),
    Case(
        "returning_old_and_new",
        "UPDATE posts SET title = $1 WHERE id = $2 RETURNING old.title AS before, new.title",
        {"before": False, "title": False},
    ),
    Case(
        "insert_returning_old_is_null",
        "INSERT INTO categories (name, slug) VALUES ($1, $2) RETURNING old.id",
        {"id": True},
    ),
    Case(
        "upsert_returning_xmax_system_column",
        "WITH up AS (INSERT INTO roles (name) VALUES ($1) ON CONFLICT (name) DO UPDATE "
        "SET name = excluded.name RETURNING id, xmax = 0 AS created) "
        "SELECT up.id, up.created, NOT up.created AS updated FROM up "
        "UNION ALL SELECT r.id, false, false FROM roles r WHERE r.name = $1",
        {"id": False, "created": False, "updated": False},
    ),
    Case(
        "system_column_of_left_joined_table",
        "SELECT r.ctid AS a, t.xmin AS b FROM roles r LEFT JOIN tags t ON t.id = r.id",
        {"a": False, "b": True},
    ),
    Case(
        "data_modifying_cte",
        "WITH moved AS (DELETE FROM comments WHERE post_id = $1 RETURNING id, deleted_at) "
        "SELECT id, deleted_at FROM moved",
        {"id": False, "deleted_at": True},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_column_nullability(case: Case) -> None:
    analysis = analyze(case.sql, list(case.expected))
    got = {name: col.nullable for name, col in zip(case.expected, analysis.columns, strict=True)}
    assert got == case.expected, [c.reason for c in analysis.columns]


def test_certainty_and_reason() -> None:
    sql = (
        "SELECT p.id, u.email, my_func(1) AS f FROM posts p LEFT JOIN users u ON u.id = p.author_id"
    )
    cols = analyze(sql, ["id", "email", "f"]).columns
    assert cols[0] == ColumnInference(False, "proven_non_null", "posts.id is NOT NULL", None)
    assert cols[1].certainty == "proven_nullable"
    assert "LEFT JOIN" in cols[1].reason
    assert cols[2].certainty == "unknown"


def test_column_count_mismatch_falls_back_to_unknown() -> None:
    cols = analyze("SELECT id FROM users", ["id", "extra"]).columns
    assert [(c.nullable, c.certainty) for c in cols] == [(True, "unknown"), (True, "unknown")]


# --------------------------------------------------------------------------- parameters

PARAM_CASES = [
    ("plain_comparison", "SELECT id FROM posts WHERE author_id = $1 AND status = $2", set()),
    (
        "optional_filter",
        "SELECT id FROM posts WHERE ($1::post_status IS NULL OR status = $1) AND author_id = $2",
        {1},
    ),
    ("coalesce_first_argument", "SELECT coalesce($1, 'x') AS v", {1}),
    ("coalesce_last_argument_is_the_default", "SELECT coalesce(avatar, $1) FROM users", set()),
    ("is_not_distinct_from", "SELECT id FROM users WHERE avatar IS NOT DISTINCT FROM $1", {1}),
    ("nullif", "SELECT nullif($1, '') AS v", {1}),
    (
        "insert_into_nullable_columns",
        "INSERT INTO posts (title, content, excerpt, slug, author_id, published_at) "
        "VALUES ($1, $2, $3, $4, $5, $6::timestamptz) RETURNING id",
        {3, 6},
    ),
    (
        "insert_select",
        "INSERT INTO categories (name, slug, description) SELECT $1, $2, $3",
        {3},
    ),
    (
        "insert_select_case_result_into_a_nullable_column",
        "INSERT INTO categories (name, slug, description) "
        "SELECT $1, $2, CASE WHEN $3::bool THEN $4::text ELSE coalesce($5, $6) END",
        {4, 5, 6},
    ),
    (
        "update_set_case_result_into_a_nullable_column",
        "UPDATE posts SET excerpt = CASE WHEN $1 THEN $2 END, title = CASE WHEN $1 THEN $3 "
        "ELSE title END WHERE id = $4",
        {2},
    ),
    (
        "update_set",
        "UPDATE posts SET title = $1, excerpt = $2, published_at = $3 WHERE id = $4",
        {2, 3},
    ),
    (
        "update_multi_assign",
        "UPDATE users SET (name, avatar) = ($1, $2) WHERE id = $3",
        {2},
    ),
    (
        "on_conflict_do_update_set",
        "INSERT INTO categories (name, slug) VALUES ($1, $2) ON CONFLICT (slug) DO UPDATE "
        "SET description = $3",
        {3},
    ),
    ("unparseable_sql_has_no_nullable_params", "SELEKT $1 IS NULL", set()),
]


@pytest.mark.parametrize(
    ("sql", "expected"), [c[1:] for c in PARAM_CASES], ids=[c[0] for c in PARAM_CASES]
)
def test_nullable_params(sql: str, expected: set[int]) -> None:
    assert analyze(sql, []).nullable_params == frozenset(expected)


def test_nullable_param_makes_its_column_nullable() -> None:
    sql = "SELECT $1::text AS a, $2::text AS b WHERE $1 IS NULL OR true"
    assert nullability(sql, ["a", "b"]) == [True, False]


# --------------------------------------------------------------------------- tables and read-only


def test_tables_read_and_written() -> None:
    a = analyze(
        "WITH x AS (SELECT id FROM users) UPDATE posts SET title = $1 FROM x "
        "WHERE posts.author_id = x.id AND EXISTS (SELECT 1 FROM live_posts) RETURNING posts.id",
        ["id"],
    )
    assert a.tables_written == {"posts"}
    assert a.tables_read == {"users", "live_posts", "posts"}
    assert a.read_only is False


def test_select_is_read_only_unless_it_locks_or_writes() -> None:
    assert analyze("SELECT id FROM users", ["id"]).read_only is True
    assert analyze("SELECT id FROM users FOR UPDATE", ["id"]).read_only is False
    assert analyze("SELECT nextval('s')", ["nextval"]).read_only is False
    assert analyze("SELECT id FROM users", ["id"]).tables_written == frozenset()


# --------------------------------------------------------------------------- nested JSON

POST_WITH_RELATIONS = """
SELECT
    p.id,
    json_build_object('id', u.id, 'name', u.name, 'avatar', u.avatar) AS author,
    coalesce(
        (SELECT json_agg(json_build_object('id', c.id, 'name', c.name))
           FROM post_categories pc JOIN categories c ON c.id = pc.category_id
          WHERE pc.post_id = p.id),
        '[]'::json
    ) AS categories,
    json_agg(json_build_object('id', cm.id, 'content', cm.content)) AS comments,
    coalesce(
        json_agg(json_build_object('id', cm.id, 'content', cm.content, 'at', cm.deleted_at))
            FILTER (WHERE cm.id IS NOT NULL),
        '[]'
    ) AS live_comments,
    (SELECT json_agg(t.name) FROM categories t) AS names
FROM posts p
JOIN users u ON u.id = p.author_id
LEFT JOIN comments cm ON cm.post_id = p.id
GROUP BY p.id, u.id
"""


def _object(*fields: NestedField) -> NestedShape:
    return NestedShape("object", fields)


def test_post_with_author_categories_and_comments() -> None:
    names = ["id", "author", "categories", "comments", "live_comments", "names"]
    cols = analyze(POST_WITH_RELATIONS, names).columns
    author, categories, comments, live, tag_names = cols[1:]

    assert not author.nullable
    assert author.nested == _object(
        NestedField("id", "bigint", False, None),
        NestedField("name", "text", False, None),
        NestedField("avatar", "text", True, None),
    )

    assert not categories.nullable
    assert categories.nested == NestedShape(
        "array",
        element=_object(
            NestedField("id", "bigint", False, None), NestedField("name", "text", False, None)
        ),
        element_nullable=False,
    )

    # A LEFT JOIN with no comment still aggregates one all-NULL row: fields are nullable.
    assert not comments.nullable  # grouped: every group has a row
    assert comments.nested == NestedShape(
        "array",
        element=_object(
            NestedField("id", "bigint", True, None), NestedField("content", "text", True, None)
        ),
        element_nullable=False,
    )

    # FILTER (WHERE cm.id IS NOT NULL) proves the comment row exists.
    assert not live.nullable
    assert live.nested == NestedShape(
        "array",
        element=_object(
            NestedField("id", "bigint", False, None),
            NestedField("content", "text", False, None),
            NestedField("at", "timestamp with time zone", True, None),
        ),
        element_nullable=False,
    )

    assert tag_names.nullable  # json_agg over zero rows is NULL
    assert tag_names.nested == NestedShape(
        "array", element_type_name="text", element_nullable=False
    )


def test_row_to_json_of_left_joined_alias() -> None:
    sql = (
        "SELECT row_to_json(u) AS author, to_jsonb(up) AS profile FROM users u "
        "LEFT JOIN user_profiles up ON up.user_id = u.id"
    )
    author, profile = analyze(sql, ["author", "profile"]).columns
    assert not author.nullable
    assert author.nested is not None
    assert [(f.name, f.nullable) for f in author.nested.fields][:4] == [
        ("id", False),
        ("email", False),
        ("name", False),
        ("avatar", True),
    ]
    assert profile.nullable
    assert profile.nested is not None
    # A null-extended row is NULL as a whole: a present one keeps its NOT NULL columns.
    fields = {f.name: f.nullable for f in profile.nested.fields}
    assert fields["user_id"] is False
    assert fields["bio"] is True


def test_json_agg_of_row_reference_and_literals() -> None:
    sql = (
        "SELECT jsonb_agg(c ORDER BY c.id) AS cats, "
        "jsonb_build_object('n', count(*), 'k', 'v', 'x', 1.5, 'q', my_func()) AS meta "
        "FROM categories c"
    )
    cats, meta = analyze(sql, ["cats", "meta"]).columns
    assert cats.nullable
    assert cats.nested is not None
    assert cats.nested.element is not None
    assert cats.nested.element.fields[0] == NestedField("id", "bigint", False, None)
    assert meta.nested == _object(
        NestedField("n", "bigint", False, None),
        NestedField("k", "text", False, None),
        NestedField("x", "numeric", False, None),
        NestedField("q", None, True, None),
    )


def test_nested_shape_only_on_json_columns() -> None:
    (col,) = analyze("SELECT u FROM users u", ["u"]).columns
    assert col.nested is None


# --------------------------------------------------------------------------- robustness

GARBAGE = [
    "",
    ";",
    "SELECT",
    "SELECT 1; SELECT 2",
    "CREATE TABLE t (a int)",
    "EXPLAIN SELECT 1",
    "SELECT * FROM unknown_fn() AS f",
    "SELECT (x).* FROM users x",
    "SELECT xmlelement(name a)",
    "MERGE INTO posts p USING users u ON p.author_id = u.id WHEN MATCHED THEN DELETE "
    "RETURNING p.id",
    "SELECT $1 FROM $2",
    "WITH RECURSIVE r AS (SELECT * FROM r) SELECT * FROM r",
    "SELECT ((((((((((1))))))))))",
]


@pytest.mark.parametrize("sql", GARBAGE)
def test_odd_sql_never_raises(sql: str) -> None:
    analysis = analyze(sql, ["a"])
    assert len(analysis.columns) == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_never_raises(sql: str) -> None:
    analysis = analyze(sql, ["a", "b"])
    assert len(analysis.columns) == 2


_FRAGMENTS = [
    "SELECT", "*", "p.id", "u.email", ",", "FROM", "posts p", "LEFT JOIN", "users u", "ON",
    "u.id = p.author_id", "WHERE", "$1 IS NULL", "GROUP BY", "p.id", "json_agg(u)", "coalesce(",
    ")", "(", "UNION", "count(*)", "AS x", "LATERAL", "WITH c AS (SELECT 1)", "RETURNING",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=16))
def test_sql_like_token_soup_never_raises(tokens: list[str]) -> None:
    analysis = analyze(" ".join(tokens), ["a"])
    assert len(analysis.columns) == 1
