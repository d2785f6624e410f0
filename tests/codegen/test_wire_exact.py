"""Which result columns asyncpg decodes into exactly their annotation (rows built unvalidated)."""

from __future__ import annotations

from postsql.codegen.ir import PyType
from postsql.codegen.typemap import BASE_TYPES, wire_exact


def test_base_types_with_an_exact_codec_are_trusted_whatever_their_typmod() -> None:
    assert wire_exact("bigint", BASE_TYPES["int8"])
    assert wire_exact("timestamp(3) with time zone", BASE_TYPES["timestamptz"])
    assert wire_exact("numeric(10,2)", BASE_TYPES["numeric"])
    assert wire_exact("character varying(20)", BASE_TYPES["varchar"])


def test_arrays_json_enums_domains_and_overrides_are_validated() -> None:
    assert not wire_exact("bigint[]", PyType("list[int]"))
    assert not wire_exact("jsonb", BASE_TYPES["jsonb"])
    assert not wire_exact("post_status", PyType("PostStatus", frozenset({("", "PostStatus")})))
    assert not wire_exact("email_address", BASE_TYPES["text"])  # a domain over text
    # A column typed by an override: the codec's str is not the annotation.
    assert not wire_exact("text", PyType("EmailStr", frozenset({("pydantic", "EmailStr")})))
    assert not wire_exact('"char"', BASE_TYPES["char"])
