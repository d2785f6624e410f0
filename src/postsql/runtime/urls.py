"""Which database: the one resolution rule shared by the Makefile, the library and the tests.

1. ``DATABASE_URL`` (the application's URL; may point through PgBouncer) and ``DIRECT_DATABASE_URL``
   (migrations and admin work; defaults to ``DATABASE_URL``), when set.
2. Otherwise the embedded PostgreSQL, its data under ``.postsql/`` (or ``$POSTSQL_HOME``), started
   on demand and reused by later commands.

Example::

    target = resolve()
    print(redact(target.url))
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from postsql.errors import ConfigurationError

__all__ = [
    "DEFAULT_DATABASE",
    "DatabaseTarget",
    "check_embedded_allowed",
    "database_name",
    "dbmate_url",
    "home_dir",
    "host_urls",
    "is_multi_host",
    "redact",
    "resolve",
    "split_netloc",
    "url_host",
    "url_hosts",
    "validate_url",
    "with_database",
]

DEFAULT_DATABASE = "postsql"
_SCHEMES = ("postgres", "postgresql")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
# libpq's and asyncpg's values for target_session_attrs.
_SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """Where the application connects (``url``) and where migrations run (``direct_url``)."""

    url: str
    direct_url: str
    source: Literal["environment", "embedded"]

    def __repr__(self) -> str:
        return (
            f"DatabaseTarget(url={redact(self.url)!r}, direct_url={redact(self.direct_url)!r}, "
            f"source={self.source!r})"
        )


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """The directory holding the embedded server's data: ``$POSTSQL_HOME`` or ``./.postsql``."""
    env = os.environ if env is None else env
    configured = env.get("POSTSQL_HOME")
    return Path(configured).resolve() if configured else (Path.cwd() / ".postsql").resolve()


def resolve(
    env: Mapping[str, str] | None = None, *, start: bool = True, require_url: bool = False
) -> DatabaseTarget:
    """Apply the resolution rule; start the embedded server when nothing is configured.

    ``start=False`` only reports a running embedded server and raises when none runs. The
    embedded server is a development convenience: with ``POSTSQL_ENV=production`` (or
    ``require_url``, from the project's ``require_database_url``) and no ``DATABASE_URL``, this
    raises :class:`ConfigurationError` at once instead of starting an empty server.
    """
    env = os.environ if env is None else env
    url = env.get("DATABASE_URL", "").strip()
    direct = env.get("DIRECT_DATABASE_URL", "").strip()
    if url:
        validate_url(url, setting="DATABASE_URL")
        if direct:
            validate_url(direct, setting="DIRECT_DATABASE_URL")
        return DatabaseTarget(url=url, direct_url=direct or url, source="environment")
    if direct:
        raise ConfigurationError(
            "DIRECT_DATABASE_URL is set but DATABASE_URL is not: set both, or only DATABASE_URL "
            "(the direct URL defaults to it), or neither to use the embedded server"
        )
    check_embedded_allowed(env, require_url=require_url)
    from postsql.ops.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(home_dir(env))
    embedded_url = server.start() if start else server.running_url()
    return DatabaseTarget(url=embedded_url, direct_url=embedded_url, source="embedded")


def check_embedded_allowed(env: Mapping[str, str], *, require_url: bool = False) -> None:
    """Raise :class:`ConfigurationError` naming ``DATABASE_URL`` where the embedded server must
    not stand in for it: ``POSTSQL_ENV=production``, or ``require_url``."""
    if require_url or env.get("POSTSQL_ENV", "").strip().lower() == "production":
        why = "require_database_url = true" if require_url else "POSTSQL_ENV=production"
        raise ConfigurationError(
            f"DATABASE_URL is not set ({why}): set DATABASE_URL to the database's URL; the "
            "embedded PostgreSQL is for development only"
        )


def url_host(url: str) -> str | None:
    """The host a URL connects to: ``user@HOST``, else its ``?host=`` (a socket directory too)."""
    parts = urlsplit(url)
    return parts.hostname or dict(parse_qsl(parts.query)).get("host") or None


