"""Errors from generated functions name the query and the parameter, as codegen's errors do.

A hostile run found ``invalid input for query argument $1: '7'`` with no parameter name and, on a
plain connection (or a ``Database`` without the query in its registry), nothing naming the query;
and a naive ``datetime`` accepted for a ``timestamptz`` parameter typed ``AwareDatetime``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from blog.generated.queries import comments, posts, taxonomy
from postsql.errors import InvalidArgument
from postsql.runtime.database import Database


class NoRoundTrips:
    """An executor that fails the test when anything reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} reached the database; the argument should have been refused")


def _notes(exc: BaseException) -> list[str]:
    return [str(note) for note in getattr(exc, "__notes__", ())]


async def test_a_wrong_typed_argument_names_the_query_and_the_parameter(
    db: asyncpg.Connection,
) -> None:
    with pytest.raises(asyncpg.DataError, match=r"query argument \$1") as caught:
        await posts.increment_view_count(db, id="7")  # type: ignore[arg-type]
    assert _notes(caught.value) == [
        f"postsql: in query increment_view_count ({posts.INCREMENT_VIEW_COUNT.location}): $1 is :id"
    ]


async def test_a_server_error_names_the_query(db: asyncpg.Connection) -> None:
    await taxonomy.create_tag(db, name="SQL", slug="sql")
    with pytest.raises(asyncpg.UniqueViolationError) as caught:
        await taxonomy.create_tag(db, name="SQL", slug="sql")
    assert _notes(caught.value) == [
        f"postsql: in query create_tag ({taxonomy.CREATE_TAG.location})"
    ]


async def test_through_a_database_the_query_is_named_once_and_the_parameter_added(
    db_url: str,
) -> None:
    async with Database(url=db_url, log_queries=False) as database:
        with pytest.raises(asyncpg.DataError) as caught:
            await posts.increment_view_count(database, id="7")  # type: ignore[arg-type]
    notes = _notes(caught.value)
    assert len([n for n in notes if "in query increment_view_count" in n]) == 1
    assert notes[-1] == "postsql: $1 is :id"


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (
            lambda db: posts.find_posts(db, since=datetime(2026, 1, 1), limit=5, offset=0),
            "since",
        ),
        (
            lambda db: comments.list_comments_for_post(
                db,
                post_id=1,
                after_created_at=datetime(2026, 1, 1),
                after_id=0,
                limit=5,
            ),
            "after_created_at",
        ),
    ],
)
async def test_a_naive_datetime_for_a_timestamptz_parameter_is_refused_naming_it(
    call: Any, parameter: str
) -> None:
    with pytest.raises(InvalidArgument, match="timezone-aware") as caught:
        await call(NoRoundTrips())
    assert caught.value.parameter == parameter


async def test_an_aware_datetime_and_none_pass(db: asyncpg.Connection) -> None:
    for after in (None, datetime(2026, 1, 1, tzinfo=UTC)):
        rows = await posts.find_posts(db, since=after, author_id=1, limit=5, offset=0)
        assert rows == []
