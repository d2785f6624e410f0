"""Every user-supplied value has a documented bound, checked before any I/O.

A hostile run found a search term costing a minute per MiB (the title substring match and the
tsquery are evaluated per post), slugs and names longer than a btree index entry may be
(``ProgramLimitExceededError``), role descriptions and permissions reaching the server unchecked,
bulk-insert ids past bigint (``OverflowError``), audit limits of the wrong type, and error messages
repeating a megabyte of bad input. Each is refused here by an executor that fails the test if it
is reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from blog.generated.models import CommentInsert, PostInsert
from blog.repositories import (
    CommentRepository,
    PostRepository,
    RoleRepository,
    TaxonomyRepository,
    UserRepository,
)
from blog.repositories._common import (
    ECHO_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_IDS,
    MAX_NAME_LENGTH,
    MAX_SEARCH_LENGTH,
    MAX_TEXT_LENGTH,
)
from postsql.errors import AuditError, InvalidArgument
from postsql.ext import audit


class NoRoundTrips:
    """An executor that fails the test when anything reaches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} reached the database; validation should have stopped it")


DB: Any = NoRoundTrips()
POSTS = PostRepository(DB, cursors=None)
USERS = UserRepository(DB)
COMMENTS = CommentRepository(DB)
TAXONOMY = TaxonomyRepository(DB)
ROLES = RoleRepository(DB)
_POST: dict[str, Any] = {"title": "T", "content": "C", "slug": "t", "author_id": 1}

Call = Callable[[], Awaitable[object]]

OVER_THE_LIMIT: list[tuple[str, Call]] = [
    ("search", lambda: POSTS.find_posts(search="'" * (MAX_SEARCH_LENGTH + 1))),
    ("search", lambda: POSTS.count_posts(search="a " * 500_000)),
    ("slug", lambda: POSTS.create_post(**{**_POST, "slug": "a" * 3_000})),
    ("slug", lambda: POSTS.find_post_by_slug("a" * (MAX_NAME_LENGTH + 1))),
    ("title", lambda: POSTS.create_post(**{**_POST, "title": "T" * (MAX_NAME_LENGTH + 1)})),
    ("content", lambda: POSTS.create_post(**{**_POST, "content": "c" * (MAX_TEXT_LENGTH + 1)})),
    ("name", lambda: TAXONOMY.create_tag(name="n" * 3_000, slug="n")),
    ("slug", lambda: TAXONOMY.create_category(name="n", slug="s" * 3_000)),
    ("name", lambda: ROLES.upsert(name="r" * 3_000)),
    ("name", lambda: ROLES.get("r" * 3_000)),
    ("name", lambda: USERS.create(email="a@b.org", name="n" * 3_000)),
    ("email", lambda: USERS.get_by_email("e" * (MAX_EMAIL_LENGTH + 1))),
    ("bio", lambda: USERS.create(email="a@b.org", name="A", bio="b" * (MAX_TEXT_LENGTH + 1))),
    ("content", lambda: COMMENTS.add(post_id=1, author_id=1, content="c" * (MAX_TEXT_LENGTH + 1))),
    ("ids", lambda: POSTS.bulk_update_status(range(1, MAX_IDS + 2), "DRAFT")),
    ("tag_ids", lambda: TAXONOMY.attach_tags(1, iter(range(1, 10**12)))),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("parameter", "call"), OVER_THE_LIMIT)
async def test_an_input_over_its_documented_limit_is_refused_naming_the_parameter(
    parameter: str, call: Call
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await call()
    assert caught.value.parameter == parameter


async def test_the_longest_accepted_search_term_passes_validation() -> None:
    # It reaches the executor (which fails the test with AssertionError, not InvalidArgument).
    with pytest.raises(AssertionError, match="reached the database"):
        await POSTS.count_posts(search="'" * MAX_SEARCH_LENGTH)


ROLE_TEXT: list[tuple[str, Call]] = [
    ("description", lambda: ROLES.upsert(name="editor", description="a\x00b")),
    ("description", lambda: ROLES.upsert(name="editor", description="\udc80")),
    ("permissions[1]", lambda: ROLES.upsert(name="editor", permissions=["ok", "x\x00"])),
    ("permissions[0]", lambda: ROLES.upsert(name="editor", permissions=["\ud800"])),
    ("permissions[0]", lambda: ROLES.upsert(name="editor", permissions=["p" * 3_000])),
    ("permissions", lambda: ROLES.upsert(name="editor", permissions="posts:write")),
    ("permissions", lambda: ROLES.upsert(name="editor", permissions=["p"] * 1_001)),
]


@pytest.mark.parametrize(("parameter", "call"), ROLE_TEXT)
async def test_role_descriptions_and_permissions_are_checked_like_names(
    parameter: str, call: Call
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await call()
    assert caught.value.parameter == parameter


@pytest.mark.parametrize(
    ("rows", "insert"),
    [
        ([CommentInsert(post_id=2**63, author_id=1, content="c")], COMMENTS.bulk_insert_comments),
        (
            [CommentInsert(post_id=1, author_id=-(2**63) - 1, content="c")],
            COMMENTS.bulk_insert_comments,
        ),
        ([PostInsert(**{**_POST, "view_count": 2**64})], POSTS.bulk_insert_posts),
        (
            [PostInsert(**_POST), PostInsert(**{**_POST, "slug": "s" * 3_000})],
            POSTS.bulk_insert_posts,
        ),
    ],
)
async def test_bulk_inserts_refuse_ids_past_bigint_and_overlong_keys_naming_the_item(
    rows: list[Any], insert: Callable[[list[Any]], Awaitable[int]]
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await insert(rows)
    assert caught.value.parameter == "rows"
    assert "item " in str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: POSTS.find_posts(status="X" * 1_000_000),
        lambda: POSTS.find_posts(page=10**5000),
        lambda: POSTS.find_posts(author_id="9" * 1_000_000),  # type: ignore[arg-type]
        lambda: POSTS.bulk_update_status(["x" * 1_000_000], "DRAFT"),  # type: ignore[list-item]
        lambda: USERS.list_users(deleted="y" * 1_000_000),  # type: ignore[arg-type]
    ],
)
async def test_an_error_message_repeats_only_a_short_prefix_of_the_bad_value(call: Call) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await call()
    assert len(str(caught.value)) < 4 * ECHO_LENGTH + 100


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: audit.history(DB, "posts", 1, limit="5"), "limit"),  # type: ignore[arg-type]
        (lambda: audit.history(DB, "posts", 1, limit=Decimal("NaN")), "limit"),  # type: ignore[arg-type]
        (lambda: audit.recent(DB, limit=2**63), "limit"),
        (lambda: audit.recent(DB, limit=0), "limit"),
        (lambda: audit.recent(DB, limit=True), "limit"),
        (lambda: audit.history(DB, "posts\x00", 1), "table"),
        (lambda: audit.history(DB, "posts", "k" * 10_000), "key"),
    ],
)
async def test_audit_reads_refuse_bad_limits_and_keys_naming_the_parameter(
    call: Call, parameter: str
) -> None:
    with pytest.raises(AuditError, match=rf"^{parameter}: "):
        await call()


def test_a_set_actor_with_text_postgresql_cannot_hold_is_refused_before_the_server() -> None:
    with pytest.raises(AuditError, match=r"^actor: must not contain NUL"):
        asyncio.run(audit.set_actor(DB, "al\x00ice"))
