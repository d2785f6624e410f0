"""The soft-delete lint, at the parser level: no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postsql.codegen.loader import load_file, load_queries
from postsql.ext.soft_delete import (
    Finding,
    check_queries,
    is_deliberate,
    main,
    soft_deletable_tables,
)

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA = """
CREATE TABLE users (id bigint, name text, deleted_at timestamptz);
CREATE TABLE posts (id bigint, author_id bigint, title text, deleted_at timestamptz);
CREATE TABLE tags (id bigint, name text);
CREATE TABLE comments (id bigint, post_id bigint);
ALTER TABLE comments ADD COLUMN deleted_at timestamptz;
"""
TABLES = soft_deletable_tables(SCHEMA)


def findings(tmp_path: Path, text: str) -> list[Finding]:
    path = tmp_path / "q.sql"
    path.write_text(text, encoding="utf-8")
    return check_queries(load_file(path, display="q.sql"), TABLES)


def named(sql: str) -> str:
    """A one-query file for ``sql``, its parameter list taken from its ``:name`` parameters."""
    params = dict.fromkeys(re.findall(r"(?<!:):([a-z_]+)", sql))
    return f"-- name: q({', '.join(params)})\n{sql}\n"


def test_tables_with_a_deleted_at_column_are_soft_deletable() -> None:
    assert sorted(TABLES) == ["comments", "posts", "users"]


def test_the_shipped_schema_dump_parses_despite_psql_meta_commands() -> None:
    tables = soft_deletable_tables((ROOT / "sql" / "schema.sql").read_text(encoding="utf-8"))
    assert {"users", "posts", "comments"} <= tables
    assert "tags" not in tables


def test_the_shipped_queries_pass() -> None:
    tables = soft_deletable_tables((ROOT / "sql" / "schema.sql").read_text(encoding="utf-8"))
    queries = load_queries([ROOT / "sql" / "queries"], root=ROOT)
    assert len(queries) > 20
    assert check_queries(queries, tables) == []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT p.id FROM posts AS p WHERE p.id = :id AND p.deleted_at IS NULL;",
        "SELECT id FROM posts WHERE deleted_at IS NULL AND id = :id;",
        "SELECT posts.id FROM posts WHERE posts.deleted_at IS NULL;",
        "SELECT t.name FROM tags AS t;",
        # the inner side of a LEFT JOIN is filtered in its ON clause
        "SELECT p.id, c.id FROM posts AS p LEFT JOIN comments AS c "
        "ON c.post_id = p.id AND c.deleted_at IS NULL WHERE p.deleted_at IS NULL;",
        # an INNER JOIN's ON filters both sides
        "SELECT p.id FROM posts AS p INNER JOIN users AS u "
        "ON p.author_id = u.id AND u.deleted_at IS NULL WHERE p.deleted_at IS NULL;",
        # CTE names shadow tables; the CTE body itself is checked (and filtered here)
        "WITH posts AS (SELECT x.id FROM posts AS x WHERE x.deleted_at IS NULL) "
        "SELECT posts.id FROM posts;",
        "SELECT EXISTS (SELECT FROM users AS u WHERE u.id = :id AND u.deleted_at IS NULL);",
        "UPDATE posts SET title = :title WHERE id = :id AND deleted_at IS NULL;",
        "INSERT INTO posts (title) VALUES (:title);",
        "DELETE FROM comments AS c WHERE c.id = :id AND c.deleted_at IS NULL;",
        "INSERT INTO users AS u (id, name) VALUES (:id, :title) ON CONFLICT (id) DO UPDATE "
        "SET name = excluded.name WHERE u.deleted_at IS NULL;",
        "INSERT INTO users (id) VALUES (:id) ON CONFLICT (id) DO NOTHING;",
    ],
)
def test_filtered_queries_have_no_findings(tmp_path: Path, sql: str) -> None:
    assert findings(tmp_path, named(sql)) == []


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT p.id FROM posts AS p WHERE p.id = :id;", [("posts", "p")]),
        # a filter under OR does not filter
        (
            "SELECT p.id FROM posts AS p WHERE p.deleted_at IS NULL OR p.id = :id;",
            [("posts", "p")],
        ),
        # the filter names the other relation
        (
            "SELECT p.id FROM posts AS p INNER JOIN users AS u ON p.author_id = u.id "
            "WHERE p.deleted_at IS NULL;",
            [("users", "u")],
        ),
        # an outer join's ON does not filter its preserved side
        (
            "SELECT p.id FROM posts AS p LEFT JOIN comments AS c "
            "ON c.post_id = p.id AND p.deleted_at IS NULL AND c.deleted_at IS NULL;",
            [("posts", "p")],
        ),
        # unqualified deleted_at is ambiguous with two soft-deletable tables
        (
            "SELECT p.id FROM posts AS p, users AS u WHERE deleted_at IS NULL;",
            [("posts", "p"), ("users", "u")],
        ),
        # IS NOT NULL is the opposite filter
        ("SELECT u.id FROM users AS u WHERE u.deleted_at IS NOT NULL;", [("users", "u")]),
        # a subquery is a query level of its own
        (
            "SELECT p.id FROM posts AS p WHERE p.deleted_at IS NULL "
            "AND p.author_id IN (SELECT u.id FROM users AS u);",
            [("users", "u")],
        ),
        ("UPDATE posts SET title = :title WHERE id = :id;", [("posts", "posts")]),
        ("DELETE FROM comments WHERE id = :id;", [("comments", "comments")]),
        # an upsert would update a soft-deleted row
        (
            "INSERT INTO users (id, name) VALUES (:id, :title) ON CONFLICT (id) DO UPDATE "
            "SET name = excluded.name;",
            [("users", "users")],
        ),
    ],
)
def test_unfiltered_reads_are_flagged(
    tmp_path: Path, sql: str, expected: list[tuple[str, str]]
) -> None:
    found = findings(tmp_path, named(sql))
    assert [(f.table, f.alias) for f in found] == expected


def test_a_finding_names_file_line_query_alias_and_table(tmp_path: Path) -> None:
    text = (
        "-- name: first()\nSELECT 1;\n\n"
        "-- name: list_users()\n-- Lists users.\nSELECT u.id\nFROM\n    users AS u;\n"
    )
    (finding,) = findings(tmp_path, text)
    assert str(finding) == (
        "q.sql:8: list_users: table alias u reads soft-deletable table users "
        "without u.deleted_at IS NULL"
    )


def test_the_deliberate_marker_in_the_comment_block_skips_the_query(tmp_path: Path) -> None:
    text = (
        "-- name: list_all_users()\n"
        "-- Returns every user, live or not.\n"
        "-- Deliberately includes soft-deleted rows. (Admin screen.)\n"
        "SELECT u.id FROM users AS u;\n"
    )
    assert findings(tmp_path, text) == []


def test_the_marker_is_a_whole_sentence_not_a_mention() -> None:
    assert is_deliberate("Deliberately includes\n soft-deleted rows.")
    assert not is_deliberate("Includes soft-deleted rows.")


def test_main_exits_1_with_findings_and_0_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(SCHEMA, encoding="utf-8")
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "a.sql").write_text("-- name: a()\nSELECT id FROM users;\n", encoding="utf-8")
    assert main([str(queries), "--schema", str(schema)]) == 1
    out, err = capsys.readouterr()
    assert "a.sql:2: a: table alias users reads soft-deletable table users" in out
    assert "Deliberately includes soft-deleted rows." in err
    (queries / "a.sql").write_text(
        "-- name: a()\nSELECT id FROM users WHERE deleted_at IS NULL;\n", encoding="utf-8"
    )
    assert main([str(queries), "--schema", str(schema)]) == 0


def test_main_exits_2_on_a_missing_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--schema", str(tmp_path / "missing.sql")]) == 2
    assert "missing.sql: cannot read the schema" in capsys.readouterr().err


def test_main_passes_on_the_shipped_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main([]) == 0


FIXTURES = Path(__file__).resolve().parent / "soft_delete_fixtures"


def expected_findings(path: Path) -> list[tuple[int, str, str]]:
    """(line, alias, table) for every ``-- expect: alias table`` comment: the next line."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.fullmatch(r"\s*-- expect: (\w+) (\w+)", line)
        if match:
            out.append((number + 1, match[1], match[2]))
    return out


