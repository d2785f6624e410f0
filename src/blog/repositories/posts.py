"""Posts: filtered and searched pages, keyset scrolling, one post in full, status and statistics.

Every method calls a generated query function (``blog.generated.queries.posts``) and so costs one
round trip, except an offset page past the last row, which asks ``count_posts`` for the total.

Example::

    posts = PostRepository(pool)
    page = await posts.find_posts(page=1, limit=10, status="PUBLISHED", search="postgres")
    print(page.total, [p.title for p in page.data])
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypedDict, cast, get_args

from pydantic import BaseModel, ConfigDict, TypeAdapter

from blog.generated.models import PostInsert, PostStatus
from blog.generated.queries import posts as q
from blog.repositories._common import (
    DEFAULT_MAX_LIMIT,
    MAX_NAME_LENGTH,
    MAX_TEXT_LENGTH,
    check_enum,
    check_id,
    check_ids,
    check_insert,
    check_limit,
    check_max_limit,
    check_name,
    check_optional_aware,
    check_optional_enum,
    check_optional_id,
    check_optional_text,
    check_search,
    check_text,
    keyset_page,
    page_offset,
    shown,
)
from postsql.errors import InvalidArgument, InvalidCursorError
from postsql.runtime.copy import copy_models
from postsql.runtime.executor import Executor
from postsql.runtime.pagination import (
    CursorCodec,
    CursorPage,
    PaginatedResult,
    default_codec,
    total_pages,
)

__all__ = ["PostListItem", "PostOrder", "PostRepository", "PostStatistics"]

#: A row of an offset page (``rank`` and ``headline`` are None without a search term).
PostListItem = q.FindPostsRow

#: The orders :meth:`PostRepository.find_posts` sorts by (``find_posts``' ``-- @sort`` names).
PostOrder = Literal["newest", "oldest", "most_viewed", "title"]
_ORDERS: tuple[str, ...] = get_args(PostOrder)


class PostStatistics(BaseModel):
    """Statistics over live posts; ``posts_by_status`` has every status, 0 when it has none."""

    model_config = ConfigDict(frozen=True)

    total_posts: int
    total_views: int
    average_views: float
    posts_by_status: dict[PostStatus, int]


class PostRepository:
    """The blog's post queries behind a validating, paginating API.

    ``db`` is anything generated functions accept (``asyncpg.Connection``, ``asyncpg.Pool``, the
    runtime ``Database``); its JSON codecs must be set
    (``postsql.runtime.executor.init_connection``).
    ``max_limit`` caps page sizes; ``cursors`` signs keyset cursors (default: the process-wide
    ``default_codec()``, keyed by ``$POSTSQL_CURSOR_KEY``).
    """

    def __init__(
        self,
        db: Executor,
        *,
        max_limit: int = DEFAULT_MAX_LIMIT,
        cursors: CursorCodec | None = None,
    ) -> None:
        self._db = db
        self.max_limit = check_max_limit(max_limit)
        self._cursors = cursors if cursors is not None else default_codec()

    async def find_posts(
        self,
        *,
        page: int = 1,
        limit: int = 10,
        status: PostStatus | str | None = None,
        author_id: int | None = None,
        category_id: int | None = None,
        tag_id: int | None = None,
        search: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        order: PostOrder = "newest",
    ) -> PaginatedResult[PostListItem]:
        """One page of live posts matching every given filter, with the total for the filter.

        ``search`` is websearch syntax over title and content, or a literal title substring; any
        text of at most ``MAX_SEARCH_LENGTH`` (200) characters and ``MAX_SEARCH_WORDS`` (16) words
        is valid (a longer one raises ``InvalidArgument`` naming ``search``, before any I/O). With
        a search term, best matches come first (``rank``, ``headline``), then ``order``.
        ``since``/``until`` bound the creation time (since inclusive, until exclusive; aware
        datetimes). ``order`` is newest, oldest, most_viewed or title; each filter and order
        combination is its own static statement (``find_posts`` is a dynamic query).

        Example::

            page = await posts.find_posts(page=2, limit=20, tag_id=3, order="most_viewed")
            assert page.total_pages >= 2 or not page.data
        """
        limit = check_limit(limit, self.max_limit)
        offset = page_offset(page, limit)
        filters = _PostFilter.checked(search, status, author_id, category_id, tag_id, since, until)
        if order not in _ORDERS:
            raise InvalidArgument(
                "order", f"must be one of {', '.join(_ORDERS)}, got {shown(order)}"
            )
        # One scan finds, ranks and counts the matches (count(*) OVER () rides on every row).
        rows = await q.find_posts(
            self._db, **filters.as_params(), limit=limit, offset=offset, order=order
        )
        # An empty page carries no total_count (it rides on the rows): ask for it alone, unless
        # it is the first page (then nothing matches: a term matching nothing costs one scan).
        total = rows[0].total_count if rows else 0 if offset == 0 else await self._count(filters)
        return PaginatedResult[PostListItem](
            data=rows, total=total, page=page, limit=limit, total_pages=total_pages(total, limit)
        )

    async def count_posts(
        self,
        *,
        status: PostStatus | str | None = None,
        author_id: int | None = None,
        category_id: int | None = None,
        tag_id: int | None = None,
        search: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """The number of live posts matching the filters of :meth:`find_posts`.

        Example::

            drafts = await posts.count_posts(status="DRAFT")
        """
        return await self._count(
            _PostFilter.checked(search, status, author_id, category_id, tag_id, since, until)
        )

    async def _count(self, filters: _PostFilter) -> int:
        if filters == _NO_FILTER:
            return await q.count_live_posts(self._db)
        return await q.count_posts(self._db, **filters.as_params())

    async def scroll_posts(
        self,
        *,
        cursor: str | None = None,
        limit: int = 10,
        order: PostOrder = "newest",
        status: PostStatus | str | None = None,
        author_id: int | None = None,
        tag_id: int | None = None,
    ) -> CursorPage[q.ScrollPostsRow]:
        """The next keyset page of live posts in ``order`` (newest, oldest, most_viewed, title).

        Pass ``next_cursor`` of the previous page as ``cursor`` (None for the first page), with the
        same order and filters: a cursor is signed for its order and filters, and one of another
        order, altered or forged raises ``InvalidCursorError`` naming ``cursor``. Each order
        continues from its own keys, so rows inserted meanwhile never shift the pages.

        Example::

            first = await posts.scroll_posts(order="title", limit=50)
            second = await posts.scroll_posts(order="title", cursor=first.next_cursor, limit=50)
        """
        limit = check_limit(limit, self.max_limit)
        if order not in _ORDERS:
            raise InvalidArgument(
                "order", f"must be one of {', '.join(_ORDERS)}, got {shown(order)}"
            )
        checked_status = check_optional_enum("status", status, PostStatus)
        checked_author = check_optional_id("author_id", author_id)
        checked_tag = check_optional_id("tag_id", tag_id)
        listing = f"posts.scroll/{order}/{checked_status}/{checked_author}/{checked_tag}"
        after = (
            None
            if cursor is None
            else _scroll_position(order, self._cursors.decode(listing, cursor))
        )
        rows = await q.scroll_posts(
            self._db,
            status=checked_status,
            author_id=checked_author,
            tag_id=checked_tag,
            limit=limit,
            order=order,
            after=after,
        )
        next_cursor = None
        if len(rows) == limit:
            values = q.scroll_posts_cursor(rows[-1], order).values
            encoded = [v.isoformat() if isinstance(v, datetime) else v for v in values]
            next_cursor = self._cursors.encode(listing, cast("list[str | int]", encoded))
        return CursorPage[q.ScrollPostsRow](data=rows, limit=limit, next_cursor=next_cursor)

    async def find_posts_after(
        self,
        *,
        cursor: str | None = None,
        limit: int = 10,
        status: PostStatus | str | None = None,
        author_id: int | None = None,
    ) -> CursorPage[q.ScrollPostsRow]:
        """The next keyset page of live posts, newest created first.

        Pass ``next_cursor`` of the previous page as ``cursor`` (None for the first page), with the
        same filters: a cursor is bound to its filters, and a tampered one raises
        ``InvalidCursorError`` naming ``cursor``. Rows inserted meanwhile never shift the pages.

        Example::

            first = await posts.find_posts_after(limit=50)
            second = await posts.find_posts_after(cursor=first.next_cursor, limit=50)
        """
        limit = check_limit(limit, self.max_limit)
        checked_status = check_optional_enum("status", status, PostStatus)
        checked_author = check_optional_id("author_id", author_id)
        listing = f"posts.created/{checked_status}/{checked_author}"

        def fetch(after_at: datetime | None, after_id: int) -> Awaitable[list[q.ScrollPostsRow]]:
            # scroll_posts in its newest order; a cursor of this listing is its (created_at, id).
            after = (
                None if after_at is None else q.ScrollPostsCursor("newest", (after_at, after_id))
            )
            return q.scroll_posts(
                self._db,
                status=checked_status,
                author_id=checked_author,
                limit=limit,
                order="newest",
                after=after,
            )

        return await keyset_page(
            self._cursors, listing, cursor, limit, fetch, lambda r: (r.created_at, r.id)
        )

    async def find_published_after(
        self, *, cursor: str | None = None, limit: int = 10
    ) -> CursorPage[q.FindPublishedPostsAfterRow]:
        """The next keyset page of the public feed: published posts, newest publication first.

        Example::

            feed = await posts.find_published_after(limit=20)
        """
        limit = check_limit(limit, self.max_limit)

        def fetch(
            after_at: datetime | None, after_id: int
        ) -> Awaitable[list[q.FindPublishedPostsAfterRow]]:
            after = (
                None
                if after_at is None
                else q.FindPublishedPostsAfterCursor("newest", (after_at, after_id))
            )
            return q.find_published_posts_after(self._db, limit=limit, after=after)

        return await keyset_page(
            self._cursors, "posts.published", cursor, limit, fetch, lambda r: (r.published_at, r.id)
        )

    async def find_post_by_slug(self, slug: str) -> q.FindPostBySlugRow | None:
        """A live post in full (author with bio, categories, tags, live comments), or None.

        Example::

            post = await posts.find_post_by_slug("hello-world")
        """
        return await q.find_post_by_slug(self._db, slug=check_name("slug", slug))

    async def create_post(
        self,
        *,
        title: str,
        content: str,
        slug: str,
        author_id: int,
        excerpt: str | None = None,
        status: PostStatus | str | None = None,
    ) -> q.CreatePostRow:
        """Insert a post (DRAFT unless ``status`` says otherwise) and return it.

        The values are checked first with ``PostInsert``'s rules (the table's CHECK constraints:
        slug format, non-blank title); a failure raises ``InvalidArgument`` naming the field.

        Example::

            post = await posts.create_post(title="Hi", content="...", slug="hi", author_id=1)
        """
        checked_title = check_text("title", title, empty=True, max_length=MAX_NAME_LENGTH)
        checked_content = check_text("content", content, empty=True)
        checked_excerpt = check_optional_text("excerpt", excerpt)
        checked_slug = check_name("slug", slug)
        checked_author = check_id("author_id", author_id)
        checked_status = check_optional_enum("status", status, PostStatus)
        # Without status: the query sets published_at as the status requires.
        check_insert(
            PostInsert,
            title=checked_title,
            content=checked_content,
            excerpt=checked_excerpt,
            slug=checked_slug,
            author_id=checked_author,
        )
        return await q.create_post(
            self._db,
            title=checked_title,
            content=checked_content,
            excerpt=checked_excerpt,
            slug=checked_slug,
            status=checked_status,
            author_id=checked_author,
        )

    async def bulk_update_status(self, ids: Sequence[int], status: PostStatus | str) -> int:
        """Set ``status`` on the live posts among ``ids``; returns how many changed.

        Example::

            changed = await posts.bulk_update_status([1, 2, 3], "ARCHIVED")
        """
        checked = check_enum("status", status, PostStatus)
        id_list = check_ids("ids", ids)
        if not id_list:
            return 0
        return await q.bulk_update_status(self._db, status=checked, ids=id_list)

    async def soft_delete(self, post_id: int) -> bool:
        """Soft-delete a live post; False when it is unknown or already deleted."""
        return await q.soft_delete_post(self._db, id=check_id("post_id", post_id)) == 1

    async def restore(self, post_id: int) -> bool:
        """Restore a soft-deleted post; False when it is unknown or live."""
        return await q.restore_post(self._db, id=check_id("post_id", post_id)) == 1

    async def increment_views(self, post_id: int) -> int | None:
        """Add one view atomically; the new count, or None when no live post has that id.

        Example::

            views = await posts.increment_views(42)
        """
        row = await q.increment_view_count(self._db, id=check_id("post_id", post_id))
        return None if row is None else row.view_count

    async def statistics(self) -> PostStatistics:
        """Count, total and average views of live posts, and counts for every status.

        Example::

            stats = await posts.statistics()
            print(stats.posts_by_status[PostStatus.PUBLISHED])
        """
        row = await q.post_statistics(self._db)
        if row is None:  # cannot happen: an aggregate over the status list always returns a row
            raise LookupError("post_statistics returned no row")
        return PostStatistics(
            total_posts=row.total_posts,
            total_views=row.total_views,
            average_views=float(row.average_views),
            posts_by_status=_STATUS_COUNTS.validate_python(row.posts_by_status),
        )

    async def bulk_insert_posts(self, rows: Sequence[PostInsert]) -> int:
        """COPY many posts in (needs a Connection or a Pool); returns how many were written.

        Example::

            n = await posts.bulk_insert_posts(
                [PostInsert(title="T", content="C", slug="t", author_id=1)]
            )
        """
        return await copy_models(self._db, "posts", PostInsert, rows, max_lengths=_POST_LENGTHS)


# What a bulk insert allows per field: short texts are indexed (btree rows), the rest bounded.
_POST_LENGTHS = {"slug": MAX_NAME_LENGTH, "title": MAX_NAME_LENGTH, "content": MAX_TEXT_LENGTH}

_STATUS_COUNTS: TypeAdapter[dict[PostStatus, int]] = TypeAdapter(dict[PostStatus, int])


# What each order's cursor holds (scroll_posts' keys): the first key's kind, then the id.
_CURSOR_KINDS: dict[str, type] = {
    "newest": datetime,
    "oldest": datetime,
    "most_viewed": int,
    "title": str,
}


def _scroll_position(order: str, values: Sequence[object]) -> q.ScrollPostsCursor:
    """The cursor a verified token of ``order`` carries; anything else is not our cursor."""
    if len(values) != 2 or not isinstance(values[1], int) or isinstance(values[1], bool):
        raise InvalidCursorError("malformed position")
    kind, first = _CURSOR_KINDS[order], values[0]
    if kind is datetime:
        if not isinstance(first, str):
            raise InvalidCursorError("malformed position")
        try:
            first = datetime.fromisoformat(first)
        except ValueError:
            raise InvalidCursorError("malformed position") from None
        if first.tzinfo is None:
            raise InvalidCursorError("malformed position")
    elif not isinstance(first, kind) or isinstance(first, bool):
        raise InvalidCursorError("malformed position")
    return q.ScrollPostsCursor(order, (first, values[1]))


@dataclass(frozen=True, slots=True)
class _PostFilter:
    search: str | None
    status: PostStatus | None
    author_id: int | None
    category_id: int | None
    tag_id: int | None
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def checked(
        cls,
        search: object,
        status: object,
        author_id: object,
        category_id: object,
        tag_id: object,
        since: object = None,
        until: object = None,
    ) -> _PostFilter:
        return cls(
            # Whitespace of any kind around a term is dropped (the queries' btrim only drops
            # spaces: a pasted "word\n" missed every title containing "word"); a blank term is no
            # filter: the search fragment is left out.
            search=check_search(search) or None,
            status=check_optional_enum("status", status, PostStatus),
            author_id=check_optional_id("author_id", author_id),
            category_id=check_optional_id("category_id", category_id),
            tag_id=check_optional_id("tag_id", tag_id),
            since=check_optional_aware("since", since),
            until=check_optional_aware("until", until),
        )

    def as_params(self) -> _FilterParams:
        return {
            "search": self.search,
            "status": self.status,
            "author_id": self.author_id,
            "category_id": self.category_id,
            "tag_id": self.tag_id,
            "since": self.since,
            "until": self.until,
        }


_NO_FILTER = _PostFilter(search=None, status=None, author_id=None, category_id=None, tag_id=None)


class _FilterParams(TypedDict):
    search: str | None
    status: PostStatus | None
    author_id: int | None
    category_id: int | None
    tag_id: int | None
    since: datetime | None
    until: datetime | None
