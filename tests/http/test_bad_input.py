"""Bad input of every kind gets its documented code, changes nothing and leaks no traceback.

Every request here goes through `post` or `assert_http_error`, which fail on a traceback in the
body, and through `unchanged`, which fails when any table's row count moved.
"""

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from app.authn import hash_token, mint_token
from app.db import utcnow
from app.organizations.models import Organization
from app.settings import Settings
from app.teams.models import Team
from app.users.models import AccessToken
from tests.helpers import (
    Factory,
    GraphQLClient,
    Person,
    StatementCounter,
    error_codes,
    global_id,
    without_cost,
)

# ---- documents --------------------------------------------------------------------------------

USER_ERRORS = "userErrors { field message code }"

CREATE_ORGANIZATION = f"""
mutation($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ id name }} {USER_ERRORS} }}
}}"""

UPDATE_ORGANIZATION = f"""
mutation($input: UpdateOrganizationInput!) {{
  updateOrganization(input: $input) {{ organization {{ id }} {USER_ERRORS} }}
}}"""

DELETE_ORGANIZATION = f"""
mutation($input: DeleteOrganizationInput!) {{
  deleteOrganization(input: $input) {{ deletedId {USER_ERRORS} }}
}}"""

ADD_ORGANIZATION_MEMBER = f"""
mutation($input: OrganizationMemberInput!) {{
  addOrganizationMember(input: $input) {{ member {{ role }} {USER_ERRORS} }}
}}"""

CREATE_TEAM = f"""
mutation($input: CreateTeamInput!) {{
  createTeam(input: $input) {{ team {{ id name }} {USER_ERRORS} }}
}}"""

UPDATE_TEAM = f"""
mutation($input: UpdateTeamInput!) {{
  updateTeam(input: $input) {{ team {{ id name }} {USER_ERRORS} }}
}}"""

DELETE_TEAM = f"""
mutation($input: DeleteTeamInput!) {{
  deleteTeam(input: $input) {{ deletedId {USER_ERRORS} }}
}}"""

# A mutation that would create a row if it ran: for requests that must never reach execution.
SNEAKY_MUTATION = (
    f'mutation {{ createOrganization(input: {{name: "sneaky"}}) {{ {USER_ERRORS} }} }}'
)

NODE = "query($id: ID!) { node(id: $id) { id } }"

# Each mutation document's payload field, and the object field in that payload.
PAYLOAD_FIELDS = {
    CREATE_ORGANIZATION: ("createOrganization", "organization"),
    UPDATE_ORGANIZATION: ("updateOrganization", "organization"),
    DELETE_ORGANIZATION: ("deleteOrganization", "deletedId"),
    ADD_ORGANIZATION_MEMBER: ("addOrganizationMember", "member"),
    CREATE_TEAM: ("createTeam", "team"),
    UPDATE_TEAM: ("updateTeam", "team"),
    DELETE_TEAM: ("deleteTeam", "deletedId"),
}

INVALID_NAMES = {
    "leading-dash": "-bad",
    "space": "a b",
    "65-characters": "x" * 65,
    "non-ascii": "ünïcode",
    "empty": "",
    "leading-dot": ".hidden",
    "slash": "a/b",
    "trailing-newline": "name\n",
}


# ---- helpers ----------------------------------------------------------------------------------


def assert_no_traceback(response: httpx.Response) -> None:
    assert "Traceback" not in response.text, response.text
    assert 'File "' not in response.text, response.text


async def post(
    gql: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    as_: Person | None = None,
) -> dict[str, Any]:
    """A GraphQL response body, checked for HTTP 200 and for tracebacks."""
    response = await gql.post(query, variables, as_=as_)
    assert_no_traceback(response)
    assert response.status_code == 200, response.text
    return without_cost(response.json())


def assert_top_level(body: dict[str, Any], code: str) -> None:
    assert error_codes(body) == [code], body


def assert_user_error(body: dict[str, Any], document: str, *, field: str, code: str) -> None:
    payload_field, object_field = PAYLOAD_FIELDS[document]
    assert "errors" not in body, body
    payload = body["data"][payload_field]
    assert payload[object_field] is None, payload
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, code)], payload
    assert all(e["message"] for e in payload["userErrors"]), payload