def fixture_findings(folder: str) -> list[Finding]:
    tables = soft_deletable_tables((FIXTURES / "schema.sql").read_text(encoding="utf-8"))
    return check_queries(load_queries([FIXTURES / folder], root=FIXTURES), tables)


def test_views_that_keep_soft_deleted_rows_are_soft_deletable_and_views_that_filter_are_not() -> (
    None
):
    tables = soft_deletable_tables((FIXTURES / "schema.sql").read_text(encoding="utf-8"))
    assert tables == {"users", "posts", "comments", "all_posts", "all_posts_again"}


def test_unfiltered_join_subquery_cte_view_exists_and_union_reads_are_flagged_at_their_line() -> (
    None
):
    path = FIXTURES / "unfiltered" / "reads.sql"
    found = [(f.file, f.line, f.alias, f.table) for f in fixture_findings("unfiltered")]
    expected = [("unfiltered/reads.sql", *e) for e in expected_findings(path)]
    assert len(expected) == 10
    assert found == expected


def test_filters_on_an_alias_in_on_and_through_coalesce_pass() -> None:
    assert fixture_findings("filtered") == []


def test_a_with_name_does_not_shadow_the_table_in_its_own_body(tmp_path: Path) -> None:
    sql = "WITH posts AS (SELECT x.id FROM posts AS x) SELECT posts.id FROM posts;"
    assert [(f.table, f.alias) for f in findings(tmp_path, named(sql))] == [("posts", "x")]


def test_a_recursive_with_name_is_visible_in_its_own_body(tmp_path: Path) -> None:
    sql = (
        "WITH RECURSIVE users AS (SELECT u.id FROM public.users AS u WHERE u.deleted_at IS NULL "
        "UNION ALL SELECT users.id + 1 FROM users WHERE users.id < 3) SELECT users.id FROM users;"
    )
    assert findings(tmp_path, named(sql)) == []


def test_coalesce_of_deleted_at_columns_is_null_filters_each_of_them(tmp_path: Path) -> None:
    sql = (
        "SELECT p.id FROM posts AS p INNER JOIN users AS u ON p.author_id = u.id "
        "WHERE coalesce(p.deleted_at, u.title) IS NULL;"
    )
    assert [(f.table, f.alias) for f in findings(tmp_path, named(sql))] == [("users", "u")]
