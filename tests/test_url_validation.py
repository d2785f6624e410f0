"""Malformed URLs are refused, once, by every command, without repeating their secrets.

A hostile run found ``DATABASE_URL`` with port 99999 ending ``health``, ``report``, ``backup`` and
``seed`` with ``OverflowError: connect(): port must be 0-65535`` (only ``DatabaseSettings`` checked
ports), and ``postgresql://app:12345#x@127.0.0.1:5432/blog`` (an unescaped ``#`` in the password)
passing validation and showing verbatim in reprs: ``urlsplit`` reads ``app`` as the host and the
password ``12345`` as the port.
"""

from __future__ import annotations

import pytest

from postsql import cli
from postsql.errors import ConfigurationError
from postsql.runtime.settings import DatabaseSettings
from postsql.runtime.urls import redact, validate_url

SECRET = "12345"

BAD_PORTS = [
    "postgresql://app@127.0.0.1:99999/blog",
    "postgresql://app@127.0.0.1:0/blog",
    "postgresql://app@127.0.0.1:5432:1/blog",
    "postgresql://app@127.0.0.1/blog?port=70000",
    "postgresql://app@db1:5432,db2:99999/blog",
    "postgresql://app@[::1]:65536/blog",
]


@pytest.mark.parametrize("url", BAD_PORTS)
def test_a_port_out_of_range_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL has an invalid port number"):
        validate_url(url, setting="DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app@127.0.0.1:5432/blog",
        "postgresql://app@db1:5432,db2:5433/blog",
        "postgresql://app@[::1]:5432/blog",
        "postgresql://app@db/blog?port=5433",
        "postgresql://app@/blog?host=/run/postgresql",
    ],
)
def test_good_urls_pass(url: str) -> None:
    validate_url(url, setting="DATABASE_URL")


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://app:{SECRET}#x@127.0.0.1:5432/blog",
        f"postgresql://app:{SECRET}?x@127.0.0.1:5432/blog",
        f"postgresql://app:{SECRET}/x@127.0.0.1:5432/blog",
        f"postgresql://app:pw@127.0.0.1:5432/blog#{SECRET}",
    ],
)
def test_a_password_with_an_unescaped_delimiter_is_refused_and_never_echoed(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_url(url, setting="DATABASE_URL")
    assert SECRET not in str(caught.value)
    with pytest.raises(ConfigurationError) as from_settings:
        DatabaseSettings(url=url)
    assert SECRET not in str(from_settings.value)
    assert SECRET not in redact(url)


def test_redact_masks_what_it_cannot_parse() -> None:
    assert redact(f"postgresql://app:{SECRET}#x@127.0.0.1:5432/blog") == (
        "postgresql://***@127.0.0.1:5432/blog"
    )
    assert SECRET not in redact(f"postgresql://app:{SECRET}@[::1/blog")


@pytest.mark.parametrize("command", [["health"], ["report"], ["backup"], ["seed"], ["status"]])
def test_every_command_refuses_a_bad_port_with_a_message_not_a_traceback(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:{SECRET}@127.0.0.1:99999/blog")
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    assert cli.main(command) == 1
    err = capsys.readouterr().err
    assert "invalid port number" in err
    assert SECRET not in err
