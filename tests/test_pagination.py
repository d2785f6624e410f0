"""Offset page arithmetic and keyset cursors that callers cannot forge; no database needed."""

from __future__ import annotations

import base64
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postsql.errors import ConfigurationError
from postsql.runtime.pagination import CursorCodec, InvalidCursorError, PaginatedResult, total_pages

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


def test_a_rotated_key_still_accepts_cursors_signed_with_the_previous_one() -> None:
    old, new = b"o" * 32, b"n" * 32
    token = CursorCodec(old).encode("posts", [7])
    rotated = CursorCodec(new, previous=[old])
    assert rotated.decode("posts", token) == [7]
    assert CursorCodec(new).decode("posts", rotated.encode("posts", [8])) == [8]  # signs with new
    with pytest.raises(InvalidCursorError, match="POSTSQL_CURSOR_PREVIOUS_KEY"):
        CursorCodec(new).decode("posts", token)


def test_the_previous_key_comes_from_the_environment_too(monkeypatch: pytest.MonkeyPatch) -> None:
    token = CursorCodec(b"o" * 32).encode("posts", [1])
    monkeypatch.setenv("POSTSQL_CURSOR_KEY", "n" * 32)
    monkeypatch.setenv("POSTSQL_CURSOR_PREVIOUS_KEY", "o" * 32)
    assert CursorCodec().decode("posts", token) == [1]
    monkeypatch.setenv("POSTSQL_CURSOR_PREVIOUS_KEY", "short")
    with pytest.raises(ConfigurationError, match="POSTSQL_CURSOR_PREVIOUS_KEY / previous"):
        CursorCodec()


def test_a_missing_key_is_logged_as_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("POSTSQL_CURSOR_KEY", raising=False)
    monkeypatch.delenv("POSTSQL_CURSOR_PREVIOUS_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="postsql.runtime.pagination"):
        one, two = CursorCodec(), CursorCodec()
    assert "POSTSQL_CURSOR_KEY is not set" in caplog.text
    with pytest.raises(InvalidCursorError):  # two processes, two random keys
        two.decode("posts", one.encode("posts", [1]))
