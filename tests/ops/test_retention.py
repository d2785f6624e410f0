"""Retention is a pure function over dated entries: exactly what the policy says is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postsql.errors import ConfigurationError
from postsql.ops.backup import BackupSettings, retained

START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # a Monday


def daily(days: int, *, per_day: int = 1) -> list[tuple[str, datetime]]:
    """``days`` days of backups, ``per_day`` each (hours apart), oldest first."""
    out: list[tuple[str, datetime]] = []
    for d in range(days):
        for h in range(per_day):
            when = START + timedelta(days=d, hours=h * 3)
            out.append((f"b-{when:%Y%m%d-%H}", when))
    return out


def test_keeps_the_newest_backup_of_each_of_the_last_n_days() -> None:
    entries = daily(10, per_day=3)
    keep = retained(entries, keep_daily=3, keep_weekly=0)
    assert keep == {"b-20261111-08", "b-20261110-08", "b-20261109-08"}


def test_keeps_the_newest_backup_of_each_of_the_last_m_iso_weeks() -> None:
    entries = daily(28)  # four full weeks, Monday 2 Nov to Sunday 29 Nov
    keep = retained(entries, keep_daily=0, keep_weekly=3)
    # The Sunday closing each of the last three weeks.
    assert keep == {"b-20261129-02", "b-20261122-02", "b-20261115-02"}


def test_daily_and_weekly_together_keep_the_union() -> None:
    entries = daily(28)
    keep = retained(entries, keep_daily=7, keep_weekly=4)
    last_week = {f"b-202611{d:02d}-02" for d in range(23, 30)}
    # Week 23-29 is covered by its Sunday (also a daily); then the Sundays of the three before.
    assert keep == last_week | {"b-20261122-02", "b-20261115-02", "b-20261108-02"}
    assert len(keep) == 10


def test_days_without_backups_do_not_count_against_the_daily_quota() -> None:
    entries = [(n, t) for n, t in daily(10) if t.day % 2 == 0]  # every other day
    keep = retained(entries, keep_daily=3, keep_weekly=0)
    assert keep == {"b-20261110-02", "b-20261108-02", "b-20261106-02"}


def test_fewer_backups_than_the_policy_allows_are_all_kept() -> None:
    entries = daily(2)
    assert retained(entries, keep_daily=7, keep_weekly=4) == {n for n, _ in entries}


def test_order_of_input_and_time_zones_do_not_matter() -> None:
    entries = daily(9, per_day=2)
    shifted = [(n, t.astimezone(ZoneInfo("Asia/Tokyo"))) for n, t in entries]
    assert retained(list(reversed(shifted)), keep_daily=4, keep_weekly=2) == retained(
        entries, keep_daily=4, keep_weekly=2
    )


def test_no_entries_keep_nothing() -> None:
    assert retained([], keep_daily=7, keep_weekly=4) == frozenset()


def test_a_policy_keeping_nothing_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="keep at least one"):
        BackupSettings(directory=Path("x"), keep_daily=0, keep_weekly=0)


def test_negative_counts_are_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="keep_weekly"):
        BackupSettings(directory=Path("x"), keep_daily=1, keep_weekly=-1)
