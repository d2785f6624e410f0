"""Offset page arithmetic and keyset cursors that callers cannot forge; no database needed."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postsql.errors import ConfigurationError
from postsql.pagination import CursorCodec, InvalidCursorError, PaginatedResult, total_pages

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("total", "limit", "pages"), [(0, 10, 0), (1, 10, 1), (10, 10, 1), (11, 10, 2), (95, 7, 14)]
)
def test_total_pages_rounds_up_and_is_zero_for_no_rows(total: int, limit: int, pages: int) -> None:
    assert total_pages(total, limit) == pages


def test_paginated_result_is_generic_and_frozen() -> None:
    page = PaginatedResult[int](data=[1, 2], total=2, page=1, limit=10, total_pages=1)
    assert page.data == [1, 2]
    with pytest.raises(ValueError, match="frozen"):
        page.total = 3


@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=30)), min_size=1, max_size=4))
def test_a_cursor_round_trips_its_values(values: list[int | str | None]) -> None:
    codec = CursorCodec(KEY)
    assert codec.decode("posts", codec.encode("posts", values)) == values


def test_a_cursor_with_one_flipped_byte_is_rejected() -> None:
    codec = CursorCodec(KEY)
    token = codec.encode("posts", ["2026-01-01T00:00:00+00:00", 42])
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 0x01
    forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(InvalidCursorError, match="cursor: signature"):
        codec.decode("posts", forged)


def test_a_cursor_signed_with_another_key_is_rejected() -> None:
    token = CursorCodec(b"x" * 32).encode("posts", [1])
    with pytest.raises(InvalidCursorError, match="cursor"):
        CursorCodec(KEY).decode("posts", token)


def test_a_cursor_for_another_listing_is_rejected() -> None:
    codec = CursorCodec(KEY)
    with pytest.raises(InvalidCursorError, match="made for listing 'users'"):
        codec.decode("posts", codec.encode("users", [1]))


@pytest.mark.parametrize("garbage", ["", "!!!", "abc", "a" * 500, "===="])
def test_garbage_is_rejected_clearly(garbage: str) -> None:
    with pytest.raises(InvalidCursorError, match=r"^cursor: "):
        CursorCodec(KEY).decode("posts", garbage)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least 16 bytes"):
        CursorCodec(b"short")


def test_the_codec_repr_hides_the_key() -> None:
    assert "k" * 16 not in repr(CursorCodec(KEY))
