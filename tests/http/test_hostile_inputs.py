"""Hostile inputs: whatever a client sends, the answer is a coded error or data, never a 500, and
nothing is written.

One table, `CASES`, in eight classes (the first part of each case id):

1. `naive-datetime`: a DateTime without an offset, in every DateTime argument of the schema.
2. `calendar-edge`: datetimes at year 1 and year 9999 whose conversion to UTC overflows (and the
   last second of 9999 in UTC, which is valid), in DateTime inputs and in the query language.
3. `forged-cursor`: cursors built like real ones (base64url of `[sort, [values]]`, learnt from a
   real first page) but nested 10,000 deep, with 2**70, a datetime that overflows, a naive one, a
   lone surrogate, NUL, NaN, 200 KB of padding, garbage, or another list's cursor.
4. `lone-surrogate`: U+D800-style strings in every kind of string input: mutation text, JSON keys
   and values, usernames, lookups, the query language and typed filters.
5. `nul`: NUL characters in JSON inputs, query-language values and typed filters (PostgreSQL
   refuses them in text and jsonb).
6. `deep-query`: query-language expressions nested hundreds of parentheses deep.
7. `long-list`: typed filter lists and `nodes(ids:)` longer than the drivers' parameter limits
   (POST only: 40,000 items do not fit in a URL; httpx, like servers, refuses one over 64 KiB).
8. `nan-infinity`: NaN, Infinity and 1e400 in JSON inputs, Int arguments and the query language;
   after a mutation, `runs(query: "metrics.a:>0")` must still answer.

Each case travels one channel, named by the end of its id: POST with variables (the body written
by hand with `ensure_ascii`, so a surrogate travels as its escape, and NaN as a bare word),
`-inline` (POST, the value written in the document), or `-get` (GET, variables in the URL).
Every case must answer with an HTTP status below 500 and a strict JSON body, no
INTERNAL_SERVER_ERROR and no traceback, its expected outcome (`Expect`), and every table's rows
exactly as before. Queries go as the anonymous viewer where the field is public (project lists,
`hub`, `project`, `nodes`), as the signed-in owner otherwise and for every mutation.

This table defines "fixed" for validation at the edge; several cases fail until it lands.
Plain bad input (names, ids, page sizes, simple cursors, NUL in names) is `test_bad_input.py`.
"""

import base64
import enum
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from app.main import create_app
from app.models import Base
from app.projects.models import ProjectFeature, ProjectVisibility
from app.runs.models import RunStatus
from app.settings import Settings
from app.users.models import User
from tests.helpers import Factory, Person, global_id

# ---- values -----------------------------------------------------------------------------------


class Raw(str):
    """JSON text sent as it is: NaN, Infinity, 1e400 (which json.dumps cannot write)."""

    __slots__ = ()


class Bare(str):
    """An enum value: a string in variables, unquoted in a document."""

    __slots__ = ()


NAIVE = "2026-01-01T00:00:00"
YEAR_1 = "0001-01-01T00:00:00+01:00"  # 0000-12-31T23:00Z: before datetime.min
YEAR_9999 = "9999-12-31T23:59:59-01:00"  # 10000-01-01T00:59Z: after datetime.max
LAST_SECOND = "9999-12-31T23:59:59+00:00"  # valid
SURROGATE = "\ud800"
INNER_SURROGATE = "a\udfffb"
NUL = "a\x00b"
LONG = 40_000  # over asyncpg's 32,767 bind parameters (SQLite's default is 32,766)

# Placeholders for what the seeded world decides (ids differ between databases).
PROJECT_ID = "%PROJECT_ID%"
ORGANIZATION_ID = "%ORGANIZATION_ID%"
RUN_ID = "%RUN_ID%"
MODEL_VERSION_ID = "%MODEL_VERSION_ID%"
CURSOR = "%CURSOR%"


def to_json(value: Any) -> str:
    """JSON text, ASCII only: surrogates and NUL as escapes; floats NaN and inf as Python writes
    them (`NaN`, `Infinity`), `Raw` text as it is."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True)


def to_graphql(value: Any) -> str:
    """A GraphQL literal; JSON's string escapes are GraphQL's too."""
    if isinstance(value, Raw | Bare):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {to_graphql(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_graphql(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True)


def fill(value: Any, refs: Mapping[str, str]) -> Any:
    """`value` with the world's placeholders replaced."""
    if isinstance(value, Raw | Bare):
        return value
    if isinstance(value, str):
        for marker, replacement in refs.items():
            value = value.replace(marker, replacement)
        return value
    if isinstance(value, dict):
        return {key: fill(item, refs) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, refs) for item in value]
    return value


# ---- cursors ----------------------------------------------------------------------------------


def encode_cursor(payload: str) -> str:
    """How the server writes cursors: base64url of the JSON text, without padding."""
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, list[Any]]:
    name, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return name, values


Forger = Callable[[str, list[Any]], str]


def replacing(kind: str, hostile: Any) -> Forger:
    """A real cursor with each value of `kind` (datetime, int or string) replaced by `hostile`."""

    def matches(value: Any) -> bool:
        if kind == "datetime":
            return isinstance(value, dict)
        if kind == "int":
            return type(value) is int
        return isinstance(value, str)

    def forge(name: str, values: list[Any]) -> str:
        forged = [hostile if matches(value) else value for value in values]
        assert forged != values, f"the real cursor [{name!r}, {values!r}] has no {kind}"
        return encode_cursor(json.dumps([name, forged]))  # writes NaN; escapes surrogates, NUL

    return forge


