"""TLS settings in the URL query, the one place asyncpg and dbmate both read them.

``sslmode`` (``disable``, ``allow``, ``prefer``, ``require``, ``verify-ca``, ``verify-full``),
``sslrootcert`` (the CA that signed the server's certificate), ``sslcert`` and ``sslkey`` (a
client certificate) travel as query parameters of ``DATABASE_URL`` / ``DIRECT_DATABASE_URL``.
:func:`with_tls` merges settings into a URL (``DatabaseSettings.ssl_*`` go through it) and checks
them up front: an unknown mode, a missing file or half a client certificate is a
:class:`~postsql.errors.ConfigurationError` naming the setting. :func:`connect` maps a failed
certificate check to :class:`~postsql.errors.TLSVerificationError` saying which check failed.

dbmate's driver (lib/pq) knows no ``prefer`` or ``allow``: :func:`dbmate_sslmode` picks what it
runs with (``postsql.runtime.urls.dbmate_url`` applies it): what the same URL negotiates through
asyncpg, whose ``prefer``/``allow`` fall back as libpq's do.

``sslrootcert=system`` (libpq 16: the system's CA store, ``verify-full`` only) is resolved by
:func:`with_tls` to the system CA bundle's path, which asyncpg and dbmate both read.

Example::

    url = with_tls(os.environ["DATABASE_URL"], sslmode="verify-full", sslrootcert="/etc/ca.pem")
    conn = await connect(url)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from postsql.errors import ConfigurationError, TLSVerificationError
from postsql.runtime.urls import redact, url_host

__all__ = [
    "SSL_MODES",
    "connect",
    "dbmate_sslmode",
    "explain_tls_error",
    "tls_settings",
    "validate_tls",
    "with_tls",
]

SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_FILES = ("sslrootcert", "sslcert", "sslkey")
# OpenSSL verify codes (X509_V_ERR_*) → the check that failed.
_HOSTNAME_CODES = {62, 63, 64}  # hostname, email, IP address mismatch
_CA_CODES = {2, 18, 19, 20, 21, 27, 28}  # unknown issuer, self-signed, untrusted, rejected
_TIME_CODES = {9, 10}  # not yet valid, expired


def tls_settings(url: str) -> dict[str, str]:
    """The ``ssl*`` query parameters of ``url`` (only those), as given."""
    return {k: v for k, v in parse_qsl(urlsplit(url).query) if k.startswith("ssl")}


def with_tls(
    url: str,
    *,
    sslmode: str | None = None,
    sslrootcert: str | os.PathLike[str] | None = None,
    sslcert: str | os.PathLike[str] | None = None,
    sslkey: str | os.PathLike[str] | None = None,
) -> str:
    """``url`` with the given TLS settings merged into its query (None: keep what it says).

    File paths become absolute (dbmate may run from another directory). The result is checked by
    :func:`validate_tls`.

    Example::

        with_tls("postgresql://app@db/blog", sslmode="verify-full", sslrootcert="ca.pem")
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    given: dict[str, str | os.PathLike[str] | None] = {
        "sslmode": sslmode,
        "sslrootcert": sslrootcert,
        "sslcert": sslcert,
        "sslkey": sslkey,
    }
    for key, value in given.items():
        if value is None:
            continue
        text = os.fspath(value)
        if key in _FILES and text != "system":
            text = str(Path(text).expanduser().resolve())
        query[key] = text
    if query.get("sslrootcert") == "system":
        query["sslmode"] = _system_mode(query.get("sslmode"), setting="the database URL")
        query["sslrootcert"] = _system_ca_bundle()
    merged = urlunsplit(parts._replace(query=urlencode(query, safe="/")))
    validate_tls(merged)
    return merged


def _system_mode(mode: str | None, *, setting: str) -> str:
    # libpq 16 refuses a weaker mode with sslrootcert=system and defaults to verify-full with it.
    if mode not in (None, "verify-full"):
        raise ConfigurationError(
            f"sslmode={mode} in {setting} may not be used with sslrootcert=system: the system's "
            "CAs sign certificates for anyone's host names, so only sslmode=verify-full (the "
            "default with it) checks that the server is yours"
        )
    return "verify-full"


def _system_ca_bundle() -> str:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return str(Path(candidate).resolve())
    raise ConfigurationError(
        f"sslrootcert=system: this machine has no system CA bundle (looked for "
        f"{paths.openssl_cafile!r}); give the CA file's path as sslrootcert"
    )


