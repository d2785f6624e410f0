"""Argument checks shared by the repositories: each failure names the parameter, before any I/O."""

from __future__ import annotations

import itertools
import re
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
BIGINT_MIN = -(2**63)

#: The longest search term, in characters. A search costs the term's length once per post it
#: reads (the title substring match, the tsquery); at this bound the slowest term costs a few
#: times a normal one (docs/benchmarks.md), where an unbounded one took a minute per MiB.
MAX_SEARCH_LENGTH = 200

#: The most words (runs of letters and digits) in a search term: each becomes a tsquery operand
#: that every candidate post is tested against.
MAX_SEARCH_WORDS = 16
_WORD = re.compile(r"\w+")

#: The longest short text: slugs, names, titles, emails, avatars, role names and permissions.
#: Unique (btree) indexes keep whole values and refuse an entry over 2704 bytes; 200 characters
#: are at most 800 bytes of UTF-8.
MAX_NAME_LENGTH = 200

#: The longest email address: the users table's CHECK (users_email_length_check) and RFC 5321.
MAX_EMAIL_LENGTH = 254

#: The most permissions one role holds.
MAX_PERMISSIONS = 1_000

#: The longest free text: post and comment content, excerpts, bios, descriptions.
MAX_TEXT_LENGTH = 100_000

#: The most ids one call takes (``bulk_update_status``, ``attach_tags``...): one array parameter.
MAX_IDS = 10_000

#: How many characters of a refused value an error message repeats (the rest is counted).
ECHO_LENGTH = 40


def shown(value: object) -> str:
    """``value`` for an error message: its repr cut to :data:`ECHO_LENGTH` characters.

    A refused argument may be a megabyte of text (or an int too long for ``repr``); the message
    repeats a short prefix and says how long the rest was.

    Example: ``shown("x" * 1000)`` → ``'xxxx…' (1000 characters)``.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, str) and len(value) > ECHO_LENGTH:
        return f"{value[:ECHO_LENGTH]!r}… ({len(value)} characters)"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ (or an int over sys.get_int_max_str_digits)
        return f"a {type(value).__name__}"
    if len(text) > ECHO_LENGTH:
        return f"{text[:ECHO_LENGTH]}… (a {type(value).__name__})"
    return text


def check_max_limit(max_limit: int) -> int:
    """The configured page-size ceiling, checked once at construction."""
    if isinstance(max_limit, bool) or not isinstance(max_limit, int) or max_limit < 1:
        raise InvalidArgument("max_limit", f"must be a positive integer, got {shown(max_limit)}")
    return max_limit


def check_page(page: int) -> int:
    """``page`` is a 1-based page number."""
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidArgument("page", f"must be an integer >= 1, got {shown(page)}")
    return page


def page_offset(page: int, limit: int) -> int:
    """The OFFSET of 1-based ``page`` (checked) for ``limit`` rows a page, within bigint."""
    offset = (check_page(page) - 1) * limit
    if offset > BIGINT_MAX:
        raise InvalidArgument(
            "page", f"is too large: page {shown(page)} of {limit} rows starts past row {BIGINT_MAX}"
        )
    return offset


def check_limit(limit: int, max_limit: int) -> int:
    """``limit`` lies in ``1..max_limit``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
        raise InvalidArgument(
            "limit", f"must be an integer between 1 and {max_limit}, got {shown(limit)}"
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
    raise InvalidArgument(parameter, f"must be one of {allowed}, got {shown(value)}")


def check_optional_enum(parameter: str, value: object, enum: type[E]) -> E | None:
    """Like :func:`check_enum`, with ``None`` meaning "no filter"."""
    return None if value is None else check_enum(parameter, value, enum)


def check_optional_aware(parameter: str, value: object) -> datetime | None:
    """A timezone-aware ``datetime`` (a bound on a ``timestamptz``), ``None`` meaning "open"."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidArgument(parameter, f"must be a timezone-aware datetime, got {shown(value)}")
    return value


def check_id(parameter: str, value: object) -> int:
    """An id is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= BIGINT_MAX:
        raise InvalidArgument(
            parameter, f"must be a positive integer id (at most 2**63-1), got {shown(value)}"
        )
    return value


def check_optional_id(parameter: str, value: object) -> int | None:
    """Like :func:`check_id`, with ``None`` meaning "no filter"."""
    return None if value is None else check_id(parameter, value)


def check_text(
    parameter: str, value: object, *, empty: bool = False, max_length: int = MAX_TEXT_LENGTH
) -> str:
    """A string (non-empty unless ``empty``) of at most ``max_length`` characters that PostgreSQL
    can store (see :func:`storable`)."""
    if not isinstance(value, str) or (not empty and not value):
        raise InvalidArgument(parameter, f"must be a non-empty string, got {shown(value)}")
    check_length(parameter, value, max_length)
    return storable(parameter, value)


def check_length(parameter: str, value: str, max_length: int) -> str:
    """``value`` unless it is longer than ``max_length`` characters."""
    if len(value) > max_length:
        raise InvalidArgument(
            parameter, f"must be at most {max_length} characters, got {len(value)}"
        )
    return value


def check_search(value: object) -> str:
    """A search term (``None``: none) of at most :data:`MAX_SEARCH_LENGTH` characters and
    :data:`MAX_SEARCH_WORDS` words, stripped of whitespace around it."""
    if value is None:
        return ""
    term = check_text("search", value, empty=True, max_length=MAX_SEARCH_LENGTH)
    words = len(_WORD.findall(term))
    if words > MAX_SEARCH_WORDS:
        raise InvalidArgument("search", f"must have at most {MAX_SEARCH_WORDS} words, got {words}")
    return term.strip()


def check_name(parameter: str, value: object) -> str:
    """A non-empty short text (slug, name, email...): at most :data:`MAX_NAME_LENGTH`."""
    return check_text(parameter, value, max_length=MAX_NAME_LENGTH)


def check_optional_text(
    parameter: str, value: object, *, max_length: int = MAX_TEXT_LENGTH
) -> str | None:
    """A string, possibly empty, that PostgreSQL can store; ``None`` passes through."""
    return (
        None if value is None else check_text(parameter, value, empty=True, max_length=max_length)
    )


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
        raise InvalidArgument(parameter, f"must be a sequence of ids, got {shown(values)}")
    ids = list(itertools.islice(values, MAX_IDS + 1))
    if len(ids) > MAX_IDS:
        raise InvalidArgument(parameter, f"must hold at most {MAX_IDS} ids")
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
