from __future__ import annotations

import asyncpg


async def test_migrated_clone_has_the_blog_tables(conn: asyncpg.Connection) -> None:
    tables = {
        r["tablename"]
        for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert {"users", "posts", "comments", "audit_log", "schema_migrations"} <= tables
