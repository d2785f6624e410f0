"""Every query is checked against the schema; every failure names file:line and is reported."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from codegen.helpers import generate_case
from postsql.codegen.cli import format_sources
from postsql.errors import CodegenError, QueryCheckError, UnsupportedTypeError

pytestmark = pytest.mark.db

SCHEMA = """
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, body text);
"""


def _case(tmp_path: Path, queries: str, schema: str = SCHEMA) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "schema.sql").write_text(schema, encoding="utf-8")
    (tmp_path / "queries" / "posts.sql").write_text(queries, encoding="utf-8")
    return tmp_path


async def test_a_typo_fails_with_file_line_name_message_and_caret(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path, "-- name: find(id)^\nSELECT id,\n       titel\nFROM posts WHERE id = :id;\n"
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    lines = str(caught.value).splitlines()
    assert lines[0] == 'queries/posts.sql:3: find: column "titel" does not exist'
    assert lines[1] == "           titel"
    assert lines[2] == "           ^"


async def test_all_failing_queries_are_reported_not_just_the_first(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: a()\nSELECT nope FROM posts;\n\n"
        "-- name: b()\nSELECT id FROM postz;\n\n"
        "-- name: c(x)$\nSELECT :x IS NULL AS y;\n\n"
        "-- name: fine()\nSELECT id FROM posts;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert message.startswith("3 problems found:")
    assert 'queries/posts.sql:2: a: column "nope" does not exist' in message
    assert 'queries/posts.sql:5: b: relation "postz" does not exist' in message
    assert "queries/posts.sql:7: c: could not determine data type of parameter $1" in message


_PARTITION_ROWS = """
CREATE TABLE events (id bigint NOT NULL, kind int NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE posts (id bigint PRIMARY KEY, title text NOT NULL, last_event events_1);
"""


async def test_an_unmapped_column_of_a_table_is_left_out_with_a_warning_and_a_note(
    tmp_path: Path, admin_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A partition has no model of its own, so a column of its row type has no Python type.
    case = _case(tmp_path, "-- name: titles()\nSELECT id, title FROM posts;\n", _PARTITION_ROWS)
    generated = await generate_case(case, admin_url)
    warning = capsys.readouterr().err
    assert "warning: public.posts.last_event: type events_1 has no Python mapping" in warning
    assert "left out of the model Post" in warning
    models = generated.files["models.py"]
    post = models[models.index("class Post(") : models.index("class PostInsert(")]
    assert "    last_event:" not in post
    assert "Left out (their type has no Python mapping" in post
    assert "- last_event: events_1" in post
    assert generated.project.warnings == (
        "public.posts.last_event: type events_1 has no Python mapping; the column is left out "
        "of the model Post",
    )


async def test_a_query_reading_an_unmapped_column_is_an_error_naming_it(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: events()\nSELECT last_event FROM posts;\n", _PARTITION_ROWS)
    with pytest.raises(
        UnsupportedTypeError, match=r"queries/posts.sql:1: events: column 'last_event'.*events_1"
    ):
        await generate_case(case, admin_url)


async def test_an_anonymous_record_result_names_the_query_and_column(
    tmp_path: Path, admin_url: str
) -> None:
    schema = "CREATE TABLE posts (id bigint PRIMARY KEY);"
    case = _case(tmp_path, "-- name: pairs()\nSELECT ROW(1, 2) AS p;\n", schema)
    with pytest.raises(UnsupportedTypeError, match=r"queries/posts.sql:1: pairs: column 'p'"):
        await generate_case(case, admin_url)


async def test_an_override_naming_an_unknown_column_is_an_error_at_its_line(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- Doc.\n-- @nonnull titel\nSELECT title FROM posts;\n")
    with pytest.raises(QueryCheckError, match=r"queries/posts.sql:3: q: @nonnull names unknown"):
        await generate_case(case, admin_url)


async def test_a_param_override_naming_an_unknown_parameter_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q(id)\n-- @param ident nullable\nSELECT :id::int AS x;\n")
    with pytest.raises(QueryCheckError, match=r"posts.sql:2: q: @param names unknown parameter"):
        await generate_case(case, admin_url)


async def test_marking_nullable_a_column_proven_non_null_contradicts_a_proof(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\n-- @nullable title\nSELECT title FROM posts;\n")
    with pytest.raises(
        QueryCheckError, match=r"posts.sql:2: q: @nullable title contradicts a proof"
    ):
        await generate_case(case, admin_url)


async def test_each_problem_is_reported_once_and_in_file_and_line_order(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: late()\nSELECT nope FROM posts;\n\n-- name: later()\nSELECT x FROM posts;\n",
    )
    # Found after the server's errors (by codegen, not the server), in an earlier file; and
    # the same problem twice in one query.
    (case / "queries" / "a.sql").write_text(
        '-- name: first()\nSELECT 1 AS "?column?", 2 AS "?column?";\n'
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    lines = str(caught.value).splitlines()
    assert lines[0] == "3 problems found:"
    assert [line.split(" ")[0] for line in lines[1:] if line.startswith("queries/")] == [
        "queries/a.sql:1:",
        "queries/posts.sql:2:",
        "queries/posts.sql:5:",
    ]


async def test_a_broken_schema_names_its_file_and_line(tmp_path: Path, admin_url: str) -> None:
    case = _case(tmp_path, "-- name: q()\nSELECT 1 AS x;\n", "CREATE TABLE a (id int);\nCREAT x;\n")
    with pytest.raises(CodegenError, match=r"schema.sql:2: schema failed to apply"):
        await generate_case(case, admin_url)


async def test_the_scratch_database_is_dropped_even_when_codegen_fails(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: q()\nSELECT nope;\n")
    with pytest.raises(QueryCheckError):
        await generate_case(case, admin_url)
    conn = await asyncpg.connect(admin_url)
    try:
        left = await conn.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'postsql_codegen_%'"
        )
    finally:
        await conn.close()
    assert left == 0


async def test_error_excerpt_shows_parameters_as_written_with_the_caret_under_the_fault(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: a()\nSELECT 1 AS one;\n\n"
        "-- name: find(identifier, needle)\nSELECT id\n  FROM posts\n"
        " WHERE id = :identifier AND titel = :needle;\n\n"
        "-- name: guess(x)$\nSELECT id FROM posts WHERE :x IS NULL;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    lines = str(caught.value).splitlines()
    at = lines.index('queries/posts.sql:7: find: column "titel" does not exist')
    assert lines[at + 1] == "     WHERE id = :identifier AND titel = :needle;"
    assert lines[at + 2] == "                                ^"
    assert "queries/posts.sql:9: guess: could not determine data type of parameter $1 (:x)" in lines


async def test_a_query_named_like_a_keyword_or_an_imported_name_is_an_error_at_its_line(
    tmp_path: Path, admin_url: str
) -> None:
    # aiosql accepts these names, but `async def del(...)` is not Python and a function named
    # `date` or `validate_rows` would shadow what the generated module imports.
    case = _case(
        tmp_path,
        "-- name: fine()\nSELECT id FROM posts;\n\n"
        "-- name: del(id)!\nDELETE FROM posts WHERE id = :id;\n\n"
        "-- name: date()$\nSELECT current_date;\n\n"
        "-- name: validate_rows()\nSELECT id FROM posts;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert message.startswith("3 problems found:")
    assert "queries/posts.sql:4: del: a Python keyword cannot name the generated" in message
    assert "queries/posts.sql:7: date: the generated module already uses the name 'date'" in message
    assert "queries/posts.sql:10: validate_rows: the generated module already uses" in message


async def test_two_queries_generating_the_same_module_name_is_an_error_naming_both(
    tmp_path: Path, admin_url: str
) -> None:
    # A select `posts` generates `iter_posts`; a query of that name would define it twice. Names
    # differing only in case share their QueryInfo constant.
    case = _case(
        tmp_path,
        "-- name: posts()\nSELECT id FROM posts;\n\n"
        "-- name: iter_posts()\nSELECT id FROM posts;\n\n"
        "-- name: getPost(id)^\nSELECT id FROM posts WHERE id = :id;\n\n"
        "-- name: getpost(id)^\nSELECT id FROM posts WHERE id = :id;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert message.startswith("2 problems found:")
    assert (
        "queries/posts.sql:4: iter_posts: the generated name 'iter_posts' is also generated for "
        "query 'posts' (queries/posts.sql:1); rename one of them"
    ) in message
    assert "posts.sql:10: getpost: the generated name 'GETPOST' is also generated" in message


async def test_columns_that_would_share_a_python_field_are_an_error_naming_both(
    tmp_path: Path, admin_url: str
) -> None:
    # "class" becomes the field class_ (aliased): a column really named class_ would collide, and
    # one field would read the other column's value.
    case = _case(
        tmp_path,
        '-- name: both_names()^\nSELECT 1 AS "class", 2 AS class_;\n',
        schema=SCHEMA + '\nCREATE TABLE clash (id int PRIMARY KEY, "class" text, class_ text);\n',
    )
    with pytest.raises(CodegenError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert (
        "public.clash: columns 'class' and 'class_' would both be the Python field 'class_'"
    ) in message
    assert (
        "queries/posts.sql:1: both_names: result columns 'class' and 'class_' would both be the "
        "Python field 'class_'; rename one of them"
    ) in message


async def test_a_parameter_named_like_what_the_generated_function_uses_is_an_error(
    tmp_path: Path, admin_url: str
) -> None:
    # `def f(db, /, *, db)` is not Python; a parameter `dict` or `record` would shadow what the
    # body calls; a `*!` parameter is a NamedTuple field, which cannot start with '_' (the module
    # failed at import) or be named like a tuple method (`count`, `index`).
    case = _case(
        tmp_path,
        "-- name: by_db(db)\nSELECT id FROM posts WHERE title = :db;\n\n"
        "-- name: iter_with(prefetch)\nSELECT id FROM posts WHERE id = :prefetch;\n\n"
        "-- name: one(dict, record)^\n"
        "SELECT id FROM posts WHERE title = :dict AND body = :record;\n\n"
        "-- name: add_many(_title, count)*!\n"
        "INSERT INTO posts (id, title) VALUES (:count, :_title);\n\n"
        "-- name: fine(id, type, limit)\nSELECT id FROM posts WHERE id = :id AND title = :type"
        " LIMIT :limit;\n\n"
        "-- name: fine_many(db, record)*!\nINSERT INTO posts (id, title) VALUES (:db, :record);\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert message.startswith("6 problems found:")
    uses = "the generated function already uses the name"
    assert f"queries/posts.sql:1: by_db: parameter :db: {uses} 'db'; rename" in message
    assert f"queries/posts.sql:4: iter_with: parameter :prefetch: {uses} 'prefetch'" in message
    assert f"queries/posts.sql:7: one: parameter :dict: {uses} 'dict'" in message
    assert f"queries/posts.sql:7: one: parameter :record: {uses} 'record'" in message
    field = "a named tuple field cannot"
    assert f"queries/posts.sql:10: add_many: parameter :_title: {field}" in message
    assert f"queries/posts.sql:10: add_many: parameter :count: {field}" in message
    assert "fine" not in message


async def test_a_role_refused_create_database_is_a_clear_error_not_a_traceback(
    tmp_path: Path, admin_url: str
) -> None:
    role = f"postsql_nocreate_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f"CREATE ROLE {role} LOGIN NOCREATEDB")
        parts = urlsplit(admin_url)
        as_role = urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}"))
        case = _case(tmp_path, "-- name: q()\nSELECT id FROM posts;\n")
        with pytest.raises(CodegenError) as caught:
            await generate_case(case, as_role)
    finally:
        await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()
    message = str(caught.value)
    assert message.startswith("cannot create the scratch database on ")
    assert "permission denied to create database" in message
    assert "a role allowed CREATE DATABASE" in message


async def test_a_schema_file_of_only_comments_applies_as_nothing(
    tmp_path: Path, admin_url: str
) -> None:
    # asyncpg raised AttributeError: 'NoneType' object has no attribute 'decode'.
    case = _case(tmp_path, "-- name: one()$\nSELECT 1 AS x;\n", "-- no tables yet\n/* none */\n")
    generated = await generate_case(case, admin_url)
    assert [q.name for q in generated.project.queries] == ["one"]


async def test_query_files_whose_names_make_one_module_are_an_error_naming_both(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "-- name: a()\nSELECT 1 AS x;\n")
    (case / "queries" / "post-tags.sql").write_text("-- name: b()\nSELECT 1 AS x;\n")
    (case / "queries" / "post_tags.sql").write_text("-- name: c()\nSELECT 1 AS x;\n")
    with pytest.raises(
        QueryCheckError,
        match=r"queries/post_tags.sql: would generate the module queries/post_tags.py, as "
        r"queries/post-tags.sql does",
    ):
        await generate_case(case, admin_url)


def test_a_formatter_failure_shows_the_formatters_own_message(tmp_path: Path) -> None:
    # The message ended after "(a codegen bug):" with nothing: ruff ran with --quiet.
    with pytest.raises(CodegenError) as caught:
        format_sources(
            {"queries/__init__.py": "from x.queries import query-building\n"},
            out=tmp_path / "x",
            root=tmp_path,
            package="x",
        )
    message = str(caught.value)
    assert message.startswith("ruff could not format generated queries/__init__.py")
    assert "queries/__init__.py:1:" in message
    assert "Simple statements must be separated by newlines or semicolons" in message


async def test_an_operator_that_does_not_fit_its_statement_is_an_error_at_the_query(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(
        tmp_path,
        "-- name: one_of_nothing(id)^\nUPDATE posts SET body = NULL WHERE id = :id;\n\n"
        "-- name: value_of_two(id)$\nSELECT id, title FROM posts WHERE id = :id;\n\n"
        "-- name: value_of_nothing(id)$\nDELETE FROM posts WHERE id = :id;\n\n"
        "-- name: count_titles()!\nSELECT title FROM posts;\n\n"
        "-- name: many_returning(title)*!\nINSERT INTO posts (id, title) "
        "VALUES (1, :title) RETURNING id;\n",
    )
    with pytest.raises(QueryCheckError) as caught:
        await generate_case(case, admin_url)
    message = str(caught.value)
    assert message.startswith("5 problems found:")
    assert (
        "queries/posts.sql:1: one_of_nothing: ^ reads one row, but the statement returns no rows"
        in message
    )
    assert (
        "queries/posts.sql:4: value_of_two: $ reads one value, but the statement returns 2 "
        "columns (id, title); use ^ for the row, or select one column" in message
    )
    assert "queries/posts.sql:7: value_of_nothing: $ reads one value, but the statement" in message
    assert (
        "queries/posts.sql:10: count_titles: ! on a SELECT that calls no function: its rows are "
        "discarded" in message
    )
    assert (
        "queries/posts.sql:13: many_returning: *! runs the statement once per set of parameters "
        "(executemany) and discards what it returns (id)" in message
    )


async def test_an_operator_aiosql_gives_a_meaning_warns_what_the_function_returns(
    tmp_path: Path, admin_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _case(
        tmp_path,
        "-- name: add(id, title)<!\nINSERT INTO posts (id, title) VALUES (:id, :title);\n\n"
        "-- name: notify()!\nSELECT pg_notify('posts', 'changed');\n",
    )
    generated = await generate_case(case, admin_url)
    assert generated.project.warnings == (
        "queries/posts.sql:1: add: <! on a statement without RETURNING: the generated function "
        "returns None; use ! for the affected row count, or add RETURNING",
        "queries/posts.sql:4: notify: ! on a SELECT: the generated function returns the number of "
        "rows selected and discards them (fine for a function called for its effect, such as "
        "pg_notify); use (no suffix), ^ or $ to read them",
    )
    assert "warning: queries/posts.sql:1: add: <! on a statement" in capsys.readouterr().err
