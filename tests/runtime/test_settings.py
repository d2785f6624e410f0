"""DatabaseSettings: environment and keywords, validation naming the setting, no passwords shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from postsql.errors import ConfigurationError
from postsql.runtime.settings import DatabaseSettings

SECRET_URL = "postgresql://app:s3cret-pw@db.internal:6432/app"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DIRECT_DATABASE_URL", "POSTSQL_ENV"):
        monkeypatch.delenv(name, raising=False)


def test_keywords_set_every_documented_setting() -> None:
    settings = DatabaseSettings(
        url=SECRET_URL,
        pool_min_size=1,
        pool_max_size=3,
        acquire_timeout=1.5,
        command_timeout=30,
        statement_cache_size=0,
        application_name="svc",
        server_settings={"statement_timeout": "5s"},
    )
    assert (settings.pool_min_size, settings.pool_max_size) == (1, 3)
    assert settings.acquire_timeout == 1.5
    assert settings.effective_statement_cache_size == 0
    assert settings.server_settings == {"statement_timeout": "5s"}


def test_environment_fills_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", SECRET_URL)
    monkeypatch.setenv("DIRECT_DATABASE_URL", "postgresql://admin@db.internal:5432/app")
    monkeypatch.setenv("POSTSQL_POOL_MAX_SIZE", "25")
    monkeypatch.setenv("POSTSQL_REPLICA_URLS", "postgresql://r1/app, postgresql://r2:5433/app")
    monkeypatch.setenv("POSTSQL_SERVER_SETTINGS", '{"TimeZone": "UTC"}')
    monkeypatch.setenv("POSTSQL_PGBOUNCER", "true")
    monkeypatch.setenv("POSTSQL_ENV", "development")
    settings = DatabaseSettings()
    assert settings.url == SECRET_URL
    assert settings.direct_url == "postgresql://admin@db.internal:5432/app"
    assert settings.pool_max_size == 25
    assert settings.replica_urls == ("postgresql://r1/app", "postgresql://r2:5433/app")
    assert settings.server_settings == {"TimeZone": "UTC"}
    assert settings.pgbouncer
    assert settings.effective_statement_cache_size == 0
    assert settings.environment == "development"


def test_keywords_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTSQL_POOL_MAX_SIZE", "25")
    assert DatabaseSettings(url=SECRET_URL, pool_max_size=4).pool_max_size == 4


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"pool_max_size": 0}, "pool_max_size (POSTSQL_POOL_MAX_SIZE)"),
        ({"pool_min_size": 5, "pool_max_size": 2}, "pool_min_size (POSTSQL_POOL_MIN_SIZE)"),
        ({"acquire_timeout": "soon"}, "acquire_timeout (POSTSQL_ACQUIRE_TIMEOUT)"),
        ({"connect_timeout": 0}, "connect_timeout (POSTSQL_CONNECT_TIMEOUT)"),
        ({"statement_cache_size": -1}, "statement_cache_size (POSTSQL_STATEMENT_CACHE_SIZE)"),
        ({"pgbouncer": True, "statement_cache_size": 50}, "statement_cache_size"),
        ({"ssl_mode": "sometimes"}, "ssl_mode (POSTSQL_SSL_MODE)"),
        ({"ssl_root_cert": "/no/such/root.crt"}, "ssl_root_cert (POSTSQL_SSL_ROOT_CERT)"),
        ({"url": "mysql://app:s3cret-pw@db/app"}, "url (DATABASE_URL)"),
        ({"replica_urls": ["postgresql://ok/app", "http://x"]}, "replica_urls[1]"),
        ({"url": "postgresql://db/app?sslmode=sometimes"}, "sslmode in url (DATABASE_URL)"),
        ({"unknown_option": 1}, "unknown_option: not a database setting"),
        (
            {"pgbouncer": True, "server_settings": {"statement_timeout": "1s"}},
            "sets statement_timeout, which PgBouncer",
        ),
        (
            {"url": "postgresql://app:s3cret-pw@db:port/app"},
            "url (DATABASE_URL) has an invalid port",
        ),
    ],
)
def test_bad_values_fail_at_construction_naming_the_setting(
    values: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        DatabaseSettings(**({"url": SECRET_URL} | values))
    assert named in str(caught.value)
    assert "s3cret-pw" not in str(caught.value)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTSQL_POOL_MAX_SIZE", "many")
    with pytest.raises(ConfigurationError, match=r"POSTSQL_POOL_MAX_SIZE"):
        DatabaseSettings(url=SECRET_URL)


def test_malformed_json_in_the_environment_is_a_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POSTSQL_SERVER_SETTINGS", "{statement_timeout: 5s}")
    with pytest.raises(ConfigurationError) as caught:
        DatabaseSettings(url=SECRET_URL)
    message = str(caught.value)
    assert "server_settings (POSTSQL_SERVER_SETTINGS) is not valid JSON" in message
    assert "line 1 column 2" in message


def test_direct_url_without_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"\(DIRECT_DATABASE_URL\) is set but"):
        DatabaseSettings(direct_url="postgresql://admin@db/app")


def test_passwords_never_appear_in_reprs() -> None:
    settings = DatabaseSettings(url=SECRET_URL, replica_urls=(SECRET_URL,))
    for text in (repr(settings), str(settings), repr(settings.target())):
        assert "s3cret-pw" not in text
        assert "app:***@db.internal" in text


def test_tls_settings_are_merged_into_the_url_query(tmp_path: Path) -> None:
    root = tmp_path / "root.crt"
    root.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = DatabaseSettings(
        url="postgresql://app@db/app?application_name=x",
        replica_urls=("postgresql://app@replica/app",),
        ssl_mode="verify-full",
        ssl_root_cert=root,
    )
    target = settings.target()
    assert target.url == (
        f"postgresql://app@db/app?application_name=x&sslmode=verify-full&sslrootcert={root}"
    )
    assert settings.replica_dsns() == (
        f"postgresql://app@replica/app?sslmode=verify-full&sslrootcert={root}",
    )


def test_tls_setting_conflicting_with_the_url_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="sslmode=disable but the TLS setting says"):
        DatabaseSettings(url="postgresql://db/app?sslmode=disable", ssl_mode="require")


def test_pgbouncer_mode_turns_the_statement_cache_off() -> None:
    assert DatabaseSettings(url=SECRET_URL).effective_statement_cache_size == 100
    assert DatabaseSettings(url=SECRET_URL, pgbouncer=True).effective_statement_cache_size == 0


def test_pgbouncer_mode_accepts_the_startup_parameters_pgbouncer_tracks() -> None:
    settings = DatabaseSettings(url=SECRET_URL, pgbouncer=True, server_settings={"TimeZone": "UTC"})
    assert settings.server_settings == {"TimeZone": "UTC"}


def test_overrides_are_validated_too() -> None:
    settings = DatabaseSettings(url=SECRET_URL)
    assert settings.with_overrides(pool_max_size=2).pool_max_size == 2
    with pytest.raises(ConfigurationError, match="pool_max_size"):
        settings.with_overrides(pool_max_size=-1)


def test_verifying_the_server_without_a_root_certificate_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.postgresql/root.crt either
    with pytest.raises(ConfigurationError, match=r"url \(DATABASE_URL\).*needs sslrootcert"):
        DatabaseSettings(url=SECRET_URL, ssl_mode="verify-full")


@pytest.mark.parametrize(("raw", "read"), [(" Development\n", "development"), ("  ", "production")])
def test_the_environment_name_is_read_as_the_seed_command_reads_it(
    raw: str, read: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from blog.seed import demo_enabled
    from postsql.ext.logging import QueryLogger

    monkeypatch.setenv("POSTSQL_ENV", raw)
    settings = DatabaseSettings(url=SECRET_URL)
    assert settings.environment == read
    development = QueryLogger.from_settings(settings).level == logging.INFO
    assert development == demo_enabled({"POSTSQL_ENV": raw}) == (read == "development")
