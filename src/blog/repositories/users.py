"""Users and their profiles: create, read, update, soft delete, restore, hard delete, list, upsert.

Example::

    users = UserRepository(pool)
    ada = await users.create(email="ada@example.com", name="Ada", bio="Counts things")
    await users.soft_delete(ada.id)
    assert await users.get(ada.id) is None
"""

from __future__ import annotations

from blog.generated.models import User, UserInsert, UserRole
from blog.generated.queries import users as q
from blog.repositories._common import (
    DEFAULT_MAX_LIMIT,
    MAX_EMAIL_LENGTH,
    MAX_NAME_LENGTH,
    check_id,
    check_insert,
    check_limit,
    check_max_limit,
    check_name,
    check_optional_enum,
    check_optional_text,
    check_text,
    page_offset,
    shown,
)
from postsql.errors import InvalidArgument
from postsql.runtime.executor import Executor
from postsql.runtime.pagination import PaginatedResult, total_pages

__all__ = ["UserRepository"]


def _email(email: object) -> str:
    # Emails are stored in lower case (CHECK users_email_lower_check), so every call takes one in
    # any case and means the lower-cased address: "Ada@Example.com" finds, upserts and updates
    # the user "ada@example.com" instead of failing the CHECK or finding nobody. The format and
    # length rules are UserInsert's, the same as the database's.
    lowered = check_text("email", email, max_length=MAX_EMAIL_LENGTH).lower()
    check_insert(UserInsert, email=lowered, name="-")
    return lowered


class UserRepository:
    """The user queries behind a validating API; ``db`` as for :class:`PostRepository`.

    Emails are taken in any case and stored and compared in lower case.
    """

    def __init__(self, db: Executor, *, max_limit: int = DEFAULT_MAX_LIMIT) -> None:
        self._db = db
        self.max_limit = check_max_limit(max_limit)

    async def create(
        self,
        *,
        email: str,
        name: str,
        avatar: str | None = None,
        role: UserRole | str | None = None,
        bio: str | None = None,
        website: str | None = None,
        location: str | None = None,
    ) -> q.CreateUserRow:
        """Insert a user and its profile in one statement; a taken email is a unique violation.

        Example::

            user = await users.create(email="bo@example.com", name="Bo", role="MODERATOR")
        """
        row = await q.create_user(
            self._db,
            email=_email(email),
            name=check_name("name", name),
            avatar=check_optional_text("avatar", avatar, max_length=MAX_NAME_LENGTH),
            role=check_optional_enum("role", role, UserRole),
            bio=check_optional_text("bio", bio),
            website=check_optional_text("website", website, max_length=MAX_NAME_LENGTH),
            location=check_optional_text("location", location, max_length=MAX_NAME_LENGTH),
        )
        if row is None:  # cannot happen: both inserts return their row
            raise LookupError("create_user returned no row")
        return row

    async def get(
        self, user_id: int, *, include_deleted: bool = False
    ) -> q.GetUserByIdRow | q.GetUserByIdIncludingDeletedRow | None:
        """A live user with profile fields (soft-deleted ones too with ``include_deleted``).

        Example::

            user = await users.get(7)
        """
        checked = check_id("user_id", user_id)
        if include_deleted:
            return await q.get_user_by_id_including_deleted(self._db, id=checked)
        return await q.get_user_by_id(self._db, id=checked)

    async def get_by_email(
        self, email: str, *, include_deleted: bool = False
    ) -> q.GetUserByEmailRow | q.GetUserByEmailIncludingDeletedRow | None:
        """The user with that email, in any case (live only unless ``include_deleted``); None
        for an address no user has, well-formed or not."""
        checked = check_text("email", email, max_length=MAX_EMAIL_LENGTH).lower()
        if include_deleted:
            return await q.get_user_by_email_including_deleted(self._db, email=checked)
        return await q.get_user_by_email(self._db, email=checked)

    async def update(
        self,
        user_id: int,
        *,
        email: str | None = None,
        name: str | None = None,
        avatar: str | None = None,
        role: UserRole | str | None = None,
    ) -> User | None:
        """Change the given fields of a live user (None leaves one as it is); None when unknown.

        Example::

            await users.update(7, name="Ada L.")
        """
        return await q.update_user(
            self._db,
            id=check_id("user_id", user_id),
            email=None if email is None else _email(email),
            name=None if name is None else check_name("name", name),
            avatar=check_optional_text("avatar", avatar, max_length=MAX_NAME_LENGTH),
            role=check_optional_enum("role", role, UserRole),
        )

    async def update_profile(
        self,
        user_id: int,
        *,
        bio: str | None = None,
        website: str | None = None,
        location: str | None = None,
    ) -> q.UpdateUserProfileRow | None:
        """Change profile fields of a live user (creating the profile when missing)."""
        return await q.update_user_profile(
            self._db,
            user_id=check_id("user_id", user_id),
            bio=check_optional_text("bio", bio),
            website=check_optional_text("website", website, max_length=MAX_NAME_LENGTH),
            location=check_optional_text("location", location, max_length=MAX_NAME_LENGTH),
        )

    async def soft_delete(self, user_id: int) -> bool:
        """Soft-delete a live user (their posts and comments stay); False when not live."""
        return await q.soft_delete_user(self._db, id=check_id("user_id", user_id)) == 1

    async def restore(self, user_id: int) -> bool:
        """Restore a soft-deleted user; False when unknown or live."""
        return await q.restore_user(self._db, id=check_id("user_id", user_id)) == 1

    async def hard_delete(self, user_id: int) -> bool:
        """Delete a user for good; fails with a foreign-key violation while they have content."""
        return await q.hard_delete_user(self._db, id=check_id("user_id", user_id)) == 1

    async def list_users(
        self, *, page: int = 1, limit: int = 10, deleted: bool | None = False
    ) -> PaginatedResult[q.ListUsersRow]:
        """A page of users, newest first: live ones (``deleted=False``), soft-deleted (True), all
        (None).

        Example::

            page = await users.list_users(page=1, limit=20, deleted=None)
        """
        limit = check_limit(limit, self.max_limit)
        offset = page_offset(page, limit)
        if deleted is not None and not isinstance(deleted, bool):
            raise InvalidArgument("deleted", f"must be True, False or None, got {shown(deleted)}")
        rows = await q.list_users(self._db, deleted=deleted, limit=limit, offset=offset)
        total = rows[0].total_count if rows else 0
        if not rows and page > 1:
            # The total rides on the rows; past the last page, ask for the first row's count.
            first = await q.list_users(self._db, deleted=deleted, limit=1, offset=0)
            total = first[0].total_count if first else 0
        return PaginatedResult[q.ListUsersRow](
            data=rows, total=total, page=page, limit=limit, total_pages=total_pages(total, limit)
        )

    async def upsert_by_email(
        self,
        *,
        email: str,
        name: str,
        avatar: str | None = None,
        role: UserRole | str | None = None,
    ) -> User | None:
        """Insert a user or update the live one with that email (in any case); None (no change)
        when the email belongs to a soft-deleted user. ``role`` None inserts a USER and keeps an
        existing user's role; ``avatar`` is set as given.

        Example::

            user = await users.upsert_by_email(email="ada@example.com", name="Ada")
        """
        return await q.upsert_user_by_email(
            self._db,
            email=_email(email),
            name=check_name("name", name),
            avatar=check_optional_text("avatar", avatar, max_length=MAX_NAME_LENGTH),
            role=check_optional_enum("role", role, UserRole),
        )
