"""The error tree: one root, every class drawn in the module docstring with a "raised" line."""

from __future__ import annotations

import postsql.errors as errors


def test_every_error_class_derives_from_the_root_and_says_when_it_is_raised() -> None:
    assert errors.__doc__ is not None
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.PostsqlError), name
        assert name in errors.__doc__, f"{name} is missing from the tree in the docstring"
        if cls is not errors.PostsqlError:
            assert cls.__doc__ is not None
            assert cls.__doc__.startswith("Raised"), name


def test_pool_timeout_is_also_a_timeout_error() -> None:
    assert issubclass(errors.PoolTimeout, TimeoutError)
