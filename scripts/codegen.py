"""Generate this repository's typed code: postsql's own built-in queries, then the example's.

Run from the repository root: ``python scripts/codegen.py [--check] [--manifest FILE.json]``.
A project of your own runs ``postsql codegen`` instead (see docs/codegen.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from postsql.codegen.cli import main  # noqa: E402 - after the path set-up above

# postsql's built-in queries (health, reports, backups, the audit reader) ship in the package.
BUILTIN = ROOT / "src" / "postsql" / "sql" / "postsql.toml"

if __name__ == "__main__":
    args = sys.argv[1:]
    builtin = [a for a in args if a != "--manifest" and not a.endswith(".json")]
    status = main([*builtin, "--project", str(BUILTIN)])
    raise SystemExit(status or main([*args, "--project", str(ROOT)]))
