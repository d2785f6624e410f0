"""What the pg tools (pg_dump, pg_restore, psql) get on their command line: never a password."""

from __future__ import annotations

import pytest

from postsql.ops.pgtools import libpq_target


@pytest.mark.parametrize(
    ("url", "argv_url", "password"),
    [
        ("postgresql://u:S3cret@db:5433/app", "postgresql://u@db:5433/app", "S3cret"),
        # percent-encoded in the URL, sent decoded (libpq would read "p%40ss" literally)
        ("postgresql://u:p%40S3cret@db/app", "postgresql://u@db/app", "p@S3cret"),
        (
            "postgresql://u@db/app?password=S3cret&sslmode=require",
            "postgresql://u@db/app?sslmode=require",
            "S3cret",
        ),
        ("postgresql://u:S3cret@[::1]:5432/app", "postgresql://u@[::1]:5432/app", "S3cret"),
    ],
)
def test_the_password_moves_from_the_argv_url_to_pgpassword(
    url: str, argv_url: str, password: str
) -> None:
    shown, env = libpq_target(url)
    assert shown == argv_url
    assert "S3cret" not in shown
    assert env["PGPASSWORD"] == password


def test_a_url_without_a_password_is_passed_as_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    shown, env = libpq_target("postgresql://u@db/app?sslmode=require")
    assert shown == "postgresql://u@db/app?sslmode=require"
    assert "PGPASSWORD" not in env
