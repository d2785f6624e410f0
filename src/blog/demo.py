"""The example's demo and seeder: the blog on a real PostgreSQL, migrated, seeded and shown at
work (``python -m blog demo``, which ``make demo`` runs), and ``seed`` for ``postsql seed``.

Example::

    asyncio.run(run_demo(resolve().direct_url))
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from collections.abc import Sequence

import asyncpg
from rich.console import Console
from rich.table import Table
from rich.text import Text

from blog.generated.models import PostStatus
from blog.generated.queries.posts import ScrollPostsRow
from blog.repositories import PostListItem, PostRepository, PostStatistics
from blog.seed import DemoSizes, demo_enabled, seed_base, seed_demo
from postsql import Database
from postsql.errors import SeedError
from postsql.runtime.executor import init_connection
from postsql.runtime.pagination import CursorCodec
from postsql.runtime.urls import database_name

__all__ = [
    "TABLES",
    "demo_sizes",
    "run_demo",
    "run_seed",
    "seed",
    "show_repositories",
    "table_counts",
]

TABLES = (
    "roles",
    "users",
    "user_profiles",
    "categories",
    "tags",
    "posts",
    "post_categories",
    "post_tags",
    "comments",
)


def demo_sizes(scale: int) -> DemoSizes:
    """The demo's sizes; ``scale`` multiplies users, posts and comments."""
    return DemoSizes(
        users=25 * scale,
        posts=200 * scale,
        comments=1000 * scale,
        categories=8,
        tags=24,
    )


async def table_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Row count of each blog table."""
    counts: dict[str, int] = {}
    for table in TABLES:
        counts[table] = int(await conn.fetchval(f'SELECT count(*) FROM "{table}"'))  # noqa: S608
    return counts


async def seed(db: Database) -> None:
    """The example's seeder (``[tool.postsql] seeder``, run by ``postsql seed``): roles and the
    admin user; demo data too when ``POSTSQL_ENV=development`` or ``DEMO=1`` (``DEMO=3``: three
    times the default size)."""
    demo = demo_enabled(os.environ)
    scale = os.environ.get("DEMO", "1").strip()
    async with db.acquire() as conn:
        await _seed(conn, "the database", demo=demo, scale=int(scale) if scale.isdigit() else 1)


async def run_seed(url: str, *, demo: bool, scale: int = 1, seed: int = 42) -> None:
    """Seed roles and the admin user; with ``demo``, demo data too (skipped when present)."""
    conn = await asyncpg.connect(url)
    try:
        await _seed(conn, url, demo=demo, scale=scale, seed=seed)
    finally:
        await conn.close()


async def _seed(
    conn: asyncpg.Connection, url: str, *, demo: bool, scale: int = 1, seed: int = 42
) -> None:
    await _require_migrated(conn, url)
    base = await seed_base(conn)
    changed = ", ".join([*base.created, *base.updated]) or "nothing to change"
    print(
        f"base seed: roles {', '.join(base.roles)}; admin user id {base.admin_user_id}; "
        f"written: {changed}"
    )
    if demo:
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM posts)"):
            print("demo data: posts already present, not generating more")
        else:
            report = await seed_demo(
                conn, demo_sizes(scale), seed=seed, progress=sys.stderr.isatty()
            )
            rows = ", ".join(f"{n:,} {table}" for table, n in report.counts.items())
            print(f"demo data (seed {report.seed}): {rows} in {report.seconds:.2f} s")


async def _require_migrated(conn: asyncpg.Connection, url: str) -> None:
    # Seeding an empty database failed with 'relation "roles" does not exist', naming no remedy.
    missing = [
        table
        for table in TABLES
        if await conn.fetchval("SELECT to_regclass($1) IS NULL", f'public."{table}"')
    ]
    if missing:
        raise SeedError(
            f"database {database_name(url)!r} is not migrated (no table {', '.join(missing)}): "
            "run `postsql migrate` first"
        )


async def run_demo(
    url: str, *, scale: int = 1, seed: int = 42, console: Console | None = None
) -> None:
    """Seed (base and demo), then show the repositories at work as tables.

    Shows a search, a filtered page, a keyset page, one post in full, the statistics and a bulk
    status update; the update runs in a transaction that is rolled back, so the demo can be run
    again and always shows the same thing.
    """
    await run_seed(url, demo=True, scale=scale, seed=seed)
    out = console if console is not None else Console()
    conn = await asyncpg.connect(url)
    try:
        await init_connection(conn)
        counts = await table_counts(conn)
        out.print(_counts_table(url, counts))
        await show_repositories(conn, out)
    finally:
        await conn.close()


async def show_repositories(conn: asyncpg.Connection, out: Console) -> None:
    """Print what the post repository returns on the data ``conn`` holds."""
    # One process for one run: a random cursor key is right here (a service sets
    # POSTSQL_CURSOR_KEY, and the default codec warns when it does not).
    posts = PostRepository(conn, max_limit=50, cursors=CursorCodec(secrets.token_bytes(32)))
    term = await conn.fetchval(
        "SELECT word FROM ts_stat('SELECT to_tsvector(''simple'', title) FROM posts')"
        " WHERE length(word) > 4 ORDER BY ndoc DESC, word LIMIT 1"
    )
    if term is None:
        out.print("no posts: nothing to show")
        return

    found = await posts.find_posts(search=term, limit=5)
    table = Table(title=f"find_posts(search={term!r}, limit=5): {found.total} matches, best first")
    for column in ("rank", "title", "status", "headline"):
        table.add_column(column, overflow="fold")
    for row in found.data:
        table.add_row(
            f"{row.rank:.3f}" if row.rank is not None else "",
            row.title,
            row.status.value,
            _marked(row.headline or "", limit=100),
        )
    out.print(table)

    page = await posts.find_posts(page=2, limit=5, status=PostStatus.PUBLISHED)
    out.print(
        _posts_table(
            f"find_posts(page=2, limit=5, status=PUBLISHED): page {page.page} of "
            f"{page.total_pages}, {page.total} posts",
            page.data,
        )
    )

    first = await posts.find_posts_after(limit=3)
    second = await posts.find_posts_after(cursor=first.next_cursor, limit=3)
    out.print(
        _posts_table(
            "find_posts_after(cursor=<first page's next_cursor>, limit=3): the second keyset page",
            second.data,
        )
    )

    slug = page.data[0].slug if page.data else first.data[0].slug
    full = await posts.find_post_by_slug(slug)
    if full is not None:
        detail = Table(
            title=f"find_post_by_slug({slug!r}): one query, nested result", show_header=False
        )
        detail.add_column("field", style="bold")
        detail.add_column("value", overflow="fold")
        detail.add_row("title", full.title)
        detail.add_row("author", f"{full.author.name} <{full.author.email}>")
        detail.add_row("bio", full.author.bio or "")
        detail.add_row("categories", ", ".join(c.name for c in full.categories))
        detail.add_row("tags", ", ".join(t.name for t in full.tags))
        detail.add_row("views", str(full.view_count))
        for comment in full.comments[:3]:
            detail.add_row(f"comment by {comment.author.name}", comment.content)
        if len(full.comments) > 3:
            more = len(full.comments) - 3
            detail.add_row("", f"... {more} more comment{'' if more == 1 else 's'}")
        out.print(detail)

    before = await posts.statistics()
    with contextlib.suppress(_RollBack):
        async with conn.transaction():
            ids = [row.id for row in page.data]
            changed = await posts.bulk_update_status(ids, PostStatus.ARCHIVED)
            after = await posts.statistics()
            out.print(_statistics_table(before, after, ids, changed))
            raise _RollBack  # leave the data as it was, so every demo run shows the same


class _RollBack(Exception):
    """Raised to roll the demo's bulk update back."""


