"""What we know about built-in functions and operators, as explicit allow-lists.

Everything not listed here is treated as "may return NULL". A function belongs in
``STRICT_NON_NULL`` only if it is strict (NULL in → NULL out) AND never returns NULL for non-NULL
arguments; that double property lets the same list prove results non-null and let predicates
such as ``lower(u.email) = $1`` prove their columns non-null.

Left out on purpose, because they return NULL on some non-NULL input: ``substring`` (regex form,
no match), ``extract``/``date_part`` and ``to_char`` (infinite timestamps), ``array_length``,
``array_dims`` and ``array_ndims`` (empty array), ``regexp_match``, ``array_position``,
``current_setting`` (missing_ok form), ``nullif``, JSON accessors, ``stddev``/``variance`` (a
single row), ``lag``/``lead``/``nth_value``.
"""

from __future__ import annotations

STRICT_NON_NULL = frozenset(
    {
        # text
        "lower", "upper", "initcap", "length", "char_length", "character_length", "octet_length",
        "bit_length", "btrim", "ltrim", "rtrim", "trim", "replace", "left", "right", "lpad", "rpad",
        "repeat", "reverse", "md5", "sha224", "sha256", "sha384", "sha512", "substr", "strpos",
        "position", "split_part", "translate", "ascii", "chr", "starts_with", "quote_ident",
        "quote_literal", "regexp_replace", "regexp_like", "regexp_count", "similar_to_escape",
        "regexp_split_to_array",
        "encode", "decode", "to_hex", "unaccent", "normalize", "casefold",
        # numbers
        "abs", "ceil", "ceiling", "floor", "round", "trunc", "sign", "sqrt", "cbrt", "power", "pow",
        "mod", "div", "exp", "ln", "log", "log10", "width_bucket", "gcd", "lcm", "factorial",
        "degrees", "radians", "sin", "cos", "tan", "cot", "asin", "acos", "atan", "atan2", "sind",
        "cosd", "tand", "cotd", "asind", "acosd", "atand", "atan2d", "sinh", "cosh", "tanh",
        "asinh", "acosh", "atanh", "bit_count", "get_bit", "get_byte", "set_bit", "set_byte",
        "overlay",
        # time
        "date_trunc", "date_bin", "age", "timezone", "make_date", "make_time", "make_timestamp",
        "make_timestamptz", "make_interval", "to_timestamp", "justify_days", "justify_hours",
        "justify_interval", "isfinite",
        # arrays and JSON
        "cardinality", "array_to_string",
        "to_json", "to_jsonb", "row_to_json", "array_to_json", "jsonb_array_length",
        "json_array_length", "jsonb_typeof", "json_typeof", "jsonb_pretty", "jsonb_strip_nulls",
        "json_strip_nulls", "jsonb_set", "jsonb_insert", "jsonb_object", "json_object",
        # full-text search
        "to_tsvector", "to_tsquery", "plainto_tsquery", "phraseto_tsquery", "websearch_to_tsquery",
        "setweight", "ts_rank", "ts_rank_cd", "ts_headline", "strip", "numnode", "querytree",
        "tsvector_to_array",
        # network, uuid, misc
        "host", "masklen", "network", "family", "abbrev", "inet_same_family",
        # sequences: nextval(NULL) is NULL (a sequence named by a NULL, such as
        # pg_get_serial_sequence of a column without one)
        "nextval", "currval",
    }
)  # fmt: skip

# Not strict (a NULL argument does not force a NULL result) but non-NULL on non-NULL arguments.
NON_NULL_PRESERVING = STRICT_NON_NULL | {
    "array_append", "array_prepend", "array_cat", "array_remove", "array_replace",
    "string_to_array", "array_positions",
}  # fmt: skip

# Functions returning an array whose elements are never NULL (``string_to_array`` with two
# arguments too; with a third, the fields equal to it become NULL).
NON_NULL_ELEMENTS = frozenset(
    {"regexp_split_to_array", "enum_range", "array_positions", "tsvector_to_array"}
)

# Functions returning a rearrangement or part of their first argument's elements.
ELEMENT_PRESERVING = frozenset(
    {"array_shuffle", "array_sample", "trim_array", "array_reverse", "array_sort"}
)

