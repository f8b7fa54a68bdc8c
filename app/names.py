"""Slugs: the one naming rule for organizations, teams, projects and versions."""

import re

from app.errors import Invalid

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
SLUG_RULE = (
    "1-64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
)


def normalize_slug(value: str) -> str:
    """Names are case-insensitive: stored and compared in lowercase. A value that is no slug
    names nothing: it becomes "", which no row has (so a NUL, which PostgreSQL refuses in text,
    never reaches SQL)."""
    slug = value.lower()
    return slug if SLUG_PATTERN.fullmatch(slug) else ""


def validate_slug(value: str, *, field: str) -> str:
    slug = normalize_slug(value)
    if not SLUG_PATTERN.fullmatch(slug):
        raise Invalid(f"{value!r} is not a valid name ({SLUG_RULE}).", field=field)
    return slug


def validate_text(value: str | None, *, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if len(value) > max_length:
        raise Invalid(f"Must be at most {max_length} characters.", field=field)
    if "\x00" in value:
        # PostgreSQL cannot store NUL in text (a 500); SQLite could: refuse it on both.
        raise Invalid("Must not contain NUL characters.", field=field)
    return value
