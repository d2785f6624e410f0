"""Terminal output helpers: plain aligned text when piped, durations, no-op progress off a tty."""

from __future__ import annotations

import io

import pytest

from postsql.ops.console import Section, human_seconds, print_section, progress


def test_plain_sections_align_columns_and_print_notes() -> None:
    out = io.StringIO()
    print_section(
        Section("Tables", ("name", "size"), [("posts", "8.0 kB"), ("c", "1 B")], note="2 tables"),
        stream=out,
    )
    assert out.getvalue() == (
        "Tables\n  name   size\n  posts  8.0 kB\n  c      1 B\n  2 tables\n\n"
    )


def test_an_empty_section_prints_its_title_and_note_only() -> None:
    out = io.StringIO()
    print_section(Section("Duplicate indexes", ("a",), [], note="none"), stream=out)
    assert out.getvalue() == "Duplicate indexes\n  none\n\n"


def test_durations_read_naturally() -> None:
    assert [human_seconds(s) for s in (None, 0.25, 12.34, 90, 7200, 172800)] == [
        "-",
        "250 ms",
        "12.3 s",
        "1.5 min",
        "2.0 h",
        "2.0 d",
    ]


def test_progress_draws_nothing_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress("pg_dump") as update:
        update(1, 3)
        update(3, 3)
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")