def assert_http_error(response: httpx.Response, status: int, code: str) -> None:
    """A failure outside GraphQL execution: the status, and a JSON body with one coded error."""
    assert_no_traceback(response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert error_codes(body) == [code], body
    assert body["errors"][0]["message"], body


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@asynccontextmanager
async def unchanged(factory: Factory) -> AsyncIterator[None]:
    """Fails if any table's row count changes inside the block."""
    before = await factory.row_counts()
    yield
    assert await factory.row_counts() == before


async def delete_row(factory: Factory, model: type[Organization | Team], row_id: int) -> None:
    async with factory.sessions() as session, session.begin():
        await session.execute(delete(model).where(model.id == row_id))


async def team_names(factory: Factory) -> list[str]:
    async with factory.sessions() as session:
        return sorted(await session.scalars(select(Team.name)))


# ---- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
async def ada(factory: Factory) -> Person:
    return await factory.user("ada")


@pytest.fixture
async def bob(factory: Factory) -> Person:
    """A user who belongs to nothing."""
    return await factory.user("bob")


@pytest.fixture
async def acme(factory: Factory, ada: Person) -> int:
    """An organization ada owns."""
    return await factory.organization("acme", owner=ada)


@pytest.fixture
async def core(factory: Factory, acme: int) -> int:
    """A team of acme."""
    return await factory.team(acme, "core")


# ---- names ------------------------------------------------------------------------------------

invalid_names = pytest.mark.parametrize("name", INVALID_NAMES.values(), ids=INVALID_NAMES.keys())


class TestInvalidNames:
    @invalid_names
    async def test_create_organization(
        self, gql: GraphQLClient, factory: Factory, ada: Person, name: str
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, CREATE_ORGANIZATION, {"input": {"name": name}}, as_=ada)
        assert_user_error(body, CREATE_ORGANIZATION, field="name", code="INVALID")

    @invalid_names
    async def test_create_team(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, name: str
    ) -> None:
        variables = {"input": {"organizationId": global_id("Organization", acme), "name": name}}
        async with unchanged(factory):
            body = await post(gql, CREATE_TEAM, variables, as_=ada)
        assert_user_error(body, CREATE_TEAM, field="name", code="INVALID")

    @invalid_names
    async def test_update_team(
        self, gql: GraphQLClient, factory: Factory, ada: Person, core: int, name: str
    ) -> None:
        variables = {"input": {"id": global_id("Team", core), "name": name}}
        async with unchanged(factory):
            body = await post(gql, UPDATE_TEAM, variables, as_=ada)
        assert_user_error(body, UPDATE_TEAM, field="name", code="INVALID")
        assert await team_names(factory) == ["core"]


class TestDuplicateNames:
    @pytest.mark.parametrize("name", ["acme", "Acme", "ACME"])
    async def test_organization_names_are_case_insensitive(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, name: str
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, CREATE_ORGANIZATION, {"input": {"name": name}}, as_=ada)
        assert_user_error(body, CREATE_ORGANIZATION, field="name", code="TAKEN")

    async def test_organization_names_are_unique_across_owners(
        self, gql: GraphQLClient, factory: Factory, acme: int, bob: Person
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, CREATE_ORGANIZATION, {"input": {"name": "Acme"}}, as_=bob)
        assert_user_error(body, CREATE_ORGANIZATION, field="name", code="TAKEN")

    async def test_an_uppercase_name_is_stored_lowercase(
        self, gql: GraphQLClient, ada: Person
    ) -> None:
        body = await post(gql, CREATE_ORGANIZATION, {"input": {"name": "Globex"}}, as_=ada)
        payload = body["data"]["createOrganization"]
        assert (payload["organization"]["name"], payload["userErrors"]) == ("globex", [])

    @pytest.mark.parametrize("name", ["core", "Core"])
    async def test_team_names_are_unique_in_their_organization(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, core: int, name: str
    ) -> None:
        variables = {"input": {"organizationId": global_id("Organization", acme), "name": name}}
        async with unchanged(factory):
            body = await post(gql, CREATE_TEAM, variables, as_=ada)
        assert_user_error(body, CREATE_TEAM, field="name", code="TAKEN")

    async def test_renaming_a_team_onto_another_is_taken(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, core: int
    ) -> None:
        await factory.team(acme, "infra")
        variables = {"input": {"id": global_id("Team", core), "name": "Infra"}}
        async with unchanged(factory):
            body = await post(gql, UPDATE_TEAM, variables, as_=ada)
        assert_user_error(body, UPDATE_TEAM, field="name", code="TAKEN")
        assert await team_names(factory) == ["core", "infra"]

    async def test_renaming_a_team_to_its_own_name_in_another_case_is_fine(
        self, gql: GraphQLClient, ada: Person, core: int
    ) -> None:
        variables = {"input": {"id": global_id("Team", core), "name": "CORE"}}
        body = await post(gql, UPDATE_TEAM, variables, as_=ada)
        team = {"id": global_id("Team", core), "name": "core"}
        assert body == {"data": {"updateTeam": {"team": team, "userErrors": []}}}

    async def test_the_same_team_name_in_another_organization_is_fine(
        self, gql: GraphQLClient, factory: Factory, ada: Person, core: int
    ) -> None:
        globex = await factory.organization("globex", owner=ada)
        variables = {"input": {"organizationId": global_id("Organization", globex), "name": "core"}}
        body = await post(gql, CREATE_TEAM, variables, as_=ada)
        assert "errors" not in body, body
        payload = body["data"]["createTeam"]
        assert (payload["team"]["name"], payload["userErrors"]) == ("core", [])
        assert await team_names(factory) == ["core", "core"]


# ---- ids --------------------------------------------------------------------------------------


def organization_input(document: str, organization_id: str) -> dict[str, Any]:
    """Valid variables for `document`, except perhaps the organization id it targets."""
    inputs: dict[str, dict[str, Any]] = {
        UPDATE_ORGANIZATION: {"id": organization_id, "description": "changed"},
        DELETE_ORGANIZATION: {"id": organization_id, "confirmName": "acme"},
        CREATE_TEAM: {"organizationId": organization_id, "name": "new-team"},
        ADD_ORGANIZATION_MEMBER: {
            "organizationId": organization_id,
            "username": "ada",
            "role": "MEMBER",
        },
    }
    return {"input": inputs[document]}


def team_input(document: str, team_id: str) -> dict[str, Any]:
    """Valid variables for `document`, except perhaps the team id it targets."""
    inputs: dict[str, dict[str, Any]] = {
        UPDATE_TEAM: {"id": team_id, "name": "renamed"},
        DELETE_TEAM: {"id": team_id},
    }
    return {"input": inputs[document]}


ORGANIZATION_MUTATIONS = {
    "updateOrganization": UPDATE_ORGANIZATION,
    "deleteOrganization": DELETE_ORGANIZATION,
    "createTeam": CREATE_TEAM,
    "addOrganizationMember": ADD_ORGANIZATION_MEMBER,
}
TEAM_MUTATIONS = {"updateTeam": UPDATE_TEAM, "deleteTeam": DELETE_TEAM}

organization_mutations = pytest.mark.parametrize(
    "document", ORGANIZATION_MUTATIONS.values(), ids=ORGANIZATION_MUTATIONS.keys()
)
team_mutations = pytest.mark.parametrize(
    "document", TEAM_MUTATIONS.values(), ids=TEAM_MUTATIONS.keys()
)

NEVER_EXISTED = 987_654


class TestUnknownTargets:
    """The object a mutation acts on is missing or unreadable: top-level NOT_FOUND."""

    @organization_mutations
    async def test_deleted_organization(
        self, gql: GraphQLClient, factory: Factory, ada: Person, document: str
    ) -> None:
        gone = await factory.organization("gone", owner=ada)
        await delete_row(factory, Organization, gone)
        variables = organization_input(document, global_id("Organization", gone))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=ada)
        assert_top_level(body, "NOT_FOUND")

    @organization_mutations
    async def test_organization_that_never_existed(
        self, gql: GraphQLClient, factory: Factory, ada: Person, document: str
    ) -> None:
        variables = organization_input(document, global_id("Organization", NEVER_EXISTED))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=ada)
        assert_top_level(body, "NOT_FOUND")

    @organization_mutations
    async def test_organization_the_viewer_may_not_read(
        self, gql: GraphQLClient, factory: Factory, acme: int, bob: Person, document: str
    ) -> None:
        # acme exists, but bob is no member: for him it does not (no FORBIDDEN to leak it).
        variables = organization_input(document, global_id("Organization", acme))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=bob)
        assert_top_level(body, "NOT_FOUND")

    @team_mutations
    async def test_deleted_team(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, document: str
    ) -> None:
        gone = await factory.team(acme, "gone")
        await delete_row(factory, Team, gone)
        async with unchanged(factory):
            body = await post(gql, document, team_input(document, global_id("Team", gone)), as_=ada)
        assert_top_level(body, "NOT_FOUND")

    @team_mutations
    async def test_team_that_never_existed(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, document: str
    ) -> None:
        variables = team_input(document, global_id("Team", NEVER_EXISTED))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=ada)
        assert_top_level(body, "NOT_FOUND")

    @team_mutations
    async def test_team_the_viewer_may_not_read(
        self, gql: GraphQLClient, factory: Factory, core: int, bob: Person, document: str
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, document, team_input(document, global_id("Team", core)), as_=bob)
        assert_top_level(body, "NOT_FOUND")

    @pytest.mark.parametrize("username", ["nobody", "Nobody", "-bad"])
    async def test_unknown_username_is_a_user_error(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, username: str
    ) -> None:
        organization_id = global_id("Organization", acme)
        variables = {
            "input": {"organizationId": organization_id, "username": username, "role": "MEMBER"}
        }
        async with unchanged(factory):
            body = await post(gql, ADD_ORGANIZATION_MEMBER, variables, as_=ada)
        assert_user_error(body, ADD_ORGANIZATION_MEMBER, field="username", code="NOT_FOUND")


