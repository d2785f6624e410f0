"""The query cache over real generated queries and a real PostgreSQL (and Redis when present)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from blog.generated.models import PostStatus, UserRole
from blog.generated.queries import posts, taxonomy, users
from ext.test_cache import redis_backend
from postsql.ext.cache import QueryCache
from postsql.runtime.executor import QueryInfo


@dataclass(frozen=True, slots=True)
class Record:
    """What the runtime's hook reports for a generated write (the fields the cache reads)."""

    tables_written: frozenset[str]
    error: BaseException | None = None


def wrote(info: QueryInfo) -> Record:
    return Record(tables_written=info.tables_written)


async def blog_post(db: asyncpg.Connection) -> int:
    author = await users.create_user(
        db, email="ann@example.com", name="Ann", avatar=None, role=UserRole.USER, bio="hi",
        website=None, location=None,
    )  # fmt: skip
    assert author is not None
    post = await posts.create_post(
        db, title="Hello", content="World", excerpt=None, slug="hello",
        status=PostStatus.PUBLISHED, author_id=author.id,
    )  # fmt: skip
    tag = await taxonomy.create_tag(db, name="SQL", slug="sql")
    await taxonomy.attach_tag(db, post_id=post.id, tag_id=tag.id)
    await posts.increment_view_count(db, id=post.id)
    return post.id


async def test_typed_results_are_identical_from_the_database_memory_and_redis(
    db: asyncpg.Connection,
) -> None:
    await blog_post(db)
    direct = await posts.find_post_by_slug(db, slug="hello")
    assert direct is not None
    ttl = {"find_post_by_slug": 60.0}

    async def check(cache: QueryCache) -> None:
        await cache.call(posts.find_post_by_slug, db, slug="hello")  # miss: loads
        hit = await cache.call(posts.find_post_by_slug, db, slug="hello")
        assert cache.stats.hits == 1
        assert hit == direct
        assert type(hit) is type(direct)
        assert hit is not None
        assert hit.model_dump() == direct.model_dump()

    await check(QueryCache(ttl_overrides=ttl))
    redis = QueryCache(await redis_backend(), ttl_overrides=ttl, strict=True)  # or skip
    try:
        await check(redis)
    finally:
        await redis.clear()
        await redis.aclose()


async def test_a_generated_write_reported_by_the_hook_invalidates_the_cached_read(
    db: asyncpg.Connection,
) -> None:
    post_id = await blog_post(db)
    cache = QueryCache(ttl_overrides={"find_post_by_slug": 60.0})
    assert await cache.call(posts.find_post_by_slug, db, slug="hello") is not None
    assert await posts.soft_delete_post(db, id=post_id) == 1
    # Without the hook the stale post is still served...
    assert await cache.call(posts.find_post_by_slug, db, slug="hello") is not None
    # ...the runtime calls on_query after every statement; here by hand, with codegen's tables.
    cache.on_query(wrote(posts.SOFT_DELETE_POST))
    assert await cache.call(posts.find_post_by_slug, db, slug="hello") is None


async def test_a_write_to_a_joined_table_invalidates_too(db: asyncpg.Connection) -> None:
    post_id = await blog_post(db)
    cache = QueryCache(ttl_overrides={"find_post_by_slug": 60.0})
    before = await cache.call(posts.find_post_by_slug, db, slug="hello")
    assert before is not None
    tag = await taxonomy.create_tag(db, name="Python", slug="python")
    await taxonomy.attach_tag(db, post_id=post_id, tag_id=tag.id)
    assert "post_tags" in posts.FIND_POST_BY_SLUG.tables_read
    cache.on_query(wrote(taxonomy.ATTACH_TAG))
    after = await cache.call(posts.find_post_by_slug, db, slug="hello")
    assert after is not None
    assert len(after.tags) == len(before.tags) + 1
