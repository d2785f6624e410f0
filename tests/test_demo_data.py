"""The demo-data generator without a database: sizes, validation, determinism, realism."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import fields
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blog.demo_data import (
    BASE_TIME,
    DEMO_EMAIL_DOMAIN,
    POST_COLUMNS,
    TIME_SPAN,
    DemoData,
    DemoIds,
    DemoSizes,
    generate_demo_data,
    max_categories,
    max_tags,
)
from postsql.errors import SeedError

MEDIUM = DemoSizes(users=60, posts=400, comments=1_500, categories=10, tags=40)
P = {name: i for i, name in enumerate(POST_COLUMNS)}


@pytest.fixture(scope="module")
def medium() -> DemoData:
    return generate_demo_data(MEDIUM, seed=42)


# -- DemoSizes validation -------------------------------------------------------------------------


@pytest.mark.parametrize("field_name", [f.name for f in fields(DemoSizes)])
def test_negative_size_raises_seed_error_naming_the_field(field_name: str) -> None:
    with pytest.raises(SeedError, match=rf"DemoSizes\.{field_name} must be >= 0, got -1"):
        DemoSizes(**{field_name: -1})


@pytest.mark.parametrize("bad", [1.5, "10", True, None])
def test_non_integer_size_raises_seed_error_naming_the_field(bad: object) -> None:
    with pytest.raises(SeedError, match=r"DemoSizes\.posts must be an int"):
        DemoSizes(posts=bad)  # type: ignore[arg-type]  # the point of the test


def test_posts_without_users_are_impossible() -> None:
    with pytest.raises(SeedError, match=r"DemoSizes\.posts=5 needs users >= 1"):
        DemoSizes(users=0, posts=5, comments=0)


def test_comments_without_posts_are_impossible() -> None:
    with pytest.raises(SeedError, match=r"DemoSizes\.comments=3 needs posts >= 1"):
        DemoSizes(users=2, posts=0, comments=3)


def test_more_categories_than_distinct_names_is_impossible() -> None:
    with pytest.raises(SeedError, match=r"DemoSizes\.categories="):
        DemoSizes(categories=max_categories() + 1)
    assert DemoSizes(categories=max_categories()).categories == max_categories()


def test_more_tags_than_distinct_names_is_impossible() -> None:
    with pytest.raises(SeedError, match=r"DemoSizes\.tags="):
        DemoSizes(tags=max_tags() + 1)


def test_all_zero_sizes_generate_nothing() -> None:
    data = generate_demo_data(DemoSizes(users=0, posts=0, comments=0, categories=0, tags=0))
    assert set(data.counts().values()) == {0}


def test_ids_of_the_wrong_length_raise_seed_error() -> None:
    sizes = DemoSizes(users=2, posts=1, comments=0, categories=0, tags=0)
    ids = DemoIds(users=[10], categories=[], tags=[], posts=[20])
    with pytest.raises(SeedError, match=r"DemoIds\.users has 1 ids for 2 rows"):
        generate_demo_data(sizes, ids=ids)


# -- sizes and determinism ------------------------------------------------------------------------


def test_generated_row_counts_match_the_sizes_exactly(medium: DemoData) -> None:
    counts = medium.counts()
    assert counts["users"] == counts["user_profiles"] == MEDIUM.users
    assert counts["posts"] == MEDIUM.posts
    assert counts["comments"] == MEDIUM.comments
    assert counts["categories"] == MEDIUM.categories
    assert counts["tags"] == MEDIUM.tags


def test_same_seed_generates_identical_data(medium: DemoData) -> None:
    assert generate_demo_data(MEDIUM, seed=42) == medium


def test_different_seed_generates_different_data(medium: DemoData) -> None:
    other = generate_demo_data(MEDIUM, seed=43)
    assert other.posts != medium.posts
    assert other.comments != medium.comments
    assert {p[P["title"]] for p in other.posts} != {p[P["title"]] for p in medium.posts}


def test_generation_uses_the_given_ids_for_rows_and_references() -> None:
    sizes = DemoSizes(users=3, posts=4, comments=10, categories=2, tags=3)
    ids = DemoIds(users=[101, 102, 103], categories=[7, 8], tags=[30, 31, 32], posts=[9, 5, 6, 1])
    data = generate_demo_data(sizes, seed=1, ids=ids)
    assert [u[0] for u in data.users] == [101, 102, 103]
    assert {p[P["author_id"]] for p in data.posts} <= {101, 102, 103}
    assert [p[0] for p in data.posts] == [9, 5, 6, 1]
    assert {c[0] for c in data.comments} <= {9, 5, 6, 1}
    assert {link[1] for link in data.post_categories} <= {7, 8}
    assert {link[1] for link in data.post_tags} <= {30, 31, 32}


@settings(max_examples=25, deadline=None)
@given(
    users=st.integers(1, 15),
    posts=st.integers(0, 30),
    comments=st.integers(0, 60),
    categories=st.integers(0, 5),
    tags=st.integers(0, 8),
    seed=st.integers(0, 2**32),
)
def test_any_valid_sizes_give_exact_counts_and_valid_references(
    users: int, posts: int, comments: int, categories: int, tags: int, seed: int
) -> None:
    sizes = DemoSizes(
        users=users,
        posts=posts,
        comments=comments if posts else 0,
        categories=categories,
        tags=tags,
    )
    data = generate_demo_data(sizes, seed=seed)
    assert len(data.posts) == sizes.posts
    assert len(data.comments) == sizes.comments
    user_ids = {u[0] for u in data.users}
    post_ids = {p[0] for p in data.posts}
    assert {p[P["author_id"]] for p in data.posts} <= user_ids
    assert {(c[0] in post_ids and c[1] in user_ids) for c in data.comments} <= {True}
    assert len(set(data.post_categories)) == len(data.post_categories)
    assert len(set(data.post_tags)) == len(data.post_tags)


# -- realism --------------------------------------------------------------------------------------


def test_slugs_emails_and_names_are_unique(medium: DemoData) -> None:
    slugs = [p[P["slug"]] for p in medium.posts]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(s)) for s in slugs)
    emails = [u[1] for u in medium.users]
    assert len(set(emails)) == len(emails)
    assert all(str(e).endswith("@" + DEMO_EMAIL_DOMAIN) for e in emails)
    for rows in (medium.categories, medium.tags):
        assert len({r[1] for r in rows}) == len(rows)
        assert len({r[2] for r in rows}) == len(rows)


def test_statuses_are_mixed_and_only_unpublished_drafts_lack_published_at(
    medium: DemoData,
) -> None:
    statuses = Counter(p[P["status"]] for p in medium.posts)
    assert set(statuses) == {"DRAFT", "PUBLISHED", "ARCHIVED"}
    assert statuses["PUBLISHED"] > statuses["DRAFT"] > statuses["ARCHIVED"]
    for post in medium.posts:
        has_published_at = post[P["published_at"]] is not None
        assert has_published_at == (post[P["status"]] != "DRAFT")


def test_some_users_posts_and_comments_are_soft_deleted(medium: DemoData) -> None:
    deleted_posts = sum(p[P["deleted_at"]] is not None for p in medium.posts)
    deleted_comments = sum(c[5] is not None for c in medium.comments)
    assert 0 < deleted_posts < len(medium.posts) / 5
    assert 0 < deleted_comments < len(medium.comments) / 5
    big = generate_demo_data(DemoSizes(users=400, posts=1, comments=0), seed=42)
    assert any(u[7] is not None for u in big.users)


def test_timestamps_come_from_the_fixed_base_not_the_clock(medium: DemoData) -> None:
    earliest, latest = BASE_TIME - TIME_SPAN, BASE_TIME + timedelta(days=31)
    posts_by_id = {p[0]: p for p in medium.posts}
    for post in medium.posts:
        created, updated = post[P["created_at"]], post[P["updated_at"]]
        assert earliest <= created <= updated <= latest  # type: ignore[operator]
    for comment in medium.comments:
        post = posts_by_id[comment[0]]
        post_time = post[P["published_at"]] or post[P["created_at"]]
        assert post_time <= comment[3] <= latest  # type: ignore[operator]
    created_times = [p[P["created_at"]] for p in medium.posts]
    assert len(set(created_times)) > len(created_times) * 0.9  # spread over time, not one instant


def test_content_words_follow_a_zipf_like_distribution(medium: DemoData) -> None:
    words = Counter(
        w.strip(".,?:").lower() for p in medium.posts for w in str(p[P["content"]]).split()
    )
    content = [n for w, n in words.most_common() if len(w) > 4]
    assert len(content) > 150  # a real vocabulary, not a handful of words
    assert content[0] > 10 * content[len(content) // 2]  # a few words are common, most are rare


def test_titles_share_words_and_contents_mention_them(medium: DemoData) -> None:
    title_words = Counter(
        w.lower() for p in medium.posts for w in set(str(p[P["title"]]).split()) if len(w) > 3
    )
    top_word, top_count = title_words.most_common(1)[0]
    assert top_count > len(medium.posts) * 0.05, top_word
    for post in medium.posts[:50]:
        nouns = [w.lower() for w in str(post[P["title"]]).rstrip(":").split() if len(w) > 3]
        assert any(n.rstrip(":") in str(post[P["content"]]).lower() for n in nouns), post[1]


def test_post_content_has_paragraphs_of_sentences(medium: DemoData) -> None:
    content = str(medium.posts[0][P["content"]])
    paragraphs = content.split("\n\n")
    assert 2 <= len(paragraphs) <= 5
    assert all(p[0].isupper() and p[-1] in ".?" for p in paragraphs)
    with_excerpt = [p for p in medium.posts if p[P["excerpt"]] is not None]
    assert len(medium.posts) / 2 < len(with_excerpt) < len(medium.posts)
    assert all(str(p[P["excerpt"]]) in str(p[P["content"]]) for p in with_excerpt)
