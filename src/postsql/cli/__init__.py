"""The ``postsql`` command: one module per command group, wired in :mod:`postsql.cli.main`."""

from postsql.cli.main import main

__all__ = ["main"]
