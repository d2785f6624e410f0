"""postsql: hand-written SQL for Python services on PostgreSQL, typed by the database.

The public surface is small: the connection manager and its settings, bulk insert, the error
tree and the database resolution rule. A project's generated query functions live in its own
package (``[tool.postsql] out``) and import only :mod:`postsql.runtime`.

The layers, in the order data flows: :mod:`postsql.project` (the config every command reads);
build time: :mod:`postsql.migrations`, :mod:`postsql.codegen`; run time: :mod:`postsql.runtime`
(what a service imports), :mod:`postsql.ext`; then :mod:`postsql.ops`, :mod:`postsql.testing` and
the command, :mod:`postsql.cli`.
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
from postsql.runtime.copy import copy_models
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
    "copy_models",
    "redact",
    "resolve",
]

__version__ = "0.1.0"
