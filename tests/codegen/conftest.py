"""Fixtures for codegen tests."""

from __future__ import annotations

import pytest

from postsql.testing import TestServer


@pytest.fixture(scope="session")
def admin_url(test_pg: TestServer) -> str:
    """A URL on the test server from which codegen may create its scratch database."""
    return test_pg.admin_url