def validate_url(url: str, *, setting: str) -> None:
    """Raise :class:`ConfigurationError` naming ``setting`` unless ``url`` is a PostgreSQL URL.

    Every port (``host:PORT``, each host of a multi-host URL, ``?port=``) must be 1-65535, and the
    URL must have no ``#`` fragment: an unescaped ``#`` (or ``?``, ``/``) in a password cuts the
    URL short, so the password would be read as the host or port. Messages never repeat the URL's
    secrets.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced "[" of an IPv6 address
        raise ConfigurationError(f"{setting} is not a URL that can be parsed") from None
    if parts.fragment or "#" in url or _cut_short(url, parts.netloc):
        raise ConfigurationError(
            f"{setting} is cut short by a '#', '?' or '/' in its user name or password: "
            "percent-encode them there ('#' as %23, '?' as %3F, '/' as %2F, '@' as %40)"
        )
    _check_ports(url, parts.netloc, parts.query, setting)
    if parts.scheme not in _SCHEMES:
        raise ConfigurationError(
            f"{setting} must be a postgres:// or postgresql:// URL, got {redact(url)!r}"
        )
    if url_host(url) is None:
        raise ConfigurationError(
            f"{setting} names no host (neither user@HOST nor ?host=/socket/dir): {redact(url)!r}"
        )
    hosts = url_hosts(url, setting=setting)
    if any(not host for host, _ in hosts):
        raise ConfigurationError(
            f"{setting} lists an empty host (two commas, or a comma at either end): {redact(url)!r}"
        )
    attrs = dict(parse_qsl(parts.query)).get("target_session_attrs")
    if attrs is not None and attrs not in _SESSION_ATTRS:
        raise ConfigurationError(
            f"{setting}: target_session_attrs must be one of {', '.join(_SESSION_ATTRS)}, "
            f"got {attrs!r}"
        )


def url_hosts(url: str, *, setting: str = "the URL") -> tuple[tuple[str, int | None], ...]:
    """Every ``(host, port)`` a URL names, in order (``port`` ``None``: the default, 5432).

    A cluster's URL lists several, as libpq and asyncpg accept them:
    ``postgresql://app@h1:5432,h2:5433/app?target_session_attrs=read-write`` (or the query form
    ``?host=h1,h2&port=5432,5433``); a socket directory is a host too. Raises
    :class:`ConfigurationError` naming ``setting`` for a port that is not a number from 1 to
    65535 (without quoting the URL, which may hold a password).

    Example::

        url_hosts("postgresql://app@db1:5432,db2/app")   # (("db1", 5432), ("db2", None))
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    hostspec = split_netloc(parts.netloc)[2]
    if hostspec:
        pairs = [_split_hostport(item) for item in hostspec.split(",")]
    else:
        names = query.get("host", "").split(",")
        ports = query.get("port", "").split(",")
        if len(ports) == 1:
            ports = ports * len(names)
        if len(ports) != len(names):
            raise ConfigurationError(
                f"{setting} lists {len(names)} hosts but {len(ports)} ports in its query"
            )
        pairs = list(zip(names, ports, strict=True))
    hosts: list[tuple[str, int | None]] = []
    for host, port in pairs:
        if not port:
            hosts.append((unquote(host), None))
            continue
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigurationError(f"{setting} has an invalid port number")
        hosts.append((unquote(host), int(port)))
    return tuple(hosts)


def _split_hostport(item: str) -> tuple[str, str]:
    if item.startswith("["):  # [IPv6]:port
        host, _, rest = item[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = item.partition(":")
    return host, port


def is_multi_host(url: str) -> bool:
    """Whether ``url`` lists more than one server (a cluster's URL; see :func:`url_hosts`)."""
    return len(url_hosts(url)) > 1


def host_urls(url: str) -> tuple[str, ...]:
    """One single-server URL per host of ``url``, in order, without ``target_session_attrs``:
    what a tool that connects to one server (dbmate, pg_dump, a probe) is given.

    Example::

        host_urls("postgresql://app@h1:5432,h2:5433/app?target_session_attrs=read-write")
        # ('postgresql://app@h1:5432/app', 'postgresql://app@h2:5433/app')
    """
    parts = urlsplit(url)
    user, password, _ = split_netloc(parts.netloc)
    userinfo = (user + (f":{password}" if password is not None else "") + "@") if user else ""
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in ("target_session_attrs", "host", "port")
    ]
    urls = []
    for host, port in url_hosts(url):
        extra: list[tuple[str, str]] = []
        if host.startswith("/"):
            netloc = userinfo
            extra = [("host", host)] + ([("port", str(port))] if port else [])
        else:
            name = f"[{host}]" if ":" in host else quote(host, safe="")
            netloc = userinfo + name + (f":{port}" if port else "")
        urls.append(
            urlunsplit(parts._replace(netloc=netloc, query=urlencode(extra + query, safe="/")))
        )
    return tuple(urls)


def _check_ports(url: str, netloc: str, query: str, setting: str) -> None:
    _, _, hostport = split_netloc(netloc)
    ports = [_port_of(host) for host in hostport.split(",")] if hostport else []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "port":
            ports.extend(value.split(","))
    for port in ports:
        if port and not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise ConfigurationError(
                f"{setting} has an invalid port number (a port is 1-65535); if the URL has a "
                "password with ':', '@', '/', '?' or '#', percent-encode them"
            )


