"""Every error postsql raises on its own account derives from :class:`PostsqlError`.

The tree::

    PostsqlError
    ├── ConfigurationError        a setting or URL is missing or malformed
    ├── EmbeddedServerError       the embedded PostgreSQL could not be started or stopped
    ├── MigrationError            dbmate (or the schema dump) failed
    ├── SeedError                 seeding failed or was asked for something impossible
    └── CodegenError              a query or the schema could not be turned into code
        ├── QueryParseError       a query file breaks the aiosql format (file:line)
        ├── QueryCheckError       the server rejected a query while describing it (file:line)
        └── UnsupportedTypeError  a column or parameter has a type we do not map
    InvalidArgument               a repository call got a bad argument (names the parameter)
    └── InvalidCursorError        a keyset cursor was altered, forged or made for another list

PostgreSQL's own errors are not wrapped: asyncpg raises its ``PostgresError`` subclasses, which keep
``sqlstate``, ``constraint_name``, ``detail`` and ``hint``.
"""

from __future__ import annotations

__all__ = [
    "CodegenError",
    "ConfigurationError",
    "EmbeddedServerError",
    "InvalidArgument",
    "InvalidCursorError",
    "MigrationError",
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


class InvalidArgument(PostsqlError):
    """Raised when a repository call gets an argument it refuses before any round trip.

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
