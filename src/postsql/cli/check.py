"""``postsql check``: lint the project's SQL, check its migrations, soft-delete filters and
generated code in one command (the checks themselves are :mod:`postsql.ops.check`).

Prints one ``file:line: rule: message`` line per finding (``--json``: the findings as data) and
exits 1 when there is any. The codegen check creates a scratch database on ``--database-url``,
else on the server of the project's URL rule (the embedded one in development and CI).

Example::

    postsql check                  # sqlfluff, squawk, soft delete, codegen freshness
    postsql check --fix            # let sqlfluff fix what it can first
    postsql check --skip codegen   # no server needed
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from postsql.ops.check import CHECKS  # the checks' tools are imported only when they run

__all__ = ["register"]


def _cmd_check(args: argparse.Namespace) -> int:
    from postsql.cli.main import project, target
    from postsql.ops.check import run_checks

    config = project(args)
    admin_url: str | None = None
    if "codegen" not in args.skip:
        admin_url = args.database_url or target(args).direct_url
    result = run_checks(config, skip=args.skip, fix=args.fix, admin_url=admin_url)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        for finding in result.findings:
            print(finding)
    for file in result.fixed:
        print(f"postsql check: fixed {file}", file=sys.stderr)
    ran = ", ".join(result.checks) or "nothing"
    count = len(result.findings)
    print(
        f"postsql check: {count} finding(s) ({ran})" if count else f"postsql check: OK ({ran})",
        file=sys.stderr,
    )
    return 1 if count else 0


def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``postsql check`` to the command's subparsers."""
    parser = command(
        sub,
        "check",
        _cmd_check,
        "lint the project's queries and migrations with sqlfluff (postsql's settings, yours win), "
        "its migrations with squawk, its queries with the soft-delete check, and fail when the "
        "generated code is stale; one file:line: rule: message line per finding, exit 1 on any",
        "postsql check --skip codegen --json",
        json_flag=True,
    )
    parser.add_argument(
        "--fix", action="store_true", help="write sqlfluff's fixes first; report what remains"
    )
    parser.add_argument(
        "--skip",
        action="append",
        choices=CHECKS,
        default=[],
        metavar="CHECK",
        help=f"leave a check out, repeatable: {', '.join(CHECKS)}",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="server for the codegen check's scratch database (default: the project's URL rule)",
    )