# Ids that are no global id at all, or whose `Type:id` cannot name a row of the right type.
UNPARSEABLE_IDS = {"not-base64": "not-base64!!", "empty": ""}
BAD_NODE_PARTS = {
    "no-separator": None,
    "empty-node-part": "",
    "non-numeric": "abc",
    "negative": "-1",
    "plus-sign": "+1",
    "padded": " 1",
    "superscript-digit": "²",
    "arabic-indic-digit": "٣",
    "beyond-64-bits": "9" * 23,
    "beyond-python-int-parsing": "9" * 5000,
}


def malformed_ids(type_name: str) -> dict[str, str]:
    ids = dict(UNPARSEABLE_IDS)
    for label, part in BAD_NODE_PARTS.items():
        ids[label] = b64(type_name if part is None else f"{type_name}:{part}")
    return ids


MALFORMED_ORGANIZATION_IDS = malformed_ids("Organization")
MALFORMED_TEAM_IDS = malformed_ids("Team")

# Well-formed global ids (base64 of `Type:id`) that name nothing: `node` answers null.
IDS_OF_NOTHING = {
    "unknown-type": b64("Widget:1"),
    "lowercase-type": b64("organization:1"),
    **{
        label: b64(f"Organization:{part}")
        for label, part in BAD_NODE_PARTS.items()
        if part  # the others are not well formed
    },
}


