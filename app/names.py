"""Slugs: the one naming rule for organizations, teams, projects and versions; and aliases,
the names a project gives its versions."""

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


# Aliases start with a letter, so `@2` never reads as a version number; same caution on case
# folding as slugs.
_ANY_CASE_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# Names an alias may not take because they read as something else: `latest` is what a reference
# without a version means (the newest), and `v3` reads as a version's name, so `@v3` beside `:v3`
# could name two different versions. Other version names stay free: version names are any slugs
# (`nightly`, `1.1`), and `@` versus `:` keeps references unambiguous.
RESERVED_ALIASES = frozenset({"latest"})
_VERSION_LIKE = re.compile(r"v[0-9]+")
ALIAS_RULE = (
    "1-64 characters: lowercase letters, digits, '_' or '-', starting with a letter; not "
    "`latest`, nor `v` and digits"
)


def normalize_alias(value: str) -> str:
    """Aliases are case-insensitive, as names are; a value that is no alias names nothing ("")."""
    return value.lower() if _ANY_CASE_ALIAS.fullmatch(value) else ""


def validate_alias(value: str, *, field: str) -> str:
    alias = normalize_alias(value)
    if not alias or alias in RESERVED_ALIASES or _VERSION_LIKE.fullmatch(alias):
        raise Invalid(f"{value!r} is not a valid alias ({ALIAS_RULE}).", field=field)
    return alias
