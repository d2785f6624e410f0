"""The project config: where a project's migrations, queries and generated code live.

Every ``postsql`` command starts here. :func:`find_project` walks up from the working directory
(as git does) to the nearest ``pyproject.toml`` with a ``[tool.postsql]`` table, or a
``postsql.toml`` holding the same keys at its top level, and :func:`load_config` reads it. Paths
in the config are relative to the directory that holds it.

Example ``pyproject.toml``::

    [tool.postsql]
    migrations = "sql/migrations"          # dbmate migrations (up and down)
    queries = ["sql/queries"]              # aiosql query files
    out = "src/myapp/db"                   # the generated package (import path: myapp.db)
    schema_dump = "sql/schema.sql"         # written by `postsql migrate`; "" for none
    seeds = ["sql/seeds/base.sql"]         # SQL run by `postsql seed`, in order
    seeder = "myapp.seed:run"              # then this `async def run(db: Database) -> None`
    roles = "sql/roles.sql"                # run by `postsql roles apply`
    require_database_url = true            # never fall back to the embedded server

    [tool.postsql.json_columns]            # table.column -> pydantic model (import path)
    "user_profiles.preferences" = "myapp.json.Preferences"

    [tool.postsql.json_results]            # query.column -> pydantic model or annotation
    "get_profile.settings" = "myapp.json.Preferences"

    [tool.postsql.backup]                  # read by postsql.ops.backup_policy
    directory = "backups"
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from postsql.codegen.ir import PyType
from postsql.errors import ConfigurationError

__all__ = [
    "CONFIG_FILES",
    "ProjectConfig",
    "find_project",
    "load_config",
    "parse_annotation",
    "project_imports",
]

CONFIG_FILES = ("pyproject.toml", "postsql.toml")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_ALLOWED = re.compile(r"^[\w\s\[\],|.]+$")
_SEEDER = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")
_KNOWN_KEYS = {
    "migrations",
    "schema",
    "queries",
    "out",
    "package",
    "schema_dump",
    "seeds",
    "seeder",
    "roles",
    "require_database_url",
    "json_columns",
    "json_results",
    "backup",
}


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """One project's settings, every path absolute.

    ``config_file`` is ``None`` when no config was found: every key then has its default, relative
    to ``root`` (the working directory).
    """

    root: Path
    config_file: Path | None = None
    migrations: Path | None = None
    schema: tuple[Path, ...] = ()
    queries: tuple[Path, ...] = ()
    out: Path = Path("src/db")
    package: str | None = None
    schema_dump: Path | None = None
    seeds: tuple[Path, ...] = ()
    seeder: str | None = None
    roles: Path | None = None
    require_database_url: bool = False
    json_columns: Mapping[str, str] = field(default_factory=dict)
    json_results: Mapping[str, str] = field(default_factory=dict)
    backup: Mapping[str, object] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """How messages name the config: ``pyproject.toml [tool.postsql]`` or ``postsql.toml``."""
        if self.config_file is None:
            return f"[tool.postsql] in {self.root / 'pyproject.toml'} (not present)"
        if self.config_file.name == "pyproject.toml":
            return f"[tool.postsql] in {self.config_file}"
        return str(self.config_file)

    @property
    def generated_package(self) -> str:
        """The import path of ``out``: ``package``, else derived from the path (``src/myapp/db``
        → ``myapp.db``)."""
        if self.package is not None:
            return self.package
        try:
            parts = list(self.out.resolve().relative_to(self.root.resolve()).parts)
        except ValueError:
            raise ConfigurationError(
                f"{self.where}: out = {str(self.out)!r} is outside the project; set package to "
                "its import path"
            ) from None
        if parts and parts[0] == "src":
            parts = parts[1:]
        if not parts or not all(p.isidentifier() for p in parts):
            raise ConfigurationError(
                f"{self.where}: out = {str(self.out)!r} is not an importable package path; set "
                "package to its import path"
            )
        return ".".join(parts)

    @property
    def source_root(self) -> Path:
        """The directory from which ``generated_package`` imports (``src`` for ``src/myapp/db``)."""
        depth = self.generated_package.count(".") + 1
        return self.out.resolve().parents[depth - 1]


def _read_table(file: Path) -> dict[str, object] | None:
    """The config table of ``file``; ``None`` for a pyproject.toml without ``[tool.postsql]``."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{file}: {exc}") from exc
    except OSError as exc:
        raise ConfigurationError(f"{file}: {exc.strerror or exc}") from exc
    if file.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("postsql") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigurationError(f"{file}: [tool.postsql] must be a table")
    return table


