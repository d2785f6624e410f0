"""The postsql command: --help with an example everywhere, parseable --json, one-line errors."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from blog.__main__ import main as blog_main
from postsql.cli.main import COMMAND_GROUPS, _parser, main
from postsql.testing import TestServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def command_paths(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths.append((*prefix, name))
                paths.extend(command_paths(sub, (*prefix, name)))
    return paths


COMMANDS = command_paths(_parser())


def test_every_documented_command_exists() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert names >= {
        "init", "check", "migrate", "rollback", "status", "new", "codegen", "seed", "db", "health",
        "report", "backup", "backup verify", "backup status", "backup prune", "restore",
    }  # fmt: skip
    assert len(COMMAND_GROUPS) >= 6  # other groups (roles...) append themselves


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "postsql")
def test_help_works_everywhere_and_shows_an_example(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: postsql" in out
    assert "Example: postsql" in out


def test_backup_status_json_is_parseable_without_a_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTSQL_BACKUP_DIR", str(tmp_path))
    monkeypatch.setenv("POSTSQL_BACKUP_SCHEDULE", "daily 02:00")
    assert main(["backup", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["last_backup"] is None
    assert data["overdue"] is True
    assert data["retention"]["keep_daily"] == 7


def test_plain_output_when_piped_has_no_terminal_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTSQL_BACKUP_DIR", str(tmp_path))
    assert main(["backup", "status"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    assert "retention" in out


def test_errors_are_one_line_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    assert main(["restore", str(tmp_path / "missing.dump"), "--into", "x"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("postsql: error: postsql restore: ")
    assert "missing.dump: no such backup file" in err
    assert "Traceback" not in err


def test_bad_configuration_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTSQL_BACKUP_KEEP_DAILY", "lots")
    assert main(["backup", "status"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "POSTSQL_BACKUP_KEEP_DAILY must be an integer" in err


def test_debug_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from postsql.errors import ConfigurationError

    monkeypatch.setenv("POSTSQL_BACKUP_KEEP_DAILY", "lots")
    with pytest.raises(ConfigurationError):
        main(["--debug", "backup", "status"])


def test_health_json_and_exit_code_for_a_live_and_a_dead_server(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["health", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "healthy"
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:pw@127.0.0.1:1/postgres")
    assert main(["health", "--json"]) == 1
    out = capsys.readouterr().out
    assert json.loads(out)["status"] == "unhealthy"
    assert "pw" not in out


def test_report_json_is_parseable(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["report", "--json", "--limit", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["tables"]) == 3
    assert isinstance(data["size_bytes"], int)


def test_backup_verify_status_and_restore_through_the_command(
    db_url: str,
    test_pg: TestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("POSTSQL_BACKUP_DIR", str(tmp_path))
    assert main(["backup", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert (tmp_path / entry["file"]).is_file()
    assert main(["backup", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["backup", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_backup"]["verification"]["ok"] is True
    copy = f"postsql_cli_copy_{entry['sha256'][:8]}"
    try:
        assert main(["restore", str(tmp_path / entry["file"]), "--into", copy]) == 0
        out = capsys.readouterr().out
        assert f"into {copy}; {len(entry['table_counts'])} tables match" in out
    finally:
        test_pg.drop_database(copy)


def test_health_reports_a_stopped_embedded_server_as_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    monkeypatch.setenv("POSTSQL_HOME", str(tmp_path))
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert "UNHEALTHY" in out
    assert "not running" in out
    assert not (tmp_path / "pgdata").exists()  # health never starts the server


def test_a_missing_database_is_one_line_saying_what_to_do(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from postsql.runtime.urls import with_database

    monkeypatch.setenv("DATABASE_URL", with_database(db_url, "postsql_no_such_database"))
    assert main(["report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert 'database "postsql_no_such_database" does not exist' in err
    assert "fix DATABASE_URL" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "postsql: error: postsql: the following arguments are required: COMMAND"),
        (
            ["health", "--timeout", "0"],
            "postsql: error: postsql health: argument --timeout: must be a positive number",
        ),
        (["db", "restart"], "postsql: error: postsql db: argument action: invalid choice"),
        (["restore", "x.dump"], "postsql: error: postsql restore: the following arguments"),
    ],
)
def test_usage_errors_are_one_line_pointing_at_help(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(expected)
    assert err.rstrip().endswith("--help`)")


def test_the_console_script_works_as_a_container_health_check(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    script = Path(sys.executable).parent / "postsql"
    env = {**os.environ, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/postgres"}
    done = subprocess.run(
        [str(script), "health"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert done.stdout.startswith("UNHEALTHY")
    assert "\x1b[" not in done.stdout  # piped: plain text


def test_status_against_an_unreachable_server_fails_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    assert main(["status"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("postsql: error: postsql status: dbmate status failed: ")
    assert "connection refused" in captured.err


def test_status_with_a_missing_migrations_directory_fails(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    missing = tmp_path / "no_migrations_here"
    assert main(["--migrations-dir", str(missing), "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("postsql: error: postsql status: ")
    assert "could not find migrations directory" in err


def test_status_with_pending_migrations_still_exits_zero(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    assert main(["status"]) == 0
    assert "Pending:" in capsys.readouterr().out


@pytest.mark.parametrize("timeout", ["0", "-1", "nan", "inf", "soon"])
def test_health_refuses_a_timeout_that_is_not_a_positive_number(
    timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["health", "--timeout", timeout])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("postsql: error: postsql health: argument --timeout: ")


def test_demo_migrates_without_rewriting_the_schema_dump(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []

    async def no_demo(url: str, *, scale: int, seed: int) -> None:
        shown.append(url)

    monkeypatch.setattr("blog.__main__.run_demo", no_demo)
    monkeypatch.setenv("DATABASE_URL", empty_db_url)
    schema_file = tmp_path / "schema.sql"
    dump = ROOT / "sql" / "schema.sql"
    before = dump.read_bytes()
    assert blog_main(["demo"]) == 0
    assert shown == [empty_db_url]
    assert dump.read_bytes() == before  # `postsql migrate` writes the dump; the demo does not
    assert main(["--schema-file", str(schema_file), "status", "--exit-code"]) == 0


def test_a_connection_failure_names_the_setting_and_the_redacted_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:s3cret-pw@127.0.0.1:{port}/blog")
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    assert main(["seed"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("postsql: error: postsql seed: ")
    assert f"(DATABASE_URL: postgresql://app:***@127.0.0.1:{port}/blog)" in err
    assert "s3cret-pw" not in err
