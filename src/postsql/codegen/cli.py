"""``postsql codegen`` (and ``python scripts/codegen.py`` in this repository): generate, check
(``--check``) and describe (``--manifest``), for whatever project the working directory is.

Example::

    postsql codegen                    # write the package [tool.postsql] out names
    postsql codegen --check            # exit 1 and print a diff when stale
    postsql codegen --manifest q.json  # every query and table as data
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import importlib.util
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from postsql.codegen.adopt import baseline, describe_live
from postsql.codegen.build import build_project
from postsql.codegen.introspect import (
    Catalog,
    Described,
    apply_schema,
    describe,
    migration_scripts,
    read_catalog,
    schema_scripts,
    scratch_database,
)
from postsql.codegen.ir import CheckConstraint, Project
from postsql.codegen.loader import QueryDef, load_queries
from postsql.codegen.options import add_arguments
from postsql.codegen.render import HEADER, OLD_HEADER_MARKERS, render
from postsql.codegen.variants import variant_key, variant_query
from postsql.errors import CodegenError, PostsqlError
from postsql.executables import find_executable
from postsql.project import ProjectConfig, find_project

__all__ = [
    "Generated",
    "add_arguments",
    "check_not_shadowed",
    "format_sources",
    "generate",
    "main",
    "manifest",
    "run",
    "server_error",
    "stale_files",
]


@dataclass(frozen=True, slots=True)
class Generated:
    """The result of one run: the IR and the formatted files (by path relative to ``out``)."""

    project: Project
    files: dict[str, str]


def server_error(query: QueryDef, exc: asyncpg.PostgresError) -> str:
    """``file:line: name: message``, the SQL line with a caret under the position, detail, hint."""
    message = getattr(exc, "message", None) or str(exc)
    message = _PLACEHOLDER.sub(lambda m: f"{m.group(0)} ({_param_name(query, m)})", message)
    position = int(getattr(exc, "position", None) or 0)
    line = query.file_line_of(position)
    out = [f"{query.file}:{line}: {query.name}: {message}"]
    if position:
        start = query.sql.rfind("\n", 0, position - 1) + 1
        end = query.sql.find("\n", position - 1)
        text, column = _as_written(query, query.sql[start : end if end != -1 else len(query.sql)])
        out.append(f"    {text}")
        out.append("    " + " " * column(position - 1 - start) + "^")
    for label in ("detail", "hint"):
        value = getattr(exc, label, None)
        if value:
            out.append(f"    {label.upper()}: {value}")
    return "\n".join(out)


_PLACEHOLDER = re.compile(r"(?<![\w$])\$(\d+)\b")


def _param_name(query: QueryDef, match: re.Match[str]) -> str:
    number = int(match.group(1))
    return f":{query.params[number - 1]}" if 0 < number <= len(query.params) else match.group(0)


def _as_written(query: QueryDef, text: str) -> tuple[str, Callable[[int], int]]:
    """One line of the ``$n`` SQL as the file spells it (``:name``), and a column mapping."""
    shifts: list[tuple[int, int]] = []  # (column in ``text`` after a placeholder, growth)

    def spelled(match: re.Match[str]) -> str:
        name = _param_name(query, match)
        shifts.append((match.end(), len(name) - len(match.group(0))))
        return name

    written = _PLACEHOLDER.sub(spelled, text)
    return written, lambda col: col + sum(grow for end, grow in shifts if end <= col)


async def _check_script(conn: asyncpg.Connection, sql: str) -> None:
    # Scripts cannot be prepared (several statements); run them in a transaction we roll back.
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute(sql)
    finally:
        await tx.rollback()


async def describe_all(
    admin_url: str, scripts: Sequence[tuple[str, str]], queries: Sequence[QueryDef]
) -> tuple[Catalog, dict[str, Described], list[str]]:
    """Apply the schema to a scratch database, read the catalog and describe every query."""
    async with scratch_database(admin_url) as url:
        conn = await asyncpg.connect(url)
        try:
            await apply_schema(conn, scripts)
        finally:
            await conn.close()
        # A new session: what the scripts SET for theirs (a dump's empty search_path) is gone.
        conn = await asyncpg.connect(url)
        try:
            catalog = await read_catalog(conn)
            described: dict[str, Described] = {}
            errors: list[str] = []
            for query in queries:
                if query.dynamic is not None:
                    # Every variant is described; an error names the variant (variant_key).
                    for variant in query.dynamic.variants:
                        key = variant_key(query.name, variant)
                        target = variant_query(query, variant)
                        try:
                            described[key] = await describe(conn, target.sql)
                        except asyncpg.PostgresError as exc:
                            errors.append(server_error(replace(target, name=key), exc))
                    continue
                try:
                    if query.operation == "script":
                        await _check_script(conn, query.sql)
                        described[query.name] = Described((), ())
                    else:
                        described[query.name] = await describe(conn, query.sql)
                except asyncpg.ActiveSQLTransactionError:
                    described[query.name] = Described((), ())  # e.g. VACUUM: fine outside one
                except asyncpg.PostgresError as exc:
                    errors.append(server_error(query, exc))
        finally:
            await conn.close()
    return catalog, described, errors


def check_not_shadowed(out: Path, root: Path, package: str) -> None:
    """Refuse an output package that imports as some other installed package's module.

    ``src/blog/generated`` in a project that does not own ``postsql`` (no
    ``src/postsql/__init__.py``) would be written, yet ``import blog.generated`` looks in the
    installed postsql: the project would not import the code it generated.
    """
    top = package.split(".")[0]
    base = (
        root / "src"
        if (root / "src").is_dir() and out.resolve().is_relative_to((root / "src").resolve())
        else root
    )
    if (base / top / "__init__.py").is_file():
        return
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return
    if spec is None:
        return
    where = spec.origin or next(iter(spec.submodule_search_locations or []), None)
    if where is None or Path(where).resolve().is_relative_to(root.resolve()):
        return
    # The installed package is the one that holds ``out`` (a package generating into itself).
    if out.resolve().is_relative_to(Path(where).resolve().parent):
        return
    raise CodegenError(
        f"{_rel(out, root)}: the output package {package} would be shadowed by the installed "
        f"package {top!r} ({where}), so your code would import that one instead; set out in "
        "[tool.postsql] (pyproject.toml or postsql.toml) to a package of your own project "
        '(for example out = "src/myapp/db") or pass --out'
    )


def ruff_executable() -> str:
    """ruff next to this interpreter, else on PATH."""
    return find_executable("ruff", purpose="formatting generated code", error=CodegenError)


def format_sources(files: dict[str, str], *, out: Path, root: Path, package: str) -> dict[str, str]:
    """Sort imports and format every file with ruff (with the project's configuration).

    The generated package is declared first-party explicitly: ruff otherwise decides by whether the
    module's file exists yet, which would make the first run differ from the next.
    """
    ruff = ruff_executable()
    first_party = f"lint.isort.known-first-party = [{json.dumps(package.split('.')[0])}]"
    formatted: dict[str, str] = {}
    for rel, text in files.items():
        name = str(out / rel)
        steps = (
            [ruff, "check", "--fix", "--select", "I", "--quiet", "--exit-zero",
             "--config", first_party,
             "--stdin-filename", name, "-"],
            # Not --quiet: that silences the parse error a failure is about.
            [ruff, "format", "--stdin-filename", name, "-"],
        )  # fmt: skip
        for cmd in steps:
            result = subprocess.run(
                cmd, input=text, capture_output=True, text=True, cwd=root, check=False
            )
            if result.returncode != 0:
                said = (result.stderr.strip() or result.stdout.strip()) or (
                    f"exit status {result.returncode}, no message"
                )
                raise CodegenError(
                    f"ruff could not format generated {rel} (a codegen bug):\n{said}"
                )
            text = result.stdout
        formatted[rel] = text
    return formatted


async def generate(
    config: ProjectConfig,
    *,
    admin_url: str,
    format_output: bool = True,
    root: Path | None = None,
    from_database: str | None = None,
) -> Generated:
    """Parse, describe, build and render; ``files`` are formatted unless ``format_output=False``.

    ``root`` is the project whose ruff configuration formats the output (default ``config.root``).
    ``from_database`` describes the queries against that live database as it is (changing
    nothing, see :mod:`postsql.codegen.adopt`) instead of a scratch database built from the
    schema; ``admin_url`` is then unused.
    """
    project_root = root or config.root
    queries = load_queries(list(config.queries), root=config.root)
    scripts: list[tuple[str, str]] = []
    if from_database is not None:
        source = "the database it was pointed at (--from-database)"
    elif config.schema:
        scripts = schema_scripts(config.schema)
        source = ", ".join(_rel(p, config.root) for p in config.schema)
    else:
        assert config.migrations is not None  # noqa: S101 - load_config sets one of the two
        scripts = migration_scripts(config.migrations)
        source = _rel(config.migrations, config.root)
    package = config.generated_package
    check_not_shadowed(config.out, project_root, package)
    if from_database is not None:
        catalog, described, refused = await describe_live(from_database, queries)
        errors = [server_error(query, exc) for query, exc in refused]
    else:
        catalog, described, errors = await describe_all(admin_url, scripts, queries)
    project = build_project(catalog, queries, described, config, check_errors=errors)
    for warning in project.warnings:
        print(f"postsql codegen: warning: {warning}", file=sys.stderr)
    files = render(project, package=package, migrations_source=source)
    if format_output:
        files = format_sources(files, out=config.out, root=project_root, package=package)
    return Generated(project, files)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def manifest(project: Project) -> dict[str, object]:
    """Every query, table and enum as JSON-ready data (see docs/codegen.md for the shape)."""
    return {
        "queries": [
            {
                "name": q.name,
                "file": q.file,
                "line": q.line,
                "operation": q.operation,
                "params": [
                    {
                        "name": p.sql_name,
                        "pg_type": p.pg_type,
                        "python_type": p.py.optional(p.nullable).annotation,
                        "nullable": p.nullable,
                    }
                    for p in q.params
                ],
                "columns": [
                    {
                        "name": c.renamed_from or c.name,
                        "field": c.name,
                        "pg_type": c.pg_type,
                        "python_type": c.annotation.annotation,
                        "nullable": c.nullable,
                        "reason": c.reason,
                    }
                    for c in q.columns
                ],
                "row_class": q.row_class if q.columns else None,
                "tables_read": sorted(q.tables_read),
                "tables_written": sorted(q.tables_written),
                "read_only": q.read_only,
                "doc": q.doc,
            }
            for q in sorted(project.queries, key=lambda q: (q.file, q.line))
        ],
        "tables": [
            {
                "name": t.name if t.schema == "public" else f"{t.schema}.{t.name}",
                "kind": t.kind,
                "class_name": t.class_name,
                "comment": t.comment,
                "columns": [
                    {
                        "name": c.name,
                        "pg_type": c.pg_type,
                        "python_type": c.py.optional(c.nullable).annotation,
                        "nullable": c.nullable,
                        "has_default": c.has_default or c.identity != "" or c.generated,
                        "identity": c.identity or None,
                        "generated": c.generated,
                        "comment": c.comment,
                    }
                    for c in t.columns
                ],
                "checks": [_check_entry(k) for k in t.checks],
            }
            for t in sorted(project.tables, key=lambda t: (t.schema, t.name))
        ],
        "enums": [
            {"name": e.name, "values": list(e.values), "class_name": e.class_name}
            for e in sorted(project.enums, key=lambda e: e.name)
        ],
    }


def _check_entry(check: CheckConstraint) -> dict[str, object]:
    # An element rule is enforced by the field's type (list[T]); the key appears only then.
    entry: dict[str, object] = {
        "name": check.name,
        "definition": check.definition,
        "columns": list(check.columns),
        "checked_by_model": check.checked_by_model,
    }
    if check.elements_not_null:
        entry["elements_not_null"] = list(check.elements_not_null)
    return entry


def stale_diff(files: dict[str, str], out: Path, *, root: Path) -> str:
    """A unified diff from what is on disk to ``files`` (plus generated files that should go)."""
    chunks: list[str] = []
    for rel, text in sorted(files.items()):
        path = out / rel
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            shown = _rel(path, root)
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"a/{shown}" if old else "/dev/null",
                    tofile=f"b/{shown}",
                )
            )
    for path in _stale_files(files, out):
        old = path.read_text(encoding="utf-8")
        chunks.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                [],
                fromfile=f"a/{_rel(path, root)}",
                tofile="/dev/null",
            )
        )
    return "".join(chunks)


def stale_files(files: dict[str, str], out: Path) -> list[tuple[Path, str]]:
    """Every file under ``out`` that differs from ``files``, in path order, with why: ``missing``
    (to be written), ``differs`` (to be rewritten) or ``removed`` (generated earlier, to go)."""
    found: list[tuple[Path, str]] = []
    for rel, text in files.items():
        path = out / rel
        if not path.exists():
            found.append((path, "missing"))
        elif path.read_text(encoding="utf-8") != text:
            found.append((path, "differs"))
    found += [(path, "removed") for path in _stale_files(files, out)]
    return sorted(found)


def _stale_files(files: dict[str, str], out: Path) -> list[Path]:
    """Files we generated earlier (they carry our header) that this run no longer produces."""
    if not out.is_dir():
        return []
    markers = (HEADER.split("{source}")[0], *OLD_HEADER_MARKERS)
    stale: list[Path] = []
    for path in sorted(out.rglob("*.py")):
        rel = path.relative_to(out).as_posix()
        if rel in files:
            continue
        with path.open(encoding="utf-8") as fh:
            if fh.readline().startswith(markers):
                stale.append(path)
    return stale


def write(files: dict[str, str], out: Path) -> list[str]:
    """Write changed files, delete stale generated ones; return what changed."""
    changed: list[str] = []
    for rel, text in sorted(files.items()):
        path = out / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(rel)
    for path in _stale_files(files, out):
        path.unlink()
        changed.append(f"{path.relative_to(out).as_posix()} (removed)")
    return changed


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python scripts/codegen.py",
        description="Generate typed models and async query functions (see docs/codegen.md).",
    )
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 done or up to date, 1 stale or failed)."""
    return run(_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run codegen with the options of :func:`add_arguments` (the project found from ``--project``,
    else from the working directory upwards; paths on the command line are the caller's)."""
    started = time.perf_counter()
    try:
        config = find_project(args.project)
        root = config.root
        here = Path.cwd()  # paths given on the command line are the caller's, not the project's
        if args.migrations is not None:
            config = replace(config, migrations=here / args.migrations, schema=())
        if args.schema:
            config = replace(config, schema=tuple(here / p for p in args.schema), migrations=None)
        if args.queries:
            config = replace(config, queries=tuple(here / p for p in args.queries))
        if args.out is not None:
            config = replace(config, out=here / args.out, package=None)
        if args.baseline and not args.from_database:
            raise CodegenError("--baseline needs --from-database URL (the database to adopt)")
        if args.from_database:
            admin_url = ""
            if args.baseline:
                migrations = config.migrations or root / "sql" / "migrations"
                written = asyncio.run(baseline(args.from_database, migrations))
                print(f"codegen: baseline {_rel(written, root)}, recorded as applied",
                      file=sys.stderr)  # fmt: skip
        elif args.database_url:
            admin_url = args.database_url
        else:
            from postsql.runtime.failover import writable_url_sync
            from postsql.runtime.urls import resolve

            # A cluster's URL is pinned to its writable node: the scratch database is created there.
            direct = resolve(require_url=config.require_database_url).direct_url
            admin_url = writable_url_sync(direct)
        generated = asyncio.run(
            generate(config, admin_url=admin_url, from_database=args.from_database)
        )
    except PostsqlError as exc:
        print(f"codegen failed:\n{exc}", file=sys.stderr)
        return 1
    if args.manifest is not None:
        data = json.dumps(manifest(generated.project), indent=2, sort_keys=False) + "\n"
        args.manifest.parent.mkdir(parents=True, exist_ok=True)
        args.manifest.write_text(data, encoding="utf-8")
    elapsed = time.perf_counter() - started
    count = len(generated.project.queries)
    if args.check:
        diff = stale_diff(generated.files, config.out, root=root)
        if diff:
            sys.stdout.write(diff)
            print(
                f"\ngenerated code in {_rel(config.out, root)} is stale: "
                "regenerate it with postsql codegen",
                file=sys.stderr,
            )
            return 1
        print(f"generated code is up to date ({count} queries, {elapsed:.1f}s)", file=sys.stderr)
        return 0
    changed = write(generated.files, config.out)
    summary = ", ".join(changed) if changed else "nothing changed"
    print(f"codegen: {count} queries in {elapsed:.1f}s; {summary}", file=sys.stderr)
    return 0
