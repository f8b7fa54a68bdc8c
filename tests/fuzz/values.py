"""Values for the schema fuzz: realistic ones (the seeded world's names and ids) mixed with hostile
ones (lone surrogates, NUL, naive and out-of-calendar instants, huge numbers, deep JSON, forged
global ids and cursors, broken query-language strings).

Every strategy here generates plain Python values; `tests.fuzz.documents` turns them into GraphQL
literals or request variables. A float that is not finite stands for the JSON text `1e400` (valid
JSON that Python reads as infinity): `encode_body` writes it that way.
"""

import base64
import json
import re
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
    run_uuids: tuple[str, ...]  # how `project.run(uuid:)` names runs


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


def clean_texts(world: World) -> st.SearchStrategy[str]:
    names = (*world.usernames, *world.organizations, *world.teams, *world.projects)
    return st.one_of(
        st.sampled_from(names),
        st.text(st.characters(codec="ascii", min_codepoint=32), max_size=12),
        st.text(max_size=12, alphabet=st.characters(exclude_categories=["Cs", "Cc"])),
    )


def hostile_texts(world: World) -> st.SearchStrategy[str]:
    names = (*world.usernames, *world.organizations, *world.teams, *world.projects)
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(ANY_CHARACTER, max_size=8),
        st.sampled_from(names).map(str.upper),
        st.builds(lambda name, bad: name + bad, st.sampled_from(names), st.sampled_from(BAD)),
    )


# Characters no text in hubql may hold, or that some layer treats specially.
BAD = ("\x00", "\ud800", "\udfff", "\x00\ud800", "\n", "%", "\\")


def texts(world: World) -> st.SearchStrategy[str]:
    return mostly(clean_texts(world), hostile_texts(world), unusual_share=0.05)


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


def clean_instants() -> st.SearchStrategy[str]:
    return st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=OFFSETS
    ).map(datetime.isoformat)


def hostile_instants() -> st.SearchStrategy[Any]:
    """Naive, at the calendar's edges (aware, at every offset), malformed, or no string at all."""
    edges = st.one_of(
        st.datetimes(max_value=datetime(1, 1, 2), timezones=OFFSETS),
        st.datetimes(min_value=datetime(9999, 12, 30), timezones=OFFSETS),
    )
    return st.one_of(
        st.datetimes().map(datetime.isoformat),  # naive
        edges.map(datetime.isoformat),
        st.sampled_from(HOSTILE_INSTANTS),
        st.sampled_from([0, -1, 2**70, 1.5, True]),
    )


def instants() -> st.SearchStrategy[Any]:
    return mostly(clean_instants(), hostile_instants(), unusual_share=0.05)


# ---- JSON -------------------------------------------------------------------------------------

# What Python cannot build or `json` cannot write: markers that `tests.fuzz.documents.expand`
# replaces in the text sent, with N nested lists (deeper than the recursion limit), or with a bare
# word (`NaN`, `Infinity`: not JSON, though Python's `json` reads them).
DEEP_MARKER = "\x00\x01hubql-fuzz-deep:{}\x01\x00"
BARE_MARKER = "\x00\x01hubql-fuzz-bare:{}\x01\x00"
BARE_WORDS = tuple(BARE_MARKER.format(word) for word in ("NaN", "Infinity", "-Infinity"))


HUGE_NUMBERS: tuple[int | float | str, ...] = (
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
    BARE_MARKER.format("1e400"),  # valid JSON, infinity to Python
    BARE_MARKER.format("-1e400"),
)


def nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for index in range(depth):
        value = [value] if index % 2 else {"a": value}
    return value


def _trees(world: World, leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(texts(world), st.just("accuracy"))

    # A named function, not a lambda: Hypothesis reads its source to check that it recurses.
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)
        )

    return st.recursive(leaves, extend, max_leaves=12)


def clean_json(world: World) -> st.SearchStrategy[Any]:
    return _trees(
        world,
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(2**53), max_value=2**53),
            st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
            clean_texts(world),
        ),
    )


def hostile_json(world: World) -> st.SearchStrategy[Any]:
    """Huge numbers, NaN and infinities, hostile text in keys and values, and deep nesting."""
    hostile_leaves = st.one_of(
        st.sampled_from(HUGE_NUMBERS),
        st.sampled_from(BARE_WORDS),
        st.integers(),
        hostile_texts(world),
    )
    return st.one_of(
        hostile_leaves,
        st.dictionaries(hostile_texts(world), clean_json(world), min_size=1, max_size=2),
        st.builds(lambda key, leaf: {"accuracy": leaf, key: 1}, clean_texts(world), hostile_leaves),
        st.lists(hostile_leaves, min_size=1, max_size=3),
        st.sampled_from([31, 32, 33, 100, 200]).map(nested),
        st.sampled_from([1000, 5000, 100_000]).map(DEEP_MARKER.format),
    )


def json_values(world: World) -> st.SearchStrategy[Any]:
    return mostly(clean_json(world), hostile_json(world), unusual_share=0.05)


# ---- JSON out ---------------------------------------------------------------------------------

# A marker as JSON and GraphQL both print it: `"\u0000\u0001hubql-fuzz-deep:5\u0001\u0000"`.
_MARKER = re.compile(r'"\\u0000\\u0001hubql-fuzz-(deep|bare):([^"\\]*)\\u0001\\u0000"')


