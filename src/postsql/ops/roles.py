"""Least-privilege roles: run the project's roles file (``[tool.postsql] roles``) as an admin,
with names and passwords configured.

Three roles (README, "Security"): the **migrator** owns the schema and runs migrations
(``DIRECT_DATABASE_URL``), the **app** role has only the DML the queries need (``DATABASE_URL``),
the **readonly** role reads (reports, replicas). Names come from options or ``POSTSQL_*_ROLE``;
passwords only from the environment (``POSTSQL_MIGRATOR_PASSWORD``, ``POSTSQL_APP_PASSWORD``,
``POSTSQL_READONLY_PASSWORD``) and travel to the server as SCRAM-SHA-256 verifiers computed here,
so the cleartext never reaches the server's logs. Nothing here prints or logs a password.

Command line::

    POSTSQL_ADMIN_URL=postgresql://postgres@db/myapp POSTSQL_APP_PASSWORD=... \\
        postsql roles apply --app myapp_app

Example::

    names = await apply_roles(admin_url, app="myapp_app", sql_file=Path("sql/roles.sql"))
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from postsql.errors import ConfigurationError
from postsql.runtime.urls import redact, validate_url

__all__ = ["RoleNames", "apply_roles", "main", "scram_verifier"]

DEFAULT_NAMES = {
    "migrator": "postsql_migrator",
    "app": "postsql_app",
    "readonly": "postsql_readonly",
}
_SCRAM_ITERATIONS = 4096


@dataclass(frozen=True, slots=True)
class RoleNames:
    """The three role names, validated (see :meth:`validated`)."""

    migrator: str = DEFAULT_NAMES["migrator"]
    app: str = DEFAULT_NAMES["app"]
    readonly: str = DEFAULT_NAMES["readonly"]

    def validated(self) -> RoleNames:
        """Self, once each name is a usable, distinct role name; else ConfigurationError."""
        seen: dict[str, str] = {}
        for kind in ("migrator", "app", "readonly"):
            name = getattr(self, kind)
            if not name or len(name.encode()) > 63:
                raise ConfigurationError(f"{kind} role name must be 1 to 63 bytes, got {name!r}")
            if name.lower().startswith("pg_") or "\x00" in name:
                raise ConfigurationError(f"{kind} role name {name!r} is reserved or invalid")
            if name in seen:
                raise ConfigurationError(
                    f"the {seen[name]} and {kind} roles must differ, both are {name!r}"
                )
            seen[name] = kind
        return self


def scram_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802, RFC 7677).

    ``ALTER ROLE ... PASSWORD '<verifier>'`` stores it as is, so the server never sees the password.
    ASCII passwords only: PostgreSQL normalises others with SASLprep, which this does not repeat.

    Example::

        scram_verifier("s3cret").startswith("SCRAM-SHA-256$4096:")
    """
    if not password:
        raise ConfigurationError("a role password must not be empty (leave it unset instead)")
    if not password.isascii():
        raise ConfigurationError("role passwords must be ASCII (PostgreSQL would SASLprep others)")
    salt = secrets.token_bytes(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


async def apply_roles(
    admin_url: str,
    *,
    migrator: str = DEFAULT_NAMES["migrator"],
    app: str = DEFAULT_NAMES["app"],
    readonly: str = DEFAULT_NAMES["readonly"],
    passwords: Mapping[str, str] | None = None,
    sql_file: Path,
) -> RoleNames:
    """Create or update the three roles and their privileges in ``admin_url``'s database.

    ``passwords`` maps ``"migrator"``/``"app"``/``"readonly"`` to passwords (missing: unchanged).
    Idempotent; runs in one transaction.

    Example::

        await apply_roles(admin_url, app="myapp_app", passwords={"app": pw}, sql_file=roles)
    """
    validate_url(admin_url, setting="admin URL")
    names = RoleNames(migrator, app, readonly).validated()
    passwords = dict(passwords or {})
    unknown = set(passwords) - set(DEFAULT_NAMES)
    if unknown:
        raise ConfigurationError(f"passwords for unknown roles: {sorted(unknown)}")
    settings = {
        "postsql.migrator_role": names.migrator,
        "postsql.app_role": names.app,
        "postsql.readonly_role": names.readonly,
    }
    for kind, password in sorted(passwords.items()):
        settings[f"postsql.{kind}_password"] = scram_verifier(password)
    try:
        sql = await asyncio.to_thread(sql_file.read_text, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"roles file {sql_file}: {exc.strerror or exc} (set [tool.postsql] roles)"
        ) from None
    try:
        conn = await asyncpg.connect(admin_url)
    except (OSError, asyncpg.PostgresError) as exc:
        raise ConfigurationError(f"cannot connect to {redact(admin_url)}: {exc}") from None
    try:
        async with conn.transaction():
            for key, value in settings.items():
                await conn.execute("SELECT set_config($1, $2, true)", key, value)
            await conn.execute(sql)
    except asyncpg.PostgresError as exc:
        raise ConfigurationError(f"applying {sql_file} failed: {exc}") from None
    finally:
        await conn.close()
    return names


def _passwords(env: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for kind in DEFAULT_NAMES:
        value = env.get(f"POSTSQL_{kind.upper()}_PASSWORD", "")
        if value:
            out[kind] = value
    return out


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """``postsql roles apply [--admin-url URL] [--migrator N] [--app N] [--readonly N]``.

    The admin URL defaults to ``POSTSQL_ADMIN_URL``, else the project's direct URL (the embedded
    server's superuser when nothing is configured).
    """
    env = os.environ if env is None else env
    parser = argparse.ArgumentParser(prog="postsql roles")
    sub = parser.add_subparsers(dest="command", required=True)
    apply = sub.add_parser("apply", help="create or update the roles and their privileges")
    apply.add_argument("--admin-url", default=env.get("POSTSQL_ADMIN_URL", ""))
    apply.add_argument("--roles-file", type=Path, required=True, help="the SQL to run")
    for kind, default in DEFAULT_NAMES.items():
        apply.add_argument(
            f"--{kind}",
            default=env.get(f"POSTSQL_{kind.upper()}_ROLE", default),
            help=f"role name (env POSTSQL_{kind.upper()}_ROLE; password from "
            f"POSTSQL_{kind.upper()}_PASSWORD)",
        )
    args = parser.parse_args(argv)
    admin_url: str = args.admin_url
    if not admin_url:
        from postsql.runtime.urls import resolve

        admin_url = resolve(env).direct_url
    names = asyncio.run(
        apply_roles(
            admin_url,
            migrator=args.migrator,
            app=args.app,
            readonly=args.readonly,
            passwords=_passwords(env),
            sql_file=args.roles_file,
        )
    )
    print(f"roles applied on {redact(admin_url)}:")
    print(f"  migrator {names.migrator}  (DIRECT_DATABASE_URL: runs migrations, owns the schema)")
    print(f"  app      {names.app}  (DATABASE_URL: the service's DML)")
    print(f"  readonly {names.readonly}  (reports and replicas)")
    return 0
