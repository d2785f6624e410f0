"""Audit triggers against a real PostgreSQL: audit rows match the writes, whoever makes them."""

from __future__ import annotations

import asyncpg
import pytest

from blog.generated.models import CommentInsert, PostStatus, UserRole
from blog.generated.queries import posts, taxonomy, users
from blog.repositories import CommentRepository
from postsql.errors import AuditError
from postsql.ext.audit import acting_as, history, recent, record_key, set_actor


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


async def new_post(db: asyncpg.Connection, author: int, slug: str = "t") -> int:
    post = await posts.create_post(
        db, title="T", content="C", excerpt=None, slug=slug, status=None, author_id=author
    )
    return post.id


async def audit_rows(db: asyncpg.Connection, table: str, since: int) -> list[asyncpg.Record]:
    """The audit rows of ``table`` after audit id ``since``, in the order they were written."""
    return await db.fetch(
        "SELECT id, action, record_id, actor, changed_columns, transaction_id, old_data, new_data"
        " FROM audit_log WHERE table_name = $1 AND id > $2 ORDER BY id",
        table,
        since,
    )


async def last_audit_id(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT coalesce(max(id), 0) FROM audit_log"))


async def test_a_multi_row_insert_leaves_one_audit_row_per_row_in_key_order(
    db: asyncpg.Connection,
) -> None:
    since = await last_audit_id(db)
    async with acting_as(db, "alice@example.com"):
        ids = await db.fetch(
            "INSERT INTO tags (name, slug) SELECT 'Tag ' || i, 'tag-' || i"
            " FROM generate_series(12, 1, -1) AS i RETURNING id"
        )
    rows = await audit_rows(db, "tags", since)
    expected = sorted(r["id"] for r in ids)  # key order, whatever order the rows went in
    assert [int(r["record_id"]) for r in rows] == expected
    assert {(r["action"], r["actor"]) for r in rows} == {("INSERT", "alice@example.com")}
    assert len({r["transaction_id"] for r in rows}) == 1


async def test_copy_bulk_inserts_are_audited_row_by_row(db: asyncpg.Connection) -> None:
    author = await new_user(db)
    post = await new_post(db, author)
    since = await last_audit_id(db)
    async with acting_as(db, "loader"):
        written = await CommentRepository(db).bulk_insert_comments(
            [CommentInsert(post_id=post, author_id=author, content=f"c{i}") for i in range(50)]
        )
    assert written == 50
    rows = await audit_rows(db, "comments", since)
    assert len(rows) == 50
    assert {(r["action"], r["actor"]) for r in rows} == {("INSERT", "loader")}
    keys = [int(r["record_id"]) for r in rows]
    assert keys == sorted(keys)
    contents = sorted(int(r["new_data"]["content"][1:]) for r in rows)
    assert contents == list(range(50))


async def test_a_multi_row_update_audits_only_the_rows_it_changed_with_their_columns(
    db: asyncpg.Connection,
) -> None:
    user_ids = [await new_user(db, f"u{i}@example.com") for i in range(4)]
    since = await last_audit_id(db)
    # Rows 0 and 2 get a new name; 1 and 3 keep theirs (a no-op for them: only updated_at moves).
    await db.execute(
        "UPDATE users SET name = CASE WHEN id = ANY($2::bigint[]) THEN 'Renamed' ELSE name END,"
        " avatar = CASE WHEN id = $3 THEN 'a.png' ELSE avatar END WHERE id = ANY($1::bigint[])",
        user_ids,
        [user_ids[0], user_ids[2]],
        user_ids[2],
    )
    rows = await audit_rows(db, "users", since)
    assert [(r["action"], int(r["record_id"]), r["changed_columns"]) for r in rows] == [
        ("UPDATE", user_ids[0], ["name"]),
        ("UPDATE", user_ids[2], ["avatar", "name"]),
    ]
    # old_data and new_data hold exactly the changed columns, before and after.
    assert rows[1]["old_data"] == {"avatar": None, "name": "Ann"}
    assert rows[1]["new_data"] == {"avatar": "a.png", "name": "Renamed"}


async def test_a_multi_row_delete_leaves_one_audit_row_per_row(db: asyncpg.Connection) -> None:
    first, second = await new_user(db, "a@example.com"), await new_user(db, "b@example.com")
    since = await last_audit_id(db)
    assert await db.execute("DELETE FROM users WHERE id IN ($1, $2)", first, second) == "DELETE 2"
    rows = await audit_rows(db, "users", since)
    assert [(r["action"], int(r["record_id"])) for r in rows] == [
        ("DELETE", first),
        ("DELETE", second),
    ]
    assert [r["old_data"]["email"] for r in rows] == ["a@example.com", "b@example.com"]
    assert all(r["new_data"] is None and r["changed_columns"] is None for r in rows)


async def test_an_update_of_a_key_column_is_recorded_as_delete_of_the_old_key_and_insert_of_the_new(
    db: asyncpg.Connection,
) -> None:
    # Statement-level triggers see the old and new rows as two sets without row identity, so an
    # UPDATE is paired by key; a row whose key changed has no partner and is recorded as a DELETE
    # of the old key followed by an INSERT of the new key, in the same transaction.
    author = await new_user(db)
    post = await new_post(db, author)
    old_tag = await taxonomy.create_tag(db, name="Old", slug="old")
    new_tag = await taxonomy.create_tag(db, name="New", slug="new")
    await taxonomy.attach_tag(db, post_id=post, tag_id=old_tag.id)
    since = await last_audit_id(db)
    async with acting_as(db, "alice@example.com"):
        await db.execute(
            "UPDATE post_tags SET tag_id = $1 WHERE post_id = $2 AND tag_id = $3",
            new_tag.id,
            post,
            old_tag.id,
        )
    rows = await audit_rows(db, "post_tags", since)
    assert [(r["action"], r["record_id"], r["actor"]) for r in rows] == [
        ("DELETE", f"{post},{old_tag.id}", "alice@example.com"),
        ("INSERT", f"{post},{new_tag.id}", "alice@example.com"),
    ]
    assert rows[0]["old_data"]["tag_id"] == old_tag.id
    assert rows[1]["new_data"]["tag_id"] == new_tag.id
    assert rows[0]["transaction_id"] == rows[1]["transaction_id"]
    assert (await history(db, "post_tags", (post, new_tag.id)))[0].action == "INSERT"


async def test_rows_deleted_by_a_cascade_are_each_audited_once(db: asyncpg.Connection) -> None:
    author = await new_user(db)
    post_ids = [await new_post(db, author, slug=f"p{i}") for i in range(2)]
    tag = await taxonomy.create_tag(db, name="SQL", slug="sql")
    for post in post_ids:
        await taxonomy.attach_tag(db, post_id=post, tag_id=tag.id)
    await CommentRepository(db).bulk_insert_comments(
        [
            CommentInsert(post_id=p, author_id=author, content="c")
            for p in post_ids
            for _ in range(3)
        ]
    )
    comment_ids = sorted(await db.fetchval("SELECT array_agg(id) FROM comments"))
    since = await last_audit_id(db)
    await db.execute("DELETE FROM posts WHERE id = ANY($1::bigint[])", post_ids)
    comments = await audit_rows(db, "comments", since)
    assert sorted(int(r["record_id"]) for r in comments) == comment_ids
    assert {r["action"] for r in comments} == {"DELETE"}
    links = await audit_rows(db, "post_tags", since)
    assert sorted(r["record_id"] for r in links) == sorted(f"{p},{tag.id}" for p in post_ids)
    assert [int(r["record_id"]) for r in await audit_rows(db, "posts", since)] == post_ids


async def test_an_upsert_audits_its_inserted_rows_as_inserts_and_its_updated_rows_as_updates(
    db: asyncpg.Connection,
) -> None:
    await db.execute("INSERT INTO roles (name, description) VALUES ('EDITOR', 'edits')")
    since = await last_audit_id(db)
    await db.execute(
        "INSERT INTO roles (name, description) VALUES ('EDITOR', 'edits more'), ('VIEWER', 'views')"
        " ON CONFLICT (name) DO UPDATE SET description = excluded.description"
    )
    rows = await audit_rows(db, "roles", since)
    by_action = {r["action"]: r for r in rows}
    assert sorted(by_action) == ["INSERT", "UPDATE"]
    assert by_action["INSERT"]["new_data"]["name"] == "VIEWER"
    assert by_action["INSERT"]["changed_columns"] is None
    update = by_action["UPDATE"]
    assert update["changed_columns"] == ["description"]
    assert (update["old_data"], update["new_data"]) == (
        {"description": "edits"},
        {"description": "edits more"},
    )


async def test_a_trigger_given_more_than_three_key_columns_refuses_the_write_with_its_table(
    db: asyncpg.Connection,
) -> None:
    await db.execute(
        "CREATE TABLE wide (a int, b int, c int, d int, PRIMARY KEY (a, b, c, d));"
        " CREATE TRIGGER wide_audit_insert AFTER INSERT ON wide REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('a,b,c,d')"
    )
    with pytest.raises(
        asyncpg.RaiseError, match=r"on wide: expected 1 to 3 key columns, got a,b,c,d"
    ):
        await db.execute("INSERT INTO wide VALUES (1, 2, 3, 4)")


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
