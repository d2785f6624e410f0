"""How a :class:`~postsql.runtime.database.Database` connects: one validated, immutable
settings object.

Values come from keyword arguments first, then the environment: ``DATABASE_URL``,
``DIRECT_DATABASE_URL`` and ``POSTSQL_<FIELD>`` for every other field (``POSTSQL_POOL_MAX_SIZE=20``,
``POSTSQL_REPLICA_URLS=postgresql://r1/app,postgresql://r2/app``, ``POSTSQL_SERVER_SETTINGS`` as a
JSON object). With no URL anywhere, the project's URL rule applies when the database connects
(:func:`postsql.runtime.urls.resolve`: the embedded PostgreSQL).

Bad values fail here, at construction, with a :class:`~postsql.errors.ConfigurationError` naming the
setting and its environment variable. URLs never appear with their password in a repr or a message.

Example::

    settings = DatabaseSettings(url="postgresql://app@db/app", pool_max_size=20, pgbouncer=True)
    db = Database(settings)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from postsql.errors import ConfigurationError
from postsql.runtime.tls import tls_settings, validate_tls, with_tls
from postsql.runtime.urls import DatabaseTarget, redact, resolve, url_hosts, validate_url

__all__ = ["DEFAULT_STATEMENT_CACHE_SIZE", "DatabaseSettings", "SslMode"]

SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
DEFAULT_STATEMENT_CACHE_SIZE = 100  # asyncpg's own default

# Settings whose values are URLs (redacted in reprs) and the environment variable of every field
# that does not follow the POSTSQL_<FIELD> pattern.
_URL_FIELDS = ("url", "direct_url", "replica_urls")
_ENV_NAMES = {
    "url": "DATABASE_URL",
    "direct_url": "DIRECT_DATABASE_URL",
    "environment": "POSTSQL_ENV",
}
# Startup parameters PgBouncer tracks per client; any other is refused (or dropped, with
# ignore_startup_parameters) because the server connection changes under the client.
_PGBOUNCER_TRACKED = frozenset(
    {"application_name", "client_encoding", "datestyle", "timezone", "standard_conforming_strings"}
)
_URL_LIST_SEP = re.compile(r",(?=\s*[A-Za-z][A-Za-z0-9+.-]*://)")
_SSL_QUERY = {
    "ssl_mode": "sslmode",
    "ssl_root_cert": "sslrootcert",
    "ssl_cert": "sslcert",
    "ssl_key": "sslkey",
}


class DatabaseSettings(BaseSettings):
    """Connection, pool, TLS and observability settings; see the module docstring.

    Example::

        DatabaseSettings(pool_min_size=1, pool_max_size=5, acquire_timeout=2.0)
    """

    model_config = SettingsConfigDict(
        env_prefix="POSTSQL_",
        case_sensitive=False,
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        hide_input_in_errors=True,
    )

    url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    """The application's URL (may point through PgBouncer); ``None``: the URL rule decides."""
    direct_url: str | None = Field(default=None, validation_alias="DIRECT_DATABASE_URL")
    """Migrations and admin work; defaults to ``url``."""
    replica_urls: Annotated[tuple[str, ...], NoDecode] = ()
    """Streaming replicas that serve read-only generated queries outside transactions."""

    pool_min_size: int = Field(default=2, ge=0)
    pool_max_size: int = Field(default=10, ge=1)
    acquire_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for a free pooled connection before :class:`~postsql.errors.PoolTimeout`."""
    connect_timeout: float = Field(default=10.0, gt=0)
    command_timeout: float | None = Field(default=None, gt=0)
    """Client-side limit per statement in seconds (``None``: none; see also ``statement_timeout``
    in ``server_settings``, which the server enforces)."""
    max_inactive_connection_lifetime: float = Field(default=300.0, ge=0)
    """Seconds an idle pooled connection lives before it is closed (0: forever)."""
    statement_cache_size: int | None = Field(default=None, ge=0)
    """Prepared statements cached per connection; ``None``: 100, or 0 with ``pgbouncer``."""
    replica_retry_interval: float = Field(default=5.0, gt=0)
    """Seconds a replica that failed to connect is left out before it is tried again."""

    ssl_mode: SslMode | None = None
    ssl_root_cert: Path | None = None
    ssl_cert: Path | None = None
    ssl_key: Path | None = None

    application_name: str = Field(default="postsql", max_length=63)
    server_settings: dict[str, str] = Field(default_factory=dict)
    """Run-time parameters sent at connect (``{"statement_timeout": "5s"}``)."""
    pgbouncer: bool = False
    """The URL points at PgBouncer in transaction mode: no prepared statements kept across
    transactions (statement cache off)."""

    log_queries: bool = True
    """Attach the logging hook (:mod:`postsql.ext.logging`) to every Database built from these."""
    trace_queries: bool = True
    """Attach the OpenTelemetry hook (:mod:`postsql.ext.tracing`) when opentelemetry is installed
    and the application has set a tracer provider (when the Database is built, or by connect());
    without one, spans would go nowhere and no hook is attached."""
    slow_query_threshold: float = Field(default=0.5, ge=0)
    """Seconds after which a query is logged as a warning."""
    log_parameters: bool = False
    """Log parameter values (otherwise they are redacted)."""
    generated_package: str | None = Field(default=None, pattern=r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
    """The project's generated package (``myapp.db``; ``[tool.postsql]`` out): its queries are
    named in hooks, logs, metrics and replica routing, its CHECK constraints in errors."""
    environment: str = Field(default="production", validation_alias="POSTSQL_ENV")
    """``development`` logs every query with its SQL and duration at INFO."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigurationError(_describe(exc)) from None
        except SettingsError as exc:  # the environment's JSON (POSTSQL_SERVER_SETTINGS) is bad
            raise ConfigurationError(_describe_source_error(exc)) from None

    # -- validation -----------------------------------------------------------------------

    @field_validator("replica_urls", mode="before")
    @classmethod
    def _split_replicas(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return tuple(json.loads(text))
            # A comma starts the next URL only before a scheme: a cluster's multi-host URL
            # (postgresql://h1:5432,h2:5432/app) has commas of its own.
            return tuple(part.strip() for part in _URL_LIST_SEP.split(text) if part.strip())
        return value

    @field_validator("environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        # One reading of POSTSQL_ENV for every consumer (the query logger here, the seed command's
        # demo data there): case and surrounding whitespace do not matter; blank is production.
        return value.strip().lower() or "production"

    @field_validator("url", "direct_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name, url in (
            ("url (DATABASE_URL)", self.url),
            ("direct_url (DIRECT_DATABASE_URL)", self.direct_url),
            *((f"replica_urls[{i}]", u) for i, u in enumerate(self.replica_urls)),
        ):
            _check_port(url, setting=name)
        if self.url is not None:
            validate_url(self.url, setting="url (DATABASE_URL)")
        if self.direct_url is not None:
            validate_url(self.direct_url, setting="direct_url (DIRECT_DATABASE_URL)")
            if self.url is None:
                raise ConfigurationError(
                    "direct_url (DIRECT_DATABASE_URL) is set but url (DATABASE_URL) is not: set "
                    "both, or only url (the direct URL defaults to it), or neither to use the "
                    "embedded server"
                )
        for index, replica in enumerate(self.replica_urls):
            validate_url(replica, setting=f"replica_urls[{index}] (POSTSQL_REPLICA_URLS)")
        if self.pool_min_size > self.pool_max_size:
            raise ConfigurationError(
                f"pool_min_size (POSTSQL_POOL_MIN_SIZE) is {self.pool_min_size}, more than "
                f"pool_max_size (POSTSQL_POOL_MAX_SIZE) {self.pool_max_size}"
            )
        if self.pgbouncer and self.statement_cache_size:
            raise ConfigurationError(
                f"statement_cache_size (POSTSQL_STATEMENT_CACHE_SIZE) is "
                f"{self.statement_cache_size} but pgbouncer (POSTSQL_PGBOUNCER) is on: PgBouncer "
                "in transaction mode cannot keep prepared statements; leave it unset or set it to 0"
            )
        for name in ("ssl_root_cert", "ssl_cert", "ssl_key"):
            path = getattr(self, name)
            if name == "ssl_root_cert" and path == Path("system"):
                # libpq's word for the system CA store; postsql.runtime.tls.with_tls resolves it
                continue
            if path is not None and not path.is_file():
                raise ConfigurationError(
                    f"{name} (POSTSQL_{name.upper()}) names no readable file: {str(path)!r}"
                )
        for name, url in (
            ("url (DATABASE_URL)", self.url),
            ("direct_url (DIRECT_DATABASE_URL)", self.direct_url),
            *((f"replica_urls[{i}]", u) for i, u in enumerate(self.replica_urls)),
        ):
            if url is not None:
                _merge_ssl(url, self._ssl_query(), setting=name)
        if self.pgbouncer:
            untracked = sorted(
                k for k in self.server_settings if k.lower() not in _PGBOUNCER_TRACKED
            )
            if untracked:
                raise ConfigurationError(
                    f"server_settings (POSTSQL_SERVER_SETTINGS) sets {', '.join(untracked)}, which "
                    "PgBouncer in transaction mode cannot keep for a client (pgbouncer is on): set "
                    "them on the role instead (ALTER ROLE ... SET ...)"
                )
        for key in self.server_settings:
            if not key or not all(c.isalnum() or c in "._" for c in key):
                raise ConfigurationError(
                    f"server_settings (POSTSQL_SERVER_SETTINGS) has an invalid parameter name "
                    f"{key!r}"
                )
        return self

    # -- derived values -------------------------------------------------------------------

    @property
    def effective_statement_cache_size(self) -> int:
        """The statement cache size handed to asyncpg (0 in PgBouncer mode)."""
        if self.pgbouncer:
            return 0
        if self.statement_cache_size is None:
            return DEFAULT_STATEMENT_CACHE_SIZE
        return self.statement_cache_size

    def target(self, *, start: bool = True) -> DatabaseTarget:
        """Where to connect: the configured URLs, or the URL rule's (embedded server) when unset.

        TLS settings are merged into the URLs' query (``sslmode``, ``sslrootcert``...).

        Example::

            DatabaseSettings(url="postgresql://app@db/app", ssl_mode="require").target().url
            # 'postgresql://app@db/app?sslmode=require'
        """
        if self.url is None:
            resolved = resolve(start=start)
            url, direct, source = resolved.url, resolved.direct_url, resolved.source
        else:
            url, direct, source = self.url, self.direct_url or self.url, "environment"
        ssl = self._ssl_query()
        return DatabaseTarget(
            url=_merge_ssl(url, ssl, setting="url"),
            direct_url=_merge_ssl(direct, ssl, setting="direct_url"),
            source=source,
        )

    def replica_dsns(self) -> tuple[str, ...]:
        """The replica URLs with the TLS settings merged in."""
        ssl = self._ssl_query()
        return tuple(
            _merge_ssl(url, ssl, setting=f"replica_urls[{i}]")
            for i, url in enumerate(self.replica_urls)
        )

    def with_overrides(self, **overrides: Any) -> DatabaseSettings:
        """A validated copy with some fields replaced.

        Example::

            settings.with_overrides(pool_max_size=2)
        """
        values = self.model_dump(exclude_unset=False)
        values.update(overrides)
        return type(self)(**values)

    def _ssl_query(self) -> dict[str, str]:
        query: dict[str, str] = {}
        for field, key in _SSL_QUERY.items():
            value = getattr(self, field)
            if value is not None:
                query[key] = str(value)
        return query

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name in _URL_FIELDS and isinstance(value, str):
                yield name, redact(value)
            elif name in _URL_FIELDS and isinstance(value, tuple):
                yield name, tuple(redact(v) for v in value)
            else:
                yield name, value


def _check_port(url: str | None, *, setting: str) -> None:
    # urlsplit only complains about a bad port when asked, and redact() asks: check every host's
    # port first, with a message that cannot leak the password.
    if url is None:
        return
    try:
        url_hosts(url, setting=setting)  # every host's port, for a cluster's multi-host URL
    except ValueError:
        raise ConfigurationError(f"{setting} has an invalid port number") from None


def _merge_ssl(url: str, ssl: dict[str, str], *, setting: str) -> str:
    # postsql.runtime.tls.with_tls merges (absolute file paths) and validates; a setting that
    # contradicts the URL is refused here first, so neither silently wins.
    if not ssl:
        if tls_settings(url).get("sslrootcert") == "system":
            ssl = {"sslrootcert": "system"}  # resolved to the system CA bundle by with_tls
        else:
            validate_tls(url, setting=setting)
            return url
    present = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for key, value in ssl.items():
        given = present.get(key)
        if given is not None and given != value and not _same_file(given, value, key):
            raise ConfigurationError(
                f"{setting}: the URL says {key}={given} but the TLS setting says {value}; "
                f"set it in one place only ({redact(url)!r})"
            )
    try:
        return with_tls(
            url,
            sslmode=ssl.get("sslmode"),
            sslrootcert=ssl.get("sslrootcert"),
            sslcert=ssl.get("sslcert"),
            sslkey=ssl.get("sslkey"),
        )
    except ConfigurationError as exc:
        raise ConfigurationError(f"{setting}: {exc}") from None


def _same_file(a: str, b: str, key: str) -> bool:
    return key != "sslmode" and Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def _env_name(field: str) -> str:
    return _ENV_NAMES.get(field, f"POSTSQL_{field.upper()}")


def _describe_source_error(exc: SettingsError) -> str:
    # pydantic-settings reads complex fields from the environment as JSON before validation and
    # names the field only in its message; the JSON error says where the text went wrong (and
    # never quotes the value).
    found = re.search(r'field "([^"]+)"', str(exc))
    field = found.group(1) if found else None
    where = f"{field} ({_env_name(field)})" if field else "a setting from the environment"
    cause = exc.__cause__
    reason = f": {cause}" if isinstance(cause, json.JSONDecodeError) else f": {exc}"
    return f"invalid database settings: {where} is not valid JSON{reason}"


def _describe(exc: ValidationError) -> str:
    aliases = {v: k for k, v in _ENV_NAMES.items()}
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        field = aliases.get(loc[0], loc[0]) if loc else "settings"
        where = "".join(f"[{part}]" for part in loc[1:])
        if error["type"] == "extra_forbidden":
            lines.append(f"{field}: not a database setting")
        else:
            lines.append(f"{field}{where} ({_env_name(field)}): {error['msg']}")
    return "invalid database settings: " + "; ".join(lines)
