"""The project config every command reads, and the behaviour that follows from it: found from any
subdirectory, speaking of the project's own files, refusing the embedded server in production."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from postsql import Database
from postsql.cli.init import scaffold
from postsql.cli.main import main
from postsql.errors import ConfigurationError
from postsql.ops.console import Section, print_section
from postsql.project import find_project, load_config
from postsql.runtime.urls import resolve


def test_the_project_is_found_from_a_subdirectory_like_git(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.postsql]\nout = "src/shop/db"\nseeder = "shop.seed:run"\n'
    )
    deep = tmp_path / "sql" / "queries"
    deep.mkdir(parents=True)
    config = find_project(deep)
    assert config.root == tmp_path.resolve()
    assert config.generated_package == "shop.db"
    assert config.source_root == (tmp_path / "src").resolve()
    assert config.migrations == tmp_path.resolve() / "sql" / "migrations"
    assert config.seeder == "shop.seed:run"


def test_a_pyproject_without_the_table_is_passed_over_for_a_postsql_toml(tmp_path: Path) -> None:
    (tmp_path / "postsql.toml").write_text('queries = ["q"]\nout = "app/db"\n')
    inner = tmp_path / "service"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "service"\n')
    config = find_project(inner)
    assert config.config_file == (tmp_path / "postsql.toml").resolve()
    assert config.queries == (tmp_path.resolve() / "q",)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('outt = "x"', "unknown keys ['outt']"),
        ('seeder = "shop.seed"', "seeder = 'shop.seed' must be MODULE:FUNCTION"),
        ("require_database_url = 1", "require_database_url must be true or false"),
        ('package = "not a path"', "package = 'not a path' is not an import path"),
    ],
)
def test_a_bad_config_names_the_key(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.postsql]\n{table}\n")
    with pytest.raises(ConfigurationError) as info:
        load_config(tmp_path)
    assert message in str(info.value)
    assert "pyproject.toml" in str(info.value)


def test_production_without_a_url_fails_at_once_naming_database_url() -> None:
    env = {"POSTSQL_ENV": "production"}
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not set"):
        resolve(env)
    with pytest.raises(ConfigurationError, match="require_database_url"):
        resolve({}, require_url=True)


def test_database_in_production_without_a_url_fails_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("POSTSQL_ENV", "production")
    with pytest.raises(ConfigurationError, match="DATABASE_URL is not set"):
        Database()


def test_a_command_honours_require_database_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.postsql]\nrequire_database_url = true\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("postsql: error: postsql migrate: DATABASE_URL is not set")
    assert not (tmp_path / ".postsql").exists()  # no embedded server was started


@pytest.mark.parametrize("argv", [["seed"], ["roles", "apply"]])
def test_a_command_with_nothing_configured_says_what_to_configure(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.postsql]\nout = "src/app/db"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@127.0.0.1:1/app")
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"postsql: error: postsql {argv[0]}")
    assert "[tool.postsql]" in err
    assert "make" not in err
    assert "blog" not in err


def test_init_scaffolds_once_and_never_overwrites(tmp_path: Path) -> None:
    first = scaffold(tmp_path, "shop")
    assert any(line.startswith("created  pyproject.toml") for line in first)
    assert (tmp_path / "sql" / "migrations").is_dir()
    assert (tmp_path / "src" / "shop" / "__init__.py").is_file()
    assert ".postsql/" in (tmp_path / ".gitignore").read_text().splitlines()
    assert find_project(tmp_path).generated_package == "shop.db"
    (tmp_path / "sql" / "queries" / "items.sql").write_text("-- mine\n")
    second = scaffold(tmp_path, "shop")
    assert not [line for line in second if line.startswith(("created", "updated"))]
    assert (tmp_path / "sql" / "queries" / "items.sql").read_text() == "-- mine\n"
    with pytest.raises(ConfigurationError, match="not a Python package name"):
        scaffold(tmp_path, "Shop-2")


def test_init_adds_the_config_to_an_existing_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    lines = scaffold(tmp_path, "svc")
    assert "updated  pyproject.toml (added [tool.postsql])" in lines
    assert find_project(tmp_path).out == tmp_path.resolve() / "src" / "svc" / "db"


def test_a_reader_closing_the_pipe_is_not_an_error(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head -1` gone before we print
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "postsql.cli.main", "init", "--package", "shop"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    os.close(write_end)
    assert "Broken pipe" not in result.stderr
    assert "postsql: error" not in result.stderr
    assert result.returncode == 0


def test_terminal_tables_print_brackets_as_text_not_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("postsql.ops.console._is_terminal", lambda _stream: True)
    print_section(
        Section("Backups", ("setting", "value"), [("schedule", "none ([tool.postsql.backup])")]),
        stream=out,
    )
    assert "[tool.postsql.backup]" in out.getvalue()


@pytest.mark.parametrize("argv", [["status"], ["migrate"], ["seed"]])
def test_outside_any_project_a_command_says_so_before_starting_a_server(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    monkeypatch.setenv("POSTSQL_HOME", str(tmp_path / ".postsql"))
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "postsql init" in err or "[tool.postsql]" in err
    assert not (tmp_path / ".postsql").exists()  # no embedded server was started for nothing
