"""The ``postsql`` command: database lifecycle, migrations, seeds and the demo.

Every subcommand applies the project's URL rule (see :mod:`postsql.urls`). Errors print as one line
on stderr with exit status 1; ``--debug`` shows the traceback instead.

Examples::

    postsql db start          # start the embedded server (when no DATABASE_URL) and print its URL
    postsql migrate           # apply pending migrations and dump sql/schema.sql
    postsql seed --demo       # roles, admin user, and generated demo data
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from postsql.errors import PostsqlError
from postsql.migrate import Migrator
from postsql.urls import home_dir, redact, resolve

__all__ = ["main"]


def _migrator(args: argparse.Namespace) -> Migrator:
    return Migrator(
        url=resolve().direct_url,
        migrations_dir=Path(args.migrations_dir),
        schema_file=Path(args.schema_file),
    )


def _cmd_db(args: argparse.Namespace) -> int:
    from postsql.embedded import EmbeddedPostgres

    if args.action == "stop":
        server = EmbeddedPostgres(home_dir())
        stopped = server.stop()
        print(f"embedded PostgreSQL in {server.pgdata}: {'stopped' if stopped else 'not running'}")
        return 0
    target = resolve(start=args.action == "start")
    print(redact(target.url))
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    print(_migrator(args).up().rstrip())
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    print(_migrator(args).rollback().rstrip())
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    print(_migrator(args).status().rstrip())
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    print(_migrator(args).new(args.name).rstrip())
    return 0


def _cmd_seed(args: argparse.Namespace) -> int:
    from postsql.demo import run_seed

    demo = args.demo or os.environ.get("POSTSQL_ENV") == "development"
    asyncio.run(run_seed(resolve().direct_url, demo=demo, scale=args.scale, seed=args.seed))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from postsql.demo import run_demo

    migrator = _migrator(args)
    migrator.up()
    asyncio.run(run_demo(migrator.url, scale=args.scale, seed=args.seed))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postsql",
        description="Raw SQL for Python services on PostgreSQL.",
        epilog="Example: postsql db start && postsql migrate && postsql seed --demo",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--migrations-dir", default="sql/migrations", help="dbmate migrations")
    parser.add_argument("--schema-file", default="sql/schema.sql", help="schema dump path")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser(
        "db",
        help="start, stop or show the database",
        description="start: start the embedded server if needed and print the URL; url: print "
        "the URL of a running one; stop: stop the embedded server.",
        epilog="Example: postsql db start",
    )
    db.add_argument("action", choices=["start", "stop", "url"])
    db.set_defaults(func=_cmd_db)

    for name, func, text in (
        ("migrate", _cmd_migrate, "apply pending migrations, then dump sql/schema.sql"),
        ("rollback", _cmd_rollback, "undo the most recent migration"),
        ("status", _cmd_status, "list applied and pending migrations"),
    ):
        p = sub.add_parser(name, help=text, description=text, epilog=f"Example: postsql {name}")
        p.set_defaults(func=func)

    new = sub.add_parser(
        "new",
        help="create a migration file",
        description="Create sql/migrations/<timestamp>_NAME.sql with up and down sections.",
        epilog="Example: postsql new add_post_subtitle",
    )
    new.add_argument("name")
    new.set_defaults(func=_cmd_new)

    for name, func, text in (
        ("seed", _cmd_seed, "roles and the admin user; demo data with --demo or "
         "POSTSQL_ENV=development"),
        ("demo", _cmd_demo, "migrate, seed demo data, and show the blog at work"),
    ):  # fmt: skip
        p = sub.add_parser(name, help=text, description=text, epilog=f"Example: postsql {name}")
        if name == "seed":
            p.add_argument("--demo", action="store_true", help="also load generated demo data")
        p.add_argument("--scale", type=int, default=1, help="demo size multiplier (default 1)")
        p.add_argument("--seed", type=int, default=42, help="random seed of the demo generator")
        p.set_defaults(func=func)

    # -- security: `postsql roles apply` (everything lives in postsql.roles) ------------------
    roles = sub.add_parser(
        "roles",
        help="create or update the least-privilege roles (sql/roles.sql)",
        description="apply: create or update the migrator, app and readonly roles; passwords "
        "from POSTSQL_MIGRATOR_PASSWORD, POSTSQL_APP_PASSWORD, POSTSQL_READONLY_PASSWORD.",
        epilog="Example: postsql roles apply --app blog_app",
    )
    roles.add_argument("action", choices=["apply"])
    roles.add_argument("options", nargs=argparse.REMAINDER, help="see python -m postsql.roles")
    roles.set_defaults(func=_cmd_roles)
    return parser


def _cmd_roles(args: argparse.Namespace) -> int:
    from postsql.roles import main as roles_main

    return roles_main([args.action, *args.options])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``postsql`` console script."""
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except PostsqlError as exc:
        if args.debug:
            raise
        print(f"postsql: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
