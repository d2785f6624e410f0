"""postsql as a new user meets it: built as a wheel, installed into a fresh virtualenv, used in an
empty directory for a project that is not the blog.

One test walks the README's "Using postsql in your own project" path end to end: install the
runtime (its size is measured), add the dev extra, ``postsql init``, a migration and two queries
of a small library domain, ``migrate``, ``codegen``, a script calling the generated functions, the
project's tests through the pytest plugin, and ``mypy --strict`` and ``pyright`` strict over the
project. Nothing printed along the way may mention the blog, ``make`` or this repository's path.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from postsql.testing import TestServer

ROOT = Path(__file__).resolve().parents[2]

# The runtime install (what a service deploys) must stay small; README states both sizes.
RUNTIME_LIMIT_MB = 70

MIGRATION = """\
-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TYPE loan_state AS ENUM ('OUT', 'RETURNED', 'LOST');

CREATE TABLE books (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    isbn text NOT NULL UNIQUE CHECK (isbn ~ '^[0-9-]+$'),
    title text NOT NULL CHECK (title <> ''),
    details jsonb NOT NULL DEFAULT '{}',
    withdrawn_at timestamptz
);

CREATE TABLE loans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id bigint NOT NULL REFERENCES books (id),
    borrower text NOT NULL,
    state loan_state NOT NULL DEFAULT 'OUT',
    due_on date
);

CREATE INDEX loans_book_id_idx ON loans (book_id);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE loans;
DROP TABLE books;
DROP TYPE loan_state;
"""

QUERIES = """\
-- name: add_book(isbn, title)<!
-- Adds a book.
INSERT INTO books (isbn, title) VALUES (:isbn, :title)
RETURNING id, isbn, title, withdrawn_at;

-- name: lend_book(book_id, borrower)<!
-- Lends a book; the loan's due date is left unset.
INSERT INTO loans (book_id, borrower) VALUES (:book_id, :borrower)
RETURNING id, state, due_on;

-- name: loans_of(borrower)
-- Returns a borrower's loans with their books' titles.
SELECT
    l.id,
    b.title,
    l.state,
    l.due_on
FROM loans AS l
INNER JOIN books AS b ON l.book_id = b.id
WHERE l.borrower = :borrower
ORDER BY l.id;
"""

SCRIPT = """\
import asyncio
import os

from postsql import Database

from library.db.models import LoanState
from library.db.queries import books


async def main() -> None:
    async with Database(url=os.environ["LIBRARY_URL"], generated_package="library.db") as db:
        book = await books.add_book(db, isbn="978-0", title="Dune")
        loan = await books.lend_book(db, book_id=book.id, borrower="ada")
        assert loan.state is LoanState.OUT and loan.due_on is None
        rows = await books.loans_of(db, borrower="ada")
        print("loans:", [(row.title, row.state.value) for row in rows])


asyncio.run(main())
"""

PROJECT_TEST = """\
from postsql import Database

from library.db.queries import books


async def test_a_lent_book_is_listed(postsql_db: Database) -> None:
    book = await books.add_book(postsql_db, isbn="1", title="Emma")
    await books.lend_book(postsql_db, book_id=book.id, borrower="bo")
    assert [row.title for row in await books.loans_of(postsql_db, borrower="bo")] == ["Emma"]
