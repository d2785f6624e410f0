"""``postsql check`` in a project made by ``postsql init`` (``scaffold``) in a temporary directory.

The checks without a server (sqlfluff, squawk, soft delete) run directly; the codegen freshness
check creates its scratch database on the test server (``--database-url``).
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with sqlfluff and ships no types

from postsql.cli.init import WORKFLOW_PATH, scaffold
from postsql.cli.main import main
from postsql.errors import CodegenError, ConfigurationError
from postsql.ops.check import Finding, run_checks, sql_files
from postsql.project import load_config
from postsql.testing import TestServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "notebook"
NO_SERVER = ("codegen",)

ADD_SKU = """\
-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE items ADD COLUMN sku text NOT NULL;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore ban-drop-column
ALTER TABLE items DROP COLUMN sku;
"""

CREATE_NOTES = """\
-- migrate:up
CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body text NOT NULL,
    deleted_at timestamptz
);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE notes;
"""

NOTES_QUERIES = """\
-- name: list_notes()
-- Every note, newest first.
SELECT
    n.id,
    n.body
FROM notes AS n
ORDER BY n.id DESC;

-- name: count_notes()$
-- How many live notes there are.
select count(*) FROM notes AS n
WHERE n.deleted_at IS NULL;
"""


def line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` that starts with ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(text))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    scaffold(tmp_path, PACKAGE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("POSTSQL_HOME", str(tmp_path / ".postsql"))
    for name in ("DATABASE_URL", "DIRECT_DATABASE_URL", "POSTSQL_ENV"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def add_problems(root: Path) -> dict[str, Path]:
    """A NOT NULL column without a default on the existing items table, a soft-deletable table, a
    query file with a lowercase keyword and an unfiltered read of that table."""
    migrations = root / "sql" / "migrations"
    sku = migrations / "00000000000002_add_item_sku.sql"
    sku.write_text(ADD_SKU, encoding="utf-8")
    (migrations / "00000000000003_create_notes.sql").write_text(CREATE_NOTES, encoding="utf-8")
    notes = root / "sql" / "queries" / "notes.sql"
    notes.write_text(NOTES_QUERIES, encoding="utf-8")
    return {"sku": sku, "notes": notes}


def findings(root: Path, *, skip: tuple[str, ...] = NO_SERVER, **kw: Any) -> set[tuple[str, ...]]:
    result = run_checks(load_config(root), skip=skip, **kw)
    return {(f.file, str(f.line), f.rule) for f in result.findings}


# -- without a server ----------------------------------------------------------------------------


def test_a_project_fresh_from_init_has_no_lint_squawk_or_soft_delete_findings(
    project: Path,
) -> None:
    # aiosql's :name parameters and -- name: headers, dbmate's -- migrate: lines: all understood.
    assert [p.relative_to(project).as_posix() for p in sql_files(load_config(project))] == [
        "sql/queries/items.sql",
        "sql/migrations/00000000000001_create_items.sql",
    ]
    assert findings(project) == set()


def test_lint_migration_and_soft_delete_problems_are_each_reported_at_their_line(
    project: Path,
) -> None:
    files = add_problems(project)
    assert findings(project) == {
        (
            "sql/queries/notes.sql",
            str(line_of(files["notes"], "select count(*)")),
            "sqlfluff/CP01",
        ),
        (
            "sql/migrations/00000000000002_add_item_sku.sql",
            str(line_of(files["sku"], "ALTER TABLE items ADD COLUMN")),
            "squawk/adding-required-field",
        ),
        (
            "sql/queries/notes.sql",
            str(line_of(files["notes"], "FROM notes AS n")),
            "postsql/soft-delete",
        ),
    }


def test_the_command_prints_file_line_rule_message_and_exits_1(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_problems(project)
    assert main(["check", "--skip", "codegen"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.match(r"^sql/[\w/.]+\.sql:\d+: (sqlfluff|squawk|postsql)/[\w-]+: \S", line), line
    assert "soft-deletable table notes without n.deleted_at IS NULL" in captured.out
    assert "3 finding(s) (sqlfluff, squawk, soft-delete)" in captured.err


def test_json_output_has_the_same_findings_as_data(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_problems(project)
    assert main(["check", "--skip", "codegen", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["checks"] == ["sqlfluff", "squawk", "soft-delete"]
    assert data["fixed"] == []
    assert {tuple(f) for f in data["findings"]} == {("file", "line", "rule", "message")}
    printed = {str(Finding(**f)) for f in data["findings"]}
    expected = run_checks(load_config(project), skip=NO_SERVER).findings
    assert printed == {str(f) for f in expected}


def test_a_clean_project_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--skip", "codegen"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "OK (sqlfluff, squawk, soft-delete)" in captured.err


def test_the_projects_own_sqlfluff_settings_win_key_by_key(project: Path) -> None:
    # postsql's settings want UPPER keywords; the project's own .sqlfluff says lower.
    (project / ".sqlfluff").write_text(
        "[sqlfluff:rules:capitalisation.keywords]\ncapitalisation_policy = lower\n"
    )
    found = findings(project, skip=("squawk", "soft-delete", "codegen"))
    assert ("sql/queries/items.sql", "3", "sqlfluff/CP01") in found  # INSERT INTO ... VALUES
    # The other settings are still postsql's: the dialect (postgres parses :name) and the rest.
    assert not {f for f in found if f[2] in ("sqlfluff/PRS", "sqlfluff/TMP")}
    (project / ".sqlfluff").unlink()
    # A config nearer the file wins over the root's, as sqlfluff itself reads them.
    (project / ".sqlfluff").write_text("[sqlfluff]\nmax_line_length = 20\n")
    (project / "sql" / "queries" / ".sqlfluff").write_text("[sqlfluff]\nmax_line_length = 200\n")
    found = findings(project, skip=("squawk", "soft-delete", "codegen"))
    rules = {(file, rule) for file, _, rule in found}
    assert ("sql/migrations/00000000000001_create_items.sql", "sqlfluff/LT05") in rules
    assert ("sql/queries/items.sql", "sqlfluff/LT05") not in rules


def test_files_a_sqlfluffignore_names_are_not_linted(project: Path) -> None:
    queries = project / "sql" / "queries"
    (queries / "legacy").mkdir()
    (queries / "legacy" / "old.sql").write_text("-- name: old()$\nselect 1;\n", encoding="utf-8")
    only_sqlfluff = ("squawk", "soft-delete", "codegen")
    assert findings(project, skip=only_sqlfluff) == {
        ("sql/queries/legacy/old.sql", "2", "sqlfluff/CP01")
    }
    (queries / ".sqlfluffignore").write_text("# written before the lint\nlegacy/\n")
    assert findings(project, skip=only_sqlfluff) == set()


def test_the_projects_own_squawk_toml_replaces_postsqls(project: Path) -> None:
    add_problems(project)
    only_squawk = ("sqlfluff", "soft-delete", "codegen")
    assert {f[2] for f in findings(project, skip=only_squawk)} == {"squawk/adding-required-field"}
    (project / ".squawk.toml").write_text(
        'assume_in_transaction = true\nexcluded_rules = ["adding-required-field"]\n'
    )
    # Its own file replaces postsql's as a whole: the down halves' DROP TABLE is flagged again.
    assert {f[2] for f in findings(project, skip=only_squawk)} == {"squawk/ban-drop-table"}


def test_fix_writes_sqlfluffs_fixes_and_reports_what_remains(project: Path) -> None:
    query = project / "sql" / "queries" / "lower.sql"
    long_comment = "-- " + "a long comment " * 7
    query.write_text(f"-- name: one()$\n{long_comment}\nselect 1;\n", encoding="utf-8")
    result = run_checks(load_config(project), skip=("squawk", "soft-delete", "codegen"), fix=True)
    assert result.fixed == ("sql/queries/lower.sql",)
    assert query.read_text(encoding="utf-8") == f"-- name: one()$\n{long_comment}\nSELECT 1;\n"
    assert [(f.file, f.line, f.rule) for f in result.findings] == [
        ("sql/queries/lower.sql", 2, "sqlfluff/LT05")  # sqlfluff does not rewrap comments
    ]


def test_soft_delete_reads_the_schema_dump_when_there_is_one(project: Path) -> None:
    # The migrations have no deleted_at column; the dump (the migrated truth) has one.
    (project / "sql" / "schema.sql").write_text(
        "CREATE TABLE public.items (id bigint NOT NULL, name text NOT NULL, "
        "created_at timestamptz NOT NULL, deleted_at timestamptz);\n",
        encoding="utf-8",
    )
    only_soft_delete = ("sqlfluff", "squawk", "codegen")
    queries = project / "sql" / "queries" / "items.sql"
    assert findings(project, skip=only_soft_delete) == {
        ("sql/queries/items.sql", str(line_of(queries, "FROM items AS i")), "postsql/soft-delete"),
    }
    # The dump itself is pg_dump output: never linted, even among the query files.
    (project / "sql" / "schema.sql").rename(project / "sql" / "queries" / "schema.sql")
    dump = project / "sql" / "queries" / "schema.sql"
    assert dump not in sql_files(replace(load_config(project), schema_dump=dump))
    assert dump in sql_files(replace(load_config(project), schema_dump=None))


def test_codegen_check_without_a_server_url_says_what_to_pass(project: Path) -> None:
    with pytest.raises(ConfigurationError, match="--database-url"):
        run_checks(load_config(project))


def test_missing_squawk_says_which_extra_brings_it(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(project / "no-venv" / "python"))
    monkeypatch.setenv("PATH", str(project / "empty"))
    with pytest.raises(ConfigurationError, match=r"pip install 'postsql\[dev\]'"):
        run_checks(load_config(project), skip=("sqlfluff", "soft-delete", "codegen"))


def test_the_shipped_settings_are_package_data_of_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["postsql"]
    package = ROOT / "src" / "postsql"
    shipped = sorted(p.relative_to(package).as_posix() for p in (package / "lint").iterdir())
    assert shipped == ["lint/sqlfluff.cfg", "lint/squawk.toml"]
    for name in shipped:
        assert any(fnmatch.fnmatch(name, p) for p in patterns), name


# -- init's CI workflow --------------------------------------------------------------------------


def test_init_writes_a_ci_workflow_that_runs_postsql_check_and_the_tests(project: Path) -> None:
    workflow = yaml.safe_load((project / WORKFLOW_PATH).read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    assert "services" not in job  # nothing to start: the embedded server
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert "postsql[dev]" in runs[0]
    assert runs[0].startswith("pip install -e . ")
    assert runs[1:] == ["postsql check", "pytest"]
    assert set(workflow[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True


def test_the_readme_shows_the_workflow_init_writes(project: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    written = (project / WORKFLOW_PATH).read_text(encoding="utf-8")
    assert f"```yaml\n{written}```" in readme


# -- with a server: codegen freshness --------------------------------------------------------------


def test_every_problem_including_a_stale_package_comes_from_one_check_run(
    project: Path, test_pg: TestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = test_pg.admin_url
    assert main(["codegen", "--database-url", url]) == 0
    assert main(["check", "--database-url", url]) == 0, capsys.readouterr()
    assert "OK (sqlfluff, squawk, soft-delete, codegen)" in capsys.readouterr().err

    add_problems(project)
    assert main(["check", "--database-url", url, "--json"]) == 1
    found = [Finding(**f) for f in json.loads(capsys.readouterr().out)["findings"]]
    assert {f.rule for f in found} == {
        "sqlfluff/CP01",
        "squawk/adding-required-field",
        "postsql/soft-delete",
        "postsql/codegen-stale",
    }
    stale = {(f.file, f.line, f.message) for f in found if f.rule == "postsql/codegen-stale"}
    package = f"src/{PACKAGE}/db"
    assert (f"{package}/queries/notes.py", 1, "not generated yet; run postsql codegen") in stale
    assert (
        f"{package}/models.py",
        1,
        "stale: not what the queries and schema generate now; run postsql codegen",
    ) in stale

    # Regenerated, the package is fresh again and the other three findings remain.
    assert main(["codegen", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["check", "--database-url", url, "--json"]) == 1
    after = [Finding(**f) for f in json.loads(capsys.readouterr().out)["findings"]]
    assert after == [f for f in found if f.rule != "postsql/codegen-stale"]

    # A generated file whose query is gone is stale too.
    (project / "sql" / "queries" / "notes.sql").unlink()
    result = run_checks(load_config(project), skip=("sqlfluff", "squawk"), admin_url=url)
    assert (f"{package}/queries/notes.py", 1, "postsql/codegen-stale") in {
        (f.file, f.line, f.rule) for f in result.findings
    }


def test_a_query_the_server_rejects_is_reported_at_its_line(
    project: Path, test_pg: TestServer
) -> None:
    queries = project / "sql" / "queries" / "broken.sql"
    queries.write_text(
        "-- name: broken()\n-- Reads a column that does not exist.\n"
        "SELECT i.nope\nFROM items AS i;\n",
        encoding="utf-8",
    )
    result = run_checks(
        load_config(project),
        skip=("sqlfluff", "squawk", "soft-delete"),
        admin_url=test_pg.admin_url,
    )
    codegen = [f for f in result.findings if f.rule == "postsql/codegen"]
    assert codegen, result.findings
    assert [(f.file, f.line) for f in codegen] == [("sql/queries/broken.sql", 3)]
    assert codegen[0].message.startswith("broken: column i.nope does not exist"), codegen[0]
    assert "^" not in codegen[0].message  # the caret under the echoed SQL is left out


def test_a_server_that_cannot_be_reached_is_an_error_not_a_finding(project: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(CodegenError, match="cannot connect"):
        run_checks(load_config(project), skip=("sqlfluff", "squawk", "soft-delete"), admin_url=url)
