"""Finding the command-line tools postsql runs (dbmate, ruff, squawk): the one installed beside
this interpreter by its wheel first, else the one on ``PATH``.

Example::

    dbmate = find_executable("dbmate", purpose="migrations", error=MigrationError)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from postsql.errors import PostsqlError

__all__ = ["find_executable"]


def find_executable(name: str, *, purpose: str, error: type[PostsqlError]) -> str:
    """The path of ``name``; else ``error`` saying it comes with the dev extra.

    ``purpose`` completes "``name`` not found: ... needs it": what postsql runs it for.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise error(
            f"{name} not found: {purpose} needs it; it comes with postsql's development "
            "tooling: pip install 'postsql[dev]'"
        )
    return found