"""


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], transcript: list[str]
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    shown = " ".join(Path(c).name if c.startswith("/") else c for c in cmd)
    transcript.append(f"$ {shown}\n{result.stdout}{result.stderr}")
    assert result.returncode == 0, f"{shown} failed:\n{result.stdout}\n{result.stderr}"
    return result


def _site_packages_mb(venv: Path) -> float:
    site = next((venv / "lib").glob("python3*/site-packages"))
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file() and not f.is_symlink())
    return total / 1_000_000


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary directory others may traverse: as root, the embedded server runs as its own
    user, who must reach the venv's binaries and the project (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="postsql-installed-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.installs
def test_a_new_project_installs_generates_runs_tests_and_type_checks(
    open_tmp: Path, test_pg: TestServer
) -> None:
    tmp_path = open_tmp
    transcript: list[str] = []
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DIRECT_DATABASE_URL", "POSTSQL_ENV", "PYTHONPATH"}
        and not k.startswith(("POSTSQL_", "PYTEST_", "VIRTUAL_ENV"))
    }
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        tmp_path,
        env,
        transcript,
    )
    (wheel,) = wheels.glob("postsql-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("blog/")], "the example ships in the wheel"
    assert "postsql/sql/queries/monitoring.sql" in names
    assert "postsql/py.typed" in names
    assert {"postsql/lint/sqlfluff.cfg", "postsql/lint/squawk.toml"} <= set(names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, env, transcript)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, str(wheel)], tmp_path, env, transcript)
    runtime_mb = _site_packages_mb(venv)
    assert runtime_mb <= RUNTIME_LIMIT_MB, f"runtime install is {runtime_mb:.0f} MB"
    # A tooling command on the runtime install says which extra to add.
    slim = subprocess.run(
        [str(venv / "bin" / "postsql"), "codegen"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert slim.returncode != 0
    assert "postsql[dev]" in slim.stderr, slim.stderr

    extras = ["pytest>=8", "pytest-asyncio>=0.24", "mypy>=1.11", "pyright>=1.1.380"]
    _run([*pip, f"{wheel}[dev]", *extras], tmp_path, env, transcript)
    dev_mb = _site_packages_mb(venv)
    transcript.append(f"sizes: runtime {runtime_mb:.0f} MB, with dev {dev_mb:.0f} MB")

    project = tmp_path / "library"
    project.mkdir()
    env = {
        **env,
        "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        "POSTSQL_HOME": str(project / ".postsql"),
        "TEST_DATABASE_URL": test_pg.admin_url,
    }
    postsql = str(venv / "bin" / "postsql")
    try:
        init = _run([postsql, "init", "--package", "library"], project, env, transcript)
        assert "postsql migrate" in init.stdout
        assert "postsql codegen" in init.stdout
        again = _run([postsql, "init", "--package", "library"], project, env, transcript)
        assert "created" not in again.stdout  # idempotent: nothing overwritten
        (project / "sql" / "migrations" / "20270101000000_create_books_loans.sql").write_text(
            MIGRATION
        )
        (project / "sql" / "queries" / "books.sql").write_text(QUERIES)
        # From a subdirectory, as git works: the project is found upwards.
        _run([postsql, "migrate", "--create"], project / "sql", env, transcript)
        status = subprocess.run(
            [postsql, "status", "--exit-code"], cwd=project, env=env, capture_output=True, text=True
        )
        assert status.returncode == 0, status.stdout + status.stderr
        _run([postsql, "codegen"], project, env, transcript)
        _run([postsql, "codegen", "--check"], project, env, transcript)
        # What init's CI workflow runs, with the settings the wheel ships.
        check = _run([postsql, "check"], project, env, transcript)
        assert "OK (sqlfluff, squawk, soft-delete, codegen)" in check.stderr, check.stderr
        assert (project / ".github" / "workflows" / "postsql.yml").is_file()
        url = _run([postsql, "db", "url"], project, env, transcript).stdout.strip()
        (project / "run.py").write_text(SCRIPT)
        script = _run(
            [str(venv / "bin" / "python"), "run.py"],
            project,
            {**env, "LIBRARY_URL": url, "PYTHONPATH": str(project / "src")},
            transcript,
        )
        assert "loans: [('Dune', 'OUT')]" in script.stdout
        (project / "tests" / "test_books.py").write_text(PROJECT_TEST)
        tests = _run(
            [str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            project,
            env,
            transcript,
        )
        assert re.search(r"\b2 passed\b", tests.stdout), tests.stdout
        _run(
            [str(venv / "bin" / "mypy"), "--strict", "src", "tests", "run.py"],
            project,
            {**env, "MYPYPATH": str(project / "src")},
            transcript,
        )
        (project / "pyrightconfig.json").write_text(
            '{"typeCheckingMode": "strict", "extraPaths": ["src"], "include": ["src", "tests"]}'
        )
        _run([str(venv / "bin" / "pyright")], project, env, transcript)
    finally:
        subprocess.run([postsql, "db", "stop"], cwd=project, env=env, capture_output=True)
    output = "\n".join(transcript)
    for word in ("blog", "make ", "Makefile", str(ROOT)):
        assert word not in output, f"{word!r} appears in what the user saw:\n{output}"
