"""The slowest search the repositories accept against a normal one (docs/benchmarks.md).

``PostRepository.find_posts(search=...)`` and ``count_posts`` take a term of at most
``MAX_SEARCH_LENGTH`` characters. The cost of a search grows with the term (the title substring
match and the tsquery are evaluated per post read), so the terms below are the longest accepted
ones of the shapes that cost most: one repeated character no trigram index can use, quotes,
escaped LIKE wildcards, the most words, the most OR operators. Each is timed against normal
terms on 12,500 posts.

Run: ``.venv/bin/python bench/search_bounds.py`` (``--fresh`` rebuilds the database).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from _db import bench_database, median_seconds  # bench/ is not a package

from blog.demo_data import DemoSizes
from blog.repositories import PostRepository
from blog.repositories._common import MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS
from postsql.testing import typed_connection

SIZES = DemoSizes(users=1_575, posts=12_500, comments=62_500, categories=8, tags=24)
N = MAX_SEARCH_LENGTH

W = MAX_SEARCH_WORDS

TERMS: dict[str, str] = {
    "normal: 'replica handbook'": "replica handbook",
    "normal: 'transaction'": "transaction",
    f"{N} x 'a'": "a" * N,
    f"{N} x quote": "'" * N,
    f"{N} x '%' (escaped LIKE wildcards)": "%" * N,
    f"{W} words of 5 letters": " ".join(["query"] * W)[:N],
    f"{W} distinct words": " ".join(f"w{i}x{i}" for i in range(W))[:N],
    f"{W // 2} ORs": " or ".join(["index"] * (W // 2)),
    f"quoted phrase of {W} words": '"' + " ".join(["ab"] * W) + '"',
}


async def main(fresh: bool) -> None:
    url = await bench_database(SIZES, fresh=fresh)
    async with typed_connection(url) as conn:
        repo = PostRepository(conn)
        print(f"{'term':40} {'find_posts ms':>14} {'count_posts ms':>15}")
        for label, term in TERMS.items():

            def find(term: str = term) -> Callable[[], Awaitable[object]]:
                return lambda: repo.find_posts(search=term, limit=20)

            def count(term: str = term) -> Callable[[], Awaitable[object]]:
                return lambda: repo.count_posts(search=term)

            found = await median_seconds(find(), repeat=7)
            counted = await median_seconds(count(), repeat=7)
            print(f"{label:40} {found * 1000:14.1f} {counted * 1000:15.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    asyncio.run(main(parser.parse_args().fresh))
