"""postsql's JSON codecs: decode to Python values, and binary COPY still works with them set."""

from __future__ import annotations

import asyncpg

from blog.demo_data import DemoSizes
from blog.seed import seed_demo
from postsql.runtime.executor import init_connection


async def test_json_codecs_round_trip_values_and_keep_binary_copy_working(
    conn: asyncpg.Connection,
) -> None:
    await init_connection(conn)
    await conn.execute("CREATE TEMP TABLE docs (j jsonb, t json)")
    value = {"a": [1, 2.5, None, True], "é": "ü\u6f22", "nested": {"k": "v"}}
    await conn.copy_records_to_table("docs", records=[(value, value)], columns=["j", "t"])
    await conn.execute("INSERT INTO docs VALUES ($1, $2)", [1, "x"], "plain")
    rows = await conn.fetch("SELECT j, t FROM docs ORDER BY j::text DESC")
    assert [(r["j"], r["t"]) for r in rows] == [(value, value), ([1, "x"], "plain")]
    assert (
        await conn.fetchval("SELECT j->'nested'->>'k' FROM docs WHERE t::text <> '\"plain\"'")
        == "v"
    )


async def test_seed_demo_loads_json_columns_on_a_connection_with_codecs_already_set(
    conn: asyncpg.Connection,
) -> None:
    await init_connection(conn)
    report = await seed_demo(conn, DemoSizes(users=3, posts=4, comments=5), seed=1)
    assert report.counts["user_profiles"] == 3
    prefs = await conn.fetch("SELECT preferences FROM user_profiles")
    assert all(isinstance(r["preferences"], dict) and "theme" in r["preferences"] for r in prefs)
