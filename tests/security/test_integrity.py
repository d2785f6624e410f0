"""Data integrity at both levels: each domain rule is refused by the insert model before a round
trip and by the database after one, with an error naming the constraint, column and field; hostile
strings are stored byte-exact or refused clearly."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from blog.generated.models import (
    CHECK_CONSTRAINTS,
    CategoryInsert,
    PostInsert,
    PostStatus,
    TagInsert,
    UserInsert,
)
from blog.generated.models import CHECK_CONSTRAINTS as CHECKS
from postsql.codegen.checks import compile_check
from postsql.errors import IntegrityViolation
from postsql.runtime.integrity import map_integrity_error, mapped_integrity_errors

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
GOOD_POST: dict[str, Any] = {"title": "T", "content": "C", "slug": "t", "author_id": 1}

# (model, good values, bad values, constraint, column)
RULES: list[tuple[type[BaseModel], dict[str, Any], dict[str, Any], str, str]] = [
    (UserInsert, {"email": "a@x", "name": "A"}, {"email": "no-at-sign"},
     "users_email_format_check", "email"),
    (UserInsert, {"email": "a@x", "name": "A"}, {"email": "a b@x"},
     "users_email_format_check", "email"),
    (UserInsert, {"email": "a@x", "name": "A"}, {"email": "Alice@Example.com"},
     "users_email_lower_check", "email"),
    (UserInsert, {"email": "a@x", "name": "A"}, {"email": "a" * 250 + "@x.io"},
     "users_email_length_check", "email"),
    (PostInsert, GOOD_POST, {"slug": "Not A Slug"}, "posts_slug_format_check", "slug"),
    (PostInsert, GOOD_POST, {"slug": "double--hyphen"}, "posts_slug_format_check", "slug"),
    (PostInsert, GOOD_POST, {"title": "   "}, "posts_title_not_blank_check", "title"),
    (PostInsert, GOOD_POST, {"view_count": -1}, "posts_view_count_check", "view_count"),
    (PostInsert, GOOD_POST, {"status": "PUBLISHED", "published_at": None},
     "posts_published_has_published_at_check", "status, published_at"),
    (PostInsert, GOOD_POST, {"status": "DRAFT", "published_at": NOW},
     "posts_draft_has_no_published_at_check", "status, published_at"),
    (CategoryInsert, {"name": "C", "slug": "c"}, {"slug": "c_1"},
     "categories_slug_format_check", "slug"),
    (TagInsert, {"name": "T", "slug": "t"}, {"slug": "-t"}, "tags_slug_format_check", "slug"),
]  # fmt: skip
TABLES = {UserInsert: "users", PostInsert: "posts", CategoryInsert: "categories", TagInsert: "tags"}


def _ids(rule: tuple[type[BaseModel], dict[str, Any], dict[str, Any], str, str]) -> str:
    return f"{rule[3]}:{next(iter(rule[2].values()))!r}"[:60]


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_the_insert_model_refuses_a_rule_before_a_round_trip(
    rule: tuple[type[BaseModel], dict[str, Any], dict[str, Any], str, str],
) -> None:
    model, good, bad, constraint, _ = rule
    model.model_validate(good)  # the good values pass
    with pytest.raises(ValidationError) as info:
        model.model_validate({**good, **bad})
    errors = [e for e in info.value.errors() if e["type"] == "check_violation"]
    assert [e["ctx"]["constraint"] for e in errors] == [constraint]


async def _author(conn: asyncpg.Connection) -> int:
    author: int = await conn.fetchval(
        "INSERT INTO users (email, name) VALUES ('author@example.com', 'A') RETURNING id"
    )
    return author


@pytest.mark.parametrize("rule", RULES, ids=_ids)
async def test_a_raw_insert_bypassing_the_model_gets_the_mapped_error(
    conn: asyncpg.Connection,
    rule: tuple[type[BaseModel], dict[str, Any], dict[str, Any], str, str],
) -> None:
    model, good, bad, constraint, column = rule
    values = {**good, **bad}
    if model is PostInsert:
        values["author_id"] = await _author(conn)
    names = list(values)
    sql = (
        f"INSERT INTO {TABLES[model]} ({', '.join(names)}) "
        f"VALUES ({', '.join(f'${i + 1}' for i in range(len(names)))})"
    )
    with pytest.raises(IntegrityViolation) as info, mapped_integrity_errors(checks=CHECKS):
        await conn.execute(sql, *values.values())
    error = info.value
    assert (error.constraint, error.table, error.sqlstate) == (constraint, TABLES[model], "23514")
    assert set((error.column or "").split(", ")) == set(column.split(", "))
    assert set((error.field or "").split(", ")) == set(column.split(", "))
    assert constraint in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__


async def test_unique_violations_name_the_column_but_never_echo_the_value(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("INSERT INTO users (email, name) VALUES ('secret-mail@x', 'A')")
    with pytest.raises(asyncpg.UniqueViolationError) as raw:
        await conn.execute("INSERT INTO users (email, name) VALUES ('secret-mail@x', 'B')")
    mapped = map_integrity_error(raw.value)
    assert (mapped.constraint, mapped.table, mapped.column, mapped.field) == (
        "users_email_key",
        "users",
        "email",
        "email",
    )
    assert "secret-mail" not in str(mapped)
    assert "secret-mail" not in repr(mapped)


async def test_not_null_and_foreign_key_violations_are_mapped(conn: asyncpg.Connection) -> None:
    with pytest.raises(IntegrityViolation) as info, mapped_integrity_errors():
        await conn.execute("INSERT INTO users (email, name) VALUES ('n@x', NULL)")
    assert (info.value.column, info.value.sqlstate) == ("name", "23502")
    with pytest.raises(IntegrityViolation) as info, mapped_integrity_errors():
        await conn.execute("INSERT INTO comments (post_id, author_id, content) VALUES (9, 9, 'x')")
    assert info.value.sqlstate == "23503"
    assert info.value.column in ("post_id", "author_id")


async def test_add_comment_refuses_a_soft_deleted_post(conn: asyncpg.Connection) -> None:
    from blog.generated.queries.comments import add_comment

    author = await _author(conn)
    post = await conn.fetchval(
        "INSERT INTO posts (title, content, slug, author_id, deleted_at)"
        " VALUES ('T', 'C', 'gone', $1, now()) RETURNING id",
        author,
    )
    assert await add_comment(conn, post_id=post, author_id=author, content="hi") is None
    assert await conn.fetchval("SELECT count(*) FROM comments") == 0


async def test_moving_a_post_back_to_draft_clears_published_at(conn: asyncpg.Connection) -> None:
    from blog.generated.queries.posts import bulk_update_status, create_post

    author = await _author(conn)
    post = await create_post(
        conn,
        title="T",
        content="C",
        excerpt=None,
        slug="t",
        status=PostStatus.PUBLISHED,
        author_id=author,
    )
    assert await bulk_update_status(conn, ids=[post.id], status=PostStatus.ARCHIVED) == 1
    assert await conn.fetchval("SELECT published_at FROM posts") is not None
    assert await bulk_update_status(conn, ids=[post.id], status=PostStatus.DRAFT) == 1
    assert await conn.fetchval("SELECT published_at FROM posts") is None


def test_every_check_constraint_is_in_the_registry_and_the_domain_ones_are_compiled() -> None:
    domain = {rule[3] for rule in RULES}
    assert domain <= set(CHECK_CONSTRAINTS)
    assert CHECK_CONSTRAINTS["posts_view_count_check"].fields == ("view_count",)


@pytest.mark.parametrize(
    ("definition", "compiled"),
    [
        ("CHECK ((n > 0))", True),
        ("CHECK ((lower(s) = s))", True),
        ("CHECK ((s = ANY (ARRAY['a'::text, 'b'::text])))", True),
        ("CHECK (((a IS NULL) OR (s IS NOT NULL)))", True),
        ("CHECK ((NOT (n > 0)))", False),
        ("CHECK ((s ~ '[[:alpha:]]'::text))", False),
        ("CHECK ((md5(s) <> ''::text))", False),
        ("CHECK ((n > 0.5))", False),
        ("CHECK ((other > 0))", False),
    ],
)
def test_the_check_compiler_recognises_its_subset_only(definition: str, compiled: bool) -> None:
    fields = {"n": "n", "s": "s", "a": "a"}
    assert (compile_check(definition, fields) is not None) == compiled


@pytest.mark.parametrize(
    ("definition", "compiled"),
    [
        ("CHECK ((n >= 0))", True),
        ("CHECK ((length(s) < n))", True),
        ("CHECK ((n > 'x'::text))", False),
        ("CHECK ((lower(n) = 'a'::text))", False),
        ("CHECK ((n ~ '^1'::text))", False),
        ("CHECK ((t > '2020-01-01'::timestamptz))", False),
        ("CHECK ((s = ANY (ARRAY[1, 2])))", False),
        ("CHECK (((s <> 'x'::text) OR (t IS NOT NULL)))", True),
    ],
)
def test_rules_mixing_python_kinds_are_left_to_the_database(
    definition: str, compiled: bool
) -> None:
    fields = {"n": "n", "s": "s", "t": "t"}
    kinds = {"n": "number", "s": "str", "t": "other"}
    assert (compile_check(definition, fields, kinds) is not None) == compiled


HOSTILE = [
    "'; DROP TABLE posts; --",
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "$1 $$ $tag$ \\x00 %s %(name)s :name ?",
    "\u202eevil\u200b zero-width \U0001f600 emoji",
    "x" * 1_048_576,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:20]))
async def test_hostile_strings_are_stored_and_read_back_byte_exact(
    conn: asyncpg.Connection, text: str
) -> None:
    from blog.generated.queries.posts import create_post

    author = await _author(conn)
    post = await create_post(
        conn, title=text, content=text, excerpt=text, slug="h", status=None, author_id=author
    )
    stored = await conn.fetchrow("SELECT title, content, excerpt FROM posts WHERE id = $1", post.id)
    assert stored is not None
    assert (stored["title"], stored["content"], stored["excerpt"]) == (text, text, text)
    assert stored["content"].encode() == text.encode()


@pytest.mark.parametrize(
    ("text", "refused_by"),
    [
        ("nul \x00 byte", asyncpg.CharacterNotInRepertoireError),
        ("lone surrogate \ud800", asyncpg.DataError),
    ],
)
async def test_unstorable_strings_are_refused_clearly_and_store_nothing(
    conn: asyncpg.Connection, text: str, refused_by: type[Exception]
) -> None:
    from blog.generated.queries.posts import create_post

    author = await _author(conn)
    with pytest.raises(refused_by) as info:
        await create_post(
            conn, title=text, content="c", excerpt=None, slug="h", status=None, author_id=author
        )
    # Either the server (NUL: "invalid byte sequence for encoding UTF8: 0x00") or asyncpg
    # ("invalid input for query argument $1 ... surrogates not allowed") says what was wrong.
    assert "0x00" in str(info.value) or "query argument $1" in str(info.value)
    assert await conn.fetchval("SELECT count(*) FROM posts") == 0


def _model_accepts(model: type[BaseModel], values: dict[str, Any]) -> bool:
    try:
        model.model_validate(values)
    except ValidationError:
        return False
    return True


async def _database_accepts(conn: asyncpg.Connection, sql: str, *args: object) -> bool:
    transaction = conn.transaction()
    await transaction.start()
    try:
        await conn.execute(sql, *args)
    except asyncpg.CheckViolationError:
        return False
    finally:
        await transaction.rollback()
    return True


def test_the_model_and_the_database_agree_on_every_slug_and_email(db_url: str) -> None:
    loop = asyncio.new_event_loop()
    conn: asyncpg.Connection = loop.run_until_complete(asyncpg.connect(db_url))
    try:
        # Beyond plain text: a final newline (Python's $ matched before it) and characters that
        # Python's \\s and the server's \\s disagree on (0x1c, U+0085, U+00A0, U+2007, U+3000).
        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            st.text(alphabet="aZ09-_ @.\t\n\x1c\x85\u00a0\u2007\u3000\u00e9", max_size=10),
            st.booleans(),
        )
        @example("abc\n", False)
        @example("a@b\n", True)
        @example("a\u00a0b@c", True)
        @example("a\u3000b@c", True)
        @example("a\x1cb@c", True)
        def check(text: str, as_email: bool) -> None:
            if as_email:
                model_ok = _model_accepts(UserInsert, {"email": text, "name": "n"})
                sql = "INSERT INTO users (email, name) VALUES ($1, 'n')"
            else:
                model_ok = _model_accepts(TagInsert, {"name": "n", "slug": text})
                sql = "INSERT INTO tags (name, slug) VALUES ('n', $1)"
            assert loop.run_until_complete(_database_accepts(conn, sql, text)) == model_ok, text

        check()
    finally:
        loop.run_until_complete(conn.close())
        loop.close()


@pytest.mark.parametrize("column", ["email", "class", "model_config", "json", "2fa", "_x", "a b"])
def test_the_runtime_field_rule_matches_codegens(column: str) -> None:
    from postsql.codegen.naming import python_field
    from postsql.runtime.integrity import _field

    assert _field(column) == python_field(column)[0]
