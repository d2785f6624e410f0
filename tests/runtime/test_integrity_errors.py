"""Constraint violations through ``Database``: mapped, still asyncpg's class, values withheld."""

from __future__ import annotations

import asyncpg
import pytest

from blog.generated.queries import users
from postsql import Database
from postsql.errors import IntegrityViolation
from postsql.runtime.integrity import CheckInfo


async def test_unique_violation_names_constraint_column_and_field_and_keeps_asyncpg_class(
    database: Database,
) -> None:
    args = {"avatar": None, "role": None, "bio": None, "website": None, "location": None}
    await users.create_user(database, email="taken@example.com", name="First", **args)
    with pytest.raises(asyncpg.UniqueViolationError) as info:
        await users.create_user(database, email="taken@example.com", name="Second", **args)
    error = info.value
    assert isinstance(error, IntegrityViolation)
    assert (error.constraint, error.table, error.column, error.field, error.sqlstate) == (
        "users_email_key",
        "users",
        "email",
        "email",
        "23505",
    )
    assert error.constraint_name == "users_email_key"  # asyncpg's own attribute survives
    assert "taken@example.com" not in str(error)
    assert error.__suppress_context__
    assert any("create_user" in note and "users.sql" in note for note in error.__notes__)


async def test_check_violation_in_a_transaction_is_mapped_and_the_transaction_rolls_back(
    database: Database,
) -> None:
    async def write_two() -> None:
        async with database.transaction() as tx:
            await tx.execute("INSERT INTO users (email, name) VALUES ('x@example.com', 'X')")
            await tx.execute("INSERT INTO users (email, name) VALUES ('Upper@Example.com', 'U')")

    with pytest.raises(IntegrityViolation) as info:
        await write_two()
    assert isinstance(info.value, asyncpg.CheckViolationError)
    assert info.value.constraint == "users_email_lower_check"
    assert info.value.field == "email"
    assert "Upper@Example.com" not in str(info.value)
    assert await database.fetchval("SELECT count(*) FROM users") == 0


async def test_a_deferred_violation_raised_at_commit_is_mapped_too(database: Database) -> None:
    await database.execute(
        "CREATE TABLE invites (code text CONSTRAINT invites_code_key UNIQUE"
        " DEFERRABLE INITIALLY DEFERRED)"
    )

    async def write_twice() -> None:
        async with database.transaction() as tx:  # ad-hoc SQL only: no generated write
            await tx.execute("INSERT INTO invites VALUES ('secret-code')")
            await tx.execute("INSERT INTO invites VALUES ('secret-code')")  # checked at COMMIT

    with pytest.raises(IntegrityViolation) as info:
        await write_twice()
    assert isinstance(info.value, asyncpg.UniqueViolationError)
    assert (info.value.constraint, info.value.column) == ("invites_code_key", "code")
    assert "secret-code" not in str(info.value)
    assert info.value.__suppress_context__
    assert await database.fetchval("SELECT count(*) FROM invites") == 0


async def test_a_projects_own_check_registry_names_the_column(db_url: str) -> None:
    # A service with its own generated models passes their CHECK_CONSTRAINTS; without them the
    # violation still maps, but cannot say which column the rule is about.
    setup = await asyncpg.connect(db_url)
    try:
        await setup.execute(
            "CREATE TABLE IF NOT EXISTS gadgets (id int PRIMARY KEY,"
            " stock int CONSTRAINT gadgets_stock_check CHECK (stock >= 0))"
        )
    finally:
        await setup.close()
    insert = "INSERT INTO gadgets (id, stock) VALUES (1, -5)"
    own = {"gadgets_stock_check": CheckInfo("gadgets", ("stock",), ("stock",))}
    for checks, column in ((own, "stock"), (None, None)):
        db = Database(url=db_url, checks=checks, pool_min_size=1, pool_max_size=1)
        await db.connect()
        try:
            with pytest.raises(asyncpg.CheckViolationError) as info:
                await db.execute(insert)
        finally:
            await db.disconnect()
        assert isinstance(info.value, IntegrityViolation)
        assert (info.value.constraint, info.value.column) == ("gadgets_stock_check", column)
        assert "-5" not in str(info.value)


async def test_a_unique_expression_index_names_the_expression_never_the_value(
    database: Database,
) -> None:
    await database.execute("CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL)")
    await database.execute("CREATE UNIQUE INDEX widgets_lower ON widgets (lower(name))")
    await database.execute("INSERT INTO widgets VALUES (1, 'a')")
    with pytest.raises(asyncpg.UniqueViolationError) as info:
        await database.execute("INSERT INTO widgets VALUES (2, 'A')")
    error = info.value
    assert isinstance(error, IntegrityViolation)
    assert (error.constraint, error.column, error.field) == ("widgets_lower", "lower(name)", None)
    assert "(A)" not in str(error)  # the detail "Key (lower(name))=(a)" is withheld
    assert error.detail is None


@pytest.mark.parametrize(
    ("detail", "columns"),
    [
        ("Key (email)=(a@b.c)", ("email",)),
        ("Key (post_id, category_id)=(1, 2)", ("post_id", "category_id")),
        ("Key (lower(email::text))=(a@b.c)", ("lower(email::text)",)),
        ('Key ("odd, name", x)=(1, 2)', ("odd, name", "x")),
        ("Key (coalesce(a, b), c)=(1, 2)", ("coalesce(a, b)", "c")),
        ("Failing row contains (1, 2)", ()),
        ("Key (unterminated", ()),
    ],
)
def test_key_columns_are_read_from_the_detail_and_never_its_values(
    detail: str, columns: tuple[str, ...]
) -> None:
    from postsql.runtime.integrity import _key_columns

    assert _key_columns(detail) == columns
