"""The codegen command's options, apart from codegen itself: ``postsql --help`` builds its parser
without importing the build-time dependencies (pglast, aiosql), which a runtime install lacks."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The codegen options, shared by ``scripts/codegen.py`` and ``postsql codegen``."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--migrations",
        type=Path,
        metavar="DIR",
        help="dbmate migrations (default: [tool.postsql] migrations, else sql/migrations)",
    )
    source.add_argument(
        "--schema",
        type=Path,
        action="append",
        metavar="FILE.sql",
        help="plain DDL (or a pg_dump file), repeatable, applied in order",
    )
    source.add_argument(
        "--from-database",
        metavar="URL",
        help="describe the queries against this existing database, changing nothing",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="with --from-database: write its schema as the first migration, recorded as applied",
    )
    parser.add_argument(
        "--queries",
        type=Path,
        action="append",
        metavar="DIR",
        help="query directory, repeatable (default: [tool.postsql] queries, else sql/queries)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output package (default: [tool.postsql] out, else src/db)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="print a diff and exit 1 when the generated code is stale",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        metavar="FILE.json",
        help="also write every query and table as JSON",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="server for the scratch database (default: the project's URL rule)",
    )
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="PATH",
        help="the project directory or its config file (default: found from the working "
        "directory upwards, as git finds its repository)",
    )
