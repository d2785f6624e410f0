"""Golden cases: ``cases/<case>/{schema.sql, queries/, expected/}``, generated end to end.

Regenerate the expected files after an intended change with::

    POSTSQL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/codegen/test_golden.py

Expected files carry a ``.txt`` suffix so that ruff and mypy leave them alone (their real-package
counterpart, ``src/blog/generated``, is checked by both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from codegen.helpers import CASES, generate_case

pytestmark = pytest.mark.db

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if (p / "schema.sql").is_file())


def _expected(case: Path) -> dict[str, str]:
    base = case / "expected"
    return {
        p.relative_to(base).as_posix().removesuffix(".txt"): p.read_text(encoding="utf-8")
        for p in sorted(base.rglob("*.txt"))
    }


@pytest.mark.parametrize("case_name", CASE_NAMES)
async def test_generated_files_match_the_golden_directory(case_name: str, admin_url: str) -> None:
    case = CASES / case_name
    generated = await generate_case(case, admin_url)
    if os.environ.get("POSTSQL_UPDATE_GOLDEN"):
        shutil.rmtree(case / "expected", ignore_errors=True)
        for rel, text in generated.files.items():
            target = case / "expected" / f"{rel}.txt"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    expected = _expected(case)
    assert sorted(generated.files) == sorted(expected), "generated file set differs"
    for rel, text in generated.files.items():
        assert text == expected[rel], f"{case_name}/{rel} differs from its golden file"


@pytest.mark.parametrize("case_name", CASE_NAMES)
async def test_generation_is_deterministic(case_name: str, admin_url: str) -> None:
    first = await generate_case(CASES / case_name, admin_url, format_output=False)
    second = await generate_case(CASES / case_name, admin_url, format_output=False)
    assert first.files == second.files