def validate_tls(url: str, *, setting: str = "the database URL") -> None:
    """Raise :class:`ConfigurationError` when the URL's TLS settings cannot work.

    Example::

        validate_tls("postgresql://db/blog?sslmode=verify-full&sslrootcert=/etc/ca.pem")
    """
    found = tls_settings(url)
    mode = found.get("sslmode", "prefer")
    if mode not in SSL_MODES:
        raise ConfigurationError(
            f"sslmode in {setting} must be one of {', '.join(SSL_MODES)}; got {mode!r}"
        )
    if found.get("sslrootcert") == "system":
        _system_mode(found.get("sslmode"), setting=setting)
        # asyncpg opens sslrootcert as a file (a bare FileNotFoundError for "system").
        raise ConfigurationError(
            f"sslrootcert=system in {setting}: asyncpg reads sslrootcert as a file; set it "
            "through DatabaseSettings.ssl_root_cert or postsql.runtime.tls.with_tls, which use the "
            f"system CA bundle ({_system_ca_bundle()}), or give that path"
        )
    for key in _FILES:
        path = found.get(key)
        if path is None:
            continue
        if not Path(path).expanduser().is_file():
            raise ConfigurationError(f"{key} in {setting}: no such file {path!r}")
    if ("sslcert" in found) != ("sslkey" in found):
        raise ConfigurationError(
            f"{setting} gives {'sslcert' if 'sslcert' in found else 'sslkey'} alone: a client "
            "certificate needs both sslcert and sslkey"
        )
    if "sslkey" in found:
        key_mode = Path(found["sslkey"]).expanduser().stat().st_mode & 0o777
        if key_mode & 0o077:
            raise ConfigurationError(
                f"sslkey in {setting} is readable by others (mode {key_mode:o}); "
                "chmod 600 it (libpq and dbmate refuse such keys)"
            )
        if "sslpassword" not in found and _encrypted_key(Path(found["sslkey"]).expanduser()):
            raise ConfigurationError(
                f"sslkey in {setting} is encrypted and no sslpassword is given; add "
                "sslpassword=... to the URL (asyncpg only: dbmate's driver cannot read an "
                "encrypted key, so migrations need an unencrypted one)"
            )
    if mode in ("verify-ca", "verify-full") and "sslrootcert" not in found:
        default = Path("~/.postgresql/root.crt").expanduser()
        if not default.is_file():
            raise ConfigurationError(
                f"sslmode={mode} in {setting} needs sslrootcert (the CA that signed the "
                f"server's certificate); {default} does not exist either"
            )


def _encrypted_key(path: Path) -> bool:
    # PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY") or OpenSSL's legacy PEM ("Proc-Type: 4,ENCRYPTED").
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    return b"ENCRYPTED PRIVATE KEY" in head or b"Proc-Type: 4,ENCRYPTED" in head


def dbmate_sslmode(mode: str | None, *, local: bool, url: str | None = None) -> str | None:
    """The sslmode dbmate runs with for ``mode`` (None: leave the URL without one).

    lib/pq has no ``prefer``/``allow`` (nor asyncpg's default, ``prefer`` over TCP). Given the
    ``url``, dbmate runs as that URL's connection through asyncpg did: ``require`` when it ended
    on TLS, ``disable`` when the server offered none (``prefer``) or took clear text (``allow``),
    just as libpq falls back; so a server that accepts only TLS migrates over TLS, and one
    without TLS is not refused. Over a Unix socket there is no TLS. When that connection fails
    (dbmate will then say why), or without a ``url``: a local server (socket or loopback) runs
    without TLS, a remote one with ``require`` (never silently in clear text); no mode at all:
    ``disable`` locally, lib/pq's default otherwise.

    Example::

        dbmate_sslmode("prefer", local=False)  # "require"
    """
    host = url_host(url) if url is not None else None
    negotiable = mode in ("prefer", "allow") or (mode is None and "PGSSLMODE" not in os.environ)
    if url is not None and host is not None and not host.startswith("/") and negotiable:
        negotiated = _negotiated_tls(url)
        if negotiated is not None:
            return "require" if negotiated else "disable"
    if mode in ("prefer", "allow"):
        return "disable" if local or mode == "allow" else "require"
    if mode is None:
        return "disable" if local else None
    return mode


def _negotiated_tls(url: str) -> bool | None:
    """Whether a connection to ``url`` through asyncpg ends on TLS; None when it fails."""

    async def probe() -> bool:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            used = await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            return bool(used)
        finally:
            await conn.close()

    result: list[bool] = []

    def run() -> None:  # a thread of its own: the caller may be inside an event loop
        # A failed connection leaves the choice to the fallback; dbmate then reports the error.
        with contextlib.suppress(Exception):
            result.append(asyncio.run(probe()))

    thread = threading.Thread(target=run, name="postsql-tls-probe")
    thread.start()
    thread.join()
    return result[0] if result else None


def explain_tls_error(exc: BaseException, url: str) -> TLSVerificationError | None:
    """A :class:`TLSVerificationError` saying which check failed, or None for other errors.

    Example::

        except ssl.SSLCertVerificationError as exc:
            raise explain_tls_error(exc, url) or exc
    """
    if not isinstance(exc, ssl.SSLCertVerificationError):
        return None
    code = getattr(exc, "verify_code", None)
    reason = getattr(exc, "verify_message", None) or str(exc)
    host = url_host(url) or "?"
    root = tls_settings(url).get("sslrootcert", "~/.postgresql/root.crt")
    if code in _HOSTNAME_CODES:
        return TLSVerificationError(
            f"TLS hostname check failed: the server's certificate is not valid for {host!r} "
            f"({reason}); connect by a name the certificate lists, or use sslmode=verify-ca",
            check="hostname",
        )
    if code in _CA_CODES:
        return TLSVerificationError(
            f"TLS certificate authority check failed: the server's certificate is not signed "
            f"by a CA in sslrootcert {root!r} ({reason})",
            check="certificate-authority",
        )
    if code in _TIME_CODES:
        return TLSVerificationError(
            f"TLS certificate validity check failed for {host!r}: {reason}", check="expired"
        )
    return TLSVerificationError(
        f"TLS certificate check failed for {host!r}: {reason}", check="other"
    )


async def connect(url: str, **kwargs: Any) -> asyncpg.Connection:
    """``asyncpg.connect(url)`` after :func:`validate_tls`, with certificate failures explained.

    Example::

        conn = await connect("postgresql://app@db/blog?sslmode=verify-full&sslrootcert=ca.pem")
    """
    validate_tls(url)
    try:
        return await asyncpg.connect(url, **kwargs)
    except ssl.SSLCertVerificationError as exc:
        explained = explain_tls_error(exc, url)
        if explained is None:  # pragma: no cover - explain handles every SSLCertVerificationError
            raise
        raise explained from None
    except ConnectionError as exc:
        raise ConnectionError(f"cannot connect to {redact(url)}: {exc}") from None