def nested(name: str, values: list[Any]) -> str:
    return encode_cursor(f"[{json.dumps(name)}, " + "[" * 10_000 + "]" * 10_000 + "]")


def padded(name: str, values: list[Any]) -> str:
    """The real sort and values after 200 KB of JSON whitespace."""
    return encode_cursor("[" + " " * 200_000 + json.dumps(name) + ", " + json.dumps(values) + "]")


def garbage(name: str, values: list[Any]) -> str:
    return "~~not*base64~~"


@dataclass(frozen=True)
class Forgery:
    """A cursor made from the first cursor of `source` (the case's own list when None)."""

    forge: Forger | None  # None: the source's real cursor as it is
    source: str | None = None


# ---- lists and mutations ----------------------------------------------------------------------

PAGE = "{ totalCount edges { cursor } }"
VISION = 'project(owner: "acme", name: "vision")'


@dataclass(frozen=True)
class Listing:
    selection: str  # ARGS marks the arguments
    filter_type: str | None
    as_member: bool


LISTINGS = {
    "runs": Listing(f"{VISION} {{ runs(ARGS) {PAGE} }}", "RunFilter", as_member=False),
    "runs-by-name": Listing(
        f'{VISION} {{ runs(sort: "name", ARGS) {PAGE} }}', "RunFilter", as_member=False
    ),
    "model-versions": Listing(
        f"{VISION} {{ modelVersions(ARGS) {PAGE} }}", "ModelVersionFilter", as_member=False
    ),
    "component-versions": Listing(
        f"{VISION} {{ componentVersions(ARGS) {PAGE} }}", "ComponentVersionFilter", as_member=False
    ),
    "hub": Listing(f"hub(ARGS) {PAGE}", "ComponentVersionFilter", as_member=False),
    "projects": Listing(
        f'organization(name: "acme") {{ projects(ARGS) {PAGE} }}', "ProjectFilter", as_member=True
    ),
    "models": Listing(
        f'organization(name: "acme") {{ models(ARGS) {PAGE} }}', "ProjectFilter", as_member=True
    ),
    "activity": Listing(
        f'organization(name: "acme") {{ activity(ARGS) {PAGE} }}', "ActivityFilter", as_member=True
    ),
    "members": Listing(
        f'organization(name: "acme") {{ members(ARGS) {PAGE} }}', None, as_member=True
    ),
    "organizations": Listing(f"organizations(ARGS) {PAGE}", None, as_member=True),
}
ARGUMENT_TYPES = {
    "query": "String",
    "after": "String",
    "before": "String",
    "first": "Int",
    "last": "Int",
}

# Each mutation's input type and what its payload returns (JSON fields included: a NaN that got
# stored would come back in the body).
MUTATIONS = {
    "createOrganization": ("CreateOrganizationInput", "organization { id name displayName }"),
    "createProject": ("CreateProjectInput", "project { id description }"),
    "createRun": ("CreateRunInput", "run { id name inputs outputs artifacts { summary } }"),
    "updateRun": ("UpdateRunInput", "run { id outputs }"),
    "promoteRun": ("PromoteRunInput", "modelVersion { id metadata }"),
    "createModelVersion": ("CreateModelVersionInput", "modelVersion { id metadata }"),
    "updateModelVersion": ("UpdateModelVersionInput", "modelVersion { id description }"),
    "addOrganizationMember": ("OrganizationMemberInput", "member { role }"),
    "removeOrganizationMember": ("RemoveOrganizationMemberInput", "member { role }"),
    "setProjectAccess": ("SetProjectAccessInput", "grant { role }"),
    "createAccessToken": ("CreateAccessTokenInput", "accessToken { id expiresAt }"),
}


# ---- the table --------------------------------------------------------------------------------


class Expect(enum.Enum):
    BAD_USER_INPUT = "a top-level BAD_USER_INPUT"
    REFUSED = "a top-level BAD_USER_INPUT or userErrors all INVALID"
    ANSWERED_OR_BAD = "data without errors, or a top-level BAD_USER_INPUT"
    ANSWERED = "data without errors"


class Channel(enum.Enum):
    VARIABLES = ""
    INLINE = "-inline"
    GET = "-get"


VAR, DOC, GET = Channel.VARIABLES, Channel.INLINE, Channel.GET


@dataclass(frozen=True)
class Case:
    id: str
    document: str
    variables: dict[str, Any] | None
    channel: Channel
    as_member: bool
    expect: Expect
    forgery: Forgery | None = None
    listing: str | None = None
    metrics_follow_up: bool = False


def query_cases(
    label: str,
    selection: str,
    type_name: str,
    value: Any,
    channels: Sequence[Channel],
    *,
    as_member: bool = False,
    expect: Expect = Expect.BAD_USER_INPUT,
    forgery: Forgery | None = None,
    listing: str | None = None,
) -> list[Case]:
    """`selection` with `$v` for the value: a variable, or the value written in its place."""
    cases = []
    for channel in channels:
        if channel is Channel.INLINE:
            document = "{ " + selection.replace("$v", to_graphql(value)) + " }"
            variables = None
        else:
            document = f"query($v: {type_name}) {{ {selection} }}"
            variables = {"v": value}
        cases.append(
            Case(
                label + channel.value,
                document,
                variables,
                channel,
                as_member,
                expect,
                forgery=forgery,
                listing=listing,
            )
        )
    return cases


