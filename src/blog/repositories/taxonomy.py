"""Categories and tags: create, attach to and detach from posts, list with live post counts.

Example::

    taxonomy = TaxonomyRepository(pool)
    sql = await taxonomy.create_tag(name="SQL", slug="sql")
    await taxonomy.attach_tags(post_id, [sql.id])
"""

from __future__ import annotations

from collections.abc import Sequence

from blog.generated.models import Category, CategoryInsert, Tag, TagInsert
from blog.generated.queries import taxonomy as q
from blog.repositories._common import (
    check_id,
    check_ids,
    check_insert,
    check_name,
    check_optional_text,
)
from postsql.runtime.executor import Executor

__all__ = ["TaxonomyRepository"]


class TaxonomyRepository:
    """The category and tag queries behind a validating API."""

    def __init__(self, db: Executor) -> None:
        self._db = db

    async def create_category(
        self, *, name: str, slug: str, description: str | None = None
    ) -> Category:
        """Insert a category; a taken name or slug is a unique violation; a bad slug is refused
        first (``InvalidArgument``, CategoryInsert's rule)."""
        checked_name, checked_slug = check_name("name", name), check_name("slug", slug)
        checked_description = check_optional_text("description", description)
        check_insert(
            CategoryInsert, name=checked_name, slug=checked_slug, description=checked_description
        )
        return await q.create_category(
            self._db, name=checked_name, slug=checked_slug, description=checked_description
        )

    async def create_tag(self, *, name: str, slug: str) -> Tag:
        """Insert a tag; a taken name or slug is a unique violation; a bad slug is refused first
        (``InvalidArgument``, TagInsert's rule)."""
        checked_name, checked_slug = check_name("name", name), check_name("slug", slug)
        check_insert(TagInsert, name=checked_name, slug=checked_slug)
        return await q.create_tag(self._db, name=checked_name, slug=checked_slug)

    async def attach_category(self, post_id: int, category_id: int) -> bool:
        """Put a post in a category; False when it was there already."""
        return (
            await q.attach_category(
                self._db,
                post_id=check_id("post_id", post_id),
                category_id=check_id("category_id", category_id),
            )
            == 1
        )

    async def detach_category(self, post_id: int, category_id: int) -> bool:
        """Take a post out of a category; False when it was not there."""
        return (
            await q.detach_category(
                self._db,
                post_id=check_id("post_id", post_id),
                category_id=check_id("category_id", category_id),
            )
            == 1
        )

    async def attach_tags(self, post_id: int, tag_ids: Sequence[int]) -> int:
        """Tag a post with every tag in ``tag_ids`` (one statement); returns how many were new.

        Example::

            added = await taxonomy.attach_tags(1, [3, 4])
        """
        checked_post = check_id("post_id", post_id)
        ids = check_ids("tag_ids", tag_ids)
        if not ids:
            return 0
        return await q.attach_tags(self._db, post_id=checked_post, tag_ids=ids)

    async def detach_tag(self, post_id: int, tag_id: int) -> bool:
        """Remove a tag from a post; False when the post did not have it."""
        return (
            await q.detach_tag(
                self._db, post_id=check_id("post_id", post_id), tag_id=check_id("tag_id", tag_id)
            )
            == 1
        )

    async def categories_with_counts(self) -> list[q.ListCategoriesWithPostCountsRow]:
        """Every category by name with its number of live posts (0 when none)."""
        return await q.list_categories_with_post_counts(self._db)

    async def tags_with_counts(self) -> list[q.ListTagsWithPostCountsRow]:
        """Every tag by name with its number of live posts (0 when none)."""
        return await q.list_tags_with_post_counts(self._db)
