"""Helpers for codegen tests: generate a case directory against a server."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from postsql.codegen.cli import Generated, generate
from postsql.codegen.config import load_config

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"


async def generate_case(case: Path, admin_url: str, *, format_output: bool = True) -> Generated:
    """Generate ``case`` (schema.sql + queries/, optional pyproject.toml) into memory."""
    config = replace(
        load_config(case),
        migrations=None,
        schema=(case / "schema.sql",),
        queries=(case / "queries",),
        out=ROOT / "src" / "expected",
    )
    return await generate(config, admin_url=admin_url, format_output=format_output, root=ROOT)