def list_cases(
    label: str,
    listing: str,
    argument: str,
    value: Any,
    channels: Sequence[Channel],
    *,
    expect: Expect = Expect.BAD_USER_INPUT,
    forgery: Forgery | None = None,
) -> list[Case]:
    spec = LISTINGS[listing]
    type_name = spec.filter_type if argument == "filter" else ARGUMENT_TYPES[argument]
    assert type_name is not None, f"{listing} has no typed filter"
    selection = spec.selection.replace("ARGS", f"{argument}: $v")
    return query_cases(
        label,
        selection,
        type_name,
        value,
        channels,
        as_member=spec.as_member,
        expect=expect,
        forgery=forgery,
        listing=listing,
    )


def mutation_cases(
    label: str,
    mutation: str,
    input_: dict[str, Any],
    channels: Sequence[Channel] = (VAR,),
    *,
    metrics_follow_up: bool = False,
) -> list[Case]:
    input_type, returned = MUTATIONS[mutation]
    selection = f"{mutation}(input: $input) {{ {returned} userErrors {{ field code message }} }}"
    cases = []
    for channel in channels:
        assert channel is not Channel.GET, "GET never runs a mutation"
        if channel is Channel.INLINE:
            document = "mutation { " + selection.replace("$input", to_graphql(input_)) + " }"
            variables = None
        else:
            document = f"mutation($input: {input_type}!) {{ {selection} }}"
            variables = {"input": input_}
        cases.append(
            Case(
                label + channel.value,
                document,
                variables,
                channel,
                as_member=True,
                expect=Expect.REFUSED,
                metrics_follow_up=metrics_follow_up,
            )
        )
    return cases


Channels = tuple[Channel, ...]
Row = tuple[str, str, Any, Channels]  # label, listing or mutation, value or input, channels


def filters(prefix: str, rows: Sequence[Row], expect: Expect = Expect.BAD_USER_INPUT) -> list[Case]:
    """Typed filter values: (label, listing, filter, channels)."""
    return [
        case
        for label, listing, value, channels in rows
        for case in list_cases(
            f"{prefix}/{label}", listing, "filter", value, channels, expect=expect
        )
    ]


def queries(prefix: str, rows: Sequence[Row], expect: Expect = Expect.BAD_USER_INPUT) -> list[Case]:
    """Query-language strings: (label, listing, query, channels)."""
    return [
        case
        for label, listing, value, channels in rows
        for case in list_cases(
            f"{prefix}/{label}", listing, "query", value, channels, expect=expect
        )
    ]


def mutations(
    prefix: str,
    mutation: str,
    rows: Sequence[tuple[str, dict[str, Any], Channels]],
    *,
    metrics_follow_up: bool = False,
) -> list[Case]:
    """Inputs of one mutation: (label, input, channels); ids read `prefix/create-run-label`."""
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", mutation).lower()
    return [
        case
        for label, input_, channels in rows
        for case in mutation_cases(
            f"{prefix}/{kebab}-{label}",
            mutation,
            input_,
            channels,
            metrics_follow_up=metrics_follow_up,
        )
    ]


def cursors(rows: Sequence[tuple[str, str, str, Forgery, Channels]]) -> list[Case]:
    """Forged cursors: (label, listing, after or before, forgery, channels)."""
    return [
        case
        for label, listing, argument, forgery, channels in rows
        for case in list_cases(
            f"forged-cursor/{label}", listing, argument, CURSOR, channels, forgery=forgery
        )
    ]


def run_input(**fields: Any) -> dict[str, Any]:
    return {"projectId": PROJECT_ID, "name": "hostile", **fields}


def artifact(summary: dict[str, Any]) -> dict[str, Any]:
    return {"name": "model", "kind": Bare("MODEL"), "path": "s3://b/m", "summary": summary}


def promote_input(metadata: dict[str, Any]) -> dict[str, Any]:
    return {"projectId": PROJECT_ID, "runId": RUN_ID, "name": "v2", "metadata": metadata}


def version_input(metadata: dict[str, Any]) -> dict[str, Any]:
    return {"projectId": PROJECT_ID, "name": "v9", "metadata": metadata}


def member_input(username: str, role: str | None = "MEMBER") -> dict[str, Any]:
    input_: dict[str, Any] = {"organizationId": ORGANIZATION_ID, "username": username}
    return input_ if role is None else {**input_, "role": Bare(role)}


def project_input(**fields: Any) -> dict[str, Any]:
    return {"organizationId": ORGANIZATION_ID, "name": "fresh", **fields}


def token_input(expires_at: str) -> dict[str, Any]:
    return {"name": "ci", "expiresAt": expires_at}


def nested_query(atom: str, opening: str) -> str:
    """`atom` inside as many `opening`s as the query language's 2,000 characters allow."""
    levels = (1990 - len(atom)) // (len(opening) + 1)
    return opening * levels + atom + ")" * levels


def many(prefix: str) -> list[str]:
    return [f"{prefix}{i}" for i in range(LONG)]


ALL = (VAR, DOC, GET)
VAR_DOC, VAR_GET, DOC_GET = (VAR, DOC), (VAR, GET), (DOC, GET)

