"""One immutable record per query, handed to every registered hook.

Logging, metrics, tracing and the cache all hang off this single hook point (as asyncpg's
``Connection.add_query_logger`` does) instead of wrapping every method. A hook is a plain callable
taking a :class:`QueryRecord`; it runs synchronously after the query finished (or failed). A hook
that raises is logged on the ``postsql.runtime.hooks`` logger and otherwise ignored: it never
breaks the query or the hooks after it.

A hook may also have a method ``wants(duration, failed) -> bool``: when every hook has one and
each answers False for a query, its record is not even built (the logging hook below its level
costs a query one ``isEnabledFor`` check, no record).

Example::

    def print_slow(record: QueryRecord) -> None:
        if record.duration > 0.1:
            print(record.name, record.location, f"{record.duration * 1000:.1f} ms")

    db.add_query_hook(print_slow)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

__all__ = ["HookList", "QueryHook", "QueryRecord"]

_log = logging.getLogger("postsql.runtime.hooks")


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """What happened to one query: what it was, where it was written, how it went.

    ``params`` are the raw values: consumers redact them. ``duration`` (seconds, monotonic clock)
    includes the wait for a pooled connection; ``target`` is ``"primary"`` or
    ``"replica:<host:port or socket>"``. The COMMIT of a transaction whose generated queries wrote
    tables has a record too (``sql="COMMIT"``, no name, ``tables_written`` = all it wrote).
    """

    name: str | None
    location: str | None
    sql: str
    operation: str | None
    tables_read: frozenset[str]
    tables_written: frozenset[str]
    params: tuple[object, ...]
    started_at: float
    duration: float
    rows: int | None
    error: BaseException | None
    in_transaction: bool
    target: str

    @property
    def label(self) -> str:
        """The query's name, or ``"adhoc"`` for SQL that is not a generated query."""
        return self.name if self.name is not None else "adhoc"

    def __repr__(self) -> str:
        # Parameters may hold secrets; a repr that ends up in a log must not show them.
        error = type(self.error).__name__ if self.error else None
        return (
            f"QueryRecord(name={self.name!r}, location={self.location!r}, "
            f"duration={self.duration:.6f}, rows={self.rows!r}, target={self.target!r}, "
            f"in_transaction={self.in_transaction!r}, error={error}, "
            f"params=<{len(self.params)} redacted>)"
        )


QueryHook = Callable[[QueryRecord], None]


class HookList:
    """The hooks of one database, called in the order they were added.

    Example::

        hooks = HookList()
        hooks.add(print)
        hooks.emit(record)
    """

    __slots__ = ("_hooks", "_wants")

    def __init__(self) -> None:
        self._hooks: tuple[QueryHook, ...] = ()
        # Every hook's ``wants`` method, or None when a hook has none (it wants every record).
        self._wants: tuple[Callable[[float, bool], bool], ...] | None = ()

    def __len__(self) -> int:
        return len(self._hooks)

    @property
    def hooks(self) -> tuple[QueryHook, ...]:
        """The hooks, in call order."""
        return self._hooks

    def add(self, hook: QueryHook) -> None:
        """Register ``hook`` (once; adding it again does nothing)."""
        if hook not in self._hooks:
            self._hooks = (*self._hooks, hook)
            self._wants = _wants_of(self._hooks)

    def remove(self, hook: QueryHook) -> None:
        """Unregister ``hook``; unknown hooks are ignored."""
        self._hooks = tuple(h for h in self._hooks if h != hook)
        self._wants = _wants_of(self._hooks)

    def wanted(self, duration: float, failed: bool) -> bool:
        """Whether any hook wants the record of a query that took ``duration`` seconds.

        Example: ``if hooks.wanted(0.002, False): hooks.emit(record)``
        """
        wants = self._wants
        if wants is None:
            return True
        for want in wants:  # noqa: SIM110 (a loop, not any(): no generator per query)
            if want(duration, failed):
                return True
        return False

    def emit(self, record: QueryRecord) -> None:
        """Call every hook with ``record``; a failing hook is logged and skipped."""
        for hook in self._hooks:  # a tuple: hooks may add or remove hooks while we iterate
            try:
                hook(record)
            except Exception:
                _log.exception(
                    "query hook %r failed for query %s (%s); the query itself was not affected",
                    hook,
                    record.label,
                    record.location or "ad-hoc SQL",
                )


def _wants_of(hooks: tuple[QueryHook, ...]) -> tuple[Callable[[float, bool], bool], ...] | None:
    wants = [getattr(hook, "wants", None) for hook in hooks]
    if any(want is None for want in wants):
        return None
    return tuple(cast(Callable[[float, bool], bool], want) for want in wants)
