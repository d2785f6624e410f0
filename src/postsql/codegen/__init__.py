"""Build time only: SQL files and a schema in, typed Python out; the runtime never imports this.

Example::

    from postsql.codegen.cli import main
    main(["--check"])
"""

from __future__ import annotations

__all__: list[str] = []