class TestMalformedIds:
    @organization_mutations
    @pytest.mark.parametrize(
        "bad_id", MALFORMED_ORGANIZATION_IDS.values(), ids=MALFORMED_ORGANIZATION_IDS.keys()
    )
    async def test_organization_id(
        self, gql: GraphQLClient, factory: Factory, ada: Person, document: str, bad_id: str
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, document, organization_input(document, bad_id), as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    @team_mutations
    @pytest.mark.parametrize("bad_id", MALFORMED_TEAM_IDS.values(), ids=MALFORMED_TEAM_IDS.keys())
    async def test_team_id(
        self, gql: GraphQLClient, factory: Factory, ada: Person, document: str, bad_id: str
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, document, team_input(document, bad_id), as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    @organization_mutations
    async def test_a_team_id_where_an_organization_id_belongs(
        self, gql: GraphQLClient, factory: Factory, ada: Person, core: int, document: str
    ) -> None:
        variables = organization_input(document, global_id("Team", core))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    @team_mutations
    async def test_an_organization_id_where_a_team_id_belongs(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, document: str
    ) -> None:
        variables = team_input(document, global_id("Organization", acme))
        async with unchanged(factory):
            body = await post(gql, document, variables, as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    async def test_a_malformed_id_written_in_the_document(
        self, gql: GraphQLClient, factory: Factory, ada: Person, core: int
    ) -> None:
        query = 'mutation { deleteTeam(input: {id: "not-base64!!"}) { deletedId } }'
        async with unchanged(factory):
            body = await post(gql, query, as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    async def test_node_with_an_unparseable_id(self, gql: GraphQLClient, ada: Person) -> None:
        assert_top_level(await post(gql, NODE, {"id": "not-base64!!"}, as_=ada), "BAD_USER_INPUT")

    @pytest.mark.parametrize("node_id", IDS_OF_NOTHING.values(), ids=IDS_OF_NOTHING.keys())
    async def test_node_with_a_well_formed_id_of_nothing_is_null(
        self, gql: GraphQLClient, ada: Person, node_id: str
    ) -> None:
        assert await post(gql, NODE, {"id": node_id}, as_=ada) == {"data": {"node": None}}

    async def test_nodes_answers_null_for_each_id_of_nothing(
        self, gql: GraphQLClient, ada: Person, acme: int
    ) -> None:
        acme_id = global_id("Organization", acme)
        ids = [*IDS_OF_NOTHING.values(), acme_id, global_id("Organization", NEVER_EXISTED)]
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        body = await post(gql, query, {"ids": ids}, as_=ada)
        nulls = [None] * len(IDS_OF_NOTHING)
        assert body == {"data": {"nodes": [*nulls, {"id": acme_id}, None]}}

    async def test_nodes_answers_null_in_place_of_a_malformed_id(
        self, gql: GraphQLClient, ada: Person, acme: int
    ) -> None:
        """api.md 2026-11-30: a malformed id among others is null in its place; the readable
        objects around it are still answered (it used to null the whole response)."""
        acme_id = global_id("Organization", acme)
        query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
        ids = [acme_id, "a", "not-base64!!", "", acme_id]
        body = await post(gql, query, {"ids": ids}, as_=ada)
        assert body == {"data": {"nodes": [{"id": acme_id}, None, None, None, {"id": acme_id}]}}


# ---- page sizes and cursors -------------------------------------------------------------------

PAGED_QUERIES = {
    "organizations-first": "query($n: Int) { organizations(first: $n) { edges { cursor } } }",
    "organizations-last": "query($n: Int) { organizations(last: $n) { edges { cursor } } }",
    "members-first": """query($n: Int) { organizations { edges { node {
        members(first: $n) { edges { node { role } } } } } } }""",
}
paged_queries = pytest.mark.parametrize("query", PAGED_QUERIES.values(), ids=PAGED_QUERIES.keys())


class TestPageSizes:
    @paged_queries
    @pytest.mark.parametrize("size", [1000, 101, -1], ids=["1000", "101", "minus-1"])
    async def test_out_of_range(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, query: str, size: int
    ) -> None:
        async with unchanged(factory):
            body = await post(gql, query, {"n": size}, as_=ada)
        assert_top_level(body, "BAD_USER_INPUT")

    @paged_queries
    async def test_out_of_range_written_in_the_document(
        self, gql: GraphQLClient, ada: Person, acme: int, query: str
    ) -> None:
        inline = query.replace("query($n: Int) ", "").replace("$n", "1000")
        assert_top_level(await post(gql, inline, as_=ada), "BAD_USER_INPUT")

    @paged_queries
    async def test_a_hundred_is_fine(
        self, gql: GraphQLClient, ada: Person, acme: int, query: str
    ) -> None:
        body = await post(gql, query, {"n": 100}, as_=ada)
        assert "errors" not in body, body
        assert len(body["data"]["organizations"]["edges"]) == 1

    async def test_a_hundred_at_two_levels_is_fine(
        self, gql: GraphQLClient, ada: Person, acme: int
    ) -> None:
        query = """{ organizations(first: 100) { edges { node {
            members(first: 100) { edges { node { role } } } } } } }"""
        members = {"edges": [{"node": {"role": "OWNER"}}]}
        organizations = {"edges": [{"node": {"members": members}}]}
        assert await post(gql, query, as_=ada) == {"data": {"organizations": organizations}}

    async def test_first_and_last_together(
        self, gql: GraphQLClient, ada: Person, acme: int
    ) -> None:
        query = "{ organizations(first: 1, last: 1) { edges { node { name } } } }"
        assert_top_level(await post(gql, query, as_=ada), "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "cursor",
        [
            "garbage!",
            b64("[1, 2]"),
            b64('{"a": 1}'),
            b64('["username", ["a", 1]]'),
            b64('["name", [1, "x"]]'),
            b64('["name", ["a", 99999999999999999999999]]'),
            b64('["name", ["a"]]'),
        ],
        ids=[
            "not-base64",
            "not-a-pair",
            "object",
            "another-lists-cursor",
            "forged-value-types",
            "forged-huge-id",
            "forged-short",
        ],
    )
    async def test_a_cursor_not_from_this_list(
        self, gql: GraphQLClient, ada: Person, acme: int, cursor: str
    ) -> None:
        query = "query($c: String) { organizations(after: $c) { edges { node { name } } } }"
        assert_top_level(await post(gql, query, {"c": cursor}, as_=ada), "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "cursor",
        [
            b64('["-created_at", [{"dt": "yesterday"}, 1]]'),
            b64('["-created_at", [{"dt": "2020-01-01T00:00:00"}, 1]]'),
            b64('["-created_at", ["2020-01-01T00:00:00+00:00", 1]]'),
        ],
        ids=["not-a-datetime", "naive-datetime", "string-for-datetime"],
    )
    async def test_a_forged_datetime_cursor(
        self, gql: GraphQLClient, ada: Person, cursor: str
    ) -> None:
        query = """query($c: String) {
            viewer { accessTokens(after: $c) { edges { node { name } } } } }"""
        assert_top_level(await post(gql, query, {"c": cursor}, as_=ada), "BAD_USER_INPUT")


# ---- NUL characters ---------------------------------------------------------------------------

NUL_NAME = "ac\x00me"


class TestNulCharacters:
    """PostgreSQL refuses NUL in text and SQLite would store it: hubql refuses it everywhere, at
    the request decoder, naming the variable (HTTP 400, nothing runs, nothing changes)."""

    @pytest.mark.parametrize(
        ("query", "variables", "path"),
        [
            ("query($v: String!) { organization(name: $v) { name } }", {"v": NUL_NAME}, "v"),
            ("query($v: String!) { user(username: $v) { username } }", {"v": NUL_NAME}, "v"),
            (
                'query($v: String!) { organization(name: "acme") { team(name: $v) { name } } }',
                {"v": NUL_NAME},
                "v",
            ),
            (
                ADD_ORGANIZATION_MEMBER,
                {"input": {"organizationId": "acme", "username": "a\x00da", "role": "MEMBER"}},
                "input.username",
            ),
            (CREATE_ORGANIZATION, {"input": {"name": NUL_NAME}}, "input.name"),
            (
                CREATE_ORGANIZATION,
                {"input": {"name": "fine", "displayName": "a\x00"}},
                "input.displayName",
            ),
            (
                CREATE_ORGANIZATION,
                {"input": {"name": "fine", "description": "a\x00"}},
                "input.description",
            ),
            (UPDATE_TEAM, {"input": {"id": "x", "description": "a\x00"}}, "input.description"),
            (
                """mutation($input: CreateAccessTokenInput!) {
                    createAccessToken(input: $input) { token userErrors { field code } } }""",
                {"input": {"name": "c\x00i"}},
                "input.name",
            ),
        ],
        ids=[
            "organization",
            "user",
            "team",
            "username-to-add",
            "organization-name",
            "display-name",
            "description",
            "team-description",
            "token-name",
        ],
    )
    async def test_is_refused_naming_the_variable(
        self,
        gql: GraphQLClient,
        factory: Factory,
        ada: Person,
        core: int,
        query: str,
        variables: dict[str, Any],
        path: str,
    ) -> None:
        async with unchanged(factory):
            response = await gql.post(query, variables, as_=ada)
        assert_no_traceback(response)
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT"}
        assert error["message"].startswith(f"`variables.{path}` in the request contains a NUL")


# ---- complexity limits ------------------------------------------------------------------------

# One walk through the graph, each step with a leaf its type has: organizations -> members ->
# user -> organizations -> organization -> members -> ...
_WALK = [
    ("organizations(first: 1)", "totalCount"),
    ("edges", "cursor"),
    ("node", "name"),
    ("members(first: 1)", "totalCount"),
    ("edges", "cursor"),
    ("node", "role"),
    ("user", "username"),
    ("organizations(first: 1)", "totalCount"),
    ("edges", "cursor"),
    ("node", "role"),
    ("organization", "name"),
]
_WALK_LOOPS_BACK_TO = 3  # from `organization` on to its `members`


def deep_query(levels: int) -> str:
    """A valid query whose deepest field is `levels` fields down (`{ a { b } }` has 2)."""
    steps: list[tuple[str, str]] = []
    position = 0
    while len(steps) < levels - 1:
        steps.append(_WALK[position])
        position = position + 1 if position + 1 < len(_WALK) else _WALK_LOOPS_BACK_TO
    opening = " { ".join(field for field, _ in steps)
    return "{ " + opening + " { " + steps[-1][1] + " }" * len(steps) + " }"


def operations(count: int) -> str:
    """`count` small named operations. graphql-core counts 8 tokens for each: its 7 and the one
    it looks ahead at (the next `query`, or the end)."""
    return " ".join(f"query q{i} {{ viewer {{ username }} }}" for i in range(count))


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ username }}" for i in range(count)) + " }"


_BUDGET_BODY = """{ organizations(first: $a) { edges { node {
    members(first: $b) { edges { node {
      user { organizations(first: $c) { edges { node { role } } } } } } } } } } }"""

BUDGET_BUSTERS = {
    "literals": (
        _BUDGET_BODY.replace("$a", "100").replace("$b", "100").replace("$c", "100"),
        None,
    ),
    "variables": (
        "query($a: Int, $b: Int, $c: Int) " + _BUDGET_BODY,
        {"a": 100, "b": 100, "c": 100},
    ),
    "non-null-variables": (
        "query($a: Int!, $b: Int!, $c: Int!) " + _BUDGET_BODY,
        {"a": 100, "b": 100, "c": 100},
    ),
    "variable-defaults": (
        "query($a: Int = 100, $b: Int = 100, $c: Int = 100) " + _BUDGET_BODY,
        None,
    ),
    "fragments": (
        """query { organizations(first: 100) { edges { node { ...Org } } } }
        fragment Org on Organization { members(first: 100) { edges { node { ...Member } } } }
        fragment Member on OrganizationMember {
          user { ... on User { organizations(first: 100) { edges { node { role } } } } }
        }""",
        None,
    ),
}


class TestComplexityLimits:
    """Every limit answers QUERY_TOO_COMPLEX before a single SQL statement runs.

    Sent anonymously: authenticating a token runs statements, the anonymous viewer none.
    """

    async def assert_too_complex(
        self,
        gql: GraphQLClient,
        count_statements: StatementCounter,
        query: str,
        variables: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        count_statements.reset()
        body = await post(gql, query, variables)
        assert body.get("data") is None, body
        assert error_codes(body) == ["QUERY_TOO_COMPLEX"], body
        assert count_statements.count == 0
        return body

    async def test_20_levels_deep(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        body = await self.assert_too_complex(gql, count_statements, deep_query(20))
        assert "depth" in body["errors"][0]["message"]

    async def test_one_level_over_the_depth_limit(
        self, gql: GraphQLClient, count_statements: StatementCounter, settings: Settings
    ) -> None:
        # Strawberry counts the top-level field as depth 0: depth 12 is 13 fields down.
        await self.assert_too_complex(gql, count_statements, deep_query(settings.max_depth + 2))

    async def test_at_the_depth_limit_is_fine(self, gql: GraphQLClient, settings: Settings) -> None:
        body = await post(gql, deep_query(settings.max_depth + 1))
        assert body == {"data": {"organizations": {"edges": []}}}

    async def test_100_aliases(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        await self.assert_too_complex(gql, count_statements, aliases(100))

    async def test_one_alias_over_the_limit(
        self, gql: GraphQLClient, count_statements: StatementCounter, settings: Settings
    ) -> None:
        await self.assert_too_complex(gql, count_statements, aliases(settings.max_aliases + 1))

    async def test_aliases_at_the_limit_are_fine(
        self, gql: GraphQLClient, settings: Settings
    ) -> None:
        body = await post(gql, aliases(settings.max_aliases))
        assert body == {"data": {f"a{i}": None for i in range(settings.max_aliases)}}

    async def test_over_5000_tokens(
        self, gql: GraphQLClient, count_statements: StatementCounter, settings: Settings
    ) -> None:
        query = "{ viewer { " + "username " * settings.max_tokens + "} }"
        body = await self.assert_too_complex(gql, count_statements, query)
        assert "tokens" in body["errors"][0]["message"]

    async def test_one_token_over_the_limit(
        self, gql: GraphQLClient, count_statements: StatementCounter, settings: Settings
    ) -> None:
        query = operations(settings.max_tokens // 8 + 1)
        await self.assert_too_complex(gql, count_statements, query)

    async def test_tokens_at_the_limit_are_fine(
        self, gql: GraphQLClient, settings: Settings
    ) -> None:
        query = operations(settings.max_tokens // 8)
        response = await gql.http.post("/graphql", json={"query": query, "operationName": "q0"})
        assert without_cost(response.json()) == {"data": {"viewer": None}}

    async def test_nesting_too_deep_to_parse(
        self, gql: GraphQLClient, count_statements: StatementCounter
    ) -> None:
        # graphql-core stops parsing long before the depth limit could look at it.
        await self.assert_too_complex(gql, count_statements, "{ a " * 1000 + "}" * 1000)

    async def test_too_much_work_to_validate(
        self, gql: GraphQLClient, count_statements: StatementCounter, settings: Settings
    ) -> None:
        # Under the token limit, but comparing every field with every other is over
        # graphql-core's budget for validation.
        query = "{ viewer { " + "username " * (settings.max_tokens - 10) + "} }"
        await self.assert_too_complex(gql, count_statements, query)

    @pytest.mark.parametrize(
        ("query", "variables"), BUDGET_BUSTERS.values(), ids=BUDGET_BUSTERS.keys()
    )
    async def test_estimated_nodes_over_the_budget(
        self,
        gql: GraphQLClient,
        count_statements: StatementCounter,
        query: str,
        variables: dict[str, Any] | None,
    ) -> None:
        body = await self.assert_too_complex(gql, count_statements, query, variables)
        assert "nodes" in body["errors"][0]["message"]

    async def test_variables_override_their_defaults_in_the_budget(
        self, gql: GraphQLClient
    ) -> None:
        query, _ = BUDGET_BUSTERS["variable-defaults"]
        body = await post(gql, query, {"a": 10, "b": 10, "c": 10})
        assert body == {"data": {"organizations": {"edges": []}}}


# ---- HTTP -------------------------------------------------------------------------------------

JSON_CONTENT = {"content-type": "application/json"}
ACCEPT_JSON = {"accept": "application/json"}


def bearer(person: Person) -> dict[str, str]:
    return {"authorization": f"Bearer {person.token}"}


async def oversized_chunks(total: int) -> AsyncIterator[bytes]:
    """A JSON request body of more than `total` bytes, in chunks, with no Content-Length."""
    yield b'{"query": "{ viewer { username } }", "variables": {"pad": "'
    chunk = b"x" * 65536
    for _ in range(total // len(chunk) + 1):
        yield chunk
    yield b'"}}'


class TestHTTP:
    @pytest.mark.parametrize(
        "content",
        [b"{not json", b"", b'{"query": "{ viewer { username } }"', b"\xff\xfe\x00"],
        ids=["broken", "empty", "truncated", "not-utf8"],
    )
    async def test_a_body_that_is_not_json(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, content: bytes
    ) -> None:
        async with unchanged(factory):
            response = await http.post(
                "/graphql", content=content, headers={**JSON_CONTENT, **bearer(ada)}
            )
        assert_http_error(response, 400, "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "content",
        [
            b"123",
            b'"{ viewer { username } }"',
            b"null",
            b"[]",
            b'[{"query": "{ viewer { id } }"}]',
            b"[" * 100_000,
            b'{"query": "{ viewer { id } }", "variables": {"v": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}}",
        ],
        ids=[
            "number",
            "string",
            "null",
            "empty-batch",
            "batch",
            "nested-too-deep",
            "deep-variables",
        ],
    )
    async def test_json_that_is_not_a_request(
        self, http: httpx.AsyncClient, factory: Factory, content: bytes
    ) -> None:
        async with unchanged(factory):
            response = await http.post("/graphql", content=content, headers=JSON_CONTENT)
        assert_http_error(response, 400, "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"query": None},
            {"query": 5},
            {"query": SNEAKY_MUTATION, "variables": [1]},
            {"query": SNEAKY_MUTATION, "extensions": "x"},
        ],
        ids=["missing-query", "null-query", "number-query", "list-variables", "string-extensions"],
    )
    async def test_a_malformed_request(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, payload: dict[str, Any]
    ) -> None:
        async with unchanged(factory):
            response = await http.post("/graphql", json=payload, headers=bearer(ada))
        assert_http_error(response, 400, "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "application/x-www-form-urlencoded", None],
        ids=["text-plain", "form", "none"],
    )
    async def test_a_wrong_content_type(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, content_type: str | None
    ) -> None:
        headers = bearer(ada)
        if content_type is not None:
            headers["content-type"] = content_type
        content = json.dumps({"query": SNEAKY_MUTATION}).encode()
        async with unchanged(factory):
            response = await http.post("/graphql", content=content, headers=headers)
        assert_http_error(response, 400, "BAD_USER_INPUT")

    async def test_a_body_over_the_limit(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, settings: Settings
    ) -> None:
        payload = {"query": SNEAKY_MUTATION, "variables": {"pad": "x" * settings.max_body_bytes}}
        async with unchanged(factory):
            response = await http.post("/graphql", json=payload, headers=bearer(ada))
        assert_http_error(response, 413, "QUERY_TOO_COMPLEX")

    async def test_a_streamed_body_over_the_limit(
        self, http: httpx.AsyncClient, factory: Factory, settings: Settings
    ) -> None:
        # No Content-Length to refuse up front: the limit holds while the body is read.
        async with unchanged(factory):
            response = await http.post(
                "/graphql", content=oversized_chunks(settings.max_body_bytes), headers=JSON_CONTENT
            )
        assert "content-length" not in response.request.headers
        assert_http_error(response, 413, "QUERY_TOO_COMPLEX")

    async def test_a_body_just_under_the_limit_is_fine(
        self, http: httpx.AsyncClient, settings: Settings
    ) -> None:
        query = "{ viewer { username } }"
        envelope = len(json.dumps({"query": query, "variables": {"pad": ""}}).encode())
        padding = "x" * (settings.max_body_bytes - envelope)
        content = json.dumps({"query": query, "variables": {"pad": padding}}).encode()
        assert len(content) == settings.max_body_bytes
        response = await http.post("/graphql", content=content, headers=JSON_CONTENT)
        assert response.status_code == 200, response.text
        assert without_cost(response.json()) == {"data": {"viewer": None}}

    async def test_a_get_with_a_mutation_does_not_run_it(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person
    ) -> None:
        async with unchanged(factory):
            response = await http.get(
                "/graphql",
                params={"query": SNEAKY_MUTATION},
                headers={**ACCEPT_JSON, **bearer(ada)},
            )
        assert_http_error(response, 405, "BAD_USER_INPUT")
        assert response.headers["allow"] == "POST"

    async def test_a_get_with_a_query_works(self, http: httpx.AsyncClient, ada: Person) -> None:
        response = await http.get(
            "/graphql",
            params={"query": "{ viewer { username } }"},
            headers={**ACCEPT_JSON, **bearer(ada)},
        )
        assert response.status_code == 200, response.text
        assert without_cost(response.json()) == {"data": {"viewer": {"username": "ada"}}}

    @pytest.mark.parametrize(
        "params",
        [{}, {"query": "{ viewer { username } }", "variables": "{not json"}],
        ids=["no-query", "broken-variables"],
    )
    async def test_a_get_without_a_usable_query(
        self, http: httpx.AsyncClient, params: dict[str, str]
    ) -> None:
        response = await http.get("/graphql", params=params, headers=ACCEPT_JSON)
        assert_http_error(response, 400, "BAD_USER_INPUT")

    @pytest.mark.parametrize(
        "query",
        [
            "{ viewer {",
            "{ nosuchfield }",
            "query($n: Int!) { organizations(first: $n) { totalCount } }",
        ],
        ids=["syntax", "unknown-field", "missing-variable"],
    )
    async def test_an_invalid_document(self, gql: GraphQLClient, query: str) -> None:
        assert_top_level(await post(gql, query), "BAD_USER_INPUT")

    async def test_a_variable_of_the_wrong_type(self, gql: GraphQLClient) -> None:
        query = "query($n: Int) { organizations(first: $n) { totalCount } }"
        assert_top_level(await post(gql, query, {"n": "ten"}), "BAD_USER_INPUT")


# ---- authentication ---------------------------------------------------------------------------


async def stored_token(
    factory: Factory, person: Person, *, revoked: bool = False, expired: bool = False
) -> str:
    token = mint_token()
    now = utcnow()
    async with factory.sessions() as session, session.begin():
        session.add(
            AccessToken(
                user_id=person.id,
                name="extra",
                token_hash=hash_token(token),
                prefix=token[:12],
                revoked_at=now - timedelta(minutes=1) if revoked else None,
                expires_at=now - timedelta(seconds=1) if expired else None,
            )
        )
    return token


class TestAuthentication:
    async def assert_unauthenticated(
        self, http: httpx.AsyncClient, factory: Factory, authorization: str
    ) -> None:
        async with unchanged(factory):
            response = await http.post(
                "/graphql",
                json={"query": SNEAKY_MUTATION},
                headers={"authorization": authorization},
            )
        assert_http_error(response, 401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize(
        "token",
        ["nope", "hubql_" + "A" * 43, "hubql_"],
        ids=["garbage", "well-formed-unknown", "prefix-only"],
    )
    async def test_a_bad_token(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, token: str
    ) -> None:
        await self.assert_unauthenticated(http, factory, f"Bearer {token}")

    async def test_a_revoked_token(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person
    ) -> None:
        token = await stored_token(factory, ada, revoked=True)
        await self.assert_unauthenticated(http, factory, f"Bearer {token}")

    async def test_an_expired_token(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person
    ) -> None:
        token = await stored_token(factory, ada, expired=True)
        await self.assert_unauthenticated(http, factory, f"Bearer {token}")

    @pytest.mark.parametrize(
        "header",
        ["Basic x", "Basic {token}", "Token {token}", "Bearer", "Bearer ", "{token}"],
        ids=["basic", "basic-with-token", "other-scheme", "bearer-alone", "bearer-blank", "bare"],
    )
    async def test_a_malformed_authorization_header(
        self, http: httpx.AsyncClient, factory: Factory, ada: Person, header: str
    ) -> None:
        await self.assert_unauthenticated(http, factory, header.format(token=ada.token))

    async def test_the_scheme_is_case_insensitive(
        self, http: httpx.AsyncClient, ada: Person
    ) -> None:
        response = await http.post(
            "/graphql",
            json={"query": "{ viewer { username } }"},
            headers={"authorization": f"bearer {ada.token}"},
        )
        assert without_cost(response.json()) == {"data": {"viewer": {"username": "ada"}}}


# ---- confirmations ----------------------------------------------------------------------------


class TestDeleteConfirmation:
    @pytest.mark.parametrize(
        "confirm_name",
        ["acm", "acme2", "", " acme", "globex"],
        ids=["prefix", "longer", "empty", "leading-space", "another-organization"],
    )
    async def test_a_wrong_confirm_name(
        self, gql: GraphQLClient, factory: Factory, ada: Person, acme: int, confirm_name: str
    ) -> None:
        await factory.organization("globex", owner=ada)
        variables = {"input": {"id": global_id("Organization", acme), "confirmName": confirm_name}}
        async with unchanged(factory):
            body = await post(gql, DELETE_ORGANIZATION, variables, as_=ada)
        assert_user_error(body, DELETE_ORGANIZATION, field="confirmName", code="INVALID")
        still_there = await post(gql, '{ organization(name: "acme") { name } }', as_=ada)
        assert still_there == {"data": {"organization": {"name": "acme"}}}

    async def test_the_right_confirm_name_in_another_case_deletes(
        self, gql: GraphQLClient, ada: Person, acme: int
    ) -> None:
        variables = {"input": {"id": global_id("Organization", acme), "confirmName": "ACME"}}
        body = await post(gql, DELETE_ORGANIZATION, variables, as_=ada)
        payload = {"deletedId": global_id("Organization", acme), "userErrors": []}
        assert body == {"data": {"deleteOrganization": payload}}


# ---- operations in the wrong place --------------------------------------------------------------

SUBSCRIPTION = 'subscription Watch { activity(organization: "acme") { id } }'


class TestSubscriptionsOverHttp:
    """Subscriptions live on the WebSocket; over HTTP they are refused as the client's mistake,
    whatever the method and the media type, and a query beside one still runs."""

    @pytest.mark.parametrize(
        ("method", "accept", "status"),
        [
            ("POST", "application/json", 200),
            ("POST", "application/graphql-response+json", 400),
            ("POST", "multipart/mixed", 200),
            ("GET", "application/json", 200),
        ],
    )
    async def test_refused_with_a_code(
        self, http: httpx.AsyncClient, ada: Person, acme: int, method: str, accept: str, status: int
    ) -> None:
        headers = {"Authorization": f"Bearer {ada.token}", "Accept": accept}
        if method == "GET":
            response = await http.get("/graphql", params={"query": SUBSCRIPTION}, headers=headers)
        else:
            response = await http.post("/graphql", json={"query": SUBSCRIPTION}, headers=headers)
        assert_no_traceback(response)
        assert response.status_code == status, response.text
        body = response.json()
        assert error_codes(body) == ["BAD_USER_INPUT"], body
        assert "WebSocket" in body["errors"][0]["message"]

    async def test_a_query_beside_a_subscription_runs(
        self, http: httpx.AsyncClient, ada: Person, acme: int
    ) -> None:
        document = f'{SUBSCRIPTION}\nquery Name {{ organization(name: "acme") {{ name }} }}'
        response = await http.post(
            "/graphql",
            json={"query": document, "operationName": "Name"},
            headers={"Authorization": f"Bearer {ada.token}"},
        )
        assert without_cost(response.json()) == {"data": {"organization": {"name": "acme"}}}
