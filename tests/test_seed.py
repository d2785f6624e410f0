"""Seeds against a real PostgreSQL: base seed idempotence, demo data loaded with COPY."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from blog.seed import (
    DEFAULT_ADMIN_EMAIL,
    DemoSizes,
    demo_enabled,
    seed_base,
    seed_demo,
)
from postsql.errors import SeedError
from postsql.testing import TestServer

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "sql" / "queries"
SMALL = DemoSizes(users=25, posts=80, comments=300, categories=6, tags=20)
DEMO_TABLES = (
    "users",
    "user_profiles",
    "categories",
    "tags",
    "posts",
    "post_categories",
    "post_tags",
    "comments",
)
BASE_TABLES = ("roles", "users", "user_profiles")


async def snapshot(
    conn: asyncpg.Connection, tables: tuple[str, ...]
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of ``tables``, in a stable order (whole rows: ids and timestamps included)."""
    out: dict[str, list[tuple[object, ...]]] = {}
    for table in tables:
        rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")
        out[table] = [tuple(r.values()) for r in rows]
    return out


@pytest.fixture
def other_db_url(test_pg: TestServer, template_db: str) -> Iterator[str]:
    """A second fresh database, to compare two loads (sync: cloning runs its own event loop)."""
    name = test_pg.clone(template_db)
    yield test_pg.url_for(name)
    test_pg.drop_database(name)


