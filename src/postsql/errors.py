"""Every error postsql raises on its own account derives from :class:`PostsqlError`.

The tree::

    PostsqlError
    ├── ConfigurationError        a setting or URL is missing or malformed
    ├── NotConnected              a Database is used before connect() or after disconnect()
    ├── NoWritableHost            no server of a cluster's multi-host URL accepts writes now
    ├── NotFound                  a row that must exist does not (postsql.runtime.database.require)
    ├── PoolTimeout               no pooled connection became free within acquire_timeout
    ├── TransactionOutcomeUnknown the connection failed while COMMIT was in flight
    ├── EmbeddedServerError       the embedded PostgreSQL could not be started or stopped
    ├── MigrationError            dbmate (or the schema dump) failed
    ├── SeedError                 seeding failed or was asked for something impossible
    ├── AuditError                the audit actor was set wrongly (outside a transaction, empty)
    ├── BackupError               a backup, restore or verification could not be done
    ├── CacheError                a query cannot be cached, or the cache backend failed
    ├── CodegenError              a query or the schema could not be turned into code
    │   ├── QueryParseError       a query file breaks the aiosql format (file:line)
    │   ├── QueryCheckError       the server rejected a query while describing it (file:line)
    │   └── UnsupportedTypeError  a column or parameter has a type we do not map
    ├── IntegrityViolation        a row broke a constraint (runtime.integrity maps asyncpg's)
    ├── InvalidArgument           a repository or generated function got a bad argument
    │   └── InvalidCursorError    a keyset cursor was altered, forged or made for another list
    └── TLSVerificationError      the server's certificate failed a check (postsql.runtime.tls)

PostgreSQL's own errors are not wrapped, except constraint violations when the caller asks
(:func:`postsql.runtime.integrity.map_integrity_error`): asyncpg raises its ``PostgresError``
subclasses, which keep ``sqlstate``, ``constraint_name``, ``detail`` and ``hint``. When one comes
from a generated query, :class:`postsql.runtime.database.Database` adds a note naming the query and
its
``file:line`` (shown in tracebacks, in ``exc.__notes__``) without changing the class or sqlstate.
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "BackupError",
    "CacheError",
    "CodegenError",
    "ConfigurationError",
    "EmbeddedServerError",
    "IntegrityViolation",
    "InvalidArgument",
    "InvalidCursorError",
    "MigrationError",
    "NoWritableHost",
    "NotConnected",
    "NotFound",
    "PoolTimeout",
    "PostsqlError",
    "QueryCheckError",
    "QueryParseError",
    "SeedError",
    "TLSVerificationError",
    "TransactionOutcomeUnknown",
    "UnsupportedTypeError",
]


class PostsqlError(Exception):
    """Root of every error postsql raises itself."""


class ConfigurationError(PostsqlError):
    """Raised when a setting, environment variable or URL is missing or malformed."""


class NoWritableHost(PostsqlError):
    """Raised when no server of a cluster's multi-host URL accepts writes (all unreachable or
    standbys, as during a failover) and a command needs the writable one
    (:func:`postsql.runtime.failover.writable_url`)."""


class NotConnected(PostsqlError):
    """Raised when a :class:`~postsql.Database` is used before ``connect()`` or after
    ``disconnect()``."""


class NotFound(PostsqlError):
    """Raised by :func:`postsql.runtime.database.require` when a row that must exist is missing."""


class PoolTimeout(PostsqlError, TimeoutError):
    """Raised when no pooled connection became free within ``acquire_timeout`` seconds.

    Also a :class:`TimeoutError`, so generic timeout handling catches it.
    """


class TransactionOutcomeUnknown(PostsqlError):
    """Raised when the connection failed (server gone, connection closed) while a transaction's
    COMMIT was in flight: the server may or may not have committed it. Check before running the
    transaction again; the underlying error is its ``__cause__``.

    A *cancelled* task never gets this: once sent, COMMIT runs to its end and reports its real
    outcome (see :meth:`postsql.runtime.database.Database.transaction`).
    """


class EmbeddedServerError(PostsqlError):
    """Raised when the embedded PostgreSQL cannot be initialised, started, reached or stopped."""


class MigrationError(PostsqlError):
    """Raised when dbmate exits non-zero or the schema dump cannot be written."""


class SeedError(PostsqlError):
    """Raised when seeding fails or is given impossible sizes."""


class AuditError(PostsqlError):
    """Raised when the audit actor is set outside a transaction or to an empty value, or an audit
    read is given a bad argument (a non-positive limit)."""


class BackupError(PostsqlError):
    """Raised when pg_dump/pg_restore fail or no suitable one is installed, a backup file is
    missing or fails its checksum, a restore target is not empty, or the manifest is unreadable."""


class CacheError(PostsqlError):
    """Raised when a query cannot be cached (not generated, writes, no TTL) or, in strict mode,
    when the cache backend (Redis) fails; the message names the query or the backend."""


class CodegenError(PostsqlError):
    """Raised when the schema or a query cannot be turned into code."""


class QueryParseError(CodegenError):
    """Raised when a query file breaks the aiosql format; the message starts with file:line."""


class QueryCheckError(CodegenError):
    """Raised when the server rejects a query while describing it; message starts file:line."""


class UnsupportedTypeError(CodegenError):
    """Raised when a column or parameter has a PostgreSQL type that has no Python mapping."""


class IntegrityViolation(PostsqlError):
    """Raised when a row breaks a constraint (SQLSTATE class 23), mapped from asyncpg's error.

    Names the ``constraint``, ``table``, ``column`` and the model ``field`` when known, and the
    ``sqlstate``; never the offending value (it may be a secret or personal data).
    """

    def __init__(
        self,
        message: str,
        *,
        constraint: str | None,
        table: str | None,
        column: str | None,
        field: str | None,
        sqlstate: str,
    ) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.table = table
        self.column = column
        self.field = field
        self.sqlstate = sqlstate


class TLSVerificationError(PostsqlError):
    """Raised when the server's TLS certificate fails verification; ``check`` names which.

    ``check`` is ``"hostname"`` (the certificate is not for the host connected to),
    ``"certificate-authority"`` (not signed by a trusted root), ``"expired"`` or ``"other"``.
    """

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        self.check = check


class InvalidArgument(PostsqlError):
    """Raised when a repository call (or a generated function: a naive datetime for a
    ``timestamptz`` parameter) gets an argument it refuses before any round trip.

    ``parameter`` names the argument (``page``, ``limit``, ``status``...); the message starts with
    it, e.g. ``limit: must be between 1 and 100, got 500``.
    """

    def __init__(self, parameter: str, problem: str) -> None:
        super().__init__(f"{parameter}: {problem}")
        self.parameter = parameter
        self.problem = problem


class InvalidCursorError(InvalidArgument):
    """Raised when a keyset cursor was altered, forged, truncated or made for another listing."""

    def __init__(self, problem: str, parameter: str = "cursor") -> None:
        super().__init__(parameter, problem)