def _counts_table(url: str, counts: dict[str, int]) -> Table:
    table = Table(title=f"database {database_name(url)!r}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    return table


def _posts_table(title: str, rows: Sequence[PostListItem | ScrollPostsRow]) -> Table:
    table = Table(title=title)
    for column in ("id", "title", "author", "categories", "comments", "created"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.title,
            row.author.name,
            ", ".join(c.name for c in row.categories),
            str(row.comment_count),
            row.created_at.date().isoformat(),
        )
    return table


def _statistics_table(
    before: PostStatistics, after: PostStatistics, ids: list[int], changed: int
) -> Table:
    table = Table(
        title=f"statistics(), then bulk_update_status({ids}, ARCHIVED) -> {changed} changed"
        " (rolled back)"
    )
    table.add_column("")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_row("posts", f"{before.total_posts:,}", f"{after.total_posts:,}")
    table.add_row("total views", f"{before.total_views:,}", f"{after.total_views:,}")
    table.add_row("average views", f"{before.average_views:,.2f}", f"{after.average_views:,.2f}")
    for status in PostStatus:
        table.add_row(
            status.value,
            f"{before.posts_by_status[status]:,}",
            f"{after.posts_by_status[status]:,}",
        )
    return table


def _marked(headline: str, *, limit: int) -> Text:
    """A ts_headline excerpt with its <mark> tags shown as bold (the text itself is escaped)."""
    text = Text()
    for n, part in enumerate(headline.replace("</mark>", "<mark>").split("<mark>")):
        text.append(part, style="bold yellow" if n % 2 else "")
    text.truncate(limit, overflow="ellipsis")
    return text
