"""``postsql check``: the SQL lint, migration safety and freshness checks a project's CI runs.

Four checks, each over the files the project config (:mod:`postsql.project`) names:

``sqlfluff``
    every query file, migration, plain schema file, seed file and roles file (never the schema
    dump, which is pg_dump output), with postsql's settings (``postsql/lint/sqlfluff.cfg``:
    PostgreSQL, aiosql's ``:name`` parameters and ``-- name:`` headers understood) under the
    project's own sqlfluff config files (``.sqlfluff``, ``[tool.sqlfluff]`` in ``pyproject.toml``,
    ``setup.cfg``, ``tox.ini``) from the project root down to the file, whose keys win; files a
    ``.sqlfluffignore`` on the way names are left out.
    ``fix=True`` writes sqlfluff's fixes first and reports what remains.
``squawk``
    the migrations, with the project's ``.squawk.toml`` when it has one, else postsql's
    (``postsql/lint/squawk.toml``).
``soft-delete``
    :mod:`postsql.ext.soft_delete` over the queries, against the schema dump (else the plain
    schema files, else the migrations' up halves).
``codegen``
    the generated package is what ``postsql codegen`` writes now (needs a server for its scratch
    database); each stale file is a finding at its line 1.

Every finding is data (:class:`Finding`: file relative to the project root, line, rule, message)
and prints as ``file:line: rule: message``.

Example::

    from postsql.ops.check import run_checks
    from postsql.project import find_project

    for finding in run_checks(find_project(), skip={"codegen"}):
        print(finding)
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from postsql.errors import ConfigurationError, PostsqlError
from postsql.executables import find_executable
from postsql.project import ProjectConfig

__all__ = [
    "CHECKS",
    "CheckResult",
    "Finding",
    "codegen_findings",
    "run_checks",
    "soft_delete_findings",
    "sql_files",
    "sqlfluff_findings",
    "squawk_findings",
]

CHECKS = ("sqlfluff", "squawk", "soft-delete", "codegen")
_LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):\s*(?P<rest>.*)$")
_LABEL = re.compile(r"^[A-Z][A-Z ]*: ")


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: ``file`` (relative to the project root when inside it), 1-based ``line``, the
    ``rule`` that found it (``sqlfluff/CP01``, ``squawk/adding-required-field``,
    ``postsql/soft-delete``, ``postsql/codegen-stale``...) and what is wrong."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.rule}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "message": self.message}


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _shipped(name: str) -> str:
    return resources.files("postsql").joinpath("lint", name).read_text(encoding="utf-8")


def _error_findings(text: str, rule: str, config: ProjectConfig) -> list[Finding]:
    """A tool's error message as findings: each ``file:line: ...`` line starts one, and the
    indented ``DETAIL:``/``HINT:`` lines after it join its message (the SQL echoed with a caret
    under it does not: the line says where); any other line is a finding at the config file."""
    fallback = _rel(config.config_file, config.root) if config.config_file else "."
    findings: list[Finding] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if raw[:1].isspace():
            if findings and _LABEL.match(line):
                last = findings[-1]
                findings[-1] = Finding(last.file, last.line, last.rule, f"{last.message} {line}")
            continue
        located = _LOCATED.match(line)
        if located is not None:
            file = located.group("file")
            path = Path(file)
            shown = _rel(path if path.is_absolute() else config.root / path, config.root)
            findings.append(Finding(shown, int(located["line"]), rule, located["rest"]))
        else:
            findings.append(Finding(fallback, 1, rule, line))
    return findings


# -- which files ---------------------------------------------------------------------------------


def _migration_files(config: ProjectConfig) -> list[Path]:
    if config.migrations is None or not config.migrations.is_dir():
        return []
    return sorted(config.migrations.glob("*.sql"))


def sql_files(config: ProjectConfig) -> list[Path]:
    """The hand-written SQL of the project, in config order: queries, migrations (or schema
    files), seeds, roles. The schema dump is left out even when it lies among them."""
    found: list[Path] = []
    for entry in config.queries:
        found += sorted(entry.rglob("*.sql")) if entry.is_dir() else [entry]
    found += _migration_files(config)
    found += [*config.schema, *config.seeds]
    if config.roles is not None:
        found.append(config.roles)
    dump = config.schema_dump.resolve() if config.schema_dump is not None else None
    out: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        resolved = path.resolve()
        if resolved in seen or resolved == dump or not path.is_file():
            continue
        seen.add(resolved)
        out.append(path)
    return out


# -- sqlfluff ------------------------------------------------------------------------------------


def sqlfluff_findings(
    config: ProjectConfig, files: Iterable[Path] | None = None, *, fix: bool = False
) -> tuple[list[Finding], list[str]]:
    """sqlfluff's violations in ``files`` (default :func:`sql_files`); with ``fix``, sqlfluff's
    fixes are written first. Returns the findings and the files that were rewritten."""
    from sqlfluff.core import FluffConfig, Linter
    from sqlfluff.core.config import clear_config_caches, load_config_at_path, load_config_string
    from sqlfluff.core.helpers.dict import nested_combine

    clear_config_caches()  # a config file may have changed since an earlier check in this process
    root = config.root.resolve()
    shipped = load_config_string(_shipped("sqlfluff.cfg"), working_path=str(root))
    findings: list[Finding] = []
    fixed: list[str] = []
    for path in sql_files(config) if files is None else list(files):
        resolved = path.resolve()
        # The project's own config files, from the root down to the file's directory (nearer wins).
        directories = _directories(root, resolved)
        if _sqlfluff_ignores(directories, resolved):
            continue
        layers = [shipped, *(load_config_at_path(str(d)) for d in directories)]
        linter = Linter(config=FluffConfig(configs=nested_combine(*layers)))
        shown = _rel(path, root)
        text = path.read_text(encoding="utf-8")
        linted = linter.lint_string(text, fname=str(path), fix=fix)
        if fix:
            new_text, _ = linted.fix_string()
            if new_text != text:
                path.write_text(new_text, encoding="utf-8")
                fixed.append(shown)
                linted = linter.lint_string(new_text, fname=str(path))
        for violation in linted.get_violations():
            code = violation.rule_code()
            findings.append(
                Finding(shown, violation.line_no or 1, f"sqlfluff/{code}", violation.desc())
            )
    return findings, fixed


def _directories(root: Path, file: Path) -> list[Path]:
    """The directories from ``root`` down to ``file``'s own (none when it is outside ``root``)."""
    if not file.is_relative_to(root):
        return []
    out = [root]
    for part in file.parent.relative_to(root).parts:
        out.append(out[-1] / part)
    return out


