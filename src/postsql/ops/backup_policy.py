"""Backup settings, schedules and the retention policy: pure data and functions, no database.

Settings come from ``[tool.postsql.backup]`` in ``pyproject.toml``, overridden by environment
variables (see :func:`load_settings`). :func:`retained` is the retention policy as a pure function
over dated entries.

Example::

    settings = load_settings()
    keep = retained([(e.file, e.created_at) for e in entries], keep_daily=7, keep_weekly=4)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from postsql.errors import ConfigurationError
from postsql.runtime.urls import home_dir

__all__ = ["BackupSettings", "Schedule", "load_settings", "parse_schedule", "retained"]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(word: str) -> int | None:
    # "sun" or "sunday"; not any word that merely starts like a day ("monster" is no Monday).
    for index, (short, full) in enumerate(zip(_WEEKDAYS, _WEEKDAY_NAMES, strict=True)):
        if word in (short, full):
            return index
    return None


@dataclass(frozen=True, slots=True)
class Schedule:
    """When backups are meant to run (UTC): ``every`` is ``hourly``, ``daily`` or ``weekly``.

    postsql does not run them itself: cron or a systemd timer calls ``postsql backup``; the
    schedule tells ``postsql backup status`` when the next run is due and whether one was missed.
    """

    text: str
    every: str
    minute: int
    hour: int = 0
    weekday: int = 0  # Monday = 0

    @property
    def period(self) -> timedelta:
        """Time between two runs."""
        return {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}.get(
            self.every, timedelta(weeks=1)
        )

    @property
    def cron(self) -> str:
        """The same schedule as a crontab time field (for a machine whose clock is UTC).

        Example: ``parse_schedule("weekly sun 03:30").cron == "30 3 * * 0"``.
        """
        if self.every == "hourly":
            return f"{self.minute} * * * *"
        if self.every == "daily":
            return f"{self.minute} {self.hour} * * *"
        return f"{self.minute} {self.hour} * * {(self.weekday + 1) % 7}"

    def next_after(self, now: datetime) -> datetime:
        """The first scheduled time strictly after ``now``.

        Example: ``parse_schedule("daily 02:00").next_after(now)``.
        """
        now = now.astimezone(UTC)
        if self.every == "hourly":
            candidate = now.replace(minute=self.minute, second=0, microsecond=0)
        elif self.every == "daily":
            candidate = datetime.combine(now.date(), time(self.hour, self.minute), UTC)
        else:
            monday = now.date() - timedelta(days=now.weekday())
            day = monday + timedelta(days=self.weekday)
            candidate = datetime.combine(day, time(self.hour, self.minute), UTC)
        while candidate <= now:
            candidate += self.period
        return candidate


def parse_schedule(text: str, *, setting: str = "backup schedule") -> Schedule:
    """Parse ``hourly :MM``, ``daily HH:MM`` or ``weekly DAY HH:MM`` (UTC; DAY is mon..sun or the
    full name). ``setting`` names where the text came from in the error.

    Example: ``parse_schedule("weekly sun 03:30").weekday == 6``.
    """
    words = text.strip().lower().split()
    try:
        if len(words) == 2 and words[0] == "hourly":
            minute_text = words[1].removeprefix(":")
            minute = int(minute_text) if _digits(minute_text) else -1
            if 0 <= minute < 60:
                return Schedule(text, "hourly", minute)
        elif len(words) == 2 and words[0] == "daily":
            hour, minute = _clock(words[1])
            return Schedule(text, "daily", minute, hour)
        elif len(words) == 3 and words[0] == "weekly" and (day := _weekday(words[1])) is not None:
            hour, minute = _clock(words[2])
            return Schedule(text, "weekly", minute, hour, day)
    except ValueError:
        pass
    raise ConfigurationError(
        f"{setting} {text!r} is not understood: write 'hourly :15', 'daily 02:00' or "
        "'weekly sun 03:30' (UTC)"
    )


def _clock(text: str) -> tuple[int, int]:
    hour_text, colon, minute_text = text.partition(":")
    if not (colon and _digits(hour_text) and _digits(minute_text)):
        raise ValueError(text)
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(text)
    return hour, minute


def _digits(text: str) -> bool:
    # ASCII digits only: str.isdigit() accepts "²", which int() then refuses.
    return 0 < len(text) <= 4 and text.isascii() and text.isdigit()


@dataclass(frozen=True, slots=True)
class BackupSettings:
    """Where backups go, how many to keep, and when they are scheduled.

    Example: ``BackupSettings(directory=Path("backups"), keep_daily=7, keep_weekly=4)``.
    """

    directory: Path
    keep_daily: int = 7
    keep_weekly: int = 4
    schedule: Schedule | None = None

    def __post_init__(self) -> None:
        for name in ("keep_daily", "keep_weekly"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigurationError(f"backup {name} must be an integer >= 0, got {value!r}")
        if self.keep_daily == 0 and self.keep_weekly == 0:
            raise ConfigurationError(
                "backup keep_daily and keep_weekly are both 0, which would delete every backup: "
                "keep at least one"
            )

    @property
    def policy(self) -> str:
        """The retention policy in words."""
        return (
            f"keep the newest backup of each of the last {self.keep_daily} days with a backup "
            f"and of each of the last {self.keep_weekly} weeks with a backup"
        )


def load_settings(root: Path | None = None, env: Mapping[str, str] | None = None) -> BackupSettings:
    """``[tool.postsql.backup]`` of the project at ``root`` (found upwards from it, as every
    command finds its project; default: the working directory), then the environment on top.

    Keys / variables: ``directory`` / ``POSTSQL_BACKUP_DIR`` (default ``<POSTSQL_HOME>/backups``),
    ``keep_daily`` / ``POSTSQL_BACKUP_KEEP_DAILY`` (7), ``keep_weekly`` /
    ``POSTSQL_BACKUP_KEEP_WEEKLY`` (4), ``schedule`` / ``POSTSQL_BACKUP_SCHEDULE`` (none).

    Example: ``load_settings(Path.cwd())``.
    """
    from postsql.project import find_project

    env = os.environ if env is None else env
    project = find_project(root)
    base = project.root
    table: dict[str, object] = dict(project.backup)
    pyproject = project.config_file or base / "pyproject.toml"
    known = {"directory", "keep_daily", "keep_weekly", "schedule"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigurationError(
            f"{pyproject}: unknown [tool.postsql.backup] keys {unknown}; known: {sorted(known)}"
        )

    def integer(key: str, variable: str, default: int) -> int:
        raw = env.get(variable, "").strip()
        if raw:
            if not (raw.isascii() and raw.isdigit()):
                raise ConfigurationError(f"{variable} must be an integer >= 0, got {raw!r}")
            return int(raw)
        value = table.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigurationError(f"{pyproject}: [tool.postsql.backup] {key} must be an integer")
        return value

    directory_text = env.get("POSTSQL_BACKUP_DIR", "").strip() or table.get("directory")
    if directory_text is not None and not isinstance(directory_text, str):
        raise ConfigurationError(f"{pyproject}: [tool.postsql.backup] directory must be a string")
    directory = base / directory_text if directory_text else home_dir(env) / "backups"
    schedule_setting = "POSTSQL_BACKUP_SCHEDULE"
    schedule_text: object = env.get(schedule_setting, "").strip()
    if not schedule_text:
        schedule_setting = f"{pyproject}: [tool.postsql.backup] schedule"
        schedule_text = table.get("schedule")
    if schedule_text is not None and not isinstance(schedule_text, str):
        raise ConfigurationError(f"{schedule_setting} must be a string")
    return BackupSettings(
        directory=directory,
        keep_daily=integer("keep_daily", "POSTSQL_BACKUP_KEEP_DAILY", 7),
        keep_weekly=integer("keep_weekly", "POSTSQL_BACKUP_KEEP_WEEKLY", 4),
        schedule=parse_schedule(schedule_text, setting=schedule_setting) if schedule_text else None,
    )


def retained(
    entries: Iterable[tuple[str, datetime]], *, keep_daily: int, keep_weekly: int
) -> frozenset[str]:
    """The names the policy keeps: the newest of each of the last ``keep_daily`` days that have a
    backup, and the newest of each of the last ``keep_weekly`` ISO weeks that have one (UTC).
    A backup kept by both rules counts for both. Pure: no clock, no files.

    Example::

        keep = retained([("a", t1), ("b", t2)], keep_daily=7, keep_weekly=4)
    """
    newest_first = sorted(entries, key=lambda e: e[1], reverse=True)
    keep: set[str] = set()
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for name, when in newest_first:
        moment = when.astimezone(UTC)
        day = moment.date()
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(name)
        iso = moment.isocalendar()
        week = (iso.year, iso.week)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(name)
    return frozenset(keep)
