"""Fixtures for codegen tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from postsql.testing import TestServer


@pytest.fixture(scope="session")
def admin_url(test_pg: TestServer) -> str:
    """A URL on the test server from which codegen may create its scratch database."""
    return test_pg.admin_url


@pytest.fixture
def importable_dir(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path`` on ``sys.path`` for generated packages; what was imported from it is
    forgotten afterwards, so the next test imports its own package of the same name."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
                del sys.modules[name]
