"""Roles: named permission sets, upserted by name.

Example::

    roles = RoleRepository(pool)
    await roles.upsert(name="editor", permissions=["posts:write"])
"""

from __future__ import annotations

from collections.abc import Sequence

from blog.generated.models import Role
from blog.generated.queries import roles as q
from blog.repositories._common import check_text
from postsql.errors import InvalidArgument
from postsql.runtime.executor import Executor

__all__ = ["RoleRepository"]


class RoleRepository:
    """The role queries behind a validating API."""

    def __init__(self, db: Executor) -> None:
        self._db = db

    async def upsert(
        self, *, name: str, description: str | None = None, permissions: Sequence[str] = ()
    ) -> Role:
        """Insert a role or replace the description and permissions of the one with that name."""
        if isinstance(permissions, str) or not all(isinstance(p, str) for p in permissions):
            raise InvalidArgument("permissions", "must be a sequence of strings")
        return await q.upsert_role(
            self._db,
            name=check_text("name", name),
            description=description,
            permissions=list(permissions),
        )

    async def list_roles(self) -> list[Role]:
        """Every role by name."""
        return await q.list_roles(self._db)

    async def get(self, name: str) -> Role | None:
        """The role with that name, or None."""
        return await q.get_role_by_name(self._db, name=check_text("name", name))
