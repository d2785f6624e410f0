"""Testing: one real PostgreSQL per test run and databases cloned from a migrated template.

:mod:`postsql.testing.server` does the work; :mod:`postsql.testing.plugin` is the pytest plugin
(installed as an entry point, so a project's tests get its fixtures with no conftest code).
"""

from postsql.testing.server import *  # noqa: F403 - the server module's __all__ is this package's
from postsql.testing.server import __all__ as __all__
