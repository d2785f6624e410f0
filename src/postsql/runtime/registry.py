"""SQL text → :class:`~postsql.runtime.executor.QueryInfo` for every generated query.

Generated functions call the executor with the query's exact ``sql`` string (a dynamic query
with one of its variants', each a ``QueryInfo`` in the module's ``_<NAME>_VARIANTS``), so looking
that string up tells the runtime which query runs: its name, ``file:line``, tables and whether it
only reads (replica routing, hooks, cache invalidation). Unknown SQL (ad-hoc statements) maps
to ``None``.

Example::

    registry = QueryRegistry.from_package("myapp.db.queries")
    registry.lookup(posts.FIND_POSTS.sql).name   # 'find_posts'
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator

from postsql.runtime.executor import QueryInfo

__all__ = ["QueryRegistry"]

#: postsql's own generated queries (health, reports, backups, the audit reader).
BUILTIN_PACKAGE = "postsql.builtin.queries"


class QueryRegistry:
    """A read-mostly mapping from SQL text to the generated query it belongs to."""

    __slots__ = ("_by_sql",)

    def __init__(self, queries: Iterable[QueryInfo] = ()) -> None:
        self._by_sql: dict[str, QueryInfo] = {}
        for info in queries:
            self.register(info)

    @classmethod
    def from_package(cls, *packages: str) -> QueryRegistry:
        """Collect every ``QueryInfo`` constant of the packages' modules (default: postsql's own).

        Example::

            QueryRegistry.from_package("postsql.builtin.queries", "myapp.db.queries")
        """
        registry = cls()
        for package_name in packages or (BUILTIN_PACKAGE,):
            package = importlib.import_module(package_name)
            modules = [package]
            for found in pkgutil.iter_modules(getattr(package, "__path__", [])):
                modules.append(importlib.import_module(f"{package_name}.{found.name}"))
            for module in modules:
                for value in vars(module).values():
                    if isinstance(value, QueryInfo):
                        registry.register(value)
                    elif isinstance(value, dict):
                        # A dynamic query's variants: ``_<NAME>_VARIANTS``, one QueryInfo each.
                        for variant in value.values():
                            if isinstance(variant, QueryInfo):
                                registry.register(variant)
        return registry

    def register(self, info: QueryInfo) -> None:
        """Add one query (a later registration of the same SQL replaces the earlier one)."""
        self._by_sql[info.sql] = info

    def lookup(self, sql: str) -> QueryInfo | None:
        """The query whose SQL is exactly ``sql``, or ``None``."""
        return self._by_sql.get(sql)

    def __len__(self) -> int:
        return len(self._by_sql)

    def __iter__(self) -> Iterator[QueryInfo]:
        return iter(self._by_sql.values())
