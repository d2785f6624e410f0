"""Argument checks shared by the repositories: each failure names the parameter, before any I/O."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from postsql.errors import InvalidArgument, InvalidCursorError
from postsql.runtime.copy import storable
from postsql.runtime.pagination import CursorCodec, CursorPage

E = TypeVar("E", bound=StrEnum)
R = TypeVar("R")

#: The largest page a repository serves unless constructed with another ``max_limit``.
DEFAULT_MAX_LIMIT = 100

#: PostgreSQL's bigint range: every id column, LIMIT and OFFSET. A larger Python int would reach
#: asyncpg and fail there as "invalid input for query argument $7", naming no parameter.
BIGINT_MAX = 2**63 - 1


def check_max_limit(max_limit: int) -> int:
    """The configured page-size ceiling, checked once at construction."""
    if isinstance(max_limit, bool) or not isinstance(max_limit, int) or max_limit < 1:
        raise InvalidArgument("max_limit", f"must be a positive integer, got {max_limit!r}")
    return max_limit


def check_page(page: int) -> int:
    """``page`` is a 1-based page number."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidArgument("page", f"must be an integer >= 1, got {page!r}")
    return page


def page_offset(page: int, limit: int) -> int:
    """The OFFSET of 1-based ``page`` (checked) for ``limit`` rows a page, within bigint."""
    offset = (check_page(page) - 1) * limit
    if offset > BIGINT_MAX:
        raise InvalidArgument(
            "page", f"is too large: page {page} of {limit} rows starts past row {BIGINT_MAX}"
        )
    return offset


def check_limit(limit: int, max_limit: int) -> int:
    """``limit`` lies in ``1..max_limit``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise InvalidArgument(
            "limit", f"must be an integer between 1 and {max_limit}, got {limit!r}"
        )
    return limit


def check_enum(parameter: str, value: object, enum: type[E]) -> E:
    """``value`` is a member (or the value of a member) of ``enum``."""
    if isinstance(value, str):
        try:
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(member.value for member in enum)
    raise InvalidArgument(parameter, f"must be one of {allowed}, got {value!r}")


def check_optional_enum(parameter: str, value: object, enum: type[E]) -> E | None:
    """Like :func:`check_enum`, with ``None`` meaning "no filter"."""
    return None if value is None else check_enum(parameter, value, enum)


def check_id(parameter: str, value: object) -> int:
    """An id is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= BIGINT_MAX:
        raise InvalidArgument(
            parameter, f"must be a positive integer id (at most 2**63-1), got {value!r}"
        )
    return value


def check_optional_id(parameter: str, value: object) -> int | None:
    """Like :func:`check_id`, with ``None`` meaning "no filter"."""
    return None if value is None else check_id(parameter, value)


def check_text(parameter: str, value: object, *, empty: bool = False) -> str:
    """A string (non-empty unless ``empty``) that PostgreSQL can store (see :func:`storable`)."""
    if not isinstance(value, str) or (not empty and not value):
        raise InvalidArgument(parameter, f"must be a non-empty string, got {value!r}")
    return storable(parameter, value)


def check_optional_text(parameter: str, value: object) -> str | None:
    """A string, possibly empty, that PostgreSQL can store; ``None`` passes through."""
    return None if value is None else check_text(parameter, value, empty=True)


def check_insert(model: type[BaseModel], **values: object) -> None:
    """``values`` pass ``model`` (a generated insert model): its types and the CHECK constraints
    it mirrors, so a bad value is refused before a round trip with the database's own rule.
    Raises :class:`InvalidArgument` naming the field(s) of the first error."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        context = error.get("ctx") or {}
        fields = context.get("fields") or ".".join(str(part) for part in error["loc"])
        raise InvalidArgument(str(fields or model.__name__), error["msg"]) from None


def check_ids(parameter: str, values: Sequence[int]) -> list[int]:
    """A list of ids, each a positive integer."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidArgument(parameter, f"must be a sequence of ids, got {values!r}")
    ids = list(values)
    for value in ids:
        check_id(parameter, value)
    return ids


def keyset_position(values: Sequence[object]) -> tuple[datetime, int]:
    """The ``(timestamp, id)`` a verified cursor carries; anything else is not our cursor."""
    if len(values) != 2 or not isinstance(values[0], str) or not isinstance(values[1], int):
        raise InvalidCursorError("malformed position")
    try:
        at = datetime.fromisoformat(values[0])
    except ValueError:
        raise InvalidCursorError("malformed position") from None
    if at.tzinfo is None:
        raise InvalidCursorError("malformed position")
    return at, values[1]


async def keyset_page(
    codec: CursorCodec,
    listing: str,
    cursor: str | None,
    limit: int,
    fetch: Callable[[datetime | None, int], Awaitable[list[R]]],
    position: Callable[[R], tuple[datetime, int]],
) -> CursorPage[R]:
    """One keyset page over ``(timestamp, id)``: decode ``cursor`` (signed for ``listing``), fetch
    the rows after that position (``None, 0`` for the first page) and sign the last row's
    position as ``next_cursor`` when the page is full."""
    after_at, after_id = (
        (None, 0) if cursor is None else keyset_position(codec.decode(listing, cursor))
    )
    rows = await fetch(after_at, after_id)
    next_cursor = None
    if len(rows) == limit:
        at, last_id = position(rows[-1])
        next_cursor = codec.encode(listing, [at.isoformat(), last_id])
    return CursorPage[R](data=rows, limit=limit, next_cursor=next_cursor)