NAIVE_DATETIMES = [
    *filters("naive-datetime", [
        ("activity-filter-after", "activity", {"after": NAIVE}, VAR_GET),
        ("activity-filter-before", "activity", {"before": NAIVE}, (DOC,)),
        ("run-filter-created-after", "runs", {"createdAfter": NAIVE}, VAR_DOC),
        ("run-filter-created-before", "runs", {"createdBefore": NAIVE}, (VAR,)),
        ("run-filter-finished-after", "runs", {"finishedAfter": NAIVE}, DOC_GET),
        ("run-filter-finished-before", "runs", {"finishedBefore": NAIVE}, (VAR,)),
        ("model-version-filter-created-after", "model-versions", {"createdAfter": NAIVE}, VAR_DOC),
        ("model-version-filter-created-before", "model-versions", {"createdBefore": NAIVE}, (VAR,)),
        ("hub-filter-created-after", "hub", {"createdAfter": NAIVE}, VAR_GET),
        ("component-version-filter-created-before", "component-versions",
         {"createdBefore": NAIVE}, (DOC,)),
        ("project-filter-created-after", "projects", {"createdAfter": NAIVE}, (VAR,)),
        ("project-filter-created-before", "models", {"createdBefore": NAIVE}, (DOC,)),
        ("project-filter-updated-after", "projects", {"updatedAfter": NAIVE}, (VAR,)),
        ("project-filter-updated-before", "projects", {"updatedBefore": NAIVE}, (VAR,)),
    ]),
    *mutations("naive-datetime", "createAccessToken", [
        ("expires-at", token_input(NAIVE), VAR_DOC),
    ]),
]  # fmt: skip

CALENDAR_EDGES = [
    *filters("calendar-edge", [
        ("run-filter-created-after-year-1", "runs", {"createdAfter": YEAR_1}, ALL),
        ("run-filter-finished-before-year-9999", "runs", {"finishedBefore": YEAR_9999}, VAR_DOC),
        ("activity-filter-before-year-9999", "activity", {"before": YEAR_9999}, (VAR,)),
        ("activity-filter-after-year-1", "activity", {"after": YEAR_1}, (DOC,)),
        ("hub-filter-created-before-year-9999", "hub", {"createdBefore": YEAR_9999}, (VAR,)),
        ("model-version-filter-created-after-year-1", "model-versions",
         {"createdAfter": YEAR_1}, (VAR,)),
        ("project-filter-updated-before-year-9999", "projects",
         {"updatedBefore": YEAR_9999}, (VAR,)),
    ]),
    *filters("calendar-edge", [
        ("run-filter-created-before-last-second", "runs", {"createdBefore": LAST_SECOND}, VAR_DOC),
        ("activity-filter-before-last-second", "activity", {"before": LAST_SECOND}, (VAR,)),
        ("hub-filter-created-after-last-second", "hub", {"createdAfter": LAST_SECOND}, (DOC,)),
    ], expect=Expect.ANSWERED),
    *mutations("calendar-edge", "createAccessToken", [
        ("expires-at-year-9999", token_input(YEAR_9999), VAR_DOC),
        ("expires-at-year-1", token_input(YEAR_1), (VAR,)),
    ]),
    *queries("calendar-edge", [
        ("runs-query-created-at-9999", "runs", "created_at:9999-12-31", VAR_GET),
        ("runs-query-created-at-le-9999", "runs", "created_at:<=9999-12-31", VAR_DOC),
        ("runs-query-created-at-gt-9999", "runs", "created_at:>9999-12-31", (VAR,)),
        ("runs-query-created-at-whole-calendar", "runs",
         "created_at:0001-01-01 .. 9999-12-31", VAR_DOC),
        ("runs-query-created-at-ge-year-1-plus-5", "runs",
         "created_at:>=0001-01-01T00:00:00+05:00", (VAR,)),
        ("hub-query-created-at-9999", "hub", "created_at:9999-12-31", (DOC,)),
        ("hub-query-created-at-gt-9999", "hub", "created_at:>9999-12-31", (VAR,)),
        ("model-versions-query-created-at-le-9999", "model-versions",
         "created_at:<=9999-12-31", (VAR,)),
        ("organizations-query-created-at-9999", "organizations", "created_at:9999-12-31", (VAR,)),
        ("projects-query-updated-at-gt-9999", "projects", "updated_at:>9999-12-31", (VAR,)),
    ], expect=Expect.ANSWERED_OR_BAD),
]  # fmt: skip

NESTED = Forgery(nested)
HUGE_INT = Forgery(replacing("int", 2**70))
YEAR_1_PLUS_5 = Forgery(replacing("datetime", {"dt": "0001-01-01T00:00:00+05:00"}))
NAIVE_DT = Forgery(replacing("datetime", {"dt": NAIVE}))
LONE_SURROGATE = Forgery(replacing("string", SURROGATE))
NUL_STRING = Forgery(replacing("string", NUL))
NAN_ID = Forgery(replacing("int", float("nan")))
PADDED = Forgery(padded)
GARBAGE = Forgery(garbage)

