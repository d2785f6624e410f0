"""postsql report: JSON shape (bytes), unused and duplicate indexes, maintenance rows."""

from __future__ import annotations

import json

import asyncpg

from postsql.ops.console import human_bytes
from postsql.ops.report import build_report, sections


async def test_report_json_has_every_section_with_sizes_in_bytes(
    conn: asyncpg.Connection,
) -> None:
    report = await build_report(conn, limit=5)
    data = json.loads(json.dumps(report.to_json()))
    assert set(data) == {
        "database",
        "size_bytes",
        "generated_at",
        "stats_reset",
        "stats_age_seconds",
        "tables",
        "indexes",
        "unused_indexes",
        "duplicate_indexes",
        "maintenance",
        "slow_queries",
    }
    assert isinstance(data["size_bytes"], int)
    assert data["size_bytes"] > 0
    assert len(data["tables"]) == 5
    assert set(data["tables"][0]) == {
        "schema_name",
        "table_name",
        "row_estimate",
        "total_bytes",
        "table_bytes",
        "index_bytes",
        "toast_bytes",
    }
    assert all(isinstance(t["total_bytes"], int) for t in data["tables"])
    assert {"posts", "users"} <= {m["table_name"] for m in data["maintenance"]}
    assert set(data["maintenance"][0]) >= {
        "live_tuples",
        "dead_tuples",
        "bloat_bytes",
        "last_vacuum",
        "last_autovacuum",
        "last_analyze",
        "last_autoanalyze",
    }
    assert data["slow_queries"]["state"] in ("enabled", "not_preloaded", "not_created")


async def test_unused_and_duplicate_indexes_are_found_constraints_never_unused(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("CREATE INDEX tags_name_a_idx ON tags (name)")
    await conn.execute("CREATE INDEX tags_name_b_idx ON tags (name)")
    report = await build_report(conn)
    unused = {i.index_name for i in report.unused_indexes}
    assert {"tags_name_a_idx", "tags_name_b_idx"} <= unused
    assert "posts_pkey" not in unused
    assert "posts_slug_key" not in unused
    # Both duplicate each other and the unique constraint's index on the same column.
    groups = [d.index_names for d in report.duplicate_indexes]
    assert ["tags_name_a_idx", "tags_name_b_idx", "tags_name_key"] in groups


async def test_duplicate_indexes_say_to_keep_the_one_backing_a_constraint(
    conn: asyncpg.Connection,
) -> None:
    # "a_" sorts before the constraint's own index: the first by name must not be what is kept.
    await conn.execute("CREATE INDEX a_tags_name_idx ON tags (name)")
    await conn.execute("CREATE UNIQUE INDEX a_tags_slug_uidx ON tags (slug)")
    await conn.execute("CREATE INDEX a_tags_id_idx ON tags (id)")
    report = await build_report(conn)
    by_table = {tuple(d.index_names): d for d in report.duplicate_indexes}
    name = by_table[("a_tags_name_idx", "tags_name_key")]
    assert (name.keep_index, name.drop_index_names) == ("tags_name_key", ["a_tags_name_idx"])
    slug = by_table[("a_tags_slug_uidx", "tags_slug_key")]
    assert slug.keep_index == "tags_slug_key"  # the constraint's, not the bare unique index
    pkey = by_table[("a_tags_id_idx", "tags_pkey")]
    assert pkey.keep_index == "tags_pkey"
    sizes = {i.index_name: i.size_bytes for i in report.indexes}
    assert name.drop_bytes == sizes["a_tags_name_idx"]
    assert name.size_bytes == sizes["a_tags_name_idx"] + sizes["tags_name_key"]
    data = json.loads(json.dumps(report.to_json()))
    assert {
        "keep_index": "tags_name_key",
        "drop_index_names": ["a_tags_name_idx"],
    }.items() <= next(
        d for d in data["duplicate_indexes"] if d["keep_index"] == "tags_name_key"
    ).items()
    duplicates = next(s for s in sections(report) if s.title.startswith("Duplicate"))
    assert duplicates.columns[:3] == ("table", "keep", "drop")
    assert ("tags", "tags_name_key", "a_tags_name_idx") in [r[:3] for r in duplicates.rows]


async def test_indexes_differing_only_in_sort_order_are_not_duplicates(
    conn: asyncpg.Connection,
) -> None:
    # (a, b DESC) serves ORDER BY a, b DESC; (a, b) does not: dropping one loses a plan.
    await conn.execute("CREATE TABLE pairs (a int, b int)")
    await conn.execute("CREATE INDEX pairs_a_b_idx ON pairs (a, b)")
    await conn.execute("CREATE INDEX pairs_a_b_desc_idx ON pairs (a, b DESC)")
    await conn.execute("CREATE INDEX pairs_a_b_nulls_idx ON pairs (a, b NULLS FIRST)")
    report = await build_report(conn)
    assert [d.index_names for d in report.duplicate_indexes if d.table_name == "pairs"] == []


async def test_unused_indexes_after_a_statistics_reset_carry_a_note_saying_so(
    conn: asyncpg.Connection,
) -> None:
    await conn.execute("CREATE INDEX tags_name_idx ON tags (name)")
    await conn.execute("SELECT pg_stat_reset()")
    report = await build_report(conn)
    assert report.stats_reset is not None
    assert report.stats_age_seconds is not None
    assert 0 <= report.stats_age_seconds < 60
    assert "tags_name_idx" in {i.index_name for i in report.unused_indexes}
    unused = next(s for s in sections(report) if s.title.startswith("Unused"))
    assert unused.note is not None
    assert "scans counted since" in unused.note
    assert "less than 7 days of statistics" in unused.note
    data = json.loads(json.dumps(report.to_json()))
    assert isinstance(data["stats_age_seconds"], float)
    assert data["stats_reset"] == report.stats_reset.isoformat()


async def test_dead_tuples_and_vacuum_times_show_after_deletes(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "INSERT INTO tags (name, slug) SELECT 't' || g, 't' || g FROM generate_series(1, 200) AS g"
    )
    await conn.execute("DELETE FROM tags WHERE id % 2 = 0")
    await conn.execute("ANALYZE tags")
    report = await build_report(conn)
    tags = next(m for m in report.maintenance if m.table_name == "tags")
    assert tags.last_analyze is not None
    assert tags.live_tuples == 100
    assert tags.dead_tuples >= 0
    assert tags.bloat_bytes >= 0


async def test_sections_render_human_sizes(conn: asyncpg.Connection) -> None:
    report = await build_report(conn, limit=3)
    rendered = sections(report)
    assert rendered[0].title == f"Database {report.database}: {human_bytes(report.size_bytes)}"
    assert [s.title.split(" (")[0] for s in rendered[1:]] == [
        "Indexes",
        "Unused indexes",
        "Duplicate indexes",
        "Maintenance",
        "Slow queries",
    ]


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 1023, 1536, 5 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.5 kB",
        "5.0 GB",
    ]
