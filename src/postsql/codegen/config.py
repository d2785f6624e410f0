"""Codegen settings: the ``[tool.postsql]`` table of ``pyproject.toml``, then command-line flags.

Example ``pyproject.toml``::

    [tool.postsql]
    migrations = "sql/migrations"
    queries = ["sql/queries"]
    out = "src/postsql/generated"

    [tool.postsql.json_columns]          # table.column -> pydantic model (import path)
    "user_profiles.preferences" = "postsql.models_json.UserPreferences"

    [tool.postsql.json_results]          # query.column -> pydantic model or annotation
    "get_profile.settings" = "postsql.models_json.UserPreferences"
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from postsql.codegen.ir import PyType
from postsql.errors import ConfigurationError

__all__ = ["CodegenConfig", "load_config", "parse_annotation"]

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_ALLOWED = re.compile(r"^[\w\s\[\],|.]+$")
# "backup" is read by postsql.backup (retention, schedule, directory), not by codegen.
_KNOWN_KEYS = {
    "migrations",
    "schema",
    "queries",
    "out",
    "json_columns",
    "json_results",
    "backup",
}


@dataclass(frozen=True, slots=True)
class CodegenConfig:
    """Where things are and which JSON columns decode into which models."""

    root: Path
    migrations: Path | None = None
    schema: tuple[Path, ...] = ()
    queries: tuple[Path, ...] = ()
    out: Path = Path("src/postsql/generated")
    json_columns: Mapping[str, str] = field(default_factory=dict)
    json_results: Mapping[str, str] = field(default_factory=dict)


def load_config(root: Path) -> CodegenConfig:
    """Read ``root/pyproject.toml``'s ``[tool.postsql]`` (all keys optional)."""
    pyproject = root / "pyproject.toml"
    table: dict[str, object] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigurationError(f"{pyproject}: {exc}") from exc
        table = data.get("tool", {}).get("postsql", {})
    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        raise ConfigurationError(
            f"{pyproject}: unknown [tool.postsql] keys {unknown}; known: {sorted(_KNOWN_KEYS)}"
        )

    def path(key: str, default: str | None) -> Path | None:
        value = table.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigurationError(f"{pyproject}: [tool.postsql] {key} must be a string")
        return root / value

    def paths(key: str, default: list[str]) -> tuple[Path, ...]:
        value = table.get(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigurationError(f"{pyproject}: [tool.postsql] {key} must be a list of paths")
        return tuple(root / v for v in value)

    def mapping(key: str) -> dict[str, str]:
        value = table.get(key, {})
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigurationError(f"{pyproject}: [tool.postsql.{key}] maps strings to strings")
        for k, v in value.items():
            if k.count(".") != 1:
                raise ConfigurationError(
                    f"{pyproject}: [tool.postsql.{key}] key {k!r} must be NAME.COLUMN"
                )
            parse_annotation(v, where=f"{pyproject}: [tool.postsql.{key}] {k}")
        return dict(value)

    schema = paths("schema", [])
    return CodegenConfig(
        root=root,
        migrations=None if schema else path("migrations", "sql/migrations"),
        schema=schema,
        queries=paths("queries", ["sql/queries"]),
        out=path("out", "src/postsql/generated") or root / "src/postsql/generated",
        json_columns=mapping("json_columns"),
        json_results=mapping("json_results"),
    )


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