FORGED_CURSORS = cursors([
    ("runs-after-nested-10000-deep", "runs", "after", NESTED, (VAR,)),
    ("members-before-nested-10000-deep", "members", "before", NESTED, (VAR,)),
    ("hub-after-nested-10000-deep", "hub", "after", NESTED, (GET,)),
    ("runs-after-int-2-70", "runs", "after", HUGE_INT, (VAR,)),
    ("model-versions-before-int-2-70", "model-versions", "before", HUGE_INT, (DOC,)),
    ("runs-after-datetime-year-1", "runs", "after", YEAR_1_PLUS_5, VAR_GET),
    ("hub-before-datetime-year-1", "hub", "before", YEAR_1_PLUS_5, (VAR,)),
    ("model-versions-after-datetime-year-1", "model-versions", "after", YEAR_1_PLUS_5, (DOC,)),
    ("hub-after-naive-datetime", "hub", "after", NAIVE_DT, (VAR,)),
    ("model-versions-before-naive-datetime", "model-versions", "before", NAIVE_DT, (DOC,)),
    ("members-after-lone-surrogate", "members", "after", LONE_SURROGATE, (VAR,)),
    ("runs-by-name-before-lone-surrogate", "runs-by-name", "before", LONE_SURROGATE, DOC_GET),
    ("members-before-nul", "members", "before", NUL_STRING, (VAR,)),
    ("runs-by-name-after-nul", "runs-by-name", "after", NUL_STRING, (VAR,)),
    ("runs-before-nan", "runs", "before", NAN_ID, (VAR,)),
    ("members-after-nan", "members", "after", NAN_ID, (VAR,)),
    ("hub-after-200-kb", "hub", "after", PADDED, (VAR,)),
    ("members-after-200-kb", "members", "after", PADDED, (VAR,)),
    ("runs-after-not-base64", "runs", "after", GARBAGE, (DOC,)),
    ("model-versions-after-not-base64", "model-versions", "after", GARBAGE, (VAR,)),
    ("runs-after-a-members-cursor", "runs", "after", Forgery(None, "members"), (VAR,)),
    ("hub-before-a-runs-cursor", "hub", "before", Forgery(None, "runs"), (VAR,)),
    ("members-after-a-hub-cursor", "members", "after", Forgery(None, "hub"), (GET,)),
    ("model-versions-after-a-runs-cursor", "model-versions", "after",
     Forgery(None, "runs-by-name"), (VAR,)),
])  # fmt: skip

LONE_SURROGATES = [
    *mutations("lone-surrogate", "createOrganization", [
        ("name", {"name": SURROGATE}, (VAR,)),
        ("display-name", {"name": "globex", "displayName": INNER_SURROGATE}, VAR_DOC),
        ("description", {"name": "globex", "description": SURROGATE}, (DOC,)),
    ]),
    *mutations("lone-surrogate", "createProject", [
        ("description", project_input(description=INNER_SURROGATE), VAR_DOC),
    ]),
    *mutations("lone-surrogate", "createRun", [
        ("name", run_input(name=SURROGATE), VAR_DOC),
        ("outputs-key", run_input(outputs={SURROGATE: 1}), (VAR,)),
        ("outputs-value", run_input(outputs={"a": INNER_SURROGATE}), VAR_DOC),
        ("inputs-key", run_input(inputs={INNER_SURROGATE: 0.1}), (VAR,)),
        ("inputs-value", run_input(inputs={"lr": [SURROGATE]}), (VAR,)),
    ]),
    *mutations("lone-surrogate", "promoteRun", [
        ("metadata-value", promote_input({"framework": SURROGATE}), VAR_DOC),
    ]),
    *mutations("lone-surrogate", "createModelVersion", [
        ("metadata-key", version_input({SURROGATE: "x"}), (VAR,)),
    ]),
    *mutations("lone-surrogate", "addOrganizationMember", [
        ("username", member_input(SURROGATE), VAR_DOC),
    ]),
    *mutations("lone-surrogate", "removeOrganizationMember", [
        ("username", member_input(INNER_SURROGATE, None), (VAR,)),
    ]),
    *mutations("lone-surrogate", "setProjectAccess", [
        ("username", {"projectId": PROJECT_ID, "username": SURROGATE, "role": Bare("VIEWER")},
         (VAR,)),
    ]),
    *queries("lone-surrogate", [
        ("runs-query", "runs", f"name:{SURROGATE}", ALL),
        ("hub-query", "hub", f"name:%{INNER_SURROGATE}%", (VAR,)),
        ("organizations-query", "organizations", f"name:{SURROGATE}", (VAR,)),
    ]),
    *filters("lone-surrogate", [
        ("run-filter-name", "runs", {"name": SURROGATE}, VAR_DOC),
        ("run-filter-tags", "runs", {"tags": [INNER_SURROGATE]}, (VAR,)),
        ("model-version-filter-name-contains", "model-versions",
         {"nameContains": SURROGATE}, VAR_GET),
        ("component-version-filter-kind", "hub", {"kind": [SURROGATE]}, VAR_DOC),
        ("project-filter-name", "projects", {"name": INNER_SURROGATE}, (VAR,)),
        ("activity-filter-actor", "activity", {"actor": SURROGATE}, (VAR,)),
    ]),
    *query_cases("lone-surrogate/project-owner", 'project(owner: $v, name: "vision") { name }',
                 "String!", SURROGATE, VAR_DOC),
    *query_cases("lone-surrogate/project-name", 'project(owner: "acme", name: $v) { name }',
                 "String!", INNER_SURROGATE, VAR_GET),
]  # fmt: skip

