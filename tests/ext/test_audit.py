"""Audit triggers against a real PostgreSQL: audit rows match the writes, whoever makes them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from postsql.db import init_connection
from postsql.errors import AuditError
from postsql.ext.audit import acting_as, history, recent, record_key, set_actor
from postsql.generated.models import PostStatus, UserRole
from postsql.generated.queries import posts, taxonomy, users


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(db_url)
    await init_connection(connection)
    try:
        yield connection
    finally:
        await connection.close()


async def new_user(db: asyncpg.Connection, email: str = "ann@example.com") -> int:
    row = await users.create_user(
        db, email=email, name="Ann", avatar=None, role=UserRole.USER, bio=None, website=None,
        location=None,
    )  # fmt: skip
    assert row is not None
    return row.id


async def audit_count(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM audit_log"))


async def test_insert_update_delete_each_leave_one_audit_row_with_the_actor(
    db: asyncpg.Connection,
) -> None:
    async with acting_as(db, "alice@example.com"):
        user_id = await new_user(db)
    async with acting_as(db, "bob@example.com"):
        await users.update_user(
            db, id=user_id, email="ann@example.com", name="Ann B", avatar=None, role=None
        )
    async with acting_as(db, "carol@example.com"):
        assert await users.hard_delete_user(db, id=user_id) == 1

    rows = list(reversed(await history(db, "users", user_id)))
    assert [(r.action, r.actor) for r in rows] == [
        ("INSERT", "alice@example.com"),
        ("UPDATE", "bob@example.com"),
        ("DELETE", "carol@example.com"),
    ]
    role = await db.fetchval("SELECT session_user")
    assert {r.db_role for r in rows} == {role}
    insert, update, delete = rows
    assert insert.old_data is None
    assert isinstance(insert.new_data, dict)
    assert insert.new_data["email"] == "ann@example.com"
    assert update.changed_columns == ["name"]
    assert isinstance(update.old_data, dict)
    assert isinstance(update.new_data, dict)
    assert (update.old_data["name"], update.new_data["name"]) == ("Ann", "Ann B")
    assert delete.new_data is None
    assert isinstance(delete.old_data, dict)
    assert delete.old_data["name"] == "Ann B"
    assert len({r.transaction_id for r in rows}) == 3


async def test_writes_without_an_actor_record_null_actor_and_the_database_role(
    db: asyncpg.Connection,
) -> None:
    user_id = await new_user(db)
    (row,) = [r for r in await history(db, "users", user_id) if r.action == "INSERT"]
    assert row.actor is None
    assert row.db_role == await db.fetchval("SELECT session_user")


async def test_the_actor_ends_with_its_transaction(db: asyncpg.Connection) -> None:
    async with acting_as(db, "alice@example.com"):
        user_id = await new_user(db)
    await db.execute("UPDATE users SET name = 'After' WHERE id = $1", user_id)
    actors = [r.actor for r in reversed(await history(db, "users", user_id))]
    assert actors == ["alice@example.com", None]


async def test_raw_sql_writes_from_another_session_are_audited(
    db: asyncpg.Connection, db_url: str
) -> None:
    other = await asyncpg.connect(db_url)
    try:
        async with other.transaction():
            await other.execute("SELECT set_config('postsql.actor', 'psql-user', true)")
            await other.execute("INSERT INTO roles (name, description) VALUES ('EDITOR', 'edits')")
        await other.execute("DELETE FROM roles WHERE name = 'EDITOR'")
    finally:
        await other.close()
    rows = [r for r in await recent(db, limit=10) if r.table_name == "roles"]
    assert [(r.action, r.actor) for r in rows] == [("DELETE", None), ("INSERT", "psql-user")]
    assert rows[0].record_id == rows[1].record_id


async def test_an_update_that_changes_nothing_audited_writes_no_audit_row(
    db: asyncpg.Connection,
) -> None:
    # Decision: no-op UPDATEs (only updated_at moves, stamped by set_updated_at) are not audited.
    user_id = await new_user(db)
    before = await audit_count(db)
    await db.execute("UPDATE users SET name = name WHERE id = $1", user_id)
    assert await audit_count(db) == before


async def test_view_count_increments_and_search_vector_are_left_out_of_the_audit(
    db: asyncpg.Connection,
) -> None:
    author = await new_user(db)
    post = await posts.create_post(
        db, title="T", content="C", excerpt=None, slug="t", status=PostStatus.PUBLISHED,
        author_id=author,
    )  # fmt: skip
    before = await audit_count(db)
    assert await posts.increment_view_count(db, id=post.id) is not None
    assert await audit_count(db) == before
    (insert,) = await history(db, "posts", post.id)
    assert isinstance(insert.new_data, dict)
    assert "search_vector" not in insert.new_data
    assert "view_count" not in insert.new_data
    assert insert.new_data["title"] == "T"


async def test_composite_keys_are_recorded_comma_separated(db: asyncpg.Connection) -> None:
    author = await new_user(db)
    post = await posts.create_post(
        db, title="T", content="C", excerpt=None, slug="t", status=None, author_id=author
    )
    tag = await taxonomy.create_tag(db, name="SQL", slug="sql")
    async with acting_as(db, "alice@example.com"):
        await taxonomy.attach_tag(db, post_id=post.id, tag_id=tag.id)
    (row,) = await history(db, "post_tags", (post.id, tag.id))
    assert (row.action, row.actor) == ("INSERT", "alice@example.com")
    assert row.record_id == f"{post.id},{tag.id}"


async def test_a_failed_transaction_leaves_no_audit_rows(db: asyncpg.Connection) -> None:
    before = await audit_count(db)

    async def two_same_users() -> None:
        async with acting_as(db, "alice@example.com"):
            await new_user(db, "x@example.com")
            await new_user(db, "x@example.com")

    with pytest.raises(asyncpg.UniqueViolationError):
        await two_same_users()
    assert await audit_count(db) == before


async def test_set_actor_outside_a_transaction_is_refused(db: asyncpg.Connection) -> None:
    with pytest.raises(AuditError, match="needs an open transaction"):
        await set_actor(db, "alice@example.com")


async def test_an_empty_actor_is_refused(db: asyncpg.Connection) -> None:
    async with db.transaction():
        with pytest.raises(AuditError, match="actor: expected a non-empty string"):
            await set_actor(db, "  ")


async def test_history_refuses_a_non_positive_limit(db: asyncpg.Connection) -> None:
    with pytest.raises(AuditError, match="limit"):
        await history(db, "users", 1, limit=0)


def test_record_key_joins_composite_keys_with_commas() -> None:
    assert record_key(7) == "7"
    assert record_key("abc") == "abc"
    assert record_key((3, 9)) == "3,9"
