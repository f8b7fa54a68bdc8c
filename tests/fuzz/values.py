"""Values for the schema fuzz: realistic ones (the seeded world's names and ids) mixed with hostile
ones (lone surrogates, NUL, naive and out-of-calendar instants, huge numbers, deep JSON, forged
global ids and cursors, broken query-language strings).

Every strategy here generates plain Python values; `tests.fuzz.documents` turns them into GraphQL
literals or request variables. A float that is not finite stands for the JSON text `1e400` (valid
JSON that Python reads as infinity): `encode_body` writes it that way.
"""

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

# ---- mixing ----------------------------------------------------------------------------------

_PERMILLE = st.integers(min_value=0, max_value=999)


def mostly(
    usual: st.SearchStrategy[Any], unusual: st.SearchStrategy[Any], unusual_share: float = 0.2
) -> st.SearchStrategy[Any]:
    """Usually `usual`: one hostile value anywhere refuses the whole operation, so hostile values
    must be rare enough that most operations still run."""

    @st.composite
    def pick(draw: st.DrawFn) -> Any:
        return draw(unusual if chance(draw, unusual_share) else usual)

    return pick()


def chance(draw: st.DrawFn, probability: float) -> bool:
    """True with `probability`. Hypothesis draws 0 (and other boundary values) far more often
    than uniformly, and shrinks towards 0: a window in the middle keeps the odds honest, and
    shrinking turns the unusual choices off."""
    low = (1 - probability) * 500
    return low <= draw(_PERMILLE) < low + probability * 1000


# ---- the world the values refer to ------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """What the test seeded, by the names and ids a client would use."""

    token: str
    usernames: tuple[str, ...]
    organizations: tuple[str, ...]
    teams: tuple[str, ...]
    projects: tuple[str, ...]  # project names; owners are in `organizations`
    versions: tuple[str, ...]  # model and component version names
    references: tuple[str, ...]  # `owner/project:version`, with and without parts
    ids: tuple[str, ...]  # the global id of every seeded object
    run_uuids: tuple[str, ...]  # how `upstream` names runs


# ---- text -------------------------------------------------------------------------------------

HOSTILE_TEXT = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ud83d",  # the first half of an emoji's surrogate pair
    "\u202e",
    "\ufeff",
    "\u2028",
    "🙂",
    "名前",
    "\n",
    "\t\r",
    "\\",
    '"',
    "'",
    "' OR '1'='1",
    "%",
    "_",
    "..",
    "../..",
    "a/b",
    ":",
    "a:b:c",
    "nil",
    "null",
    "-",
    "~",
    "|",
    ",",
    "(",
    ")",
    "x" * 65,
    "x" * 5000,
    "1e400",
    "NaN",
    "Infinity",
    "-0",
    "9" * 400,
)

# Any code point, including surrogates, controls and NUL.
ANY_CHARACTER = st.characters(
    categories=["Cs", "Cc", "Co", "Cn", "Lu", "Ll", "Lo", "Nd", "No", "Zs", "Zl", "Po", "Sm", "So"]
)


def texts(world: World) -> st.SearchStrategy[str]:
    names = (*world.usernames, *world.organizations, *world.teams, *world.projects)
    return mostly(
        st.one_of(
            st.sampled_from(names),
            st.text(st.characters(codec="ascii", min_codepoint=32), max_size=12),
            st.text(max_size=12, alphabet=st.characters(exclude_categories=["Cs", "Cc"])),
        ),
        st.one_of(
            st.sampled_from(HOSTILE_TEXT),
            st.text(ANY_CHARACTER, max_size=8),
            st.sampled_from(names).map(str.upper),
        ),
    )


# ---- instants ---------------------------------------------------------------------------------