NULS = [
    *mutations("nul", "createRun", [
        ("outputs-value", run_input(outputs={"a": NUL}), VAR_DOC),
        ("outputs-key", run_input(outputs={NUL: 1}), (VAR,)),
        ("inputs-value", run_input(inputs={"lr": "\x00"}), VAR_DOC),
        ("inputs-key", run_input(inputs={"\x00": 1}), (VAR,)),
        ("artifact-summary", run_input(artifacts=[artifact({"note": NUL})]), VAR_DOC),
    ]),
    *mutations("nul", "updateRun", [
        ("outputs", {"id": RUN_ID, "outputs": {"a": NUL}}, (VAR,)),
    ]),
    *mutations("nul", "promoteRun", [
        ("metadata-value", promote_input({"framework": NUL}), (VAR,)),
    ]),
    *mutations("nul", "createModelVersion", [
        ("metadata-key", version_input({NUL: "x"}), (VAR,)),
        ("metadata-value", version_input({"f": [NUL]}), (DOC,)),
    ]),
    *mutations("nul", "updateModelVersion", [
        ("description", {"id": MODEL_VERSION_ID, "description": f"a{NUL}b"}, (VAR,)),
    ]),
    *queries("nul", [
        ("runs-query-name", "runs", f"name:{NUL}", ALL),
        ("runs-query-metric-value", "runs", "metrics.x:\x00", (VAR,)),
        ("runs-query-metric-name", "runs", "metrics.a\x00:>0", (VAR,)),
        ("hub-query-name", "hub", f"name:%{NUL}%", (DOC,)),
    ]),
    *filters("nul", [
        ("run-filter-name", "runs", {"name": NUL}, VAR_DOC),
        ("run-filter-tags", "runs", {"tags": [NUL]}, (VAR,)),
        ("model-version-filter-name-contains", "model-versions", {"nameContains": NUL}, (VAR,)),
        ("model-version-filter-run", "model-versions", {"run": NUL}, (VAR,)),
        ("hub-filter-tags", "hub", {"tags": [NUL]}, VAR_GET),
        ("project-filter-name", "projects", {"name": NUL}, (VAR,)),
        ("activity-filter-verbs", "activity", {"verbs": [NUL]}, (VAR,)),
    ]),
]  # fmt: skip

DEEP_QUERIES = queries("deep-query", [
    ("runs-parentheses", "runs", nested_query("name:a", "("), ALL),
    ("runs-negations", "runs", nested_query("metrics.accuracy:>0.5", "~("), (VAR,)),
    ("hub-parentheses", "hub", nested_query("name:a", "("), (VAR,)),
    ("model-versions-negations", "model-versions", nested_query("name:a", "~("), (DOC,)),
    ("members-parentheses", "members", nested_query("username:a", "("), (VAR,)),
    ("organizations-negations", "organizations", nested_query("name:a", "~("), (VAR,)),
])  # fmt: skip

LONG_LISTS = [
    *filters("long-list", [
        ("run-filter-tags", "runs", {"tags": many("t")}, (VAR,)),
        ("run-filter-status", "runs", {"status": [Bare("SUCCEEDED")] * LONG}, (VAR,)),
        ("model-version-filter-tags", "model-versions", {"tags": many("t")}, (VAR,)),
        ("model-version-filter-stage", "model-versions", {"stage": [Bare("TESTING")] * LONG},
         (VAR,)),
        ("hub-filter-kind", "hub", {"kind": many("k")}, (VAR,)),
        ("hub-filter-tags", "hub", {"tags": many("t")}, (VAR,)),
        ("component-version-filter-tags", "component-versions", {"tags": many("t")}, (VAR,)),
        ("project-filter-tags", "projects", {"tags": many("t")}, (VAR,)),
        ("project-filter-visibility", "projects", {"visibility": [Bare("PUBLIC")] * LONG}, (VAR,)),
        ("activity-filter-verbs", "activity", {"verbs": many("v")}, (VAR,)),
    ]),
    *query_cases("long-list/nodes-ids", "nodes(ids: $v) { id }", "[ID!]!",
                 [global_id("Run", i) for i in range(1, LONG + 1)], (VAR,)),
]  # fmt: skip

JSON_NAN, JSON_INFINITY = Raw("NaN"), Raw("Infinity")
JSON_MINUS_INFINITY, JSON_1E400, JSON_MINUS_1E400 = Raw("-Infinity"), Raw("1e400"), Raw("-1e400")

