"""Roles: named permission sets, upserted by name.

Example::

    roles = RoleRepository(pool)
    await roles.upsert(name="editor", permissions=["posts:write"])
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from blog.generated.models import Role
from blog.generated.queries import roles as q
from blog.repositories._common import (
    MAX_PERMISSIONS,
    check_name,
    check_optional_text,
    shown,
)
from postsql.errors import InvalidArgument
from postsql.runtime.executor import Executor

__all__ = ["RoleRepository"]


def _permissions(permissions: object) -> list[str]:
    # Each one is checked like a name: text the server can store (a NUL or a lone surrogate was
    # refused by the server naming only "$3"), of a bounded length and count.
    if isinstance(permissions, str | bytes) or not isinstance(permissions, Iterable):
        raise InvalidArgument(
            "permissions", f"must be a sequence of strings, got {shown(permissions)}"
        )
    items = list(itertools.islice(permissions, MAX_PERMISSIONS + 1))
    if len(items) > MAX_PERMISSIONS:
        raise InvalidArgument("permissions", f"must hold at most {MAX_PERMISSIONS} permissions")
    return [check_name(f"permissions[{index}]", item) for index, item in enumerate(items)]


class RoleRepository:
    """The role queries behind a validating API."""

    def __init__(self, db: Executor) -> None:
        self._db = db

    async def upsert(
        self, *, name: str, description: str | None = None, permissions: Sequence[str] = ()
    ) -> Role:
        """Insert a role or replace the description and permissions of the one with that name."""
        checked_name = check_name("name", name)
        checked_description = check_optional_text("description", description)
        return await q.upsert_role(
            self._db,
            name=checked_name,
            description=checked_description,
            permissions=_permissions(permissions),
        )

    async def list_roles(self) -> list[Role]:
        """Every role by name."""
        return await q.list_roles(self._db)

    async def get(self, name: str) -> Role | None:
        """The role with that name, or None."""
        return await q.get_role_by_name(self._db, name=check_name("name", name))
