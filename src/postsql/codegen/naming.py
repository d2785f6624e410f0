"""Names: PostgreSQL identifiers → Python class and field names."""

from __future__ import annotations

import keyword
import re

from pydantic import BaseModel

__all__ = ["field_name", "pascal", "python_field", "singular"]

_RESERVED = frozenset(dir(BaseModel)) | {"model_config", "model_fields"}


def pascal(name: str) -> str:
    """``user_profiles`` → ``UserProfiles``; ``audit-log`` → ``AuditLog``."""
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "X"
    return f"X{out}" if out[0].isdigit() else out


def singular(word: str) -> str:
    """A deliberately small English singular: ``categories`` → ``category``."""
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 3:
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if lower.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if lower.endswith("s") and not lower.endswith(("ss", "us", "is")) and len(word) > 1:
        return word[:-1]
    return word


def field_name(column: str) -> str | None:
    """A Python field name for ``column``: itself when usable, else ``None`` (needs an alias)."""
    if not column.isidentifier() or keyword.iskeyword(column) or column.startswith("_"):
        return None
    if column in _RESERVED:
        return None
    return column


def python_field(column: str) -> tuple[str, bool]:
    """``(python name, needs alias)``: ``class`` → ``("class_", True)``."""
    plain = field_name(column)
    if plain is not None:
        return plain, False
    cleaned = re.sub(r"\W+", "_", column).strip("_") or "column"
    if cleaned[0].isdigit():
        cleaned = f"c_{cleaned}"
    return f"{cleaned.lstrip('_')}_", True
