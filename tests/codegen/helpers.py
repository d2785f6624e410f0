"""Helpers for codegen tests: generate a case directory against a server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from postsql.codegen.cli import Generated, generate
from postsql.project import load_config

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"


async def generate_case(
    case: Path, admin_url: str, *, format_output: bool = True, package: str = "expected"
) -> Generated:
    """Generate ``case`` (schema.sql + queries/, optional pyproject.toml) into memory, as the
    package ``package``."""
    config = replace(
        load_config(case),
        migrations=None,
        schema=(case / "schema.sql",),
        queries=(case / "queries",),
        out=ROOT / "src" / package,
        package=package,
    )
    return await generate(config, admin_url=admin_url, format_output=format_output, root=ROOT)


def write_package(generated: Generated, directory: Path, package: str = "expected") -> Path:
    """Write ``generated`` as the package ``directory/package`` (import it with ``directory`` on
    ``sys.path``: the ``importable_dir`` fixture); returns the package's path."""
    for rel, text in generated.files.items():
        target = directory / package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return directory / package
