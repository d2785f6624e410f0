"""Hand-written pydantic models for JSON columns, mapped in ``[tool.postsql.json_columns]``.

Codegen uses these as the type of the mapped columns, so reads validate the JSON and writes accept
the model. Example::

    prefs = UserPreferences(theme="dark")
    prefs.email_notifications   # True
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["UserPreferences"]


class UserPreferences(BaseModel):
    """``user_profiles.preferences``: every key optional; unknown keys are kept, not rejected."""

    model_config = ConfigDict(extra="allow")

    theme: Literal["light", "dark", "system"] = "system"
    language: str = "en"
    timezone: str | None = None
    email_notifications: bool = True
    newsletter: bool = False
    posts_per_page: int = 20
