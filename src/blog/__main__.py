"""``python -m blog demo [--scale N] [--seed N]``: migrate the example's database (on the server the
URL rule picks), seed it and show the blog at work. ``make demo`` runs it."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from blog.demo import run_demo
from postsql.errors import PostsqlError
from postsql.migrations.migrator import Migrator
from postsql.project import find_project
from postsql.runtime.urls import resolve


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m blog", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="migrate, seed demo data and show the blog at work")
    demo.add_argument("--scale", type=_positive, default=1, help="demo size multiplier")
    demo.add_argument("--seed", type=int, default=42, help="random seed of the demo generator")
    args = parser.parse_args(argv)
    config = find_project(Path(__file__).resolve().parent)
    assert config.migrations is not None  # noqa: S101 - the example configures migrations
    try:
        target = resolve()
        # The demo migrates whatever server it runs on (a PostgreSQL 15 at a URL, say) but leaves
        # the committed schema dump alone: that is `postsql migrate`'s, on the project's server.
        Migrator(url=target.direct_url, migrations_dir=config.migrations, dump=False).up(
            create=True
        )
        asyncio.run(run_demo(target.direct_url, scale=args.scale, seed=args.seed))
    except PostsqlError as exc:
        print(f"blog demo: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
