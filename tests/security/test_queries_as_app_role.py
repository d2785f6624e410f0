"""The blog's query tests again, connected as the least-privilege application role.

The test functions are tests/test_queries_sql.py's own (imported, so pytest collects them here
too); this module's ``conn`` fixture overrides the suite's, connecting to a database that the
migrator migrated after ``sql/roles.sql`` ran, as the application role. Every query they call
must work with only the grants the roles give.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from postsql.ops.roles import RoleNames

# Collected by pytest as tests of this module; `blog` is their fixture (it uses `conn` below).
from test_queries_sql import (  # noqa: F401
    blog,
    test_attach_and_detach_are_idempotent,
    test_bulk_update_status_counts_changes_and_skips_soft_deleted_posts,
    test_category_and_tag_counts_count_live_posts_only,
    test_comment_on_a_soft_deleted_post_is_refused_and_inserts_nothing,
    test_create_post_defaults_to_draft_and_stamps_published_posts,
    test_create_user_writes_user_and_profile_in_one_statement,
    test_find_post_by_slug_nests_what_simple_queries_return,
    test_find_posts_filters_combine_and_none_means_no_filter,
    test_find_posts_lists_live_posts_newest_first_with_total,
    test_hard_delete_user_removes_a_user_without_posts_and_refuses_an_author,
    test_increment_view_count_returns_the_new_count_atomically,
    test_keyset_pages_cover_every_live_post_exactly_once_in_order,
    test_list_comments_for_post_pages_live_comments_with_authors,
    test_post_statistics_equal_a_python_recomputation,
    test_publishing_sets_published_at_once,
    test_search_finds_a_word_of_the_content_with_a_highlighted_excerpt,
    test_soft_deleted_users_are_hidden_until_restored,
    test_soft_deleting_and_restoring_a_post,
    test_update_user_changes_only_the_given_fields,
    test_upsert_by_email_inserts_then_updates_and_never_revives_soft_deleted_users,
    test_upsert_role_inserts_then_replaces_permissions,
)

from .conftest import as_user


@pytest.fixture
def db_url(secured_db_url: str, role_names: RoleNames) -> str:
    """The suite's ``db_url``, as the application role (some tests open more connections)."""
    return as_user(secured_db_url, role_names.app)


@pytest.fixture
async def conn(db_url: str, role_names: RoleNames) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(db_url)
    try:
        assert await connection.fetchval("SELECT current_user") == role_names.app
        yield connection
    finally:
        await connection.close()
