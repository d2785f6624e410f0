"""``postsql init``: scaffold a project in the working directory.

Writes the ``[tool.postsql]`` config (into ``pyproject.toml``, appended when the file exists
without one; else a new ``pyproject.toml``), ``sql/migrations/`` with a first migration,
``sql/queries/`` with a first query, the package the generated code goes into, a test that uses
the pytest plugin, a GitHub Actions workflow that runs ``postsql check`` and the tests, and the
``.gitignore`` lines. Nothing that exists is overwritten: a second run writes only what is missing
and says so. Prints the next three commands.

Example::

    mkdir shop && cd shop && postsql init --package shop
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postsql.errors import ConfigurationError

__all__ = ["WORKFLOW_PATH", "register", "scaffold"]

_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")

_FIRST_MIGRATION = """-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE items;
"""

_FIRST_QUERIES = """-- name: add_item(name)<!
-- Adds an item and returns it.
INSERT INTO items (name) VALUES (:name)
RETURNING id, name, created_at;

-- name: list_items(limit)
-- Returns the newest items first, at most :limit.
SELECT
    i.id,
    i.name,
    i.created_at
FROM items AS i
ORDER BY i.created_at DESC, i.id DESC
LIMIT :limit;
"""

_TEST = '''"""The first test: runs on a fresh, migrated database (postsql's pytest plugin)."""

from postsql import Database

from {package}.db.queries import items


async def test_an_added_item_is_listed(postsql_db: Database) -> None:
    added = await items.add_item(postsql_db, name="first")
    assert [row.name for row in await items.list_items(postsql_db, limit=10)] == [added.name]
'''

_WORKFLOW = """\
# Written by postsql init: the database layer's CI. postsql check lints the SQL (sqlfluff), checks
# the migrations (squawk), the soft-delete filters and that the generated code is up to date; then
# the tests run. Nothing to start: codegen and the tests use postsql's embedded PostgreSQL.
name: postsql

on:
  push:
  pull_request:

jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install the project with postsql's development tooling
        run: pip install -e . 'postsql[dev]' pytest pytest-asyncio
      - name: postsql check
        run: postsql check
      - name: Tests
        run: pytest
"""

WORKFLOW_PATH = ".github/workflows/postsql.yml"
_GITIGNORE = (".postsql/", "__pycache__/", ".venv/")


def _config(package: str) -> str:
    return f"""
[tool.postsql]
migrations = "sql/migrations"
queries = ["sql/queries"]
out = "src/{package}/db"
schema_dump = "sql/schema.sql"
"""


def _pyproject(package: str) -> str:
    return f"""[project]
name = "{package.replace("_", "-")}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["postsql"]

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
where = ["src"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "session"
asyncio_default_test_loop_scope = "session"
pythonpath = ["src"]
{_config(package)}"""


def scaffold(root: Path, package: str) -> list[str]:
    """Write the project's files under ``root``; returns one line per file written or kept."""
    if not _PACKAGE.match(package):
        raise ConfigurationError(
            f"--package {package!r} is not a Python package name (lower case letters, digits, _)"
        )
    lines: list[str] = []

    def write(rel: str, text: str) -> None:
        path = root / rel
        if path.exists():
            lines.append(f"kept     {rel} (exists)")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines.append(f"created  {rel}")

    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        write("pyproject.toml", _pyproject(package))
    elif "[tool.postsql]" in pyproject.read_text(encoding="utf-8"):
        lines.append("kept     pyproject.toml ([tool.postsql] exists)")
    else:
        with pyproject.open("a", encoding="utf-8") as fh:
            fh.write(_config(package))
        lines.append("updated  pyproject.toml (added [tool.postsql])")
    if not any((root / "sql" / "migrations").glob("*.sql")):
        write("sql/migrations/00000000000001_create_items.sql", _FIRST_MIGRATION)
    else:
        lines.append("kept     sql/migrations/ (has migrations)")
    if not any((root / "sql" / "queries").glob("*.sql")):
        write("sql/queries/items.sql", _FIRST_QUERIES)
    else:
        lines.append("kept     sql/queries/ (has queries)")
    write(f"src/{package}/__init__.py", "")
    write(f"tests/test_{package}_items.py", _TEST.format(package=package))
    write(WORKFLOW_PATH, _WORKFLOW)
    gitignore = root / ".gitignore"
    present = gitignore.read_text(encoding="utf-8").splitlines() if gitignore.exists() else []
    missing = [line for line in _GITIGNORE if line not in present]
    if missing:
        with gitignore.open("a", encoding="utf-8") as fh:
            if present and present[-1] != "":
                fh.write("\n")
            fh.write("".join(f"{line}\n" for line in missing))
        lines.append(f"updated  .gitignore ({', '.join(missing)})")
    return lines


def _cmd_init(args: argparse.Namespace) -> int:
    root = Path.cwd()
    package = args.package or re.sub(r"\W", "_", root.name.lower()).lstrip("0123456789") or "app"
    for line in scaffold(root, package):
        print(line)
    print(
        "\nnext:\n"
        "  postsql migrate --create   # apply sql/migrations (the embedded PostgreSQL in dev)\n"
        f"  postsql codegen            # write src/{package}/db from the schema and queries\n"
        "  pytest                     # run tests/ on a fresh migrated database per test\n"
        f"CI: {WORKFLOW_PATH} runs postsql check (lint, migrations, generated code) and the tests"
    )
    return 0


def register(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add ``postsql init`` to the command's subparsers."""
    parser = command(
        sub,
        "init",
        _cmd_init,
        "scaffold a project here: [tool.postsql] config, a first migration and query, a test "
        "using the pytest plugin, a CI workflow running postsql check and the tests, .gitignore "
        "lines; never overwrites",
        "postsql init --package shop",
    )
    parser.add_argument(
        "--package",
        help="the Python package of the project (default: from the directory's name)",
    )