def expand(text: str) -> str:
    """The markers, wherever they stand as whole strings in JSON or in a GraphQL document (both
    print them alike), as what they stand for."""

    def replacement(match: re.Match[str]) -> str:
        kind, what = match[1], match[2]
        if kind == "bare":
            return what
        return "[" * int(what) + "1" + "]" * int(what)

    return _MARKER.sub(replacement, text)


def dumps(value: Any, *, expanded: bool = True) -> str:
    """JSON text as a careless client writes it: ASCII-escaped (a lone surrogate travels as its
    `\\ud800` escape), with the markers expanded (or left, to describe a request briefly)."""
    text = json.dumps(value, ensure_ascii=True, allow_nan=False)
    return expand(text) if expanded else text


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


def hostile_ids(world: World) -> st.SearchStrategy[str | int]:
    return st.one_of(forged_ids(), st.integers(), hostile_texts(world))


def ids(world: World) -> st.SearchStrategy[str | int]:
    return mostly(st.sampled_from(world.ids), hostile_ids(world), unusual_share=0.05)


# ---- cursors ----------------------------------------------------------------------------------

# The sort keys of hubql's lists (`app.pagination.sort_key` names them by their fields), each
# with the kinds of the values its cursors hold: the sort columns, then the id.
SORT_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("-updated_at", ("dt", "int")),
    ("updated_at", ("dt", "int")),
    ("-created_at", ("dt", "int")),
    ("created_at", ("dt", "int")),
    ("name", ("str", "int")),
    ("-name", ("str", "int")),
    ("username", ("str", "int")),
    ("organization", ("str", "int")),
    ("granted_at", ("dt", "int")),
    ("-at", ("dt", "int")),
    ("status", ("enum", "int")),
    ("stage", ("enum", "int")),
    ("-finished_at", ("dt", "int")),
    ("-updated_at,name", ("dt", "str", "int")),
    ("name,-created_at", ("str", "dt", "int")),
)

CLEAN_CURSOR_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "dt": clean_instants().map(lambda text: {"dt": text}),
    "str": st.sampled_from(["acme", "vision", "fuzzer", "", "v1"]),
    "int": st.integers(min_value=0, max_value=100),
    "enum": st.sampled_from(["SUCCEEDED", "FAILED", "PRODUCTION", "TESTING"]),
}

HOSTILE_CURSOR_VALUES = st.one_of(
    st.sampled_from([2**63, 2**70, -(2**70), 10**400, 1.5, True, None, [], {}, "\x00", "\ud800"]),
    st.sampled_from(["succeeded", "Nope", "a\x00", "x" * 100_000]),
    hostile_instants().map(lambda value: {"dt": value}),
    st.sampled_from([{"dt": 5}, {"dt": None}, {"dt": "2026-01-01T00:00:00+00:00", "x": 1}]),
    st.sampled_from(BARE_WORDS),
    st.sampled_from([100, 200]).map(nested),
    st.just(DEEP_MARKER.format(10_000)),
)


@st.composite
def _cursor_payloads(draw: st.DrawFn) -> str:
    """`[sort, [values]]` as a real cursor holds it, with one value (or the arity) wrong."""
    name, kinds = draw(st.sampled_from(SORT_KEYS))
    values = [draw(CLEAN_CURSOR_VALUES[kind]) for kind in kinds]
    how = draw(st.sampled_from(["value", "value", "value", "arity", "name", "none"]))
    if how == "value":
        values[draw(st.integers(0, len(values) - 1))] = draw(HOSTILE_CURSOR_VALUES)
    elif how == "arity":
        values = values[: draw(st.integers(0, len(values) - 1))] or [*values, 1]
    elif how == "name":
        name = draw(st.sampled_from(["nope", "", "-", "name,name", "\x00"]))
    return dumps([name, values])


RAW_CURSORS = (
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
        _cursor_payloads(),
        _cursor_payloads(),
        st.sampled_from(RAW_CURSORS),
        st.text(ANY_CHARACTER, max_size=16),
    )
    return st.one_of(
        st.builds(encode_cursor, payloads, urlsafe=st.just(True), padded=st.booleans()),
        st.builds(encode_cursor, payloads, urlsafe=st.just(False), padded=st.just(True)),
        st.sampled_from(["", "=", "!!!!", "YQ", "YQ=", "Y", "\x00", "\ud800", "a" * 200_000]),
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
    operators = st.sampled_from([", ", ",", " | ", "|", " AND ", " OR ", " and ", " "])

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            inner.map(lambda e: f"({e})"),
            st.builds(lambda a, op, b: f"{a}{op}{b}", inner, operators, inner),
        )

    expressions = st.recursive(conditions, extend, max_leaves=6)
    return st.one_of(
        expressions,
        st.sampled_from([1, 16, 17, 40, 300, 3000]).map(lambda n: "(" * n + "name:x" + ")" * n),
        st.sampled_from([17, 300]).map(lambda n: "~(" * n + "name:x" + ")" * n),
        st.sampled_from([101, 5000]).map(lambda n: "name:" + "|".join(["a"] * n)),
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