def _port_of(host: str) -> str:
    # "[::1]:5432", "db:5432", "db": the text after the host's ":" ("" for none).
    if host.startswith("["):
        _, _, after = host.partition("]")
        return after[1:] if after.startswith(":") else ""
    return host.partition(":")[2]


def _cut_short(url: str, netloc: str) -> bool:
    """Whether an unescaped ``/``, ``?`` or ``#`` in the userinfo ended the netloc before its
    ``@``: an ``@`` follows the netloc outside any ``key=value`` of the query."""
    if "@" in netloc:
        return False
    _, _, rest = url.partition("://")
    before_at, at, _ = rest[len(netloc) :].rpartition("@")
    return bool(at) and "=" not in before_at


# Query parameters libpq and asyncpg read a secret from (``sslpassword`` unlocks a client key).
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


def redact(url: str) -> str:
    """``url`` with every password replaced by ``***``; never log or print a URL without this.

    Covers the ``user:PASSWORD@`` part and the ``?password=`` / ``?sslpassword=`` parameters, and
    never raises: text that does not parse as a URL (a bad port, say) comes back with everything
    between ``://`` and ``@`` masked and the secret parameters masked; a URL an unescaped ``#``,
    ``?`` or ``/`` in its password cut short (``postgresql://app:12345#x@host/db``) comes back as
    ``postgresql://***@host/db``, and one that cannot be split at all as ``<unparsable URL>``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if _cut_short(url, parts.netloc):
        # The userinfo's "@" is outside the netloc urlsplit found: the password held a
        # character that ended the netloc early. Everything up to the last "@" may be secret.
        scheme, separator, rest = url.partition("://")
        return redact(f"{scheme}{separator}***@{rest.rpartition('@')[2]}")
    if parts.fragment:
        return urlunsplit(parts._replace(netloc="***", query="", fragment="***"))
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(key.lower() in _SECRET_PARAMS for key, _ in pairs):
            query = urlencode(
                [(k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*/"
            )
    netloc = parts.netloc
    user, password, hostport = split_netloc(netloc)
    if password is not None:
        netloc = f"{user}:***@{hostport}"
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def split_netloc(netloc: str) -> tuple[str, str | None, str]:
    """``(user, password, host[:port])`` of a URL's netloc, as written (percent-encoded).

    Split at the last ``@`` and the first ``:`` before it, without parsing the port, so a netloc
    ``urlsplit`` would refuse (a bad port, an unescaped ``@`` in the password) still splits.
    """
    userinfo, at, hostport = netloc.rpartition("@")
    if not at:
        return "", None, netloc
    user, colon, password = userinfo.partition(":")
    return user, password if colon else None, hostport


def database_name(url: str) -> str:
    """The database a URL names, percent-decoded as libpq and asyncpg decode it (the user's name,
    or ``postgres``, when it names none, as libpq does); the inverse of :func:`with_database`."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    return name or unquote(parts.username or "") or "postgres"


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(database, safe="")))


def dbmate_url(url: str) -> str:
    """Translate an asyncpg/libpq URL into the form dbmate's driver reads.

    dbmate connects to one server: give it one of :func:`host_urls` (the writable one, which
    :func:`postsql.runtime.failover.writable_url` finds), never a cluster's multi-host URL.

    A Unix-socket directory given as ``?host=/dir`` becomes ``?socket=/dir``. dbmate's driver has no
    ``sslmode=prefer`` (libpq's default) and defaults to ``require``; so when the URL says nothing,
    a socket or loopback address gets ``sslmode=disable`` (TLS buys nothing there) and any other
    host keeps dbmate's ``require``.
    """
    if is_multi_host(url):
        raise ConfigurationError(
            f"dbmate connects to one server, not to every host of {redact(url)!r}: resolve the "
            "writable one first (postsql.runtime.failover.writable_url)"
        )
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    out: list[tuple[str, str]] = []
    local = parts.hostname in _LOOPBACK
    for key, value in query:
        if key == "host" and value.startswith("/"):
            out.append(("socket", value))
            local = True
        else:
            out.append((key, value))
    # lib/pq has no sslmode=prefer/allow: postsql.runtime.tls.dbmate_sslmode says what dbmate runs
    # with.
    from postsql.runtime.tls import dbmate_sslmode

    given = next((v for k, v in out if k == "sslmode"), None)
    mode = dbmate_sslmode(given, local=local, url=url)
    out = [(k, v) for k, v in out if k != "sslmode"] + ([("sslmode", mode)] if mode else [])
    return urlunsplit(parts._replace(scheme="postgres", query=urlencode(out, safe="/")))