# Never NULL, whatever the arguments.
ALWAYS_NON_NULL = frozenset(
    {
        "concat", "json_build_object", "jsonb_build_object", "json_build_array",
        "jsonb_build_array", "now", "clock_timestamp", "statement_timestamp",
        "transaction_timestamp", "timeofday", "random", "gen_random_uuid", "uuidv4", "uuidv7",
        "pg_typeof", "quote_nullable", "num_nulls", "num_nonnulls", "version",
        "current_database", "pg_backend_pid", "txid_current", "lastval",
        "generate_series", "enum_range",
    }
)  # fmt: skip

# Aggregates that are non-NULL over a non-empty group whose argument is non-NULL.
VALUE_AGGREGATES = frozenset(
    {
        "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "bit_and", "bit_or", "bit_xor",
        "string_agg", "any_value", "json_agg_strict", "jsonb_agg_strict", "xmlagg", "range_agg",
        "range_intersect_agg",
    }
)  # fmt: skip

# Aggregates that are non-NULL over any non-empty group (NULL inputs are collected, not skipped).
COLLECTING_AGGREGATES = frozenset(
    {
        "array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg",
        "json_object_agg_unique", "jsonb_object_agg_unique",
    }
)  # fmt: skip

# Aggregates we know exist but that can be NULL even over a non-empty group.
OTHER_AGGREGATES = frozenset(
    {
        "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop", "covar_samp",
        "covar_pop", "corr", "regr_slope", "regr_intercept", "regr_count", "regr_r2", "regr_avgx",
        "regr_avgy", "regr_sxx", "regr_syy", "regr_sxy", "percentile_cont", "percentile_disc",
        "mode", "rank", "dense_rank", "percent_rank", "cume_dist", "json_object_agg_strict",
        "jsonb_object_agg_strict", "json_object_agg_unique_strict",
        "jsonb_object_agg_unique_strict",
    }
)  # fmt: skip

AGGREGATES = VALUE_AGGREGATES | COLLECTING_AGGREGATES | OTHER_AGGREGATES | {"count"}

# Window-only functions that never return NULL.
WINDOW_NON_NULL = frozenset({"row_number", "rank", "dense_rank", "percent_rank", "cume_dist"})
WINDOW_NULLABLE = frozenset({"lag", "lead", "first_value", "last_value", "nth_value"})

SET_RETURNING = frozenset(
    {
        "unnest", "generate_series", "generate_subscripts", "json_array_elements",
        "jsonb_array_elements", "json_array_elements_text", "jsonb_array_elements_text",
        "json_each", "jsonb_each", "json_each_text", "jsonb_each_text", "json_object_keys",
        "jsonb_object_keys", "regexp_matches", "regexp_split_to_table", "string_to_table",
        "json_to_recordset", "jsonb_to_recordset", "json_populate_recordset",
        "jsonb_populate_recordset", "jsonb_path_query", "ts_stat", "ts_debug",
    }
)  # fmt: skip

# Functions a read replica refuses or that change state; a query calling them is not read-only.
WRITING = frozenset(
    {
        "nextval", "setval", "txid_current", "pg_current_xact_id", "set_config",
        "pg_advisory_lock", "pg_advisory_xact_lock", "pg_try_advisory_lock",
        "pg_try_advisory_xact_lock", "pg_advisory_unlock", "pg_notify", "lo_create", "lo_unlink",
        "lo_import", "pg_terminate_backend", "pg_cancel_backend", "dblink_exec",
    }
)  # fmt: skip

# Operators that never return NULL for non-NULL operands. All are strict except ``||``, which on
# arrays treats a NULL operand as an empty array.
STRICT_OPERATORS = frozenset(
    {
        "+", "-", "*", "/", "%", "^", "|/", "||/", "@", "&", "|", "~", "<<", ">>",
        "=", "<>", "!=", "<", ">", "<=", ">=", "||",
        "~~", "!~~", "~~*", "!~~*", "~*", "!~", "!~*",
        "@>", "<@", "&&", "?", "?|", "?&", "#-",
    }
)  # fmt: skip

COMPARISON_OPERATORS = frozenset(
    {
        "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "!~~", "~~*", "!~~*", "~", "~*", "!~", "!~*",
        "@>", "<@", "&&", "?", "?|", "?&", "@@",
    }
)  # fmt: skip