def _sqlfluff_ignores(directories: Iterable[Path], file: Path) -> bool:
    """Whether a ``.sqlfluffignore`` (gitignore patterns, relative to its directory) in one of
    ``directories`` leaves ``file`` out, as sqlfluff itself would."""
    from pathspec import GitIgnoreSpec

    for directory in directories:
        ignore = directory / ".sqlfluffignore"
        if ignore.is_file():
            spec = GitIgnoreSpec.from_lines(ignore.read_text(encoding="utf-8").splitlines())
            if spec.match_file(file.relative_to(directory).as_posix()):
                return True
    return False


# -- squawk --------------------------------------------------------------------------------------


def _squawk() -> str:
    return find_executable(
        "squawk", purpose="postsql check (linting migrations)", error=ConfigurationError
    )


def squawk_findings(config: ProjectConfig) -> list[Finding]:
    """squawk's warnings over the migrations (``.squawk.toml`` of the project root, else
    postsql's); squawk's 0-based lines become 1-based."""
    files = _migration_files(config)
    if not files:
        return []
    root = config.root.resolve()
    own = root / ".squawk.toml"
    with resources.as_file(resources.files("postsql").joinpath("lint", "squawk.toml")) as shipped:
        settings = own if own.is_file() else shipped
        cmd = [_squawk(), "--config", str(settings), "--reporter", "json"]
        result = subprocess.run(
            [*cmd, *(_rel(f, root) for f in files)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    try:
        reports = json.loads(result.stdout) if result.stdout.strip() else []
    except json.JSONDecodeError:
        reports = None
    if result.returncode not in (0, 1) or not isinstance(reports, list):
        said = result.stderr.strip() or result.stdout.strip() or f"exit status {result.returncode}"
        return _error_findings(f"squawk failed (settings {settings}): {said}", "squawk", config)
    findings = []
    for report in reports:
        file = Path(str(report.get("file", "")))
        findings.append(
            Finding(
                _rel(file if file.is_absolute() else root / file, root),
                int(report.get("line", 0)) + 1,
                f"squawk/{report.get('rule_name', 'error')}",
                " ".join(str(report.get(k) or "") for k in ("message", "help")).strip(),
            )
        )
    return findings


# -- soft delete ---------------------------------------------------------------------------------


def _schema_sql(config: ProjectConfig) -> str:
    """The project's schema DDL: the dump, else the schema files, else the migrations' up halves."""
    from postsql.codegen.introspect import migration_scripts

    if config.schema_dump is not None and config.schema_dump.is_file():
        return config.schema_dump.read_text(encoding="utf-8")
    if config.schema:
        return "\n".join(p.read_text(encoding="utf-8") for p in config.schema if p.is_file())
    if config.migrations is not None and config.migrations.is_dir():
        return "\n".join(sql for _, sql in migration_scripts(config.migrations))
    return ""


def soft_delete_findings(config: ProjectConfig) -> list[Finding]:
    """Queries reading a soft-deletable table without its ``deleted_at IS NULL`` filter."""
    from pglast.parser import ParseError

    from postsql.codegen.loader import load_queries
    from postsql.ext.soft_delete import DELIBERATE_MARKER, check_queries, soft_deletable_tables

    try:
        tables = soft_deletable_tables(_schema_sql(config))
    except (ParseError, PostsqlError) as exc:
        source = config.schema_dump if config.schema_dump is not None else config.migrations
        shown = _rel(source, config.root) if source is not None else "."
        return [Finding(shown, 1, "postsql/soft-delete", f"cannot read the schema: {exc}")]
    dirs = [q for q in config.queries if q.is_dir()]
    try:
        queries = load_queries(dirs, root=config.root)
        found = check_queries(queries, tables)
    except (ParseError, PostsqlError) as exc:
        return _error_findings(str(exc), "postsql/query-file", config)
    hint = f"add the filter, or write {DELIBERATE_MARKER!r} in the query's comment block"
    return [
        Finding(
            f.file,
            f.line,
            "postsql/soft-delete",
            f"{f.query}: table alias {f.alias} reads soft-deletable table {f.table} without "
            f"{f.alias}.deleted_at IS NULL ({hint})",
        )
        for f in found
    ]


# -- codegen freshness ---------------------------------------------------------------------------


async def codegen_findings(config: ProjectConfig, *, admin_url: str) -> list[Finding]:
    """Each file of the generated package that ``postsql codegen`` would write differently (or
    create, or delete) now. A query or migration codegen rejects is a finding at the place its
    error names; an error that names no place (the server cannot be reached) is raised."""
    from postsql.codegen.cli import generate, stale_files

    try:
        generated = await generate(config, admin_url=admin_url)
    except PostsqlError as exc:
        if not any(_LOCATED.match(line) for line in str(exc).splitlines()):
            raise
        return _error_findings(str(exc), "postsql/codegen", config)
    why = {
        "missing": "not generated yet",
        "differs": "stale: not what the queries and schema generate now",
        "removed": "no longer generated (its query or table is gone)",
    }
    return [
        Finding(
            _rel(path, config.root),
            1,
            "postsql/codegen-stale",
            f"{why[state]}; run postsql codegen",
        )
        for path, state in stale_files(generated.files, config.out)
    ]


# -- all of them ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What :func:`run_checks` found, which checks ran and which files ``fix`` rewrote."""

    findings: tuple[Finding, ...]
    checks: tuple[str, ...]
    fixed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "checks": list(self.checks),
            "fixed": list(self.fixed),
        }


def run_checks(
    config: ProjectConfig,
    *,
    skip: Collection[str] = (),
    fix: bool = False,
    admin_url: str | None = None,
) -> CheckResult:
    """Every check of :data:`CHECKS` not in ``skip``, in that order.

    ``admin_url`` is the server codegen's scratch database is created on; it is needed unless
    ``"codegen"`` is skipped.
    """
    unknown = sorted(set(skip) - set(CHECKS))
    if unknown:
        raise ConfigurationError(f"unknown checks {unknown}; known: {list(CHECKS)}")
    checks = tuple(c for c in CHECKS if c not in skip)
    findings: list[Finding] = []
    fixed: list[str] = []
    if "sqlfluff" in checks:
        found, fixed = sqlfluff_findings(config, fix=fix)
        findings += found
    if "squawk" in checks:
        findings += squawk_findings(config)
    if "soft-delete" in checks:
        findings += soft_delete_findings(config)
    if "codegen" in checks:
        if admin_url is None:
            raise ConfigurationError(
                "the codegen check needs a server for its scratch database: pass admin_url "
                "(postsql check --database-url URL), or skip it"
            )
        findings += asyncio.run(codegen_findings(config, admin_url=admin_url))
    return CheckResult(tuple(findings), checks, tuple(fixed))
