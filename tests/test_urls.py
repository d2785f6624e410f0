"""The database resolution rule and URL helpers; no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from postsql.errors import ConfigurationError
from postsql.runtime.urls import (
    database_name,
    dbmate_url,
    home_dir,
    redact,
    resolve,
    url_host,
    with_database,
)


def test_database_url_is_used_and_direct_url_defaults_to_it() -> None:
    target = resolve({"DATABASE_URL": "postgresql://app@db.internal:6432/blog"})
    assert target.url == "postgresql://app@db.internal:6432/blog"
    assert target.direct_url == target.url
    assert target.source == "environment"


def test_direct_database_url_is_kept_apart_from_the_application_url() -> None:
    target = resolve(
        {
            "DATABASE_URL": "postgresql://app@pgbouncer:6432/blog",
            "DIRECT_DATABASE_URL": "postgresql://migrator@db:5432/blog",
        }
    )
    assert target.url.endswith("pgbouncer:6432/blog")
    assert target.direct_url.endswith("db:5432/blog")


def test_direct_url_without_database_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="DIRECT_DATABASE_URL is set but DATABASE_URL"):
        resolve({"DIRECT_DATABASE_URL": "postgresql://m@db/blog"})


def test_a_non_postgres_url_names_the_setting_and_hides_the_password() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve({"DATABASE_URL": "mysql://app:hunter2@db/blog"})
    assert "DATABASE_URL" in str(info.value)
    assert "hunter2" not in str(info.value)


def test_a_url_without_host_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="names no host"):
        resolve({"DATABASE_URL": "postgresql:///blog"})


def test_redact_hides_only_the_password() -> None:
    assert redact("postgresql://app:s3cret@db:5432/blog?sslmode=require") == (
        "postgresql://app:***@db:5432/blog?sslmode=require"
    )
    assert redact("postgresql://app@db/blog") == "postgresql://app@db/blog"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://app@db/blog?password=S3cretPW&sslmode=require",
            "postgresql://app@db/blog?password=***&sslmode=require",
        ),
        (
            "postgresql://app@db/blog?sslkey=/k.pem&sslpassword=S3cretPW",
            "postgresql://app@db/blog?sslkey=/k.pem&sslpassword=***",
        ),
        ("postgresql://app:S3cretPW@db:notaport/blog", "postgresql://app:***@db:notaport/blog"),
        ("postgresql://app:p@S3cretPW@[::1]:5432/blog", "postgresql://app:***@[::1]:5432/blog"),
        ("postgresql://app:S3cretPW@/blog?host=/tmp/pg", "postgresql://app:***@/blog?host=/tmp/pg"),
    ],
)
def test_redact_hides_passwords_in_the_query_and_never_raises(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "S3cretPW" not in redact(url)


def test_target_repr_never_shows_a_password_given_as_a_parameter() -> None:
    target = resolve({"DATABASE_URL": "postgresql://app@db/blog?password=S3cretPW"})
    assert "S3cretPW" not in repr(target)


def test_target_repr_never_shows_the_password() -> None:
    target = resolve({"DATABASE_URL": "postgresql://app:s3cret@db/blog"})
    assert "s3cret" not in repr(target)


def test_dbmate_url_turns_a_socket_host_into_dbmates_socket_parameter() -> None:
    url = dbmate_url("postgresql://postgres@/postsql?host=/tmp/pg")
    assert url == "postgres://postgres@/postsql?host=/tmp/pg".replace("host=", "socket=") + (
        "&sslmode=disable"
    )


def test_dbmate_url_disables_tls_only_for_local_servers_without_sslmode() -> None:
    assert dbmate_url("postgresql://u@127.0.0.1:5432/x").endswith("?sslmode=disable")
    assert "sslmode" not in dbmate_url("postgresql://u@db.example.org/x")
    assert dbmate_url("postgresql://u@localhost/x?sslmode=require").endswith("sslmode=require")


def test_with_database_swaps_only_the_database() -> None:
    assert with_database("postgresql://u@h:1/a?x=1", "b") == "postgresql://u@h:1/b?x=1"


def test_home_dir_honours_postsql_home(tmp_path: Path) -> None:
    assert home_dir({"POSTSQL_HOME": str(tmp_path)}) == tmp_path.resolve()


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("postgresql://u:p@db.example:5432/app", "db.example"),
        ("postgresql://u@/app?host=/run/postgresql", "/run/postgresql"),
        ("postgresql://u@/app", None),
    ],
)
def test_url_host_reads_the_netloc_or_the_host_parameter(url: str, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize("name", ["blog", "my blog", 'we"ird', "a/b", "100%", "données"])
def test_database_name_reads_back_what_with_database_wrote(name: str) -> None:
    assert database_name(with_database("postgresql://u@h:1/a?x=1", name)) == name


def test_database_name_is_percent_decoded_and_defaults_to_the_user() -> None:
    assert database_name("postgresql://u@h/my%20blog") == "my blog"
    assert database_name("postgresql://app%2Fuser@h") == "app/user"
    assert database_name("postgresql:///?host=/tmp") == "postgres"
