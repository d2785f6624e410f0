"""Pages of results: offset pages with totals, and opaque, tamper-evident keyset cursors.

A keyset cursor carries the sort key of the last row a caller saw. It is signed with HMAC-SHA256 so
a caller cannot forge a position (or smuggle other values into the query); a cursor that was
altered, truncated, signed with another key or made for another listing is rejected with
:class:`InvalidCursorError`, which names the ``cursor`` parameter.

Example::

    codec = CursorCodec(key=b"secret from settings")
    token = codec.encode("posts.created", [created_at.isoformat(), post_id])
    created, post_id = codec.decode("posts.created", token)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
from collections.abc import Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from postsql.errors import ConfigurationError, InvalidCursorError

__all__ = [
    "CursorCodec",
    "CursorPage",
    "InvalidCursorError",
    "PaginatedResult",
    "default_codec",
    "total_pages",
]

T = TypeVar("T")
_SIGNATURE_BYTES = 16
_KEY_ENV = "POSTSQL_CURSOR_KEY"
_PREVIOUS_KEY_ENV = "POSTSQL_CURSOR_PREVIOUS_KEY"
_log = logging.getLogger("postsql.runtime.pagination")


def total_pages(total: int, limit: int) -> int:
    """Number of pages of ``limit`` rows needed for ``total`` rows (0 when there are none)."""
    return math.ceil(total / limit) if total else 0


class PaginatedResult(BaseModel, Generic[T]):
    """One offset page: ``data`` plus what a client needs to draw the pager."""

    model_config = ConfigDict(frozen=True)

    data: list[T]
    total: int
    page: int
    limit: int
    total_pages: int


class CursorPage(BaseModel, Generic[T]):
    """One keyset page: ``next_cursor`` is None on the last page."""

    model_config = ConfigDict(frozen=True)

    data: list[T]
    limit: int
    next_cursor: str | None


class CursorCodec:
    """Signs and verifies keyset cursors; see the module docstring.

    ``key`` defaults to ``$POSTSQL_CURSOR_KEY``. Without it a random per-process key is used and a
    warning is logged: cursors then only survive within one process and one run, so set the
    variable wherever several processes serve or a restart must not break open pages.

    Rotating the key: set the new one in ``$POSTSQL_CURSOR_KEY`` and the old one in
    ``$POSTSQL_CURSOR_PREVIOUS_KEY`` (or pass ``previous=``). New cursors are signed with the new
    key; cursors signed with the previous one are still accepted until it is removed.
    """

    def __init__(
        self, key: bytes | None = None, *, previous: Sequence[bytes] | None = None
    ) -> None:
        if key is None:
            configured = os.environ.get(_KEY_ENV, "").strip()
            if configured:
                key = configured.encode()
            else:
                _log.warning(
                    "%s is not set: keyset cursors are signed with a random key of this process, "
                    "so a cursor from another worker or from before a restart will be refused; "
                    "set it (the same value everywhere) to keep cursors valid across processes",
                    _KEY_ENV,
                )
                key = secrets.token_bytes(32)
        if previous is None:
            old = os.environ.get(_PREVIOUS_KEY_ENV, "").strip()
            previous = [old.encode()] if old else []
        for name, value in [(f"{_KEY_ENV} / key", key)] + [
            (f"{_PREVIOUS_KEY_ENV} / previous", k) for k in previous
        ]:
            if len(value) < 16:
                raise ConfigurationError(
                    f"{name}: a cursor key must be at least 16 bytes, got {len(value)}"
                )
        self._key = key
        self._previous = tuple(previous)

    def __repr__(self) -> str:
        return "CursorCodec(key=***)"

    def encode(self, listing: str, values: Sequence[str | int | float | None]) -> str:
        """An opaque cursor for ``values`` (the last row's sort key) in ``listing``."""
        payload = json.dumps([listing, list(values)], separators=(",", ":")).encode()
        signature = self._sign(payload, self._key)
        return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")

    def decode(self, listing: str, cursor: str) -> list[str | int | float | None]:
        """The values a cursor of ``listing`` carries; raises :class:`InvalidCursorError`."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError) as exc:
            raise InvalidCursorError("not a cursor this service issued") from exc
        signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
        if len(signature) != _SIGNATURE_BYTES or not any(
            hmac.compare_digest(signature, self._sign(payload, key))
            for key in (self._key, *self._previous)
        ):
            raise InvalidCursorError(
                "signature does not match: altered, forged, or signed with a key this service "
                f"no longer has ({_KEY_ENV} changed? keep the old one in {_PREVIOUS_KEY_ENV})"
            )
        try:
            found_listing, values = json.loads(payload)
        except (ValueError, TypeError) as exc:
            raise InvalidCursorError("malformed payload") from exc
        if found_listing != listing or not isinstance(values, list):
            raise InvalidCursorError(f"made for listing {found_listing!r}, not {listing!r}")
        return values

    @staticmethod
    def _sign(payload: bytes, key: bytes) -> bytes:
        return hmac.new(key, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


@functools.cache
def default_codec() -> CursorCodec:
    """The process-wide codec repositories use unless given one: one key for every repository.

    Example::

        assert default_codec() is default_codec()
    """
    return CursorCodec()