OFFSETS = st.builds(
    timezone,
    st.timedeltas(
        min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
    ).map(lambda delta: timedelta(minutes=delta // timedelta(minutes=1))),
)

HOSTILE_INSTANTS = (
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "0001-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
    "9999-12-31T23:59:59.999999+00:00",
    "9999-12-31T23:59:59.999999-00:01",
    "2026-01-01T00:00:00",  # naive
    "2026-01-01",
    "2026-01-01T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+24:00",
    "+002026-01-01T00:00:00Z",
    "99999-01-01T00:00:00Z",
    "2026-W01-1",
    "20260101T000000Z",
    "2026-01-01T00:00:00Z\x00",
    "\ud800",
    "yesterday",
    "",
    "1e400",
)


def instants() -> st.SearchStrategy[Any]:
    """DateTime values: mostly ISO strings, sometimes not strings at all."""
    aware = st.datetimes(
        min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=OFFSETS
    )
    return mostly(
        aware.map(datetime.isoformat),
        st.one_of(
            st.datetimes().map(datetime.isoformat),  # naive
            st.sampled_from(HOSTILE_INSTANTS),
            st.sampled_from([0, -1, 2**70, 1.5, True, None]),
        ),
    )


# ---- JSON -------------------------------------------------------------------------------------

HUGE_NUMBERS: tuple[int | float, ...] = (
    2**31,
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    2**64,
    10**400,
    1e308,
    -1e308,
    5e-324,
    -0.0,
    math.inf,  # written as 1e400
)


# Deeper than the recursion limit lets Python build or encode: a marker that
# `tests.fuzz.documents.expand` replaces with that many nested lists in the text sent.
DEEP_MARKER = "\x00\x01hubql-fuzz-deep:{}\x01\x00"


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for index in range(depth):
        value = [value] if index % 2 else {"a": value}
    return value


def json_values(world: World) -> st.SearchStrategy[Any]:
    """JSON values with hostile leaves, keys and depths (no NaN: JSON has none)."""
    leaves = mostly(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**53), max_value=2**53),
            st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
            texts(world),
        ),
        st.one_of(
            st.integers(),
            st.sampled_from(HUGE_NUMBERS),
            st.floats(allow_nan=False, allow_infinity=False),
        ),
        unusual_share=0.1,
    )
    trees = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.one_of(texts(world), st.just("accuracy")), children, max_size=4),
        ),
        max_leaves=12,
    )
    deep = st.one_of(
        st.sampled_from([31, 32, 33, 100, 300]).map(nested),
        st.sampled_from([1000, 5000, 100_000]).map(DEEP_MARKER.format),
    )
    return mostly(trees, deep, unusual_share=0.05)


# ---- global ids -------------------------------------------------------------------------------

NODE_TYPES = (
    "Organization",
    "Team",
    "User",
    "AccessToken",
    "Project",
    "Run",
    "ModelVersion",
    "ComponentVersion",
    "Activity",
    "OrganizationMember",
    "Query",
    "Nope",
    "",
)
ROW_IDS = (
    "0",
    "1",
    "-1",
    "2",
    "999999999",
    str(2**31),
    str(2**63),
    str(2**64),
    "9" * 400,
    "1.5",
    "1e3",
    " 1",
    "01",
    "1_0",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1
    "abc",
    "",
    "\x00",
    "\ud800",
)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def forged_ids() -> st.SearchStrategy[str]:
    def forge(type_name: str, row_id: str) -> str:
        return b64(f"{type_name}:{row_id}".encode(errors="surrogatepass"))

    return st.one_of(
        st.builds(forge, st.sampled_from(NODE_TYPES), st.sampled_from(ROW_IDS)),
        st.sampled_from(
            [
                "not base64",
                "====",
                b64(b":"),
                b64(b"Project"),
                b64(b"Project:1:2"),
                b64(b"\xff\xfe:1"),  # not UTF-8
                b64(b"Project:\xed\xa0\x80"),  # an encoded surrogate: not UTF-8
                base64.urlsafe_b64encode(b"Project:1\xfb\xff").decode(),
                "UHJvamVjdDox",  # Project:1 without padding
                "UHJvamVjdDox=====",
                "U\x00HJvamVjdDox",
            ]
        ),
    )


def ids(world: World) -> st.SearchStrategy[str | int]:
    return mostly(st.sampled_from(world.ids), st.one_of(forged_ids(), st.integers(), texts(world)))


# ---- cursors ----------------------------------------------------------------------------------

SORT_NAMES = (
    "name",
    "-name",
    "username",
    "-at",
    "-updated_at",
    "-created_at",
    "created_at",
    "status",
    "stage",
    "-updated_at,name",
    "nope",
    "",
)

CURSOR_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from(HUGE_NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["acme", "", "\x00", "\ud800", "SUCCEEDED", "succeeded", "PRODUCTION"]),
    st.sampled_from(HOSTILE_INSTANTS).map(lambda text: {"dt": text}),
    st.datetimes(timezones=st.one_of(st.none(), OFFSETS)).map(lambda d: {"dt": d.isoformat()}),
    st.sampled_from([{"dt": 5}, {"dt": None}, {"dt": "2026-01-01T00:00:00+00:00", "x": 1}, []]),
)

