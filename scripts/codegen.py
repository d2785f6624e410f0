"""Generate typed models and query functions from SQL (see docs/codegen.md).

Run from the repository root: ``python scripts/codegen.py [--check] [--manifest FILE.json]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from postsql.codegen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
