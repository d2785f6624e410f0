"""Every error postsql raises on its own account derives from :class:`PostsqlError`.

The tree::

    PostsqlError
    ├── ConfigurationError        a setting or URL is missing or malformed
    ├── NotConnected              a Database is used before connect() or after disconnect()
    ├── NotFound                  a row that must exist does not (postsql.database.require)
    ├── PoolTimeout               no pooled connection became free within acquire_timeout
    ├── EmbeddedServerError       the embedded PostgreSQL could not be started or stopped
    ├── MigrationError            dbmate (or the schema dump) failed
    ├── SeedError                 seeding failed or was asked for something impossible
    └── CodegenError              a query or the schema could not be turned into code
        ├── QueryParseError       a query file breaks the aiosql format (file:line)
        ├── QueryCheckError       the server rejected a query while describing it (file:line)
        └── UnsupportedTypeError  a column or parameter has a type we do not map

PostgreSQL's own errors are not wrapped: asyncpg raises its ``PostgresError`` subclasses, which keep
``sqlstate``, ``constraint_name``, ``detail`` and ``hint``. When one comes from a generated query,
:class:`postsql.database.Database` adds a note naming the query and its ``file:line`` (shown in
tracebacks, in ``exc.__notes__``) without changing the class or the sqlstate.
"""

from __future__ import annotations

__all__ = [
    "CodegenError",
    "ConfigurationError",
    "EmbeddedServerError",
    "MigrationError",
    "NotConnected",
    "NotFound",
    "PoolTimeout",
    "PostsqlError",
    "QueryCheckError",
    "QueryParseError",
    "SeedError",
    "UnsupportedTypeError",
]


class PostsqlError(Exception):
    """Root of every error postsql raises itself."""


class ConfigurationError(PostsqlError):
    """Raised when a setting, environment variable or URL is missing or malformed."""


class NotConnected(PostsqlError):
    """Raised when a :class:`~postsql.database.Database` is used before ``connect()`` or after
    ``disconnect()``."""


class NotFound(PostsqlError):
    """Raised by :func:`postsql.database.require` when a row that must exist is missing."""


class PoolTimeout(PostsqlError, TimeoutError):
    """Raised when no pooled connection became free within ``acquire_timeout`` seconds.

    Also a :class:`TimeoutError`, so generic timeout handling catches it.
    """


class EmbeddedServerError(PostsqlError):
    """Raised when the embedded PostgreSQL cannot be initialised, started, reached or stopped."""


class MigrationError(PostsqlError):
    """Raised when dbmate exits non-zero or the schema dump cannot be written."""


class SeedError(PostsqlError):
    """Raised when seeding fails or is given impossible sizes."""


class CodegenError(PostsqlError):
    """Raised when the schema or a query cannot be turned into code."""


class QueryParseError(CodegenError):
    """Raised when a query file breaks the aiosql format; the message starts with file:line."""


class QueryCheckError(CodegenError):
    """Raised when the server rejects a query while describing it; message starts file:line."""


class UnsupportedTypeError(CodegenError):
    """Raised when a column or parameter has a PostgreSQL type that has no Python mapping."""
