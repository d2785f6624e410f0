"""Comments: add, list a post's comments by keyset, soft delete, and bulk insert through COPY.

Example::

    comments = CommentRepository(pool)
    await comments.add(post_id=1, author_id=2, content="Nice")
    n = await comments.bulk_insert_comments(
        [CommentInsert(post_id=1, author_id=2, content=f"#{i}") for i in range(1000)]
    )
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from datetime import datetime

from blog.generated.models import Comment, CommentInsert
from blog.generated.queries import comments as q
from blog.repositories._common import (
    DEFAULT_MAX_LIMIT,
    MAX_TEXT_LENGTH,
    check_id,
    check_limit,
    check_max_limit,
    check_text,
    keyset_page,
)
from postsql.runtime.copy import copy_models
from postsql.runtime.executor import Executor
from postsql.runtime.pagination import CursorCodec, CursorPage, default_codec

__all__ = ["CommentRepository"]


class CommentRepository:
    """The comment queries behind a validating API; ``db`` as for :class:`PostRepository`."""

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

    async def add(self, *, post_id: int, author_id: int, content: str) -> Comment | None:
        """Comment on a live post as a live user; None (nothing inserted) when either is not live.

        Example::

            comment = await comments.add(post_id=1, author_id=2, content="Agreed")
        """
        return await q.add_comment(
            self._db,
            post_id=check_id("post_id", post_id),
            author_id=check_id("author_id", author_id),
            content=check_text("content", content),
        )

    async def list_for_post(
        self, post_id: int, *, cursor: str | None = None, limit: int = 20
    ) -> CursorPage[q.ListCommentsForPostRow]:
        """The next keyset page of a post's live comments, oldest first, with author names.

        Example::

            page = await comments.list_for_post(1, limit=50)
            more = await comments.list_for_post(1, cursor=page.next_cursor, limit=50)
        """
        checked_post = check_id("post_id", post_id)
        limit = check_limit(limit, self.max_limit)

        def fetch(
            after_at: datetime | None, after_id: int
        ) -> Awaitable[list[q.ListCommentsForPostRow]]:
            return q.list_comments_for_post(
                self._db,
                post_id=checked_post,
                after_created_at=after_at,
                after_id=after_id,
                limit=limit,
            )

        listing = f"comments.post/{checked_post}"
        return await keyset_page(
            self._cursors, listing, cursor, limit, fetch, lambda r: (r.created_at, r.id)
        )

    async def soft_delete(self, comment_id: int) -> bool:
        """Soft-delete a live comment; False when unknown or already deleted."""
        return await q.soft_delete_comment(self._db, id=check_id("comment_id", comment_id)) == 1

    async def bulk_insert_comments(self, rows: Sequence[CommentInsert]) -> int:
        """COPY many comments in (needs a Connection or a Pool); returns how many were written.

        Fields left unset on a row get their column defaults. Unlike :meth:`add`, COPY does not
        check that posts and authors are live: foreign keys still hold.

        Example::

            n = await comments.bulk_insert_comments(
                [CommentInsert(post_id=1, author_id=2, content="hi")]
            )
        """
        return await copy_models(
            self._db, "comments", CommentInsert, rows, max_lengths={"content": MAX_TEXT_LENGTH}
        )