NAN_INFINITY = [
    *mutations("nan-infinity", "createRun", [
        ("outputs-nan", run_input(outputs={"a": JSON_NAN}), (VAR,)),
        ("outputs-infinity", run_input(outputs={"a": JSON_INFINITY}), (VAR,)),
        ("outputs-minus-infinity", run_input(outputs={"a": JSON_MINUS_INFINITY}), (VAR,)),
        ("outputs-1e400", run_input(outputs={"a": JSON_1E400}), VAR_DOC),
        ("outputs-minus-1e400", run_input(outputs={"a": JSON_MINUS_1E400}), (DOC,)),
    ], metrics_follow_up=True),
    *mutations("nan-infinity", "updateRun", [
        ("outputs-nan", {"id": RUN_ID, "outputs": {"a": JSON_NAN}}, (VAR,)),
        ("inputs-minus-infinity", {"id": RUN_ID, "inputs": {"a": JSON_MINUS_INFINITY}}, (VAR,)),
    ], metrics_follow_up=True),
    *mutations("nan-infinity", "createRun", [
        ("inputs-nan-in-a-list", run_input(inputs={"lr": [0.1, JSON_NAN]}), (VAR,)),
        ("artifact-summary-infinity", run_input(artifacts=[artifact({"loss": JSON_INFINITY})]),
         (VAR,)),
    ]),
    *mutations("nan-infinity", "promoteRun", [
        ("metadata-nan", promote_input({"threshold": JSON_NAN}), (VAR,)),
    ]),
    *mutations("nan-infinity", "createModelVersion", [
        ("metadata-infinity", version_input({"size": JSON_INFINITY}), (VAR,)),
        ("metadata-1e400", version_input({"size": JSON_1E400}), (DOC,)),
    ]),
    *list_cases("nan-infinity/runs-first-nan", "runs", "first", JSON_NAN, VAR_GET),
    *list_cases("nan-infinity/runs-last-infinity", "runs", "last", JSON_INFINITY, (VAR,)),
    *list_cases("nan-infinity/members-first-1e400", "members", "first", JSON_1E400, VAR_DOC),
    *list_cases("nan-infinity/hub-first-minus-infinity", "hub", "first", JSON_MINUS_INFINITY,
                (VAR,)),
    *queries("nan-infinity", [
        ("runs-query-metric-gt-nan", "runs", "metrics.a:>nan", (VAR,)),
        ("runs-query-metric-lt-1e400", "runs", "metrics.a:<1e400", VAR_GET),
        ("runs-query-metric-infinite-range", "runs", "metrics.a:-inf .. inf", (VAR,)),
    ], expect=Expect.ANSWERED_OR_BAD),
]  # fmt: skip

CASES = [
    *NAIVE_DATETIMES,
    *CALENDAR_EDGES,
    *FORGED_CURSORS,
    *LONE_SURROGATES,
    *NULS,
    *DEEP_QUERIES,
    *LONG_LISTS,
    *NAN_INFINITY,
]


# ---- channels ---------------------------------------------------------------------------------

JSON_BODY = {"content-type": "application/json"}
ACCEPT_JSON = {"accept": "application/json"}

Send = Callable[
    [httpx.AsyncClient, str, dict[str, Any] | None, dict[str, str]], Awaitable[httpx.Response]
]