@pytest.fixture
async def other_conn(other_db_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(other_db_url)
    try:
        yield connection
    finally:
        await connection.close()


# -- base seed ------------------------------------------------------------------------------------


async def test_base_seed_creates_roles_and_admin_with_profile(conn: asyncpg.Connection) -> None:
    report = await seed_base(conn, queries_dir=QUERIES)

    roles = {r["name"]: r["permissions"] for r in await conn.fetch("SELECT * FROM roles")}
    assert roles == {"admin": ["*"], "moderator": ["read", "write"], "user": ["read"]}
    admin = await conn.fetchrow("SELECT * FROM users WHERE id = $1", report.admin_user_id)
    assert admin is not None
    assert (admin["email"], admin["name"], admin["role"]) == (DEFAULT_ADMIN_EMAIL, "Admin", "ADMIN")
    profile = await conn.fetchval(
        "SELECT count(*) FROM user_profiles WHERE user_id = $1", report.admin_user_id
    )
    assert profile == 1
    assert report.roles == ("admin", "moderator", "user")
    assert report.created == (
        "role:admin",
        "role:moderator",
        "role:user",
        f"user:{DEFAULT_ADMIN_EMAIL}",
        f"user_profile:{DEFAULT_ADMIN_EMAIL}",
    )
    assert report.changed


async def test_base_seed_run_twice_leaves_identical_rows_and_reports_no_change(
    conn: asyncpg.Connection,
) -> None:
    first = await seed_base(conn, queries_dir=QUERIES)
    after_first = await snapshot(conn, BASE_TABLES)

    second = await seed_base(conn, queries_dir=QUERIES)

    assert await snapshot(conn, BASE_TABLES) == after_first  # same ids, same updated_at
    assert second.admin_user_id == first.admin_user_id
    assert (second.created, second.updated, second.changed) == ((), (), False)


async def test_base_seed_restores_edited_roles_and_renames_the_admin(
    conn: asyncpg.Connection,
) -> None:
    first = await seed_base(conn, queries_dir=QUERIES)
    await conn.execute("UPDATE roles SET permissions = '{}' WHERE name = 'moderator'")

    report = await seed_base(conn, admin_name="Chief Admin", queries_dir=QUERIES)

    assert report.updated == ("role:moderator", f"user:{DEFAULT_ADMIN_EMAIL}")
    assert report.created == ()
    perms = await conn.fetchval("SELECT permissions FROM roles WHERE name = 'moderator'")
    assert perms == ["read", "write"]
    name = await conn.fetchval("SELECT name FROM users WHERE id = $1", first.admin_user_id)
    assert name == "Chief Admin"
    assert await conn.fetchval("SELECT count(*) FROM users") == 1


async def test_base_seed_normalises_the_admin_email_so_case_does_not_duplicate(
    conn: asyncpg.Connection,
) -> None:
    first = await seed_base(conn, admin_email="Ops@Example.org", queries_dir=QUERIES)
    second = await seed_base(conn, admin_email=" ops@example.ORG ", queries_dir=QUERIES)

    assert first.admin_user_id == second.admin_user_id
    assert await conn.fetchval("SELECT email FROM users") == "ops@example.org"


@pytest.mark.parametrize("email", ["", "admin", "admin@", "a b@example.com", "admin@localhost"])
async def test_base_seed_rejects_a_malformed_admin_email(
    conn: asyncpg.Connection, email: str
) -> None:
    with pytest.raises(SeedError, match="admin_email"):
        await seed_base(conn, admin_email=email, queries_dir=QUERIES)
    assert await conn.fetchval("SELECT count(*) FROM roles") == 0


async def test_base_seed_rejects_an_empty_admin_name(conn: asyncpg.Connection) -> None:
    with pytest.raises(SeedError, match="admin_name"):
        await seed_base(conn, admin_name="   ", queries_dir=QUERIES)


async def test_base_seed_names_a_missing_queries_directory(
    conn: asyncpg.Connection, tmp_path: Path
) -> None:
    with pytest.raises(SeedError, match=re.escape(str(tmp_path / "seed.sql"))):
        await seed_base(conn, queries_dir=tmp_path)


async def test_base_seed_finds_its_queries_relative_to_the_working_directory(
    conn: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    report = await seed_base(conn)
    assert report.admin_user_id > 0


# -- demo data ------------------------------------------------------------------------------------


async def test_demo_seed_loads_exactly_the_requested_sizes(conn: asyncpg.Connection) -> None:
    report = await seed_demo(conn, SMALL, queries_dir=QUERIES)

    for table in DEMO_TABLES:
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == report.counts[table], table
    assert report.counts["users"] == report.counts["user_profiles"] == SMALL.users
    assert report.counts["posts"] == SMALL.posts
    assert report.counts["comments"] == SMALL.comments
    assert report.counts["categories"] == SMALL.categories
    assert report.counts["tags"] == SMALL.tags
    assert report.rows == sum(report.counts.values())
    assert report.seconds > 0
    assert not report.skipped


async def test_demo_seed_with_the_same_seed_loads_identical_rows_into_two_databases(
    conn: asyncpg.Connection, other_conn: asyncpg.Connection
) -> None:
    await seed_demo(conn, SMALL, seed=7, queries_dir=QUERIES)
    await seed_demo(other_conn, SMALL, seed=7, queries_dir=QUERIES)

    first = await snapshot(conn, DEMO_TABLES)
    assert first == await snapshot(other_conn, DEMO_TABLES)
    assert all(first[table] for table in DEMO_TABLES)


async def test_demo_seed_with_another_seed_loads_different_rows(
    conn: asyncpg.Connection, other_conn: asyncpg.Connection
) -> None:
    await seed_demo(conn, SMALL, seed=7, queries_dir=QUERIES)
    await seed_demo(other_conn, SMALL, seed=8, queries_dir=QUERIES)

    first, second = (
        await snapshot(conn, ("posts", "comments")),
        await snapshot(other_conn, ("posts", "comments")),
    )
    assert first["posts"] != second["posts"]
    assert first["comments"] != second["comments"]


async def test_demo_posts_have_unique_slugs_and_published_ones_have_published_at(
    conn: asyncpg.Connection,
) -> None:
    await seed_demo(conn, SMALL, queries_dir=QUERIES)

    assert await conn.fetchval("SELECT count(DISTINCT slug) = count(*) FROM posts")
    rows = await conn.fetch(
        "SELECT status::text AS status, count(*) FILTER (WHERE published_at IS NULL) AS missing,"
        " count(*) AS total FROM posts GROUP BY status"
    )
    missing = {r["status"]: r["missing"] for r in rows}
    total = {r["status"]: r["total"] for r in rows}
    assert missing == {"PUBLISHED": 0, "ARCHIVED": 0, "DRAFT": total["DRAFT"]}
    assert min(total.values()) > 0


async def test_search_vector_finds_a_demo_post_by_a_word_of_its_content(
    conn: asyncpg.Connection,
) -> None:
    await seed_demo(conn, SMALL, queries_dir=QUERIES)
    post = await conn.fetchrow("SELECT id, content FROM posts ORDER BY id LIMIT 1 OFFSET 17")
    assert post is not None
    # A content word that is no English stop word: long words never are.
    word = next(w.strip(".,?") for w in post["content"].split() if len(w.strip(".,?")) >= 7)

    found = await conn.fetch(
        "SELECT id FROM posts WHERE search_vector @@ websearch_to_tsquery('english', $1)", word
    )

    assert post["id"] in {r["id"] for r in found}
    assert len(found) < SMALL.posts  # the word discriminates: it is not in every post


async def test_demo_seed_leaves_identity_sequences_ahead_of_the_loaded_ids(
    conn: asyncpg.Connection,
) -> None:
    await seed_demo(conn, SMALL, queries_dir=QUERIES)

    author = await conn.fetchval("SELECT min(id) FROM users")
    new_id = await conn.fetchval(
        "INSERT INTO posts (title, content, slug, author_id) VALUES ('t', 'c', 'fresh-slug', $1) "
        "RETURNING id",
        author,
    )
    assert new_id > await conn.fetchval("SELECT max(id) FROM posts WHERE id <> $1", new_id)


async def test_demo_seed_after_the_base_seed_keeps_the_admin(conn: asyncpg.Connection) -> None:
    base = await seed_base(conn, queries_dir=QUERIES)
    report = await seed_demo(conn, SMALL, queries_dir=QUERIES)

    assert await conn.fetchval("SELECT count(*) FROM users") == SMALL.users + 1
    assert report.counts["users"] == SMALL.users
    assert await conn.fetchval(
        "SELECT role::text FROM users WHERE id = $1", base.admin_user_id
    ) == ("ADMIN")


async def test_demo_seed_twice_refuses_and_changes_nothing(conn: asyncpg.Connection) -> None:
    await seed_demo(conn, SMALL, queries_dir=QUERIES)
    before = await snapshot(conn, DEMO_TABLES)

    with pytest.raises(SeedError, match=r"already has content \(25 demo_users, 80 posts"):
        await seed_demo(conn, SMALL, seed=99, queries_dir=QUERIES)

    assert await snapshot(conn, DEMO_TABLES) == before


async def test_demo_seed_twice_with_skip_reports_skipped_and_changes_nothing(
    conn: asyncpg.Connection,
) -> None:
    await seed_demo(conn, SMALL, queries_dir=QUERIES)
    before = await snapshot(conn, DEMO_TABLES)

    report = await seed_demo(conn, SMALL, if_present="skip", queries_dir=QUERIES)

    assert report.skipped
    assert report.rows == 0
    assert report.counts["posts"] == SMALL.posts
    assert await snapshot(conn, DEMO_TABLES) == before


async def test_demo_seed_refuses_a_database_with_hand_written_content(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("INSERT INTO tags (name, slug) VALUES ('mine', 'mine')")
    with pytest.raises(SeedError, match=r"already has content \(1 tags\)"):
        await seed_demo(conn, SMALL, queries_dir=QUERIES)


async def test_demo_seed_rejects_sizes_that_are_not_demo_sizes(conn: asyncpg.Connection) -> None:
    with pytest.raises(SeedError, match="sizes must be a DemoSizes"):
        await seed_demo(conn, {"posts": 1}, queries_dir=QUERIES)  # type: ignore[arg-type]


async def test_demo_seed_runs_in_the_callers_transaction_and_rolls_back_with_it(
    conn: asyncpg.Connection,
) -> None:
    transaction = conn.transaction()
    await transaction.start()
    await seed_demo(conn, SMALL, queries_dir=QUERIES)
    await transaction.rollback()

    assert await conn.fetchval("SELECT count(*) FROM posts") == 0


async def test_demo_seed_with_progress_draws_on_stderr_and_loads_the_same(
    conn: asyncpg.Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    report = await seed_demo(conn, SMALL, progress=True, queries_dir=QUERIES)

    err = capsys.readouterr().err
    assert "comments" in err
    assert report.counts["comments"] == SMALL.comments


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"POSTSQL_ENV": "development"}, True),
        ({"POSTSQL_ENV": " Development "}, True),
        ({"POSTSQL_ENV": "production"}, False),
        ({"POSTSQL_ENV": "test"}, False),
        ({}, False),
    ],
)
def test_demo_is_enabled_only_in_development(env: dict[str, str], expected: bool) -> None:
    assert demo_enabled(env) is expected


# -- the seed command ------------------------------------------------------------------------------


async def test_seed_on_an_unmigrated_database_says_to_run_postsql_migrate(
    empty_db_url: str,
) -> None:
    from blog.demo import run_seed

    with pytest.raises(SeedError, match=r"is not migrated \(no table roles, .*`postsql migrate`"):
        await run_seed(empty_db_url, demo=False)
    conn = await asyncpg.connect(empty_db_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_class WHERE relnamespace = 2200") == 0
    finally:
        await conn.close()


@pytest.mark.parametrize("value", ["development", "Development", " development\n"])
def test_seed_command_loads_demo_data_when_postsql_env_is_development(
    db_url: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command compared POSTSQL_ENV exactly while demo_enabled() and the query logging read it
    # case-insensitively: "Development" logged every query but loaded no demo data.
    from postsql.cli import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    monkeypatch.setenv("POSTSQL_ENV", value)
    assert main(["seed"]) == 0

    async def posts() -> int:
        conn = await asyncpg.connect(db_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM posts"))
        finally:
            await conn.close()

    assert asyncio.run(posts()) > 0