RAW_CURSORS = (
    '["name",[NaN,1]]',
    '["name",["acme",1e400]]',
    '["-updated_at",[{"dt":"2026-01-01T00:00:00+00:00"},Infinity]]',
    '["name",' + "[" * 5000 + "]" * 5000 + "]",
    '["name",["acme",1]',
    '"name"',
    "null",
    "{}",
    "[]",
    '["name"]',
    '["name",["\\ud800",1]]',
    '["name",["a\\u0000",1]]',
)


def encode_cursor(payload: str, *, urlsafe: bool, padded: bool) -> str:
    raw = payload.encode(errors="surrogatepass")
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()
    return text if padded else text.rstrip("=")


def cursors() -> st.SearchStrategy[str]:
    payloads = st.one_of(
        st.builds(
            lambda name, values: json.dumps([name, values]),
            st.sampled_from(SORT_NAMES),
            st.lists(CURSOR_VALUES, max_size=4),
        ),
        st.sampled_from(RAW_CURSORS),
        st.text(ANY_CHARACTER, max_size=16),
    )
    return st.one_of(
        st.builds(encode_cursor, payloads, urlsafe=st.booleans(), padded=st.booleans()),
        st.sampled_from(["", "=", "!!!!", "YQ", "YQ=", "Y", "\x00", "\ud800", "a" * 10_000]),
        st.text(max_size=8),
    )


# ---- the query language and sorting -----------------------------------------------------------

PQL_FIELDS = (
    "name",
    "status",
    "tags",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "stage",
    "kind",
    "visibility",
    "features",
    "username",
    "role",
    "verb",
    "actor",
    "description",
    "metrics.accuracy",
    "params.lr",
    "metrics.a.b",
    "metrics.",
    "metrics.\x00",
    "params.a'b",
    "nope",
    "NAME",
    "",
)

PQL_VALUES = (
    "succeeded",
    "failed",
    "SUCCEEDED",
    "golden",
    "production",
    "public",
    "runtime",
    "acme",
    "nil",
    "2026-01-01",
    "2026-01-01 .. 2026-06-30",
    "0001-01-01 .. 9999-12-31",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-01-01T00:00:00",
    "2026-02-30",
    ">0.9",
    ">=1e400",
    "<-1e308",
    "<=nan",
    ">inf",
    ">-inf",
    ">" + "9" * 400,
    ">2026-01-01",
    "<true",
    "a|b",
    "a|",
    "|",
    "%x%",
    "x%",
    "%",
    "%%",
    "_",
    "\\",
    "'",
    '"',
    "\ud800",
    "\x00",
    "",
    "..",
    "1 ..",
    ".. 2",
    ">",
    "~x",
    "~nil",
)


def pql() -> st.SearchStrategy[str]:
    conditions = st.builds(
        lambda neg, field, neg_value, value: f"{neg}{field}:{neg_value}{value}",
        st.sampled_from(["", "", "~"]),
        st.sampled_from(PQL_FIELDS),
        st.sampled_from(["", "", "~"]),
        st.sampled_from(PQL_VALUES),
    )
    expressions = st.recursive(
        conditions,
        lambda inner: st.one_of(
            inner.map(lambda e: f"({e})"),
            st.builds(
                lambda a, op, b: f"{a}{op}{b}",
                inner,
                st.sampled_from([", ", ",", " | ", "|", " AND ", " OR ", " and ", " "]),
                inner,
            ),
        ),
        max_leaves=6,
    )
    return st.one_of(
        expressions,
        st.integers(1, 40).map(lambda n: "(" * n + "name:x" + ")" * n),
        st.sampled_from(["(((", ")", "name:x)", "~", ",", " | ", "name:", ":x", "name:x" * 500]),
        st.text(ANY_CHARACTER, max_size=12),
    )


SORT_FIELDS = (
    "name",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "status",
    "stage",
    "username",
    "at",
    "metrics.accuracy",
    "nope",
    "",
)


def sorts() -> st.SearchStrategy[str]:
    keys = st.builds(
        lambda sign, field: sign + field,
        st.sampled_from(["", "-", "--", "+"]),
        st.sampled_from(SORT_FIELDS),
    )
    return st.one_of(
        st.lists(keys, max_size=4).map(", ".join),
        st.sampled_from([",", " , ", "-", "name name", "name,,name", "\x00", "\ud800"]),
    )


def references(world: World) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(world.references),
        st.sampled_from(
            ["/", ":", "a/b/c", "a/b:c:d", "acme/", "/x:y", "x:", " ", "\x00/x:y", "\ud800"]
        ),
        st.builds(
            lambda owner, project, version: f"{owner}/{project}:{version}",
            texts(world),
            texts(world),
            texts(world),
        ),
    )