async def send_post(
    http: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    """POST with a body written by hand: ASCII escapes for surrogates, NaN as a bare word."""
    payload: dict[str, Any] = {"query": document}
    if variables is not None:
        payload["variables"] = variables
    content = to_json(payload).encode("ascii")
    return await http.post("/graphql", content=content, headers={**JSON_BODY, **headers})


async def send_get(
    http: httpx.AsyncClient,
    document: str,
    variables: dict[str, Any] | None,
    headers: dict[str, str],
) -> httpx.Response:
    """GET with the document and the variables' JSON in the URL."""
    params = {"query": document}
    if variables is not None:
        params["variables"] = to_json(variables)
    return await http.get("/graphql", params=params, headers={**ACCEPT_JSON, **headers})


SENDERS: dict[Channel, Send] = {
    Channel.VARIABLES: send_post,
    Channel.INLINE: send_post,
    Channel.GET: send_get,
}


# ---- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    owner: Person
    refs: dict[str, str]


def bearer(person: Person) -> dict[str, str]:
    return {"authorization": f"Bearer {person.token}"}


async def seed(factory: Factory) -> World:
    """ada owns acme, whose PUBLIC project vision takes runs, model versions and components."""
    ada = await factory.user("ada")
    acme = await factory.organization("acme", owner=ada)
    vision = await factory.project(
        acme,
        "vision",
        visibility=ProjectVisibility.PUBLIC,
        features=frozenset(ProjectFeature),
        tags=["cv"],
    )
    runs = [
        await factory.run(vision, "train", outputs={"accuracy": 0.9}, created_by=ada),
        await factory.run(vision, "tune", outputs={"accuracy": 0.8, "a": 1.0}, tags=["golden"]),
        await factory.run(vision, "eval", status=RunStatus.FAILED, outputs={"a": 2}),
    ]
    version = await factory.model_version(vision, "v1", run_id=runs[0])
    await factory.component_version(vision, "kaniko")
    refs = {
        PROJECT_ID: global_id("Project", vision),
        ORGANIZATION_ID: global_id("Organization", acme),
        RUN_ID: global_id("Run", runs[0]),
        MODEL_VERSION_ID: global_id("ModelVersion", version),
    }
    return World(ada, refs)


async def empty(engine: AsyncEngine) -> None:
    """What the conftest does after each test."""
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608


class Worlds:
    """One seeded world for the table, seeded again only after a case changed it (or something
    emptied the database): emptying PostgreSQL after each of ~190 cases costs more than they do.
    """

    def __init__(self, factory: Factory, engine: AsyncEngine) -> None:
        self.factory = factory
        self.engine = engine
        self.world: World | None = None
        self.dirty = False

    async def fresh(self) -> World:
        async with self.factory.sessions() as session:
            emptied = not await session.scalar(select(func.count()).select_from(User))
        if self.world is None or self.dirty or emptied:
            await empty(self.engine)
            self.world = await seed(self.factory)
            self.dirty = False
        return self.world


@pytest.fixture(scope="module")
def app(settings: Settings, engine: AsyncEngine) -> Starlette:
    """One app for the table: an app's first request costs most of a second."""
    return create_app(settings, engine=engine)


@pytest.fixture(scope="module")
async def worlds(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> AsyncIterator[Worlds]:
    yield Worlds(Factory(sessions), engine)
    await empty(engine)


@pytest.fixture(autouse=True)
def _empty_database() -> None:
    """Overrides the conftest's: the cases share `worlds`, which empties the database at the end."""


@pytest.fixture
async def world(worlds: Worlds) -> World:
    return await worlds.fresh()


async def snapshot(factory: Factory) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in a stable order whatever the first column holds.

    Leaves out a token's last_used_at: authentication stamps it at most once a minute, whatever
    the request carries.
    """
    rows = {}
    async with factory.sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [column for column in table.c if column.name != "last_used_at"]
            result = await session.execute(select(*columns).order_by(columns[0]))
            rows[table.name] = sorted((tuple(row) for row in result), key=repr)
    return rows


def find_cursor(data: Any) -> str | None:
    """The first edge cursor anywhere in a response's data."""
    if isinstance(data, dict):
        if isinstance(data.get("cursor"), str):
            return str(data["cursor"])
        values: list[Any] = list(data.values())
    elif isinstance(data, list):
        values = data
    else:
        return None
    for value in values:
        found = find_cursor(value)
        if found is not None:
            return found
    return None


async def first_cursor(http: httpx.AsyncClient, world: World, listing: str) -> str:
    spec = LISTINGS[listing]
    document = "{ " + spec.selection.replace("ARGS", "first: 1") + " }"
    headers = bearer(world.owner) if spec.as_member else {}
    response = await http.post("/graphql", json={"query": document}, headers=headers)
    body = response.json()
    cursor = find_cursor(body.get("data"))
    assert cursor is not None, f"no cursor on the first page of {listing}: {body}"
    return cursor


async def forge(http: httpx.AsyncClient, world: World, case: Case) -> str:
    assert case.forgery is not None
    assert case.listing is not None
    real = await first_cursor(http, world, case.forgery.source or case.listing)
    if case.forgery.forge is None:
        return real
    name, values = decode_cursor(real)
    return case.forgery.forge(name, values)


# ---- checks -----------------------------------------------------------------------------------


def refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def strict_json(response: httpx.Response) -> tuple[dict[str, Any] | None, str | None]:
    """The body, and why it is not a strict JSON object if it is not (then the body as Python's
    lenient parser reads it, if it can, so its codes still show)."""
    try:
        body = json.loads(response.text, parse_constant=refuse_constant)
    except ValueError as error:
        problem = f"the body is not strict JSON ({error})"
        try:
            body = json.loads(response.text)
        except ValueError:
            return None, problem
        return (body if isinstance(body, dict) else None), problem
    if not isinstance(body, dict):
        return None, "the body is not a JSON object"
    return body, None


def codes(body: dict[str, Any]) -> tuple[list[str | None], list[str | None]]:
    """Top-level error codes, and the codes of every payload's userErrors."""
    top = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
    payloads = (body.get("data") or {}).values()
    user = [
        error.get("code")
        for payload in payloads
        if isinstance(payload, dict)
        for error in payload.get("userErrors") or []
    ]
    return top, user


def outcome_problem(body: dict[str, Any], expect: Expect) -> str | None:
    top, user = codes(body)
    bad_user_input = bool(top) and all(code == "BAD_USER_INPUT" for code in top)
    invalid = not top and bool(user) and all(code == "INVALID" for code in user)
    answered = not top and not user and body.get("data") is not None
    met = {
        Expect.BAD_USER_INPUT: bad_user_input,
        Expect.REFUSED: bad_user_input or invalid,
        Expect.ANSWERED_OR_BAD: answered or bad_user_input,
        Expect.ANSWERED: answered,
    }[expect]
    if met:
        return None
    return f"expected {expect.value}; got errors {top} and userErrors {user}"


# ---- the test ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_hostile_input(
    http: httpx.AsyncClient, factory: Factory, worlds: Worlds, world: World, case: Case
) -> None:
    refs = dict(world.refs)
    if case.forgery is not None:
        refs[CURSOR] = await forge(http, world, case)
    document, variables = fill(case.document, refs), fill(case.variables, refs)
    headers = bearer(world.owner) if case.as_member else {}
    before = await snapshot(factory)

    response = await SENDERS[case.channel](http, document, variables, headers)

    problems = []
    if response.status_code >= 500:
        problems.append(f"HTTP {response.status_code}")
    if "Traceback" in response.text:
        problems.append("a traceback in the body")
    body, not_json = strict_json(response)
    if not_json:
        problems.append(not_json)
    if body is not None:
        if "INTERNAL_SERVER_ERROR" in codes(body)[0]:
            problems.append("INTERNAL_SERVER_ERROR")
        outcome = outcome_problem(body, case.expect)
        if outcome:
            problems.append(outcome)
    after = await snapshot(factory)
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        worlds.dirty = True
        problems.append(f"rows changed in {', '.join(changed)}")
    if case.metrics_follow_up:
        follow_up = await send_post(
            http, f'{{ {VISION} {{ runs(query: "metrics.a:>0") {{ totalCount }} }} }}', None, {}
        )
        answer, not_strict = strict_json(follow_up)
        if not_strict or answer is None or answer.get("errors") or follow_up.status_code != 200:
            problems.append(f"then runs(query: metrics.a:>0) failed: {follow_up.text[:300]}")
    assert not problems, (
        f"HTTP {response.status_code}: " + "; ".join(problems) + f"\n{response.text[:600]}"
    )
