"""Audit edge cases against a real PostgreSQL: empty and key-changing statements, composite and
NULL keys, large rows, concurrent actors, and what the read API returns."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from ext.test_audit import audit_rows, last_audit_id, new_user
from postsql.ext.audit import acting_as, history, recent


async def new_post(db: asyncpg.Connection, author: int, slug: str, content: str = "x") -> int:
    return int(
        await db.fetchval(
            "INSERT INTO posts (title, slug, content, author_id) VALUES ($1, $1, $2, $3)"
            " RETURNING id",
            slug,
            content,
            author,
        )
    )


async def new_category(db: asyncpg.Connection, slug: str) -> int:
    return int(
        await db.fetchval("INSERT INTO categories (name, slug) VALUES ($1, $1) RETURNING id", slug)
    )


async def test_an_update_or_delete_that_matches_no_row_writes_no_audit_row(
    db: asyncpg.Connection,
) -> None:
    since = await last_audit_id(db)
    assert await db.execute("UPDATE users SET name = 'x' WHERE id = -1") == "UPDATE 0"
    assert await db.execute("DELETE FROM users WHERE id = -1") == "DELETE 0"
    assert await last_audit_id(db) == since


async def test_a_composite_key_change_is_a_delete_and_an_insert_of_the_two_keys(
    db: asyncpg.Connection,
) -> None:
    post = await new_post(db, await new_user(db), "p")
    one, two = await new_category(db, "one"), await new_category(db, "two")
    await db.execute(
        "INSERT INTO post_categories (post_id, category_id) VALUES ($1, $2)", post, one
    )
    since = await last_audit_id(db)
    async with acting_as(db, "editor"):
        await db.execute(
            "UPDATE post_categories SET category_id = $2 WHERE post_id = $1", post, two
        )
    rows = await audit_rows(db, "post_categories", since)
    assert [(r["action"], r["record_id"], r["actor"]) for r in rows] == [
        ("DELETE", f"{post},{one}", "editor"),
        ("INSERT", f"{post},{two}", "editor"),
    ]
    old = await history(db, "post_categories", (post, one))
    new = await history(db, "post_categories", (post, two))
    assert [(r.action, r.actor) for r in old] == [("DELETE", "editor"), ("INSERT", None)]
    assert [(r.action, r.actor) for r in new] == [("INSERT", "editor")]


async def test_a_one_megabyte_row_is_audited_whole(db: asyncpg.Connection) -> None:
    big = "é" * 1_000_000
    post = await new_post(db, await new_user(db), "big", big)
    await db.execute("UPDATE posts SET content = content || 'z' WHERE id = $1", post)
    update, insert = await history(db, "posts", post)
    assert isinstance(insert.new_data, dict)
    assert insert.new_data["content"] == big
    assert isinstance(update.new_data, dict)
    assert update.new_data["content"] == big + "z"
    assert update.changed_columns == ["content"]


async def test_concurrent_transactions_each_record_their_own_actor(
    db: asyncpg.Connection, db_url: str
) -> None:
    conns = [await asyncpg.connect(db_url) for _ in range(4)]
    started = asyncio.Barrier(4)

    async def write(conn: asyncpg.Connection, n: int) -> None:
        async with acting_as(conn, f"actor-{n}"):
            await started.wait()  # every transaction is open with its own actor
            for i in range(5):
                await conn.execute("INSERT INTO tags (name, slug) VALUES ($1, $1)", f"t{n}-{i}")
                await asyncio.sleep(0)

    try:
        await asyncio.gather(*(write(c, n) for n, c in enumerate(conns)))
    finally:
        for conn in conns:
            await conn.close()
    rows = await db.fetch(
        "SELECT actor, new_data->>'name' AS name FROM audit_log WHERE table_name = 'tags'"
    )
    assert len(rows) == 20
    assert all(r["name"].startswith(r["actor"].replace("actor-", "t") + "-") for r in rows)


async def test_history_returns_exactly_one_records_rows_newest_first_and_limit_keeps_the_newest(
    db: asyncpg.Connection,
) -> None:
    first = await new_user(db, "a@example.com")
    second = await new_user(db, "b@example.com")
    for n in range(3):
        async with acting_as(db, f"step-{n}"):
            await db.execute("UPDATE users SET name = $2 WHERE id = $1", first, f"n{n}")
            await db.execute("UPDATE users SET name = $2 WHERE id = $1", second, f"m{n}")
    rows = await history(db, "users", first)
    assert [(r.action, r.actor) for r in rows] == [
        ("UPDATE", "step-2"), ("UPDATE", "step-1"), ("UPDATE", "step-0"), ("INSERT", None),
    ]  # fmt: skip
    assert {r.record_id for r in rows} == {str(first)}
    assert {r.table_name for r in rows} == {"users"}
    assert [r.actor for r in await history(db, "users", first, limit=2)] == ["step-2", "step-1"]
    assert await history(db, "posts", first) == []
    latest = await recent(db, limit=2)
    assert [(r.record_id, r.actor) for r in latest] == [
        (str(second), "step-2"),
        (str(first), "step-2"),
    ]


async def test_a_key_column_that_is_null_or_missing_refuses_the_write_naming_it(
    db: asyncpg.Connection,
) -> None:
    await db.execute(
        "CREATE TABLE notes (id int UNIQUE, body text);"
        " CREATE TRIGGER notes_audit_insert AFTER INSERT ON notes REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');"
        " CREATE TRIGGER notes_audit_update AFTER UPDATE ON notes"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');"
        " CREATE TABLE typo (id int PRIMARY KEY, body text);"
        " CREATE TRIGGER typo_audit_insert AFTER INSERT ON typo REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('idd')"
    )
    with pytest.raises(asyncpg.RaiseError, match=r"on typo: key column idd"):
        await db.execute("INSERT INTO typo VALUES (1, 'a')")
    with pytest.raises(asyncpg.RaiseError, match=r"on notes: key column id"):
        await db.execute("INSERT INTO notes VALUES (NULL, 'a'), (NULL, 'b')")


async def test_an_update_records_the_previous_and_new_values_of_exactly_what_changed(
    db: asyncpg.Connection,
) -> None:
    post = await new_post(db, await new_user(db), "p", "the content")
    before = await db.fetchval(
        "SELECT to_jsonb(p) - '{search_vector,view_count}'::text[] FROM posts AS p WHERE id = $1",
        post,
    )
    await db.execute("UPDATE posts SET title = 'New title' WHERE id = $1", post)
    after = await db.fetchval(
        "SELECT to_jsonb(p) - '{search_vector,view_count}'::text[] FROM posts AS p WHERE id = $1",
        post,
    )
    update, insert = await history(db, "posts", post)
    assert insert.new_data == before
    assert update.changed_columns == ["title"]
    # updated_at, stamped by every UPDATE, is neither a change nor in the two deltas.
    assert update.old_data == {"title": "p"}
    assert update.new_data == {"title": "New title"}
    # The row after is the row before with the new values; the row before, the reverse.
    assert isinstance(update.new_data, dict)
    assert isinstance(update.old_data, dict)
    assert {**before, **update.new_data, "updated_at": after["updated_at"]} == after
    assert {**after, **update.old_data, "updated_at": before["updated_at"]} == before


async def test_changes_only_jsonb_can_tell_apart_are_recorded_and_wide_tables_are_imaged_whole(
    db: asyncpg.Connection,
) -> None:
    # interval and json compare by their jsonb values ('1 day' = '24 hours' as intervals), and a
    # table of more columns than one jsonb_build_object call takes still gets whole images.
    extra = ", ".join(f"c{i} int DEFAULT {i}" for i in range(60))
    await db.execute(
        f"CREATE TABLE wide (id int PRIMARY KEY, span interval, doc json, {extra});"
        " CREATE TRIGGER wide_audit_insert AFTER INSERT ON wide REFERENCING NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');"
        " CREATE TRIGGER wide_audit_update AFTER UPDATE ON wide"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id')"
    )
    await db.execute("""INSERT INTO wide (id, span, doc) VALUES (1, '1 day', '{"a": 1}')""")
    await db.execute("UPDATE wide SET span = '24 hours', doc = '{\"a\": 1}'")
    update, insert = await history(db, "wide", 1)
    assert isinstance(insert.new_data, dict)
    assert len(insert.new_data) == 63
    assert insert.new_data["c59"] == 59
    assert update.changed_columns == ["span"]
    assert update.old_data == {"span": "1 day"}
    assert update.new_data == {"span": "24:00:00"}


def audit_triggers(table: str, function: str) -> str:
    """The three statement triggers of the README, calling ``function``."""
    return "".join(
        f" CREATE TRIGGER {table}_audit_{event} AFTER {event} ON {table}"
        f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function};"
        for event, tables in (
            ("insert", "NEW TABLE AS new_rows"),
            ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", "OLD TABLE AS old_rows"),
        )
    )


async def recorded(db: asyncpg.Connection, table: str) -> list[tuple[object, ...]]:
    rows = await db.fetch(
        "SELECT action, record_id, changed_columns, old_data::text, new_data::text"
        " FROM audit_log WHERE table_name = $1",
        table,
    )
    return sorted(tuple(r) for r in rows)


MIXED_COLUMNS = (
    "(id int PRIMARY KEY, n numeric, s text, j jsonb, i interval, ts timestamptz, flag bool,"
    " note varchar(20))"
)
MIXED_WRITES = (
    "INSERT INTO {t} SELECT k, k * 1.5, 's' || k, jsonb_build_object('k', k), '1 day',"
    " timestamptz '2026-01-01 00:00+00' + k * interval '1 hour', k % 2 = 0, 'n' || k"
    " FROM generate_series({lo}, {hi}) AS k",
    "UPDATE {t} SET s = CASE WHEN id % 3 = 0 THEN s || 'x' ELSE s END,"
    " i = CASE WHEN id % 4 = 0 THEN interval '24 hours' ELSE i END,"
    " j = CASE WHEN id % 5 = 0 THEN '{{\"k\": 0}}' ELSE j END,"
    " n = CASE WHEN id % 7 = 0 THEN n * 1.0 ELSE n END,"  # same value: not a change
    " note = 'changed', id = CASE WHEN id = 40 THEN 140 ELSE id END"
    " WHERE id BETWEEN {lo} AND {hi}",
    "DELETE FROM {t} WHERE id BETWEEN {lo} AND {hi} OR id = 100 + {hi}",
)


async def test_a_compiled_audit_records_what_the_generic_function_records_row_by_row(
    db: asyncpg.Connection,
) -> None:
    # compiled: audit_enable's function, one statement of 40 rows each; generic:
    # audit_row_change(), the same writes one row at a time. The audit rows must be the same.
    await db.execute(
        f"CREATE TABLE compiled {MIXED_COLUMNS}; CREATE TABLE generic {MIXED_COLUMNS};"
        + audit_triggers("generic", "audit_row_change('id', 'note')")
    )
    assert await db.fetchval("SELECT audit_enable('compiled', 'id', 'note')::text") == (
        "compiled_audit()"
    )
    for statement in MIXED_WRITES:
        await db.execute(statement.format(t="compiled", lo=1, hi=40))
        for k in range(1, 41):
            await db.execute(statement.format(t="generic", lo=k, hi=k))
    compiled, generic = await recorded(db, "compiled"), await recorded(db, "generic")
    changed = {k for k in range(1, 40) if k % 3 == 0 or k % 4 == 0 or k % 5 == 0}
    assert len(compiled) == 40 + len(changed) + 2 + 40  # inserts, updates, key change, deletes
    assert compiled == generic


async def test_a_compiled_audit_keeps_recording_every_column_after_its_table_changes(
    db: asyncpg.Connection,
) -> None:
    await db.execute("CREATE TABLE notes (id int PRIMARY KEY, body text, secret text)")
    await db.execute("SELECT audit_enable('notes', 'id', 'secret')")
    await db.execute("INSERT INTO notes VALUES (1, 'a', 's')")
    # Compiled for (id, body, secret): a column added, one renamed, the left-out one retyped.
    await db.execute(
        "ALTER TABLE notes ADD COLUMN pages int DEFAULT 1;"
        " ALTER TABLE notes RENAME COLUMN body TO text;"
        " ALTER TABLE notes ALTER COLUMN secret TYPE varchar(10)"
    )
    await db.execute("UPDATE notes SET pages = 2, text = 'b', secret = 't' WHERE id = 1")
    await db.execute("INSERT INTO notes VALUES (2, 'c', 'u', 3)")
    update_1, insert_1 = await history(db, "notes", 1)
    (insert_2,) = await history(db, "notes", 2)
    assert insert_1.new_data == {"id": 1, "body": "a"}
    assert update_1.changed_columns == ["pages", "text"]
    assert (update_1.old_data, update_1.new_data) == (
        {"pages": 1, "text": "a"},
        {"pages": 2, "text": "b"},
    )
    assert insert_2.new_data == {"id": 2, "text": "c", "pages": 3}
    # Compiled again, the function names the new columns and records the same way.
    await db.execute("SELECT audit_enable('notes', 'id', 'secret')")
    source = await db.fetchval("SELECT prosrc FROM pg_proc WHERE proname = 'notes_audit'")
    assert "n.pages" in source
    assert "n.body" not in source
    await db.execute("UPDATE notes SET pages = 4 WHERE id = 2")
    update_2, _ = await history(db, "notes", 2)
    assert (update_2.old_data, update_2.new_data) == ({"pages": 3}, {"pages": 4})


async def test_audit_enable_refuses_a_key_that_is_missing_or_nullable_naming_it(
    db: asyncpg.Connection,
) -> None:
    await db.execute("CREATE TABLE loose (id int UNIQUE, body text)")
    with pytest.raises(asyncpg.RaiseError, match=r"audit on loose: key column id\b"):
        await db.execute("SELECT audit_enable('loose', 'id')")
    with pytest.raises(asyncpg.RaiseError, match=r"audit on loose: key column idd\b"):
        await db.execute("SELECT audit_enable('loose', 'idd')")
    with pytest.raises(asyncpg.RaiseError, match=r"expected 1 to 3 key columns, got a,b,c,d"):
        await db.execute("SELECT audit_enable('loose', 'a,b,c,d')")
    triggers = "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'loose'::regclass"
    assert await db.fetchval(triggers) == 0


async def test_an_enum_column_is_recorded_by_its_label_in_images_and_deltas(
    db: asyncpg.Connection,
) -> None:
    post = await new_post(db, await new_user(db), "enum-label")
    await db.execute(
        "UPDATE posts SET status = 'PUBLISHED', published_at = now() WHERE id = $1", post
    )
    await db.execute("DELETE FROM posts WHERE id = $1", post)
    delete, update, insert = await history(db, "posts", post)
    assert isinstance(insert.new_data, dict)
    assert insert.new_data["status"] == "DRAFT"
    assert isinstance(update.old_data, dict)
    assert isinstance(update.new_data, dict)
    assert (update.old_data["status"], update.new_data["status"]) == ("DRAFT", "PUBLISHED")
    assert isinstance(delete.old_data, dict)
    assert delete.old_data["status"] == "PUBLISHED"
    # The same jsonb as to_jsonb gives the enum.
    assert await db.fetchval("SELECT to_jsonb('PUBLISHED'::post_status) #>> '{}'") == "PUBLISHED"
