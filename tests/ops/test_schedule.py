"""Backup settings and schedules: parsing, the next run, and overdue detection (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from postsql.errors import ConfigurationError
from postsql.ops.backup import (
    BackupEntry,
    BackupSettings,
    Manifest,
    backup_status,
    load_settings,
    parse_schedule,
)

NOW = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hourly :15", datetime(2026, 11, 25, 15, 15, tzinfo=UTC)),
        ("hourly :45", datetime(2026, 11, 25, 14, 45, tzinfo=UTC)),
        ("hourly 30", datetime(2026, 11, 25, 15, 30, tzinfo=UTC)),
        ("daily 02:00", datetime(2026, 11, 26, 2, 0, tzinfo=UTC)),
        ("daily 23:59", datetime(2026, 11, 25, 23, 59, tzinfo=UTC)),
        ("weekly sun 03:30", datetime(2026, 11, 29, 3, 30, tzinfo=UTC)),
        ("weekly wed 14:00", datetime(2026, 12, 2, 14, 0, tzinfo=UTC)),
        ("Weekly Wednesday 15:00", datetime(2026, 11, 25, 15, 0, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_first_scheduled_time_after_now(text: str, expected: datetime) -> None:
    assert parse_schedule(text).next_after(NOW) == expected


@pytest.mark.parametrize(
    "text", ["daily", "daily 25:00", "weekly 02:00", "every day", "hourly :61"]
)
def test_unreadable_schedules_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ConfigurationError, match="'daily 02:00'"):
        parse_schedule(text)


@pytest.mark.parametrize(
    "text", ["weekly monster 03:00", "weekly sunny 03:00", "daily 2\u00b2:00", "hourly ::15"]
)
def test_schedules_that_only_look_right_are_refused(text: str) -> None:
    # "monster" read as Monday, "²" passed isdigit() and then crashed int() with a traceback.
    with pytest.raises(ConfigurationError, match="is not understood"):
        parse_schedule(text)


def test_a_bad_schedule_names_the_variable_or_key_it_came_from(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"^POSTSQL_BACKUP_SCHEDULE 'daily 25:00' is not"):
        load_settings(tmp_path, env={"POSTSQL_BACKUP_SCHEDULE": "daily 25:00"})
    (tmp_path / "pyproject.toml").write_text('[tool.postsql.backup]\nschedule = "nightly"\n')
    with pytest.raises(
        ConfigurationError, match=r"pyproject\.toml: \[tool\.postsql\.backup\] schedule 'nightly'"
    ):
        load_settings(tmp_path, env={})


def test_a_keep_count_of_non_ascii_digits_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="POSTSQL_BACKUP_KEEP_DAILY must be an integer"):
        load_settings(tmp_path, env={"POSTSQL_BACKUP_KEEP_DAILY": "\u00b2"})


def test_settings_come_from_pyproject_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.postsql.backup]\ndirectory = "bk"\nkeep_daily = 3\nkeep_weekly = 2\n'
        'schedule = "daily 01:00"\n'
    )
    settings = load_settings(tmp_path, env={})
    assert settings.directory == tmp_path / "bk"
    assert (settings.keep_daily, settings.keep_weekly) == (3, 2)
    assert settings.schedule is not None
    assert settings.schedule.text == "daily 01:00"
    env = {"POSTSQL_BACKUP_KEEP_DAILY": "10", "POSTSQL_BACKUP_SCHEDULE": "hourly :05"}
    overridden = load_settings(tmp_path, env=env)
    assert overridden.keep_daily == 10
    assert overridden.schedule is not None
    assert overridden.schedule.every == "hourly"


def test_defaults_put_backups_under_postsql_home(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={"POSTSQL_HOME": str(tmp_path / "home")})
    assert settings.directory == tmp_path / "home" / "backups"
    assert (settings.keep_daily, settings.keep_weekly, settings.schedule) == (7, 4, None)


def test_unknown_keys_and_bad_values_are_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.postsql.backup]\nkeep_dayly = 3\n")
    with pytest.raises(ConfigurationError, match="keep_dayly"):
        load_settings(tmp_path, env={})
    with pytest.raises(ConfigurationError, match="POSTSQL_BACKUP_KEEP_WEEKLY"):
        load_settings(Path("/nonexistent"), env={"POSTSQL_BACKUP_KEEP_WEEKLY": "many"})


def entry(name: str, when: datetime) -> BackupEntry:
    return BackupEntry(
        file=name,
        database="app",
        created_at=when,
        size_bytes=3,
        sha256="0" * 64,
        server_version="18.1",
        server_version_num=180001,
        pg_dump_version=18,
        last_migration=None,
        table_counts={"public.t": 1},
    )


def test_status_reports_last_backup_next_run_storage_and_overdue(tmp_path: Path) -> None:
    settings = BackupSettings(tmp_path, schedule=parse_schedule("daily 02:00"))
    status = backup_status(settings, now=NOW)
    assert status.last is None
    assert status.overdue
    assert status.count == 0
    (tmp_path / "a.dump").write_bytes(b"abc")
    manifest = Manifest(tmp_path, [entry("a.dump", datetime(2026, 11, 25, 2, 0, 5, tzinfo=UTC))])
    manifest.save()
    status = backup_status(settings, now=NOW)
    assert status.last is not None
    assert status.last.file == "a.dump"
    assert status.next_run == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert not status.overdue
    assert status.storage_bytes == 3 + (tmp_path / "manifest.json").stat().st_size
    later = backup_status(settings, now=datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    assert later.overdue
    data = later.to_json()
    assert data["retention"] == {
        "keep_daily": 7,
        "keep_weekly": 4,
        "policy": settings.policy,
    }


def test_manifest_round_trips_and_rejects_garbage(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path, [entry("a.dump", NOW)])
    manifest.save()
    assert Manifest.load(tmp_path).entries == manifest.entries
    (tmp_path / "manifest.json").write_text("{not json")
    from postsql.errors import BackupError

    with pytest.raises(BackupError, match="unreadable backup manifest"):
        Manifest.load(tmp_path)
