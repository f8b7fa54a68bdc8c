"""Slugs: the one naming rule for organizations, teams, projects and versions."""

import re

from app.errors import Invalid
from app.values import text_problem

# Checked on the name as given, before any case folding: `str.lower()` turns some non-ASCII
# letters into ASCII ones (KELVIN SIGN "\u212a" becomes "k"), which would let a look-alike name in.
_ANY_CASE_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SLUG_RULE = (
    "1-64 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
)


def normalize_slug(value: str) -> str:
    """Names are case-insensitive: stored and compared in lowercase. A value that is no slug
    names nothing: it becomes "", which no row has (so a NUL, which PostgreSQL refuses in text,
    never reaches SQL)."""
    return value.lower() if _ANY_CASE_SLUG.fullmatch(value) else ""


def validate_slug(value: str, *, field: str) -> str:
    slug = normalize_slug(value)
    if not slug:
        raise Invalid(f"{value!r} is not a valid name ({SLUG_RULE}).", field=field)
    return slug


def validate_text(value: str | None, *, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if len(value) > max_length:
        raise Invalid(f"Must be at most {max_length} characters.", field=field)
    problem = text_problem(value)
    if problem is not None:
        # The request decoder refuses these already; services also serve the CLI and seed.
        raise Invalid(f"Must not contain {problem}.", field=field)
    return value