_SAME_AS_ARG = frozenset(
    {"min", "max", "abs", "ceil", "ceiling", "floor", "any_value", "first_value", "last_value",
     "lag", "lead", "nth_value", "coalesce", "greatest", "least"}
)  # fmt: skip

_FIXED_TYPES = {
    "count": "bigint", "row_number": "bigint", "rank": "bigint", "dense_rank": "bigint",
    "percent_rank": "double precision", "cume_dist": "double precision", "ntile": "integer",
    "length": "integer", "char_length": "integer", "character_length": "integer",
    "octet_length": "integer", "strpos": "integer", "position": "integer", "ascii": "integer",
    "cardinality": "integer", "jsonb_array_length": "integer", "json_array_length": "integer",
    "now": "timestamp with time zone", "clock_timestamp": "timestamp with time zone",
    "statement_timestamp": "timestamp with time zone",
    "transaction_timestamp": "timestamp with time zone",
    "gen_random_uuid": "uuid", "json_build_object": "json", "jsonb_build_object": "jsonb",
    "json_build_array": "json", "jsonb_build_array": "jsonb", "json_agg": "json",
    "jsonb_agg": "jsonb", "row_to_json": "json", "to_json": "json", "to_jsonb": "jsonb",
    "json_object_agg": "json", "jsonb_object_agg": "jsonb", "array_to_json": "json",
    "bool_and": "boolean", "bool_or": "boolean", "every": "boolean", "starts_with": "boolean",
    "to_tsvector": "tsvector", "setweight": "tsvector", "ts_rank": "real", "ts_rank_cd": "real",
    "jsonb_typeof": "text", "json_typeof": "text", "random": "double precision",
    "nextval": "bigint", "currval": "bigint", "lastval": "bigint", "txid_current": "bigint",
    "generate_series": None, "num_nulls": "integer", "num_nonnulls": "integer",
    "string_to_array": "text[]", "regexp_split_to_array": "text[]",
    "tsvector_to_array": "text[]", "array_positions": "integer[]",
}  # fmt: skip

_TEXT_RESULT = frozenset(
    {"lower", "upper", "initcap", "btrim", "ltrim", "rtrim", "trim", "replace", "left", "right",
     "lpad", "rpad", "repeat", "reverse", "md5", "substr", "split_part", "translate", "chr",
     "quote_ident", "quote_literal", "quote_nullable", "regexp_replace", "concat", "concat_ws",
     "string_agg", "format", "array_to_string", "encode", "to_hex", "ts_headline"}
)  # fmt: skip

_RANGE_OR_TEXT = frozenset({"lower", "upper"})
_TEXT_TYPES = frozenset({"text", "character varying", "character", "name", "citext"})

_SUM_TYPES = {"smallint": "bigint", "integer": "bigint", "bigint": "numeric"}
_AVG_TYPES = {"smallint": "numeric", "integer": "numeric", "bigint": "numeric"}


def result_type(name: str, arg_types: list[str | None]) -> str | None:
    """The result type of a call when it is easy to know; None otherwise."""
    if name in _FIXED_TYPES:
        return _FIXED_TYPES[name]
    first = arg_types[0] if arg_types else None
    if name in _RANGE_OR_TEXT:
        # lower()/upper() of a range are its bounds, of the range's element type.
        base = (first or "").split("(")[0].strip()
        return "text" if base in _TEXT_TYPES else None
    if name in _TEXT_RESULT:
        return "text"
    if name in _SAME_AS_ARG:
        return first
    if name == "array_agg" and first is not None:
        return first + "[]"
    if name == "sum" and first is not None:
        return _SUM_TYPES.get(first, first)
    if name == "avg" and first is not None:
        return _AVG_TYPES.get(first, first)
    return None


# Built-in scalar (non-array) types as ``format_type()`` writes them, without a typmod.
SCALAR_TYPES = frozenset(
    {
        "bigint", "integer", "smallint", "text", "boolean", "numeric", "real", "double precision",
        "uuid", "json", "jsonb", "date", "bytea", "tsvector", "tsquery", "inet", "cidr", "interval",
        "timestamp with time zone", "timestamp without time zone", "time without time zone",
        "time with time zone", "character varying", "character", "name", "oid", "citext",
    }
)  # fmt: skip
