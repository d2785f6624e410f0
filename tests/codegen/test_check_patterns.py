"""CHECK regular expressions carried over from PostgreSQL to Python exactly (no server needed)."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from postsql.codegen.checks import class_body, class_escapes_used, compile_check, translate_pattern

SPACE = class_body([9, 10, 11, 12, 13, 32, 0x3000])  # a server whose \\s is these


def test_class_body_writes_consecutive_code_points_as_ranges() -> None:
    assert class_body([32, 9, 10, 11, 0x3000, 0x1F600]) == (
        "\\u0009-\\u000b\\u0020\\u3000\\U0001f600"
    )
    assert class_body([]) == ""


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[a-z]+$", "abc", True),
        ("^[a-z]+$", "abc\n", False),  # Python's own $ would match before the newline
        ("^a.b$", "a\nb", True),  # . matches a newline in PostgreSQL
        ("^[^@\\s]+$", "a\u3000b", False),
        ("^[^@\\s]+$", "a\u00a0b", True),  # not a space for this server, though it is for Python
        ("^\\S+$", "a\u3000", False),
        ("^\\S+$", "a\u00a0", True),
        ("^[]a]+$", "]a]", True),  # a leading ] is a member
        ("^a\\.b$", "a.b", True),
        ("^a\\.b$", "axb", False),
        ("^x\\$$", "x$", True),
    ],
)
def test_a_translated_pattern_matches_what_postgresql_matches(
    pattern: str, text: str, matches: bool
) -> None:
    assert (re.search(translate_pattern(pattern, {"s": SPACE}), text) is not None) == matches


@pytest.mark.parametrize(
    "pattern",
    [
        "^[[:alpha:]]+$",  # POSIX class: locale-defined
        "^\\w+$",  # no server class given for \\w
        "[^\\S]",  # a negated escape inside brackets
        "\\mword\\M",  # ARE word boundaries
        "(a)\\1",  # back reference
        "\\bx",  # backspace in ARE, a word boundary in Python
        "[abc",  # unclosed
    ],
)
def test_a_pattern_that_cannot_be_carried_over_exactly_is_left_to_the_database(
    pattern: str,
) -> None:
    definition = f"CHECK ((s ~ '{pattern}'::text))"
    assert compile_check(definition, {"s": "s"}, regex_classes={"s": SPACE}) is None


def test_the_escapes_a_constraint_needs_from_the_server_are_found() -> None:
    definition = "CHECK (((a ~ '^\\S+$'::text) AND (b ~ '\\d'::text)))"
    assert class_escapes_used(definition) == {"s", "d"}


def test_a_numeric_rule_lets_nan_through_to_the_database() -> None:
    # PostgreSQL orders NaN above every number; Python's Decimal refuses to order it at all.
    compiled = compile_check("CHECK ((price >= 0))", {"price": "price"}, {"price": "decimal"})
    assert compiled is not None
    assert compiled.violated == (
        "self.price is not None and not self.price.is_nan() and self.price < 0"
    )

    def violated(price: Decimal) -> bool:
        return bool(eval(compiled.violated, {}, {"self": SimpleNamespace(price=price)}))  # noqa: S307

    assert violated(Decimal("-1"))
    assert not violated(Decimal("0"))
    assert not violated(Decimal("NaN"))
    assert not violated(Decimal("Infinity"))
    assert violated(Decimal("-Infinity"))


def test_a_rule_over_a_required_field_tests_no_presence() -> None:
    # pyright strict flags `self.title is not None` on a `str` field as always true.
    fields = {"title": "title", "note": "note", "slug": "slug"}
    required = compile_check(
        "CHECK ((title <> ''::text))", fields, {"title": "str"}, required=frozenset({"title"})
    )
    assert required is not None
    assert required.violated == "self.title == ''"
    optional = compile_check("CHECK ((note <> ''::text))", fields, {"note": "str"})
    assert optional is not None
    assert optional.violated == "self.note is not None and self.note == ''"
    defaulted = compile_check(
        "CHECK ((slug <> ''::text))", fields, {"slug": "str"}, omittable=frozenset({"slug"})
    )
    assert defaulted is not None
    assert defaulted.violated == "self.slug is not MISSING and self.slug == ''"
