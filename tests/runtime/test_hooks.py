"""The hook list: which queries' records are built and handed to the hooks."""

from __future__ import annotations

import asyncpg
import pytest

from postsql.runtime.database import Database
from postsql.runtime.hooks import HookList, QueryRecord


class Picky:
    """A hook that only wants failed queries' records."""

    def __init__(self) -> None:
        self.seen: list[QueryRecord] = []

    def wants(self, duration: float, failed: bool) -> bool:
        return failed

    def __call__(self, record: QueryRecord) -> None:
        self.seen.append(record)


def test_records_are_wanted_when_a_hook_has_no_wants_or_one_says_yes() -> None:
    hooks = HookList()
    assert not hooks.wanted(1.0, True)  # no hooks: nothing to build
    picky = Picky()
    hooks.add(picky)
    assert not hooks.wanted(1.0, False)
    assert hooks.wanted(0.0, True)
    seen: list[QueryRecord] = []
    hooks.add(seen.append)  # a plain callable wants every record
    assert hooks.wanted(0.0, False)
    hooks.remove(seen.append)
    assert not hooks.wanted(0.0, False)


async def test_a_hook_that_wants_no_record_of_a_query_is_not_called(db_url: str) -> None:
    picky = Picky()
    async with Database(url=db_url, pool_min_size=1, log_queries=False, trace_queries=False) as db:
        db.add_query_hook(picky)
        assert await db.fetchval("SELECT 1") == 1
        assert picky.seen == []
        with pytest.raises(asyncpg.DivisionByZeroError):
            await db.fetchval("SELECT 1/0")
        assert [r.sql for r in picky.seen] == ["SELECT 1/0"]
