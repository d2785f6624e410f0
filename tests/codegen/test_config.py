"""``[tool.postsql]`` JSON mappings: every mistake is an error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.helpers import generate_case
from postsql.errors import PostsqlError

pytestmark = pytest.mark.db

SCHEMA = """
CREATE DOMAIN settings_json AS jsonb;
CREATE TABLE profiles (id int PRIMARY KEY, bio text, prefs jsonb, extra settings_json);
"""
QUERIES = "-- name: get_profile(id)^\nSELECT id, prefs, extra FROM profiles WHERE id = :id;\n"


def _case(tmp_path: Path, mapping: str) -> Path:
    (tmp_path / "queries").mkdir()
    (tmp_path / "schema.sql").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "queries" / "profiles.sql").write_text(QUERIES, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(mapping, encoding="utf-8")
    return tmp_path


async def _error(tmp_path: Path, admin_url: str, mapping: str) -> str:
    with pytest.raises(PostsqlError) as caught:
        await generate_case(_case(tmp_path, mapping), admin_url)
    return str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "postsql.no_such_module.Prefs",
            "[tool.postsql.json_columns] profiles.prefs: postsql.no_such_module.Prefs does not "
            "import (ModuleNotFoundError",
        ),
        (
            "blog.models_json.NoSuchModel",
            "[tool.postsql.json_columns] profiles.prefs: blog.models_json.NoSuchModel does not "
            "import (AttributeError",
        ),
        (
            "json.JSONDecoder",
            "[tool.postsql.json_columns] profiles.prefs: json.JSONDecoder is not a pydantic model",
        ),
    ],
)
async def test_a_json_column_model_that_does_not_import_or_validate_is_an_error_naming_the_key(
    tmp_path: Path, admin_url: str, value: str, expected: str
) -> None:
    # Before, the generated models.py imported the name anyway and failed only when imported.
    mapping = f'[tool.postsql.json_columns]\n"profiles.prefs" = "{value}"\n'
    assert (await _error(tmp_path, admin_url, mapping)).startswith(expected)


async def test_a_json_column_mapping_on_a_non_json_column_is_an_error_naming_the_key(
    tmp_path: Path, admin_url: str
) -> None:
    # A text column holds no JSON: every row would have failed validation at run time.
    mapping = '[tool.postsql.json_columns]\n"profiles.bio" = "blog.models_json.UserPreferences"\n'
    message = await _error(tmp_path, admin_url, mapping)
    assert (
        message == "[tool.postsql.json_columns] profiles.bio: the column is text, not json or jsonb"
    )


async def test_a_json_column_mapping_on_a_domain_over_jsonb_is_accepted(
    tmp_path: Path, admin_url: str
) -> None:
    mapping = '[tool.postsql.json_columns]\n"profiles.extra" = "blog.models_json.UserPreferences"\n'
    generated = await generate_case(_case(tmp_path, mapping), admin_url)
    assert "extra: UserPreferences | None" in generated.files["models.py"]


async def test_json_results_naming_an_unknown_query_or_column_is_an_error_naming_the_key(
    tmp_path: Path, admin_url: str
) -> None:
    # Before, an unknown query was silently ignored and an unknown column blamed an @json
    # directive at the query's line, which the query file does not contain.
    mapping = (
        "[tool.postsql.json_results]\n"
        '"get_profil.prefs" = "blog.models_json.UserPreferences"\n'
        '"get_profile.pref" = "blog.models_json.UserPreferences"\n'
        '"get_profile.extra" = "json.JSONDecoder"\n'
    )
    message = await _error(tmp_path, admin_url, mapping)
    assert message.startswith("3 problems found:")
    assert "[tool.postsql.json_results] get_profil.prefs: no query of that name" in message
    assert (
        "[tool.postsql.json_results] get_profile.pref: query get_profile "
        "(queries/profiles.sql:1) has no column 'pref' (columns: id, prefs, extra)"
    ) in message
    assert (
        "[tool.postsql.json_results] get_profile.extra: json.JSONDecoder is not a pydantic model"
    ) in message


async def test_an_at_json_directive_naming_a_missing_model_is_an_error_at_its_line(
    tmp_path: Path, admin_url: str
) -> None:
    case = _case(tmp_path, "")
    (case / "queries" / "profiles.sql").write_text(
        "-- name: get_profile(id)^\n-- @json prefs: blog.models_json.Nope\n"
        "SELECT id, prefs FROM profiles WHERE id = :id;\n",
        encoding="utf-8",
    )
    with pytest.raises(PostsqlError) as caught:
        await generate_case(case, admin_url)
    assert str(caught.value).startswith(
        "queries/profiles.sql:2: get_profile: @json prefs: blog.models_json.Nope does not import"
    )
