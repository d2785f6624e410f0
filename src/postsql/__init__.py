"""postsql: hand-written SQL for Python services on PostgreSQL, typed by the database.

The public surface is small: the connection manager and its settings, the error tree and the
database resolution rule. Generated query functions live in :mod:`blog.generated`.
"""

from postsql.errors import (
    BackupError,
    CodegenError,
    ConfigurationError,
    EmbeddedServerError,
    IntegrityViolation,
    InvalidArgument,
    InvalidCursorError,
    MigrationError,
    NotConnected,
    NotFound,
    PoolTimeout,
    PostsqlError,
    QueryCheckError,
    QueryParseError,
    SeedError,
    TLSVerificationError,
    UnsupportedTypeError,
)
from postsql.runtime.database import Database
from postsql.runtime.settings import DatabaseSettings
from postsql.runtime.urls import DatabaseTarget, redact, resolve

__all__ = [
    "BackupError",
    "CodegenError",
    "ConfigurationError",
    "Database",
    "DatabaseSettings",
    "DatabaseTarget",
    "EmbeddedServerError",
    "IntegrityViolation",
    "InvalidArgument",
    "InvalidCursorError",
    "MigrationError",
    "NotConnected",
    "NotFound",
    "PoolTimeout",
    "PostsqlError",
    "QueryCheckError",
    "QueryParseError",
    "SeedError",
    "TLSVerificationError",
    "UnsupportedTypeError",
    "__version__",
    "redact",
    "resolve",
]

__version__ = "0.1.0"
