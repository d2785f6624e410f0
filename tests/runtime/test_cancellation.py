"""Cancelling tasks at random moments inside ``db.transaction()``: the caller's view of the
outcome is the truth.

A hostile run found 66 of 999 callers told ``CancelledError`` while their rows were committed (the
COMMIT in flight, or the release after it), and asyncio logging "Resetting connection with an
active transaction" at ERROR when a cancellation hit the BEGIN. Now a block that raised
``CancelledError`` saved nothing, a block that completed saved everything (a cancellation that
arrived during its COMMIT is delivered at the task's next await), and the cache, which learns of
a commit from its query record, invalidates even then.
"""

from __future__ import annotations

import asyncio
import random

import asyncpg
import pytest

from blog.generated.queries import taxonomy
from postsql.errors import TransactionOutcomeUnknown
from postsql.runtime.database import Database
from postsql.runtime.hooks import QueryRecord

TRIALS = 1_000
AT_ONCE = 25


class Outcome:
    def __init__(self) -> None:
        self.block_completed = False
        self.cancelled_in_block = False
        self.other_error: BaseException | None = None


async def test_a_cancelled_transaction_is_committed_only_when_its_block_completed(
    db_url: str,
) -> None:
    errors: list[str] = []
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(str(context.get("message"))))
    commits: list[QueryRecord] = []
    rng = random.Random(14)  # noqa: S311 - when to cancel, not a secret
    outcomes = [Outcome() for _ in range(TRIALS)]
    try:
        async with Database(
            url=db_url, pool_min_size=4, pool_max_size=AT_ONCE, log_queries=False
        ) as db:
            db.add_query_hook(lambda r: commits.append(r) if r.sql == "COMMIT" else None)

            async def work(index: int) -> None:
                outcome = outcomes[index]
                try:
                    async with db.transaction() as tx:
                        await taxonomy.create_tag(tx, name=f"c{index}", slug=f"cancel-{index}")
                        if index % 2:
                            await tx.fetchval("SELECT count(*) FROM tags")
                except asyncio.CancelledError:
                    outcome.cancelled_in_block = True
                    raise
                except Exception as exc:  # reported below: none is expected
                    outcome.other_error = exc
                    return
                outcome.block_completed = True  # before any await: nothing can interrupt this
                await asyncio.sleep(0)

            # How long a batch takes here, to spread the cancellations over all of it.
            async def warm(index: int) -> None:
                async with db.transaction() as tx:
                    await taxonomy.create_tag(tx, name=f"w{index}", slug=f"warm-{index}")

            started = loop.time()
            await asyncio.gather(*(warm(i) for i in range(AT_ONCE)))
            duration = loop.time() - started

            for first in range(0, TRIALS, AT_ONCE):
                tasks = [asyncio.create_task(work(i)) for i in range(first, first + AT_ONCE)]
                for task in tasks:
                    loop.call_later(rng.uniform(0, 1.2 * duration), task.cancel)
                await asyncio.gather(*tasks, return_exceptions=True)
                await asyncio.sleep(1.2 * duration)  # every call_later has fired

            rows = await db.fetch("SELECT slug FROM tags WHERE slug LIKE 'cancel-%'")
            stats = db.pool_stats()
    finally:
        loop.set_exception_handler(previous_handler)

    committed = {int(r["slug"].removeprefix("cancel-")) for r in rows}
    assert [(i, o.other_error) for i, o in enumerate(outcomes) if o.other_error] == []
    told_cancelled_but_committed = [i for i in committed if outcomes[i].cancelled_in_block]
    assert told_cancelled_but_committed == []
    completed_but_lost = {i for i, o in enumerate(outcomes) if o.block_completed} - committed
    assert completed_but_lost == set()
    # The test did cancel transactions at every stage: some completed, some were rolled back.
    assert 0 < len(committed) < TRIALS
    assert sum(o.cancelled_in_block for o in outcomes) > 0
    # Every commit, under cancellation or not, emitted its record (the cache invalidates on it).
    assert len([r for r in commits if r.error is None and "tags" in r.tables_written]) >= len(
        committed
    )
    assert [e for e in errors if "active transaction" in e] == []
    assert stats.in_use == 0


async def test_a_connection_lost_during_commit_says_the_outcome_is_unknown(db_url: str) -> None:
    # A deferred constraint trigger holds the COMMIT on the server; the backend is terminated
    # while it waits, so the client never learns whether the COMMIT took effect.
    admin = await asyncpg.connect(db_url)
    await admin.execute(
        "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$"
    )
    await admin.execute(
        "CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON tags "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()"
    )

    async def terminate_during_commit(pid: int) -> None:
        while not await admin.fetchval(  # noqa: ASYNC110 (the server has no event to wait on)
            "SELECT wait_event = 'PgSleep' FROM pg_stat_activity WHERE pid = $1", pid
        ):
            await asyncio.sleep(0.02)
        await admin.execute("SELECT pg_terminate_backend($1)", pid)

    try:
        async with Database(url=db_url, pool_min_size=1, log_queries=False) as db:

            async def write() -> None:
                async with db.transaction() as tx:
                    await taxonomy.create_tag(tx, name="lost", slug="lost")
                    pid = await tx.fetchval("SELECT pg_backend_pid()")
                    killer.append(asyncio.create_task(terminate_during_commit(pid)))

            killer: list[asyncio.Task[None]] = []
            with pytest.raises(TransactionOutcomeUnknown, match="may or may not have committed"):
                await write()
            await killer[0]
            # The pool replaced the connection: the Database works on.
            assert await db.fetchval("SELECT count(*) FROM tags WHERE slug = 'lost'") == 0
    finally:
        await admin.close()
