"""``postsql.__all__`` lists exactly the public names the package exposes."""

from __future__ import annotations

import postsql


def test_all_lists_every_public_name_and_nothing_else() -> None:
    public = {
        name
        for name in vars(postsql)
        if not name.startswith("_") and not isinstance(getattr(postsql, name), type(postsql))
    }
    assert set(postsql.__all__) - {"__version__"} == public


def test_all_is_sorted_and_free_of_duplicates() -> None:
    assert sorted(postsql.__all__, key=str.lower) == sorted(set(postsql.__all__), key=str.lower)