def find_project(start: Path | None = None) -> ProjectConfig:
    """The config of the project holding ``start`` (default: the working directory).

    The nearest directory at or above ``start`` with a ``postsql.toml``, or a ``pyproject.toml``
    that has a ``[tool.postsql]`` table, is the project root. With none, ``start`` is the root and
    every key has its default.
    """
    here = (start or Path.cwd()).resolve()
    if here.is_file():
        return load_config(here.parent, file=here)
    for directory in (here, *here.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and _read_table(candidate) is not None:
                return load_config(directory, file=candidate)
    return load_config(here, file=None)


def load_config(root: Path, *, file: Path | bool | None = True) -> ProjectConfig:
    """Read the config of the project at ``root`` (all keys optional).

    ``file``: the config file to read; ``True`` (the default) reads ``root/pyproject.toml``'s
    ``[tool.postsql]`` else ``root/postsql.toml``; ``None`` reads nothing (all defaults).
    """
    root = root.resolve()
    config_file: Path | None = None
    table: dict[str, object] = {}
    if file is True:
        for name in CONFIG_FILES:
            candidate = root / name
            if candidate.is_file() and (found := _read_table(candidate)) is not None:
                config_file, table = candidate, found
                break
    elif isinstance(file, Path):
        found = _read_table(file)
        if found is None:
            raise ConfigurationError(f"{file}: no [tool.postsql] table")
        config_file, table = file.resolve(), found
    where = (
        "[tool.postsql]"
        if config_file is None or config_file.name == "pyproject.toml"
        else config_file.name
    )
    label = f"{config_file}: {where}" if config_file is not None else where
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigurationError(f"{label}: unknown keys {unknown}; known: {sorted(_KNOWN_KEYS)}")

    def text(key: str, default: str | None) -> str | None:
        value = table.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ConfigurationError(f"{label} {key} must be a string")
        return value

    def path(key: str, default: str | None) -> Path | None:
        value = text(key, default)
        return root / value if value else None

    def paths(key: str, default: list[str]) -> tuple[Path, ...]:
        value = table.get(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{label} {key} must be a list of paths")
        return tuple(root / v for v in value)

    def mapping(key: str) -> dict[str, str]:
        value = table.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigurationError(f"{label}.{key} maps strings to strings")
        for k, v in value.items():
            if k.count(".") != 1:
                raise ConfigurationError(f"{label}.{key} key {k!r} must be NAME.COLUMN")
            parse_annotation(v, where=f"{label}.{key} {k}")
        return dict(value)

    seeder = text("seeder", None)
    if seeder is not None and not _SEEDER.match(seeder):
        raise ConfigurationError(
            f"{label} seeder = {seeder!r} must be MODULE:FUNCTION (e.g. 'myapp.seed:run')"
        )
    package = text("package", None)
    if package is not None and not all(p.isidentifier() for p in package.split(".")):
        raise ConfigurationError(f"{label} package = {package!r} is not an import path")
    require = table.get("require_database_url", False)
    if not isinstance(require, bool):
        raise ConfigurationError(f"{label} require_database_url must be true or false")
    backup = table.get("backup", {})
    if not isinstance(backup, dict):
        raise ConfigurationError(f"{label}.backup must be a table")
    schema = paths("schema", [])
    return ProjectConfig(
        root=root,
        config_file=config_file,
        migrations=None if schema else path("migrations", "sql/migrations"),
        schema=schema,
        queries=paths("queries", ["sql/queries"]),
        out=path("out", "src/db") or root / "src/db",
        package=package,
        schema_dump=None if schema else path("schema_dump", "sql/schema.sql"),
        seeds=paths("seeds", []),
        seeder=seeder,
        roles=path("roles", None),
        require_database_url=require,
        json_columns=mapping("json_columns"),
        json_results=mapping("json_results"),
        backup=backup,
    )


@contextmanager
def project_imports(config: ProjectConfig) -> Iterator[None]:
    """Make the project's own modules importable (its generated package, its seeder).

    A command run from a checkout imports the project's code from its source root without
    installing it; an installed project imports as usual.
    """
    source = str(config.source_root)
    added = source not in sys.path
    if added:
        sys.path.insert(0, source)
    try:
        yield
    finally:
        if added:
            sys.path.remove(source)


def parse_annotation(text: str, *, where: str) -> PyType:
    """An annotation whose class names are import paths: ``list[pkg.mod.Model] | None``.

    Every dotted name becomes an import (``from pkg.mod import Model``) and its last part.
    """
    if not _ALLOWED.match(text) or not _DOTTED.search(text):
        raise ConfigurationError(
            f"{where}: {text!r} is not an annotation naming a model by import path "
            "(e.g. mypkg.models.Preferences or list[mypkg.models.Tag])"
        )
    imports: set[tuple[str, str]] = set()

    def replace(match: re.Match[str]) -> str:
        module, _, name = match.group(0).rpartition(".")
        imports.add((module, name))
        return name

    return PyType(_DOTTED.sub(replace, text).strip(), frozenset(imports))
