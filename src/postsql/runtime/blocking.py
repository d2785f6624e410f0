"""Running a coroutine from synchronous code (commands, dbmate, test helpers), also when an event
loop is already running in this thread (an async test or fixture): then in a thread of its own.

Example::

    url = run_sync(lambda: writable_url(cluster_url))
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["run_sync"]

T = TypeVar("T")


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Await ``make()`` to its result; ``asyncio.run`` refuses inside a running loop, so there
    the coroutine runs on a fresh loop in a worker thread."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()
